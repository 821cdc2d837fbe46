package dev.callvault.cli;

/** The input data cannot be used (unreadable file, invalid TwiML, malformed capture): exit 65. */
public final class BadInput extends RuntimeException {
    public BadInput(String message) {
        super(message);
    }
}
