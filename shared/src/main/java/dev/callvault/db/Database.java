package dev.callvault.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.callvault.RetryableException;
import dev.callvault.config.Config;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

/** The connection pool, Jdbi on top of it, and the schema migrations: everything that talks SQL starts here. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final AutoCloseable embedded;

    private Database(HikariDataSource dataSource, AutoCloseable embedded) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
    }

    /** Connects to the configured PostgreSQL, or starts the embedded one when none is configured. */
    public static Database open(Config config) {
        return open(config, config.database().poolSize());
    }

    /** As {@link #open(Config)}, with a pool of {@code poolSize} connections rather than the configured number. */
    public static Database open(Config config, int poolSize) {
        Config.Database db = config.database();
        if (db.embedded()) {
            EmbeddedDatabase embedded = EmbeddedDatabase.start(config.stateDir().resolve("postgres"));
            return new Database(pool(embedded.jdbcUrl(), "postgres", null, poolSize), embedded);
        }
        return new Database(pool(db.jdbcUrl(), db.user(), db.password() == null ? null : db.password().reveal(), poolSize), null);
    }

    /** For tests and tools that already hold a JDBC URL. */
    public static Database connect(String jdbcUrl, String user, int poolSize) {
        return new Database(pool(jdbcUrl, user, null, poolSize), null);
    }

    /**
     * A second, separate pool of {@code size} connections to the same database, for work that must never queue behind
     * the rest (Twilio's webhooks are answered from it). Closing it leaves this one, and an embedded server, running.
     */
    public Database sidePool(String name, int size) {
        HikariDataSource side = pool(dataSource.getJdbcUrl(), dataSource.getUsername(), dataSource.getPassword(), size, name);
        return new Database(side, null);
    }

    private static HikariDataSource pool(String url, String user, String password, int size) {
        return pool(url, user, password, size, "callvault");
    }

    private static HikariDataSource pool(String url, String user, String password, int size, String name) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(user);
        hc.setPassword(password);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(Math.min(2, size));
        hc.setPoolName(name);
        // fail fast at start with a clear error instead of hanging; callers map it to "database unavailable"
        hc.setInitializationFailTimeout(-1);
        // short: a caller that cannot get a connection in 2 s is better told so (the daemon then journals a callback
        // instead of keeping Twilio waiting) than kept waiting for a database that is down
        hc.setConnectionTimeout(2_000);
        return new HikariDataSource(hc);
    }

    /** Applies pending migrations; refuses to run against a schema newer than this code. */
    public void migrate() {
        Flyway flyway = flyway();
        try {
            MigrationInfo[] future = Arrays.stream(flyway.info().all())
                    .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS).toArray(MigrationInfo[]::new);
            if (future.length > 0) {
                throw new SchemaTooNewException("the database schema is at version " + future[future.length - 1].getVersion()
                        + ", newer than this callvault knows; upgrade callvault before running it against this database");
            }
            flyway.migrate();
        } catch (FlywayException e) {
            throw new RetryableException("database migration failed: " + e.getMessage(), e);
        }
    }

    /** The schema version in the database and whether migrations are pending, for readiness checks and {@code db status}. */
    public MigrationStatus migrationStatus() {
        Flyway flyway = flyway();
        MigrationInfo current = flyway.info().current();
        int pending = flyway.info().pending().length;
        return new MigrationStatus(current == null ? null : current.getVersion().toString(), pending);
    }

    public record MigrationStatus(String currentVersion, int pending) {
        public boolean current() {
            return pending == 0 && currentVersion != null;
        }
    }

    private Flyway flyway() {
        String schema = currentSchema();
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .locations("classpath:db/migration")
                .ignoreMigrationPatterns("*:future")
                .load();
    }

    private String currentSchema() {
        try (Connection c = dataSource.getConnection()) {
            String s = c.getSchema();
            return s == null ? "public" : s;
        } catch (SQLException e) {
            throw new RetryableException("database unreachable at " + dataSource.getJdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** True when a connection can be had and answers a query within two seconds. */
    public boolean reachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * True when {@code e} says the database could not be reached (no connection, connection lost, server shutting
     * down), as opposed to a statement it refused: the first is worth waiting out, the second is not.
     */
    public static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.net.ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public String jdbcUrl() {
        return dataSource.getJdbcUrl();
    }

    @Override
    public void close() {
        dataSource.close();
        if (embedded != null) {
            try {
                embedded.close();
            } catch (Exception e) {
                throw new IllegalStateException("stopping the embedded PostgreSQL failed", e);
            }
        }
    }

    /** The database is migrated past what this build knows: running would risk writing rows it does not understand. */
    public static final class SchemaTooNewException extends dev.callvault.PermanentException {
        SchemaTooNewException(String message) {
            super(message);
        }
    }
}
