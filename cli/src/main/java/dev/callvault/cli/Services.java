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
    private Archiver archiver;

    Services(Config config) {
        this(config, 0);
    }

    /**
     * For a command that runs {@code workers} archives at once: each holds a database connection for moments only, but
     * a pool smaller than the workers made them queue for one (backfill --concurrency 32 with the default pool of 10
     * spent its time waiting in the pool), so the pool is raised to the workers and two more, and says so.
     */
    Services(Config config, int workers) {
        this.config = config;
        int pool = config.database().poolSize();
        if (workers > 0 && workers + 2 > pool) {
            org.slf4j.LoggerFactory.getLogger(Services.class).info("database pool raised from {} (database.pool-size) to {} connections for {} at once",
                    pool, workers + 2, workers);
            pool = workers + 2;
        }
        // the database's first connection and schema check, and Twilio's HTTP client with its TLS context, are each a
        // tenth of a second of a cold JVM and need nothing of each other: on two cores they overlap
        int size = pool;
        java.util.concurrent.CompletableFuture<Database> opening = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            Database d = Database.open(config, size);
            try {
                d.migrate();
                return d;
            } catch (RuntimeException e) {
                d.close();
                throw e;
            }
        }, r -> {
            Thread t = new Thread(r, "callvault-database-open");
            t.setDaemon(true);
            t.start();
        });
        TwilioRecordings client;
        try {
            client = new TwilioRecordings(config.twilio());
        } catch (RuntimeException e) {
            opening.thenAccept(Database::close);
            throw e;
        }
        this.twilio = client;
        this.db = dev.callvault.Futures.join(opening);
        try {
            this.store = RecordingStores.open(config.storage());
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * The archiver, made when first asked for (it brings Jdbi's start with it: a tenth of a second that a command with
     * nothing to archive does without). A bulk backfill stores recordings as fast as it can; their waveforms come on
     * first view, their calls' analytics from 'callvault analyze'. Encrypted recordings are authenticated as they are
     * stored where this host has their private keys.
     */
    synchronized Archiver archiver() {
        if (archiver == null) {
            archiver = new Archiver(twilio, store, db, MediaFormat.MP3, Clock.systemUTC(), dev.callvault.derived.DerivedWork.none(),
                    new dev.callvault.crypto.PrivateKeys(config.twilio().encryptionKeys()));
        }
        return archiver;
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
