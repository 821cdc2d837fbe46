package dev.callvault.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.callvault.RetryableException;
import dev.callvault.config.Config;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.SQLException;
import java.util.Optional;

/** The connection pool, Jdbi on top of it, and the schema migrations: everything that talks SQL starts here. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    /** Made on first use: a short command that finds nothing to do (an empty backfill) never pays its start. */
    private volatile Jdbi jdbi;
    private final AutoCloseable embedded;

    private Database(HikariDataSource dataSource, AutoCloseable embedded) {
        this.dataSource = dataSource;
        this.embedded = embedded;
    }

    /**
     * The embedded PostgreSQL data directory an earlier run left in the state directory, when this configuration uses
     * another database: the calls it holds are out of sight until its data is moved (docs/operations.md, Upgrade).
     */
    public static Optional<String> unusedEmbeddedData(Config config) {
        Path data = config.stateDir().resolve("postgres");
        if (config.database().embedded() || !Files.isRegularFile(data.resolve("PG_VERSION"))) {
            return Optional.empty();
        }
        String version;
        try {
            version = Files.readString(data.resolve("PG_VERSION")).strip();
        } catch (IOException e) {
            version = "?";
        }
        return Optional.of(data + " holds an embedded PostgreSQL " + version + " database of an earlier callvault, and this one uses "
                + config.database().jdbcUrl() + ": the calls stored there are not listed until its data is moved");
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

    /**
     * The newest migration in {@code db/migration} (DatabaseTest checks it against the files): a schema whose newest
     * applied migration is this one, applied successfully, is current.
     */
    public static final String LATEST_MIGRATION = "15";

    /**
     * Applies pending migrations; refuses to run against a schema newer than this code. A current schema is told by
     * one query of Flyway's history table, and Flyway itself (half a second of a CLI run: loading it, scanning the
     * migrations, validating their checksums) is started only when that query does not say "current".
     * {@code callvault db status} and {@code db migrate} still ask Flyway, checksums included.
     */
    public void migrate() {
        if (!current()) {
            Migrations.migrate(dataSource, currentSchema());
        }
    }

    /** True when the newest applied migration is {@link #LATEST_MIGRATION} and succeeded. */
    boolean current() {
        try (Connection c = dataSource.getConnection()) {
            String schema = c.getSchema() == null ? "public" : c.getSchema();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version, success FROM \"" + schema.replace("\"", "\"\"")
                         + "\".flyway_schema_history ORDER BY installed_rank DESC LIMIT 1")) {
                return rs.next() && rs.getBoolean(2) && LATEST_MIGRATION.equals(rs.getString(1));
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return false; // no history yet: a new database
            }
            throw new RetryableException("database unreachable at " + dataSource.getJdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** The schema version in the database and whether migrations are pending, for readiness checks and {@code db status}. */
    public MigrationStatus migrationStatus() {
        return Migrations.status(dataSource, currentSchema());
    }

    public record MigrationStatus(String currentVersion, int pending) {
        public boolean current() {
            return pending == 0 && currentVersion != null && !newer();
        }

        /** The schema was migrated by a newer callvault than this one (which callvaultd refuses to start on). */
        public boolean newer() {
            try {
                return currentVersion != null && Integer.parseInt(currentVersion) > Integer.parseInt(LATEST_MIGRATION);
            } catch (NumberFormatException e) {
                return false;
            }
        }
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
        Jdbi j = jdbi;
        if (j == null) {
            synchronized (this) {
                j = jdbi;
                if (j == null) {
                    j = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
                    jdbi = j;
                }
            }
        }
        return j;
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
