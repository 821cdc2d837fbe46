package dev.callvault.cli;

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
import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.daemon.DaemonHarness;
import dev.callvault.daemon.MediaClient;
import dev.callvault.testing.SyntheticCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code callvault call show} says only true things: unknown as unknown, "upgraded" only from a real-time recording that existed. */
class CallCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final String API_TOKEN = "call-command-test-token-0123";

    private final Cli cli = new Cli(env);

    private StandInRecording archived(String callSid) {
        var r = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, Sids.recording(), Instant.now(), 20_000));
        var config = env.config();
        try (RecordingStore store = RecordingStores.open(config.storage())) {
            new Archiver(new TwilioRecordings(config.twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC())
                    .archive(dev.callvault.archive.Archiver.Request.of(new RecordingRef(r.accountSid(), r.sid(), r.callSid())));
        }
        return r;
    }

    @Test
    void aCallKnownOnlyFromTwiliosCallbackShowsItsNumbersAsUnknownAndNoUpgrade() {
        String callSid = Sids.call();
        StandInRecording r = archived(callSid);

        Cli.Result text = cli.run(List.of("call", "show"), Map.of(), callSid);
        Cli.Result json = cli.run(List.of("call", "show"), Map.of(), callSid, "--json");

        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("from unknown to unknown").contains("Twilio's recording " + r.sid())
                .doesNotContain("null").doesNotContain("upgraded").doesNotContain("overrode");
        assertThat(json.out()).contains("\"from\":null").contains("\"upgraded_from\":null");
    }

    @Test
    void aMixedRowUpgradedFromARealtimeRecordingNamesIt() {
        String callSid = Sids.call();
        String realtimeKey = "recordings/2026/11/24/" + callSid + "/MZ11111111111111111111111111111111-mixed.wav";
        Rows.realtime(env.db(), Rows.call(env.db(), callSid), "mixed", realtimeKey);
        StandInRecording r = archived(callSid);

        Cli.Result text = cli.run(List.of("call", "show"), Map.of(), callSid);
        Cli.Result json = cli.run(List.of("call", "show"), Map.of(), callSid, "--json");

        assertThat(text.out()).contains("from +15550100 to +15550199")
                .contains("Twilio's recording " + r.sid() + ", upgraded from the real-time recording " + realtimeKey);
        assertThat(json.out()).contains("\"upgraded_from\":\"" + realtimeKey + "\"");
    }

    /** True when the call's three real-time rows all satisfy {@code each}. */
    private static boolean realtimeRows(String callSid, java.util.function.Predicate<dev.callvault.db.RecordingRow> each) {
        var call = new dev.callvault.db.CallRepository(env.db().jdbi()).findBySid(callSid);
        var rows = call.map(c -> new dev.callvault.db.RecordingRepository(env.db().jdbi()).findByCall(c.id())).orElse(List.of());
        return rows.size() == 3 && rows.stream().allMatch(each);
    }

    @Test
    void callShowSaysAPauseTheCallEndedInEndedWithTheCallNotThatItRunsUntilNow() throws Exception {
        SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 30, new double[][]{{0, 30}}, new double[][]{{0, 30}});
        Map<String, String> daemon = new java.util.HashMap<>(env.settings());
        daemon.putAll(Map.of("http.port", "0", "http.management-address", "127.0.0.1:0", "http.api-token", API_TOKEN, "recording.enabled", "true",
                "recording.format", "wav", "state-dir", java.nio.file.Files.createTempDirectory("call-show-daemon").toString()));
        try (Daemon d = Daemon.start(ConfigLoader.of(daemon)); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            DaemonHarness.await("10 s recorded", Duration.ofSeconds(60),
                    () -> realtimeRows(call.callSid, r -> r.durationSeconds() != null && r.durationSeconds().doubleValue() >= 9.979));
            Cli.Result paused = cli.run(List.of("call", "pause"), Map.of("http.api-token", API_TOKEN), call.callSid, "--reason", "card payment",
                    "--daemon-url", "http://127.0.0.1:" + d.port());
            assertThat(paused.exit()).as(paused.out() + paused.err()).isZero();

            stream.send(call.media(10, 20));
            stream.send(call.stop()); // the caller hangs up while paused, and nobody resumes
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> realtimeRows(call.callSid, dev.callvault.db.RecordingRow::completed));
        }

        Cli.Result shown = cli.run(List.of("call", "show"), Map.of(), call.callSid);

        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.out()).contains("paused 0:10-0:20 by api token (card payment)").contains("the call ended while paused")
                .doesNotContain("-now");
    }

    @Test
    void auditSaysWhoListenedNewestFirstAndWhenNoOneDid() {
        String callSid = Sids.call();
        archived(callSid);
        var row = new dev.callvault.db.CallRepository(env.db().jdbi()).findBySid(callSid).orElseThrow();
        var recording = new dev.callvault.db.RecordingRepository(env.db().jdbi()).findByCall(row.id()).get(0);
        var audit = new dev.callvault.db.AuditRepository(env.db().jdbi());
        String quiet = Sids.call();
        archived(quiet);

        audit.listened(java.util.UUID.randomUUID(), "alice", row.id(), recording.id(),
                List.of(new dev.callvault.db.AuditRepository.Span(0, 3.2), new dev.callvault.db.AuditRepository.Span(20, 22)), "192.0.2.7", "Firefox");
        audit.download("api token", row.id(), recording.id(), "127.0.0.1", null);
        Cli.Result text = cli.run(List.of("audit"), Map.of(), "--call", callSid);
        Cli.Result json = cli.run(List.of("audit"), Map.of(), "--call", callSid, "--json");
        Cli.Result none = cli.run(List.of("audit"), Map.of(), "--call", quiet);
        Cli.Result bad = cli.run(List.of("audit"), Map.of(), "--call", "CA12");

        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out().lines().filter(l -> l.startsWith("  ")).toList())
                .satisfiesExactly(l -> assertThat(l).contains("api token downloaded it"),
                        l -> assertThat(l).contains("alice listened to 0:05 (0:00-0:03, 0:20-0:22)").contains("192.0.2.7"));
        assertThat(json.lines()).hasSize(2).allMatch(l -> l.contains("\"recording_id\":\"" + recording.id() + "\""));
        assertThat(json.lines().get(1)).contains("\"heard_seconds\":5.2").contains("\"spans\":[[0.0,3.2],[20.0,22.0]]");
        assertThat(none.out()).contains("no one has listened to or downloaded its recordings");
        assertThat(bad.exit()).isEqualTo(64);
    }
}
