package dev.callvault;

/** A failure that trying again will not mend: unknown recording, bad credentials, refused input. */
public class PermanentException extends CallvaultException {
    public PermanentException(String message) {
        this(message, null);
    }

    public PermanentException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
