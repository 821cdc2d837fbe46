package dev.callvault.cli;

import dev.callvault.calls.PhoneNumbers;
import dev.callvault.config.Config;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.privacy.Privacy;

import java.time.Clock;

/** What the privacy commands (retention, hold, erase) share: who acts, how numbers and calls are named, the lifecycle. */
final class PrivacyCommands {
    private PrivacyCommands() {
    }

    /** The person acting: {@code --by}, else the operating system's user (cron's is root). */
    static String actor(String by) {
        return by != null && !by.isBlank() ? by.strip() : System.getProperty("user.name", "unknown");
    }

    /**
     * A number in any common format, as the E.164 number calls are stored under; a usage error when it is not a number
     * that can exist (a part of one, a wrong length, a number no plan allows), naming the region it was read in.
     */
    static String number(String typed, Config config) {
        return PhoneNumbers.valid(typed, config.phoneRegion()).orElseThrow(() -> new UsageError("--number: '" + typed
                + "' is not a valid phone number" + (typed.strip().startsWith("+") ? "" : " in " + config.phoneRegion()
                + " (phone.default-region: a number without + and its country code is read there)")
                + "; give the whole number, with + and its country code for another country (+44 20 7183 8750)"));
    }

    static CallRow call(Services s, String ref) {
        if (!CallRepository.isCallReference(ref)) {
            throw new UsageError("--call: '" + ref + "' is neither a CallSid (CA + 32 hex digits) nor a call id (UUID)");
        }
        return new CallRepository(s.db.jdbi()).find(ref).orElseThrow(() -> new DownloadCommand.NotFound("no call " + ref));
    }

    /** The lifecycle over this command's services; holds still keeping a plain number get its hash first. */
    static Privacy privacy(Services s) {
        Privacy p = new Privacy(s.config, s.db, s.store, s.twilio, Clock.systemUTC());
        p.holds().hashStoredNumbers();
        return p;
    }

    static RecordingRepository recordings(Services s) {
        return new RecordingRepository(s.db.jdbi());
    }
}
