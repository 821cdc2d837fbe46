package dev.callvault.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.archive.Archiver;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class VerifyCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Cli cli = new Cli(env);

    private StandInRecording atTwilio(String at) {
        return env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(), Instant.parse(at), 30_000));
    }

    private Map<String, String> statuses(Cli.Result r) throws Exception {
        Map<String, String> bySid = new HashMap<>();
        for (String line : r.lines()) {
            JsonNode n = JSON.readTree(line);
            if (n.has("status")) {
                String id = n.get("recording_sid").isNull() ? n.get("key").asText() : n.get("recording_sid").asText();
                bySid.put(id, n.get("status").asText());
            }
        }
        return bySid;
    }

    @Test
    void reportsEachCaseThenFixesThemAll() throws Exception {
        var config = env.config();
        StandInRecording good = atTwilio("2026-11-24T09:00:00Z");
        StandInRecording missing = atTwilio("2026-11-24T10:00:00Z");
        StandInRecording mismatched = atTwilio("2026-11-24T11:00:00Z");
        StandInRecording notUpgraded = atTwilio("2026-11-24T12:00:00Z");
        StandInRecording absent = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(),
                Instant.parse("2026-11-24T13:00:00Z"), 0).withStatus("absent", 16101));
        String orphanKey = "recordings/2026/11/24/" + Sids.call() + "/MZ00000000000000000000000000000000-mixed.wav";
        String realtimeKey = "recordings/2026/11/24/" + notUpgraded.callSid() + "/MZ11111111111111111111111111111111-mixed.wav";
        try (RecordingStore store = RecordingStores.open(config.storage())) {
            Archiver archiver = new Archiver(new TwilioRecordings(config.twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC());
            for (StandInRecording r : List.of(good, missing, mismatched)) {
                archiver.archive(Archiver.Request.of(new RecordingRef(r.accountSid(), r.sid(), r.callSid())));
            }
            store.delete(keyOf(missing));
            store.put(keyOf(mismatched), new ByteArrayInputStream(new byte[1234]), "audio/mpeg", Map.of());
            store.put(orphanKey, new ByteArrayInputStream(new byte[10]), "audio/wav", Map.of());
            store.put(realtimeKey, new ByteArrayInputStream(new byte[10]), "audio/wav", Map.of());
        }
        Rows.realtime(env.db(), Rows.call(env.db(), notUpgraded.callSid()), "mixed", realtimeKey);

        Cli.Result first = cli.run("verify", "--since", "2026-11-24", "--until", "2026-11-25", "--json");

        assertThat(first.exit()).as("CRITICAL: an object is missing or mismatched").isEqualTo(2);
        assertThat(statuses(first)).containsEntry(good.sid(), "ok")
                .containsEntry(missing.sid(), "object_missing")
                .containsEntry(mismatched.sid(), "mismatch")
                .containsEntry(notUpgraded.sid(), "not_upgraded")
                .containsEntry(absent.sid(), "twilio_no_media")
                .containsEntry(orphanKey, "orphan")
                .doesNotContainKey(realtimeKey);
        assertThat(first.out()).contains("\"state\":\"CRITICAL\"");

        Cli.Result fix = cli.run("verify", "--since", "2026-11-24", "--until", "2026-11-25", "--fix");
        Cli.Result after = cli.run("verify", "--since", "2026-11-24", "--until", "2026-11-25");

        assertThat(fix.exit()).as(fix.out() + fix.err()).isZero();
        assertThat(after.exit()).as(after.out()).isZero();
        assertThat(after.out()).contains("OK: ok=4 twilio_no_media=1");
        try (RecordingStore store = RecordingStores.open(config.storage())) {
            assertThat(store.head("orphaned/" + orphanKey)).as("the unknown orphan was moved, not deleted").isPresent();
        }
    }

    @Test
    void deepReadsTheBytesThatAHeadCannotSeeAndFixRepairsThem() throws Exception {
        var config = env.config();
        StandInRecording intact = atTwilio("2026-11-24T09:00:00Z");
        StandInRecording rotten = atTwilio("2026-11-24T10:00:00Z");
        String callSid = Sids.call();
        String streamSid = Sids.random("MZ");
        String realtimeKey = "recordings/" + java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString().replace('-', '/') + "/" + callSid + "/"
                + streamSid + "-user.wav";
        try (RecordingStore store = RecordingStores.open(config.storage())) {
            Archiver archiver = new Archiver(new TwilioRecordings(config.twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC());
            for (StandInRecording r : List.of(intact, rotten)) {
                archiver.archive(Archiver.Request.of(new RecordingRef(r.accountSid(), r.sid(), r.callSid())));
            }
            var stored = store.put(realtimeKey, new ByteArrayInputStream(new byte[48_000]), "audio/wav", Map.of());
            java.util.UUID call = Rows.call(env.db(), callSid);
            env.db().jdbi().useHandle(h -> h.createUpdate("""
                            INSERT INTO recordings (call_id, recording_type, status, stream_sid, s3_key, format, channels, duration_seconds,
                                                    file_size, sha256)
                            VALUES (:c, 'user', 'completed', :stream, :key, 'wav', 1, 3, :size, :sha)""")
                    .bind("c", call).bind("stream", streamSid).bind("key", realtimeKey).bind("size", stored.size()).bind("sha", stored.sha256())
                    .execute());
        }
        byte[] four = {1, 2, 3, 4};
        dev.callvault.testing.TestS3.get().overwriteInPlace(env.bucket(), keyOf(rotten), 15_000, four);
        dev.callvault.testing.TestS3.get().overwriteInPlace(env.bucket(), realtimeKey, 20_000, four);
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).toString();

        Cli.Result head = cli.run("verify", "--since", "2026-11-24", "--until", today);
        Cli.Result deep = cli.run("verify", "--since", "2026-11-24", "--until", today, "--deep", "--json");
        Cli.Result fix = cli.run("verify", "--since", "2026-11-24", "--until", today, "--deep", "--fix");
        Cli.Result after = cli.run("verify", "--since", "2026-11-24", "--until", today, "--deep", "--json");

        assertThat(head.exit()).as("the metadata check cannot see bytes changed in place: " + head.out()).isZero();
        assertThat(deep.exit()).as(deep.out()).isEqualTo(2);
        assertThat(statuses(deep)).containsEntry(intact.sid(), "ok").containsEntry(rotten.sid(), "corrupt").containsEntry(realtimeKey, "corrupt");
        assertThat(deep.out()).contains(keyOf(rotten)).contains("\"state\":\"CRITICAL\"");
        assertThat(fix.out()).contains("fixed " + rotten.sid()).contains("damaged/" + keyOf(rotten))
                .contains("not fixed").contains("a real-time recording cannot be fetched again");
        assertThat(statuses(after)).containsEntry(rotten.sid(), "ok").containsEntry(realtimeKey, "corrupt");
        try (RecordingStore store = RecordingStores.open(config.storage())) {
            assertThat(store.head("damaged/" + keyOf(rotten))).as("the damaged copy is kept aside").isPresent();
            assertThat(store.head(keyOf(rotten)).orElseThrow().sha256()).isEqualTo(rotten.sha256("mp3"));
        }
    }

    @Test
    void onlyNotUpgradedIsAWarning() {
        StandInRecording r = atTwilio("2026-11-24T09:00:00Z");

        Cli.Result warning = cli.run("verify", "--since", "2026-11-24", "--until", "2026-11-25");
        Cli.Result tolerated = cli.run("verify", "--since", "2026-11-24", "--until", "2026-11-25", "--warning", "1");

        assertThat(warning.exit()).isEqualTo(1);
        assertThat(warning.out()).contains(r.sid()).contains("WARNING");
        assertThat(tolerated.exit()).isZero();
    }

    @Test
    void cannotCheckIsUnknown() {
        Cli.Result r = cli.run(List.of("verify"), Map.of("twilio.api-url", "http://127.0.0.1:9", "twilio.max-attempts", "1"),
                "--since", "2026-11-24", "--until", "2026-11-25");

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("UNKNOWN");
    }

    @Test
    void reportsARealtimeRecordingItsDaemonAbandoned() {
        String callSid = Sids.call();
        java.util.UUID call = Rows.call(env.db(), callSid);
        env.db().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO recordings (call_id, recording_type, status, stream_sid, created_at, updated_at)
                        VALUES (:c, 'user', 'in-progress', 'MZ0123456789abcdef0123456789abcdef', now() - interval '2 hours', now() - interval '2 hours')""")
                .bind("c", call).execute());

        Cli.Result r = cli.run("verify", "--since", "3h");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("realtime_failed").contains(callSid).contains("in-progress");
    }

    private static String keyOf(StandInRecording r) {
        return "recordings/2026/11/24/" + r.callSid() + "/" + r.sid() + ".mp3";
    }
}
