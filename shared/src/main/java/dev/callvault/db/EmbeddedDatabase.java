package dev.callvault.db;

import dev.callvault.RetryableException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL run by callvault itself, its data kept in the state directory, so that the daemon works on a
 * machine with nothing but a JDK. Production points {@code database.url} at a managed server instead.
 */
final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** The server's binaries, which the checkout's build carries and the Debian package does not. */
    static final String BINARIES = "/postgres-linux-x86_64.txz";

    static EmbeddedDatabase start(Path dataDir) {
        if (EmbeddedDatabase.class.getResource(BINARIES) == null) {
            throw new dev.callvault.config.ConfigException("no database is configured and this install carries no embedded PostgreSQL: "
                    + "set database.url (CALLVAULT_DATABASE_URL) to a PostgreSQL server (an install uses the system's PostgreSQL; "
                    + "docs/operations.md says how to make its database)");
        }
        try {
            Files.createDirectories(dataDir.getParent());
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .start();
            log.info("embedded PostgreSQL started, data in {}", dataDir);
            return new EmbeddedDatabase(pg);
        } catch (IOException e) {
            throw new RetryableException("could not start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                    + " (set database.url / CALLVAULT_DATABASE_URL to use a PostgreSQL server instead)", e);
        }
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
