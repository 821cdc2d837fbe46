package dev.callvault.privacy;

import dev.callvault.config.Config;
import dev.callvault.db.Database;
import dev.callvault.storage.RecordingStore;
import dev.callvault.twilio.TwilioRecordings;

import java.time.Clock;

/**
 * The personal-data lifecycle wired once from a configuration: holds, erasure and retention over the same purge, the
 * same keyed hash of numbers and the same clock. The daemon and the CLI build one where they need it.
 */
public final class Privacy {
    private final NumberHash hash;
    private final Holds holds;
    private final Eraser eraser;
    private final Retention retention;

    public Privacy(Config config, Database db, RecordingStore store, TwilioRecordings twilio, Clock clock) {
        this(config, db, store, twilio, clock, Purge.Failpoint.NONE);
    }

    /** {@code failpoint}: where a test stops a purge between two of its steps, as a kill would. */
    public Privacy(Config config, Database db, RecordingStore store, TwilioRecordings twilio, Clock clock, Purge.Failpoint failpoint) {
        this.hash = new NumberHash(config.privacy().hashSecret());
        this.holds = new Holds(db.jdbi(), hash, clock);
        Purge purge = new Purge(db, store, twilio, hash, clock, failpoint);
        this.eraser = new Eraser(db, hash, holds, purge, twilio, clock);
        this.retention = new Retention(config.privacy(), config.assistants(), db, holds, purge, clock);
    }

    public NumberHash hash() {
        return hash;
    }

    public Holds holds() {
        return holds;
    }

    public Eraser eraser() {
        return eraser;
    }

    public Retention retention() {
        return retention;
    }
}
