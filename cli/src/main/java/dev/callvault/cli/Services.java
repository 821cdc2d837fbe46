package dev.callvault.cli;

import dev.callvault.archive.Archiver;
import dev.callvault.config.Config;
import dev.callvault.db.Database;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecordings;

import java.time.Clock;

/** The shared core wired for one CLI command: database (migrated), store, Twilio, archiver. */
final class Services implements AutoCloseable {
    final Config config;
    final Database db;
    final RecordingStore store;
    final TwilioRecordings twilio;
    final Archiver archiver;

    Services(Config config) {
        this.config = config;
        this.db = Database.open(config);
        try {
            db.migrate();
            this.store = RecordingStores.open(config.storage());
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        this.twilio = new TwilioRecordings(config.twilio());
        // a bulk backfill stores recordings as fast as it can; their waveforms come on first view, their calls'
        // analytics from 'callvault analyze'
        this.archiver = new Archiver(twilio, store, db, MediaFormat.MP3, Clock.systemUTC(), dev.callvault.derived.DerivedWork.none());
    }

    /** The accounts a command works on: the one asked for, else every configured account. */
    java.util.List<String> accounts(String asked) {
        if (asked != null) {
            twilio.credentials(asked);
            return java.util.List.of(asked);
        }
        if (twilio.accounts().isEmpty()) {
            throw new dev.callvault.config.ConfigException("no Twilio account configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
        }
        return twilio.accounts();
    }

    @Override
    public void close() {
        store.close();
        db.close();
    }
}
