package dev.callvault.twilio;

import dev.callvault.PermanentException;

/** Twilio does not know the recording (or it was deleted): retrying cannot help. */
public final class RecordingNotFoundException extends PermanentException {
    RecordingNotFoundException(String message) {
        super(message);
    }
}
