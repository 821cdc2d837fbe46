package dev.callvault;

/** A failure of something outside callvault (Twilio, S3, the database) that may pass: try again later. */
public class RetryableException extends CallvaultException {
    public RetryableException(String message) {
        this(message, null);
    }

    public RetryableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
