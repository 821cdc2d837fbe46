package dev.callvault;

/**
 * A failure callvault can name: what failed, with the identifiers an operator needs.
 * Whether trying again can help is told by the subtype, never by the message.
 */
public abstract class CallvaultException extends RuntimeException {
    protected CallvaultException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when the same work may succeed later without anyone changing anything. */
    public abstract boolean retryable();
}
