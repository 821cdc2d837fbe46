package dev.callvault.twilio;

import dev.callvault.CallvaultException;
import dev.callvault.PermanentException;
import dev.callvault.RetryableException;

/** Turns what Twilio answered into a failure an operator can act on, retryable or not by type. */
public final class TwilioErrors {
    private TwilioErrors() {
    }

    /**
     * What an error code of a recording status callback means, for the ones an operator must act on (those of Voice
     * Recording Encryption); null for others and for none ("0" or blank).
     */
    public static String meaning(String errorCode) {
        return switch (errorCode == null ? "" : errorCode.strip()) {
            case "16105" -> "16105: Twilio did not store the recording: the account has no valid public key for Voice Recording Encryption "
                    + "(check the public keys in Twilio's console)";
            case "16107" -> "16107: Twilio encrypted the recording with an alternate public key, the primary one being invalid "
                    + "(its private key must be configured here: twilio.encryption.private-key.CR...)";
            default -> null;
        };
    }

    /** True when a status callback's {@code ErrorCode} names an error: not absent, blank or "0". */
    public static boolean isError(String errorCode) {
        return errorCode != null && !errorCode.isBlank() && !errorCode.strip().equals("0");
    }

    static CallvaultException forStatus(int status, String doing, String what, String accountSid, String detail) {
        String suffix = detail == null || detail.isBlank() ? "" : ": " + detail;
        if (status == 404) {
            return new RecordingNotFoundException("Twilio has no " + what + " (HTTP 404" + suffix + ")");
        }
        if (status == 401 || status == 403) {
            return new PermanentException("Twilio refused the credentials for account " + accountSid + " while " + doing + " " + what
                    + " (HTTP " + status + suffix + "); check twilio.auth-token / TWILIO_AUTH_TOKEN or the API key");
        }
        if (status == 429 || status >= 500) {
            return new RetryableException("Twilio is unavailable or rate-limiting us while " + doing + " " + what + " (HTTP " + status + suffix
                    + "); it will be tried again");
        }
        return new PermanentException("Twilio answered HTTP " + status + " while " + doing + " " + what + suffix);
    }

    /** What a request of this HTTP method does, in words for a message: "deleting", "fetching". */
    static String doing(String method) {
        return switch (method) {
            case "GET", "HEAD" -> "fetching";
            case "DELETE" -> "deleting";
            case "POST" -> "updating";
            default -> "asking for";
        };
    }

}
