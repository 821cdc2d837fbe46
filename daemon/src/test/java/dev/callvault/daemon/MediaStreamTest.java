package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.AudioFiles;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Immutable;
import dev.callvault.testing.Goertzel;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.Tones;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MediaStreamTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path state;

    private final DaemonHarness harness = new DaemonHarness(env);
    private Daemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private Daemon start(String format, Map<String, String> extra) {
        Map<String, String> s = new java.util.HashMap<>(Map.of("recording.enabled", "true", "recording.format", format,
                "state-dir", state.toString()));
        s.putAll(extra);
        daemon = harness.start(s);
        return daemon;
    }

    private List<RecordingRow> rows(String callSid) {
        return env.db().jdbi().withHandle(h -> h.createQuery("""
                        SELECT id FROM recordings WHERE call_id = (SELECT id FROM calls WHERE call_sid = :c) ORDER BY recording_type""")
                .bind("c", callSid).mapTo(java.util.UUID.class).list()).stream()
                .map(id -> new RecordingRepository(env.db().jdbi()).findById(id).orElseThrow()).toList();
    }

    private void awaitCompleted(String callSid, int n) throws InterruptedException {
        DaemonHarness.await(n + " completed rows", Duration.ofSeconds(60),
                () -> rows(callSid).stream().filter(RecordingRow::completed).count() == n);
    }

    @Test
    void aSpoolThatCannotBeWrittenFailsThatRecordingWithTheReasonAndNothingElse() throws Exception {
        start("wav", Map.of());
        SyntheticCall broken = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        SyntheticCall healthy = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        Path spool = state.resolve("realtime").resolve(broken.streamSid);
        try (MediaClient a = MediaClient.open(daemon.port()); MediaClient b = MediaClient.open(daemon.port())) {
            for (SyntheticCall c : List.of(broken, healthy)) {
                MediaClient socket = c == broken ? a : b;
                socket.send(c.connected());
                socket.send(c.start(null));
                socket.send(c.media(0, 3));
            }
            DaemonHarness.await("both streams' rows at 3 s", Duration.ofSeconds(60), () ->
                    DaemonHarness.exactly(3, rows(broken.callSid), r -> r.durationSeconds().doubleValue() >= 2.9)
                            && DaemonHarness.exactly(3, rows(healthy.callSid), r -> r.durationSeconds().doubleValue() >= 2.9));
            // root ignores file modes; the immutable attribute stops even root's writes, through descriptors already open too
            Immutable.chattr("+i", spool);
            try {
                a.send(broken.media(3, 8));
                DaemonHarness.await("the broken stream's rows failed", Duration.ofSeconds(60),
                        () -> DaemonHarness.exactly(3, rows(broken.callSid), r -> r.status().equals("failed")),
                        () -> rows(broken.callSid));
                b.send(healthy.media(3, 8));
                b.send(healthy.stop());
                a.send(broken.stop()); // the stream itself stays open and acknowledged
            } finally {
                Immutable.chattr("-i", spool);
            }
        }
        awaitCompleted(healthy.callSid, 3);

        assertThat(rows(broken.callSid)).allSatisfy(r -> assertThat(r.metadataJson()).contains("could not be written").contains(broken.streamSid));
        assertThat(rows(healthy.callSid)).allSatisfy(r -> assertThat(r.durationSeconds().doubleValue()).isEqualTo(8.0));
        assertThat(new String(harness.manage(daemon, "/metrics").body())).contains("callvault_media_frames_skipped_total{reason=\"recording_failed\"}")
                .contains("callvault_realtime_failed_total{reason=\"spool_write_failed\"} 3.0");
    }


    @Test
    void acceptsOnlyAHandshakeSignedForTheStreamUrl() throws Exception {
        start("wav", Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);

        for (String signedFor : new String[]{null, "wss://evil.example.com/media", "wss://calls.example.com/media?x=1"}) {
            assertThatThrownBy(() -> MediaClient.open(daemon.port(), signedFor))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(403));
        }
        try (MediaClient ok = MediaClient.open(daemon.port())) {
            ok.send(call.connected());
        }
        assertThat(rows(call.callSid)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"wav", "mp3"})
    void recordsTheCallerTheAssistantAndBothMixedWhereTheySpoke(String format) throws Exception {
        start(format, Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);

        try (MediaClient stream = MediaClient.open(daemon.port())) {
            stream.send(call.all());
        }

        awaitCompleted(call.callSid, 3);
        Map<String, short[]> audio = new java.util.HashMap<>();
        try (var store = RecordingStores.open(env.config().storage())) {
            for (RecordingRow row : rows(call.callSid)) {
                assertThat(row.recordingSource()).isEqualTo("s3");
                assertThat(row.streamSid()).isEqualTo(call.streamSid);
                assertThat(row.format()).isEqualTo(format);
                assertThat(row.s3Key()).endsWith("/" + call.callSid + "/" + call.streamSid + "-" + row.recordingType() + "." + format);
                assertThat(row.durationSeconds().doubleValue()).isCloseTo(30.0, org.assertj.core.data.Offset.offset(0.1));
                var object = store.head(row.s3Key()).orElseThrow();
                assertThat(object.size()).isEqualTo(row.fileSize());
                assertThat(object.sha256()).isEqualTo(row.sha256());
                Path local = state.resolve(row.recordingType() + "." + format);
                try (InputStream in = store.get(row.s3Key(), 0, -1)) {
                    Files.write(local, in.readAllBytes());
                }
                audio.put(row.recordingType(), AudioFiles.decode(local));
            }
        }
        assertThat(audio).containsOnlyKeys("user", "assistant", "mixed");
        Tones.assertTones(audio.get("user"), call.callerSpeaks(), new double[0][]);
        Tones.assertTones(audio.get("assistant"), new double[0][], call.assistantSpeaks());
        Tones.assertTones(audio.get("mixed"), call.callerSpeaks(), call.assistantSpeaks());
    }

    @Test
    void rowsAreInProgressAndGrowWhileTheCallStreams() throws Exception {
        start("wav", Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        try (MediaClient stream = MediaClient.open(daemon.port())) {
            stream.send(call.connected());
            stream.send(call.start(null));
            stream.send(call.media(0, 3));
            DaemonHarness.await("a heartbeat", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, rows(call.callSid),
                    r -> r.status().equals("in-progress") && r.durationSeconds().doubleValue() >= 2.9));
            assertThat(rows(call.callSid)).hasSize(3);

            stream.send(call.media(3, 8));
            DaemonHarness.await("the duration to grow", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, rows(call.callSid),
                    r -> r.status().equals("in-progress") && r.durationSeconds().doubleValue() >= 7.9));
            stream.send(call.stop());
        }
        awaitCompleted(call.callSid, 3);
    }

    @Test
    void skipsAndCountsMalformedMessagesAndTheRecordingStaysRight() throws Exception {
        start("wav", Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        List<String> media = call.media(0, 30);
        try (MediaClient stream = MediaClient.open(daemon.port())) {
            stream.send(call.connected());
            stream.send(media.get(0).replace("\"track\":\"inbound\"", "\"track\":\"inbound\""));  // media before start
            stream.send(call.start(null));
            stream.send("this is not JSON");
            stream.send("{\"event\":\"teleport\"}");
            stream.send("{\"event\":\"media\",\"media\":{\"track\":\"inbound\",\"timestamp\":\"40\",\"payload\":\"***not base64***\"}}");
            stream.send("{\"event\":\"media\",\"media\":{\"track\":\"inbound\",\"timestamp\":\"40\",\"payload\":\"" + "A".repeat(70_000) + "\"}}");
            stream.send(media);
            stream.send(call.stop());
        }

        awaitCompleted(call.callSid, 3);
        String metrics = new String(harness.manage(daemon, "/metrics").body());
        for (String reason : new String[]{"media_before_start", "not_json", "unknown_event", "bad_base64", "oversized"}) {
            assertThat(metrics).contains("callvault_media_frames_skipped_total{reason=\"" + reason + "\"} 1.0");
        }
        RecordingRow user = rows(call.callSid).stream().filter(r -> r.recordingType().equals("user")).findFirst().orElseThrow();
        assertThat(user.durationSeconds().doubleValue()).isCloseTo(30.0, org.assertj.core.data.Offset.offset(0.1));
    }

    /** The gauges read live state through a function; a garbage collection must not turn them into NaN. */
    @Test
    void activeStreamsGaugeCountsTheLiveStreamAcrossAGarbageCollection() throws Exception {
        start("wav", Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        try (MediaClient stream = MediaClient.open(daemon.port())) {
            stream.send(call.connected());
            stream.send(call.start(null));
            stream.send(call.media(0, 2));
            System.gc(); // a full collection clears what only a weak reference holds
            DaemonHarness.await("callvault_media_streams_active 1.0", Duration.ofSeconds(10),
                    () -> gauges().contains("\ncallvault_media_streams_active 1.0\n"), this::gauges);
            assertThat(gauges()).contains("\ncallvault_journal_pending 0.0\n");
            stream.send(call.stop());
        }
        awaitCompleted(call.callSid, 3);
        assertThat(gauges()).contains("\ncallvault_media_streams_active 0.0\n");
    }

    private String gauges() {
        try {
            return new String(harness.manage(daemon, "/metrics").body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void finishesARecordingWhoseSocketDroppedWithoutStop() throws Exception {
        start("wav", Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        MediaClient stream = MediaClient.open(daemon.port());
        stream.send(call.connected());
        stream.send(call.start(null));
        stream.send(call.media(0, 12));

        stream.drop();

        awaitCompleted(call.callSid, 3);
        assertThat(rows(call.callSid)).allSatisfy(r -> assertThat(r.durationSeconds().doubleValue()).isCloseTo(12.0, org.assertj.core.data.Offset.offset(0.1)));
    }

    @Test
    void recordsOnlyTheTracksTheAssistantAsksFor() throws Exception {
        start("wav", Map.of("assistant.sales.recording.record-user-audio", "false"));
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);

        try (MediaClient stream = MediaClient.open(daemon.port())) {
            stream.send(call.connected());
            stream.send(call.start("sales"));
            stream.send(call.media(0, 5));
            stream.send(call.stop());
        }

        awaitCompleted(call.callSid, 2);
        assertThat(rows(call.callSid)).extracting(RecordingRow::recordingType).containsExactlyInAnyOrder("assistant", "mixed");
    }

    @Test
    void playsWhatAnInProgressRecordingHoldsAndAnotherReplicaSaysWhereItIs(@TempDir Path otherState) throws Exception {
        start("wav", Map.of());
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        try (MediaClient stream = MediaClient.open(daemon.port());
             Daemon replica = harness.start(Map.of("recording.enabled", "true", "state-dir", otherState.toString()))) {
            stream.send(call.connected());
            stream.send(call.start(null));
            stream.send(call.media(0, 5));
            DaemonHarness.await("the rows", Duration.ofSeconds(60), () -> rows(call.callSid).size() == 3);
            RecordingRow user = rows(call.callSid).stream().filter(r -> r.recordingType().equals("user")).findFirst().orElseThrow();
            String path = "/calls/" + call.callSid + "/recording/" + user.id() + "/play";
            DaemonHarness.await("5 s captured", Duration.ofSeconds(60), () -> {
                try {
                    return harness.get(daemon, path, "Authorization", "Bearer " + DaemonHarness.API_TOKEN).body().length >= 44 + 5 * 8000 * 2;
                } catch (Exception e) {
                    return false;
                }
            });

            var here = harness.get(daemon, path, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
            var elsewhere = harness.get(replica, path, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);

            assertThat(here.statusCode()).isEqualTo(200);
            short[] soFar = AudioFiles.wav(here.body());
            assertThat(Goertzel.power(soFar, 8000, 800, SyntheticCall.CALLER_HZ)).isGreaterThan(0.01);
            assertThat(elsewhere.statusCode()).isEqualTo(409);
            assertThat(new String(elsewhere.body())).contains("in progress on daemon");
            stream.send(call.stop());
        }
        awaitCompleted(call.callSid, 3);
    }
}
