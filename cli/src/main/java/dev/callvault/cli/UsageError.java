package dev.callvault.cli;

/** The user asked for something that cannot work as asked: exit 64 with this one line. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message);
    }
}
