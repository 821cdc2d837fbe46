package dev.callvault.db;

import dev.callvault.RetryableException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

import javax.sql.DataSource;
import java.util.Arrays;

/** Flyway over {@code db/migration}, in a class of its own so that a run against a current schema never loads it. */
final class Migrations {
    private Migrations() {
    }

    /** Applies pending migrations; refuses to run against a schema newer than this code. */
    static void migrate(DataSource dataSource, String schema) {
        Flyway flyway = flyway(dataSource, schema);
        try {
            MigrationInfo[] future = Arrays.stream(flyway.info().all())
                    .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS).toArray(MigrationInfo[]::new);
            if (future.length > 0) {
                throw new Database.SchemaTooNewException("the database schema is at version " + future[future.length - 1].getVersion()
                        + ", newer than this callvault knows; upgrade callvault before running it against this database");
            }
            flyway.migrate();
        } catch (FlywayException e) {
            throw new RetryableException("database migration failed: " + e.getMessage(), e);
        }
    }

    static Database.MigrationStatus status(DataSource dataSource, String schema) {
        Flyway flyway = flyway(dataSource, schema);
        MigrationInfo current = flyway.info().current();
        int pending = flyway.info().pending().length;
        return new Database.MigrationStatus(current == null ? null : current.getVersion().toString(), pending);
    }

    private static Flyway flyway(DataSource dataSource, String schema) {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .locations("classpath:db/migration")
                .ignoreMigrationPatterns("*:future")
                .load();
    }
}
