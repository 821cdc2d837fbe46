package dev.callvault.daemon;

/** One HTTP byte range resolved against an object's size (RFC 9110 14.1.2); multiple ranges are not served. */
record ByteRange(long first, long last) {
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    long length() {
        return last - first + 1;
    }

    /** Null when there is no usable Range header (absent, malformed or several ranges: send the whole object). */
    static ByteRange parse(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.contains(",")) {
            return null;
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) { // suffix: the last N bytes
                long n = Long.parseLong(b);
                if (n <= 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(Math.max(0, size - n), size - 1);
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (first >= size || (!b.isEmpty() && Long.parseLong(b) < first)) {
                return first >= size ? UNSATISFIABLE : null;
            }
            return new ByteRange(first, last);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
