package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real-time mixed recording and Twilio's recording of the same call end in one {@code mixed} row whatever the
 * order of Twilio's callback and the stream's {@code start}, {@code stop} and finalize (DESIGN 2.2, 2.3). Every wait
 * names the exact state the test then reads: a row count first, then the statuses.
 */
class MixedRowOrderTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path state;

    private final DaemonHarness harness = new DaemonHarness(env);

    /** When Twilio's completed callback is archived, relative to the call's real-time stream. */
    enum CallbackAt { BEFORE_START, BETWEEN_START_AND_FINALIZE, AFTER_FINALIZE }

    @Test
    void twiliosRecordingEndsInTheOneMixedRowWhicheverOrderTheCallbackAndStreamArriveIn() throws Exception {
        Map<String, String> before = finalRows(CallbackAt.BEFORE_START);
        Map<String, String> between = finalRows(CallbackAt.BETWEEN_START_AND_FINALIZE);
        Map<String, String> after = finalRows(CallbackAt.AFTER_FINALIZE);

        assertThat(before).as("callback before start").isEqualTo(Map.of(
                "assistant", "completed s3 twilio-sid=false sha=realtime original=none source=",
                "mixed", "completed s3 twilio-sid=true sha=twilio original=realtime-mixed-in-store source=twilio_override",
                "user", "completed s3 twilio-sid=false sha=realtime original=none source="));
        assertThat(between).as("callback between start and finalize").isEqualTo(before);
        assertThat(after).as("callback after finalize").isEqualTo(before);
    }

    @Test
    void anAbsentRecordingLeavesTheRealtimeMixedRowWithTwiliosWordInEitherOrder() throws Exception {
        Map<String, String> absentFirst = absentCall(true);
        Map<String, String> absentLast = absentCall(false);

        assertThat(absentFirst).containsEntry("mixed", "completed s3 twilio-sid=false sha=realtime original=none source= twilio_status=absent");
        assertThat(absentLast).isEqualTo(absentFirst);
    }

    @Test
    void aCallWithTwoTwilioRecordingsKeepsOneMixedRowEachAndTheRealtimeOneJoinsTheFirst() throws Exception {
        try (Daemon d = harness.start(recording())) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            String first = Sids.recording();
            String second = Sids.recording();
            var firstAtTwilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call.callSid, first, Instant.now(), 40_000));
            var secondAtTwilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call.callSid, second, Instant.now(), 30_000));
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.connected());
                stream.send(call.start(null));
                stream.send(call.media(0, 4));
                awaitRows(call.callSid, 3, r -> r.status().equals("in-progress"), "the stream's three rows in progress");
                callback(d, call.callSid, first);
                awaitRows(call.callSid, 3, r -> !r.recordingType().equals("mixed") || first.equals(r.recordingSid()),
                        "the first Twilio recording in the real-time mixed row");
                callback(d, call.callSid, second);
                awaitRows(call.callSid, 4, r -> true, "a mixed row of the second Twilio recording");
                stream.send(call.stop());
            }
            awaitFinalized(call.callSid, 4);

            List<RecordingRow> mixed = rows(call.callSid).stream().filter(r -> r.recordingType().equals("mixed")).toList();
            RecordingRow joined = mixed.stream().filter(r -> first.equals(r.recordingSid())).findFirst().orElseThrow();
            RecordingRow own = mixed.stream().filter(r -> second.equals(r.recordingSid())).findFirst().orElseThrow();
            assertThat(mixed).hasSize(2);
            assertThat(joined.sha256()).isEqualTo(firstAtTwilio.sha256("mp3"));
            assertThat(JSON.readTree(joined.metadataJson()).path("original_s3_key").asText()).endsWith(call.streamSid + "-mixed.wav");
            assertThat(own.sha256()).isEqualTo(secondAtTwilio.sha256("mp3"));
            assertThat(own.streamSid()).isNull();
            assertThat(JSON.readTree(own.metadataJson()).has("original_s3_key")).isFalse();
            assertThat(env.twilio().mediaDownloads()).isEqualTo(2);
        }
    }

    /** Runs one call with Twilio's completed callback at {@code at}; returns the final rows' shape by type. */
    private Map<String, String> finalRows(CallbackAt at) throws Exception {
        env.twilio().reset();
        try (Daemon d = harness.start(recording())) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            String recordingSid = Sids.recording();
            var twilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call.callSid, recordingSid, Instant.now(), 50_000));
            if (at == CallbackAt.BEFORE_START) {
                callback(d, call.callSid, recordingSid);
                awaitRows(call.callSid, 1, r -> recordingSid.equals(r.recordingSid()) && r.completed(), "Twilio's archive alone");
            }
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.connected());
                stream.send(call.start(null));
                stream.send(call.media(0, 4));
                if (at == CallbackAt.BETWEEN_START_AND_FINALIZE) {
                    awaitRows(call.callSid, 3, r -> r.status().equals("in-progress"), "the stream's three rows in progress");
                    callback(d, call.callSid, recordingSid);
                    awaitRows(call.callSid, 3, r -> !r.recordingType().equals("mixed") || recordingSid.equals(r.recordingSid()),
                            "Twilio's recording in the in-progress stream's mixed row");
                }
                stream.send(call.stop());
            }
            if (at == CallbackAt.AFTER_FINALIZE) {
                awaitFinalized(call.callSid, 3);
                callback(d, call.callSid, recordingSid);
            }
            awaitRows(call.callSid, 3, r -> finalized(r) && (!r.recordingType().equals("mixed") || recordingSid.equals(r.recordingSid())),
                    "three finalized rows, the mixed one carrying Twilio's recording");
            assertThat(env.twilio().mediaDownloads()).as("Twilio's media fetched once").isEqualTo(1);
            return shape(call, twilio.sha256("mp3"));
        }
    }

    /** A call whose Twilio recording is absent, the callback archived before the stream starts or after it is finalized. */
    private Map<String, String> absentCall(boolean callbackFirst) throws Exception {
        try (Daemon d = harness.start(recording())) {
            SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 3, new double[][]{{0, 2}}, new double[][]{{1, 3}});
            String recordingSid = Sids.recording();
            if (callbackFirst) {
                assertThat(harness.postSigned(d, DaemonHarness.callback(call.callSid, recordingSid, "absent")).statusCode()).isEqualTo(204);
                awaitRows(call.callSid, 1, r -> r.status().equals("absent"), "Twilio's absent recording alone");
            }
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.all());
            }
            awaitFinalized(call.callSid, 3);
            if (!callbackFirst) {
                assertThat(harness.postSigned(d, DaemonHarness.callback(call.callSid, recordingSid, "absent")).statusCode()).isEqualTo(204);
                awaitRows(call.callSid, 3, r -> r.metadataJson().contains("twilio_status") || !r.recordingType().equals("mixed"),
                        "Twilio's absent word on the real-time mixed row");
            }
            return shape(call, null);
        }
    }

    private Map<String, String> shape(SyntheticCall call, String twilioSha) throws Exception {
        Map<String, String> shape = new TreeMap<>();
        try (var store = RecordingStores.open(env.config().storage())) {
            for (RecordingRow r : rows(call.callSid)) {
                JsonNode meta = JSON.readTree(r.metadataJson());
                String original = meta.path("original_s3_key").asText(null);
                String realtimeSha = meta.path("realtime").path("sha256").asText(null);
                String sha = r.sha256() == null ? "none" : r.sha256().equals(twilioSha) ? "twilio" : r.sha256().equals(realtimeSha) ? "realtime" : "other";
                shape.put(r.recordingType(), r.status() + " " + r.recordingSource() + " twilio-sid=" + (r.recordingSid() != null)
                        + " sha=" + sha
                        + " original=" + (original == null ? "none"
                        : original.endsWith(call.streamSid + "-mixed.wav") && store.head(original).isPresent() ? "realtime-mixed-in-store" : original)
                        + " source=" + meta.path("source").asText()
                        + (meta.has("twilio_status") && r.recordingSid() == null ? " twilio_status=" + meta.path("twilio_status").asText() : ""));
            }
        }
        return shape;
    }

    private Map<String, String> recording() {
        return Map.of("recording.enabled", "true", "recording.format", "wav", "state-dir", state.toString());
    }

    private void callback(Daemon d, String callSid, String recordingSid) throws Exception {
        assertThat(harness.postSigned(d, DaemonHarness.callback(callSid, recordingSid, "completed")).statusCode()).isEqualTo(204);
    }

    /** The stream's finalize writes {@code realtime} into every row's metadata: that, not a status, says it is done. */
    /**
     * The stream's object is stored and the row says so: the finalize writes {@code realtime.sha256}. (Not just the word
     * "realtime": a mixed row the stream joined at its start already says {@code "recorder": "realtime"}, before any
     * object exists.)
     */
    private static boolean finalized(RecordingRow r) {
        try {
            return r.completed() && JSON.readTree(r.metadataJson()).path("realtime").hasNonNull("sha256");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitFinalized(String callSid, int rows) throws InterruptedException {
        awaitRows(callSid, rows, r -> finalized(r) || (r.recordingType().equals("mixed") && r.streamSid() == null),
                rows + " rows, the stream's finalized");
    }

    /** Waits until the call has exactly {@code count} rows and every one satisfies {@code each}. */
    private void awaitRows(String callSid, int count, Predicate<RecordingRow> each, String what) throws InterruptedException {
        DaemonHarness.await(what, PATIENCE, () -> DaemonHarness.exactly(count, rows(callSid), each), () -> rows(callSid).stream().map(r -> r.recordingType() + " " + r.status() + " " + r.recordingSid() + " " + r.metadataJson()).toList());
    }

    private List<RecordingRow> rows(String callSid) {
        var repo = new RecordingRepository(env.db().jdbi());
        return env.db().jdbi().withHandle(h -> h.createQuery("""
                        SELECT id FROM recordings WHERE call_id = (SELECT id FROM calls WHERE call_sid = :c) ORDER BY recording_type, created_at""")
                .bind("c", callSid).mapTo(UUID.class).list()).stream().map(id -> repo.findById(id).orElseThrow()).toList();
    }
}
