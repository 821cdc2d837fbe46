package dev.callvault.accounts;

import java.util.regex.Pattern;

/** Validation of Twilio SIDs: two capital letters naming the kind, then 32 lowercase hex digits. */
public final class Sids {
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");

    private Sids() {
    }

    public static boolean isValid(String prefix, String sid) {
        return sid != null && sid.length() == 34 && sid.startsWith(prefix) && HEX32.matcher(sid.substring(2)).matches();
    }

    /** Returns {@code sid} when it is a well-formed SID of the kind {@code prefix}, else throws naming what is wrong. */
    public static String require(String prefix, String sid, String what) {
        if (!isValid(prefix, sid)) {
            throw new IllegalArgumentException(what + " must be '" + prefix + "' followed by 32 lowercase hex digits, got '" + sid + "'");
        }
        return sid;
    }

    public static String account(String sid) {
        return require("AC", sid, "AccountSid");
    }

    public static String call(String sid) {
        return require("CA", sid, "CallSid");
    }

    public static String recording(String sid) {
        return require("RE", sid, "RecordingSid");
    }
}
