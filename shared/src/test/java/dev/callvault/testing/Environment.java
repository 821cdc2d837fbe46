package dev.callvault.testing;

import dev.callvault.config.Config;
import dev.callvault.config.ConfigLoader;
import dev.callvault.db.Database;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real parts a test needs, fresh for every test: a PostgreSQL schema (migrated), an S3 bucket on a real S3
 * server, and the Twilio stand-in. Use as {@code @RegisterExtension static final Environment env = new Environment();}.
 */
public final class Environment implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private TwilioStandIn twilio;
    private String schema;
    private String jdbcUrl;
    private String bucket;
    private Database db;

    @Override
    public void beforeAll(ExtensionContext context) {
        twilio = new TwilioStandIn();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        twilio.close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        twilio.reset();
        String[] name = new String[1];
        jdbcUrl = TestPostgres.freshSchema(name);
        schema = name[0];
        bucket = TestS3.get().createBucket();
        TestS3.get().failPartsAfterFirst(false);
        db = Database.connect(jdbcUrl, TestPostgres.user(), 16);
        db.migrate();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        db.close();
        TestPostgres.dropSchema(schema);
    }

    public TwilioStandIn twilio() {
        return twilio;
    }

    public TestS3 s3() {
        return TestS3.get();
    }

    public Database db() {
        return db;
    }

    /** This test's schema as a newer callvault leaves it: a migration (99) this build does not know, applied. */
    public void migratedByANewerCallvault() {
        db.jdbi().useHandle(h -> h.execute("""
                INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by,
                                                   execution_time, success)
                VALUES (99, '99', 'from the future', 'SQL', 'V99__future.sql', 0, 'test', 0, true)"""));
    }

    public String bucket() {
        return bucket;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The settings that point callvault at this environment, as command-line style overrides. */
    public Map<String, String> settings() {
        return settings(jdbcUrl, bucket, twilio);
    }

    /** Settings for a database schema, a bucket on the test S3 server and a Twilio stand-in (benchmarks use it too). */
    public static Map<String, String> settings(String jdbcUrl, String bucket, TwilioStandIn twilio) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("database.url", jdbcUrl);
        s.put("database.user", TestPostgres.user());
        s.put("storage", "s3://" + bucket + "/");
        s.put("s3.endpoint", TestS3.get().endpoint().toString());
        s.put("s3.region", "us-east-1");
        s.put("s3.path-style", "true");
        s.put("s3.access-key-id", TestS3.ACCESS_KEY);
        s.put("s3.secret-access-key", TestS3.SECRET_KEY);
        s.put("s3.part-size-mib", "5");
        s.put("twilio.api-url", twilio.baseUrl().toString());
        s.put("twilio.account-sid", TwilioStandIn.ACCOUNT_SID);
        s.put("twilio.auth-token", TwilioStandIn.AUTH_TOKEN);
        s.put("twilio.backoff-ms", "20");
        s.put("public-url", "https://calls.example.com");
        s.put("stream-url", "wss://calls.example.com/streams");
        return s;
    }

    public Config config() {
        return config(Map.of());
    }

    public Config config(Map<String, String> extra) {
        Map<String, String> s = settings();
        s.putAll(extra);
        return ConfigLoader.of(s);
    }
}
