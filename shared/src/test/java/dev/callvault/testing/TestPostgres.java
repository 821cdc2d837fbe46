package dev.callvault.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL the tests use: the machine's server at 127.0.0.1:5432 (database {@code test}), or, where none
 * answers, an embedded PostgreSQL started once per JVM. Each test gets a fresh schema of its own.
 */
public final class TestPostgres {
    private static final String LOCAL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static String serverUrl;
    private static String user;

    private TestPostgres() {
    }

    private static synchronized String serverUrl() {
        if (serverUrl == null) {
            String configured = System.getenv("CALLVAULT_TEST_DATABASE_URL");
            String url = configured != null ? configured : LOCAL;
            try (Connection c = DriverManager.getConnection(url, "postgres", null)) {
                serverUrl = url;
                user = "postgres";
            } catch (SQLException e) {
                System.err.println("no PostgreSQL at " + url + " (" + e.getMessage() + "); starting an embedded one");
                try {
                    EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            pg.close();
                        } catch (Exception ignored) {
                            // the JVM is going away
                        }
                    }));
                    serverUrl = pg.getJdbcUrl("postgres", "postgres");
                    user = "postgres";
                } catch (Exception ex) {
                    throw new IllegalStateException("no PostgreSQL for the tests: neither " + url + " nor an embedded one", ex);
                }
            }
        }
        return serverUrl;
    }

    public static String user() {
        serverUrl();
        return user;
    }

    /** Creates an empty schema and returns a JDBC URL whose connections use it. */
    public static String freshSchema(String[] nameOut) {
        String name = "t_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        exec("CREATE SCHEMA " + name);
        nameOut[0] = name;
        String base = serverUrl();
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    public static void dropSchema(String name) {
        exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }

    private static void exec(String sql) {
        try (Connection c = DriverManager.getConnection(serverUrl(), user, null); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
