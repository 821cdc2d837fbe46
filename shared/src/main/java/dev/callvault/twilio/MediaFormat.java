package dev.callvault.twilio;

/** The two encodings Twilio serves a recording's media in. */
public enum MediaFormat {
    MP3("mp3", "audio/mpeg"),
    WAV("wav", "audio/wav");

    private final String extension;
    private final String contentType;

    MediaFormat(String extension, String contentType) {
        this.extension = extension;
        this.contentType = contentType;
    }

    public String extension() {
        return extension;
    }

    public String contentType() {
        return contentType;
    }

    public static MediaFormat parse(String s) {
        for (MediaFormat f : values()) {
            if (f.extension.equalsIgnoreCase(s)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown media format '" + s + "': expected mp3 or wav");
    }
}
