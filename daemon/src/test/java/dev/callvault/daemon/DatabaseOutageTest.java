package dev.callvault.daemon;

import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stopped under a running daemon (a real server, stopped and started again on the same data directory):
 * callers still get their TwiML, Twilio's callbacks are still acknowledged without waiting for the database, and
 * every one of them is archived once the database is back.
 */
class DatabaseOutageTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    private final DaemonHarness harness = new DaemonHarness(env);
    private EmbeddedPostgres postgres;
    private int port;

    @AfterEach
    void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    private void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().setPort(port).setDataDirectory(dir.resolve("pgdata")).setCleanDataDirectory(false).start();
    }

    private void stopPostgresNow() throws Exception {
        postgres.close();
        postgres = null;
    }

    private String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @Test
    void whilePostgresIsStoppedCallsGetTheirTwimlAndCallbacksAreAcknowledgedThenArchivedWhenItReturns() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        startPostgres();
        Map<String, String> settings = new HashMap<>(Map.of("database.url", jdbcUrl(), "database.user", "postgres",
                "recording.enabled", "false", "state-dir", dir.resolve("state").toString()));
        try (Daemon d = harness.start(settings)) {
            stopPostgresNow();
            DaemonHarness.await("/readyz to say the database is down", PATIENCE, () -> readyz(d).contains("\"database\":false"), () -> readyz(d));

            String callSid = Sids.call();
            Map<String, String> voice = Map.of("CallSid", callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+15550100", "To", "+15550199");
            long began = System.nanoTime();
            HttpResponse<String> twiml = harness.post(d, "/twiml", voice, DaemonHarness.PUBLIC_URL + "/twiml");
            long twimlMillis = (System.nanoTime() - began) / 1_000_000;

            List<String> recordingSids = new ArrayList<>();
            List<Long> ackMillis = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String recordingSid = Sids.recording();
                String call = i == 0 ? callSid : Sids.call();
                env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call, recordingSid, Instant.now(), 20_000));
                recordingSids.add(recordingSid);
                long t = System.nanoTime();
                assertThat(harness.postSigned(d, DaemonHarness.callback(call, recordingSid, "completed")).statusCode()).isEqualTo(204);
                ackMillis.add((System.nanoTime() - t) / 1_000_000);
            }

            assertThat(twiml.statusCode()).isEqualTo(200);
            assertThat(twiml.body()).isEqualTo(new String(getClass().getResourceAsStream("/twilio/twiml-start-recording.xml").readAllBytes()));
            // the pool's connection timeout is 2 s: an answer under it was not kept waiting for the database
            assertThat(twimlMillis).as("TwiML answered without waiting for the database").isLessThan(2_000);
            assertThat(ackMillis).as("callbacks acknowledged without waiting for the database").allMatch(ms -> ms < 2_000);
            assertThat(readyz(d)).contains("\"ready\":false").contains("\"journaled\":21");

            startPostgres();

            DaemonHarness.await("all 20 callbacks archived", PATIENCE, () -> count(
                    "SELECT count(*) FROM recordings WHERE status = 'completed' AND recording_sid IS NOT NULL") == 20, () -> readyz(d));
            DaemonHarness.await("the journal emptied", PATIENCE, () -> readyz(d).contains("\"journaled\":0"), () -> readyz(d));
        }
        assertThat(count("SELECT count(*) FROM callbacks WHERE state = 'done'")).isEqualTo(20);
        assertThat(count("SELECT count(*) FROM calls WHERE from_number = '+15550100' AND to_number = '+15550199'"))
                .as("the call start journaled during the outage").isEqualTo(1);
        assertThat(env.twilio().mediaDownloads()).as("each recording fetched once").isEqualTo(20);
    }

    @Test
    void streamsThatStartOrEndWhilePostgresIsStoppedAreRecordedAndTheirRowsWrittenWhenItReturns() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        startPostgres();
        Path state = dir.resolve("state");
        Map<String, String> settings = new HashMap<>(Map.of("database.url", jdbcUrl(), "database.user", "postgres",
                "assistant.support-en.recording.enabled", "true", "assistant.support-en.recording.format", "wav", "state-dir", state.toString()));
        SyntheticCall before = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        SyntheticCall during = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        try (Daemon d = harness.start(settings)) {
            MediaClient first = MediaClient.open(d.port());
            first.send(before.connected());
            first.send(before.start("support-en"));
            first.send(before.media(0, 3));
            DaemonHarness.await("the first stream's three rows", PATIENCE, () -> count("SELECT count(*) FROM recordings WHERE stream_sid = '"
                    + before.streamSid + "' AND status = 'in-progress'") == 3);

            stopPostgresNow();
            DaemonHarness.await("/readyz to say the database is down", PATIENCE, () -> readyz(d).contains("\"database\":false"), () -> readyz(d));
            first.send(before.media(3, 6));
            first.send(before.stop());
            first.close();
            try (MediaClient second = MediaClient.open(d.port())) {
                second.send(during.connected());
                second.send(during.start("support-en"));
                second.send(during.media(0, 4));
                second.send(during.stop());
            }
            Path spool = state.resolve("realtime");
            DaemonHarness.await("both streams ended and waiting for the database", PATIENCE,
                    () -> Files.exists(spool.resolve(before.streamSid).resolve("finished")) && Files.exists(spool.resolve(during.streamSid).resolve("finished")));

            startPostgres();

            DaemonHarness.await("six completed real-time rows", PATIENCE, () -> count("SELECT count(*) FROM recordings WHERE stream_sid IN ('"
                    + before.streamSid + "', '" + during.streamSid + "') AND status = 'completed' AND recording_metadata ? 'realtime'") == 6);
            assertThat(count("SELECT count(*) FROM recordings WHERE stream_sid = '" + before.streamSid + "' AND duration_seconds = 6")).isEqualTo(3);
            assertThat(count("SELECT count(*) FROM recordings WHERE stream_sid = '" + during.streamSid + "' AND duration_seconds = 4")).isEqualTo(3);
            assertThat(count("SELECT count(*) FROM recordings WHERE recording_metadata->>'interrupted' = 'false'")).isEqualTo(6);
            try (var store = RecordingStores.open(env.config().storage())) {
                for (String key : keys()) {
                    assertThat(store.head(key)).as(key).isPresent();
                }
            }
            DaemonHarness.await("the spool emptied", PATIENCE, () -> !Files.exists(spool.resolve(before.streamSid)) && !Files.exists(spool.resolve(during.streamSid)));
        }
    }

    private List<String> keys() throws Exception {
        List<String> keys = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", null);
             ResultSet rs = c.createStatement().executeQuery("SELECT s3_key FROM recordings WHERE stream_sid IS NOT NULL")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        assertThat(keys).hasSize(6);
        return keys;
    }

    private String readyz(Daemon d) {
        try {
            return new String(harness.manage(d, "/readyz").body());
        } catch (Exception e) {
            return e.toString();
        }
    }

    private long count(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", null); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }
}
