package dev.callvault.cli;

import dev.callvault.calls.PhoneNumbers;
import dev.callvault.config.Config;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.privacy.Eraser;
import dev.callvault.privacy.Holds;
import dev.callvault.privacy.NumberHash;
import dev.callvault.privacy.Purge;
import dev.callvault.privacy.Retention;

import java.time.Clock;

/** What the privacy commands (retention, hold, erase) share: who acts, how numbers and calls are named, the purge. */
final class PrivacyCommands {
    private PrivacyCommands() {
    }

    /** The person acting: {@code --by}, else the operating system's user (cron's is root). */
    static String actor(String by) {
        return by != null && !by.isBlank() ? by.strip() : System.getProperty("user.name", "unknown");
    }

    /** A number in any common format, as the E.164 number calls are stored under; a usage error when it is not a whole number. */
    static String number(String typed, Config config) {
        return PhoneNumbers.e164(typed, config.phoneRegion()).orElseThrow(() -> new UsageError("--number: '" + typed
                + "' is not a whole phone number (in " + config.phoneRegion() + " unless it starts with +country code); erasure matches whole numbers only"));
    }

    static CallRow call(Services s, String ref) {
        if (!CallRepository.isCallReference(ref)) {
            throw new UsageError("--call: '" + ref + "' is neither a CallSid (CA + 32 hex digits) nor a call id (UUID)");
        }
        return new CallRepository(s.db.jdbi()).find(ref).orElseThrow(() -> new DownloadCommand.NotFound("no call " + ref));
    }

    static Holds holds(Services s) {
        return new Holds(s.db.jdbi(), Clock.systemUTC());
    }

    static Purge purge(Services s) {
        return new Purge(s.db, s.store, s.twilio, new NumberHash(s.config.privacy().hashSecret()), Clock.systemUTC());
    }

    static Retention retention(Services s) {
        return new Retention(s.config.privacy(), s.db, holds(s), Clock.systemUTC());
    }

    static Eraser eraser(Services s) {
        return new Eraser(s.db, new NumberHash(s.config.privacy().hashSecret()), holds(s), Clock.systemUTC());
    }

    static RecordingRepository recordings(Services s) {
        return new RecordingRepository(s.db.jdbi());
    }
}
