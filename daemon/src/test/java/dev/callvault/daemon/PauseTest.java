package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.RecordingRow;
import dev.callvault.recorder.RealtimeRecording;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Pausing a call's recording while a card number is read: both recorders at once. Every real-time track keeps its
 * timeline with digital silence in the span (in the spool already, and in the stored files), Twilio is asked to pause
 * with PauseBehavior=silence and to resume at those moments, the analytics count no silence in the span, and the call
 * page shows it. When Twilio refuses, the real-time side pauses all the same and the answer (502) and the call say so;
 * a pause open when the call ends ends with it, and nothing that shows the call fails while one is open.
 */
class PauseTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private final DaemonHarness harness = new DaemonHarness(env);
    private final ConsoleFixture console = new ConsoleFixture(env, harness, state);

    private HttpResponse<String> post(Daemon d, String callSid, String action, String reason) throws Exception {
        return harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/calls/" + callSid + "/" + action))
                .header("Authorization", "Bearer " + DaemonHarness.API_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"" + reason + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until the call's three real-time rows say at least {@code seconds} are recorded (they follow the spool's syncs). */
    private void recorded(SyntheticCall call, double seconds) throws InterruptedException {
        DaemonHarness.await(seconds + " s recorded", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid),
                r -> r.durationSeconds() != null && r.durationSeconds().doubleValue() >= seconds - 0.021));
    }

    /** Each second's loudest sample of a 16-bit mono WAV (44-byte header). */
    private static int[] loudestPerSecond(byte[] wav) {
        ByteBuffer b = ByteBuffer.wrap(wav, 44, wav.length - 44).order(ByteOrder.LITTLE_ENDIAN);
        int samples = (wav.length - 44) / 2;
        int[] loudest = new int[(samples + 7999) / 8000];
        for (int i = 0; i < samples; i++) {
            loudest[i / 8000] = Math.max(loudest[i / 8000], Math.abs(b.getShort()));
        }
        return loudest;
    }

    private static void assertSilentOnlyInTheSpan(String what, int[] loudest, int seconds) {
        assertThat(loudest).as(what + ": seconds of audio").hasSize(seconds);
        for (int s = 0; s < loudest.length; s++) {
            if (s >= 10 && s < 20) {
                assertThat(loudest[s]).as(what + ": second " + s + " (paused)").isZero();
            } else if (s >= 1 && s < 9 || s >= 21 && s < seconds - 1) {
                assertThat(loudest[s]).as(what + ": second " + s + " (recording)").isGreaterThan(2000);
            }
        }
    }

    @Test
    void aPauseSilencesBothRecordersForTheSpanAndTheAnalyticsAndThePageLeaveItOut() throws Exception {
        SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 30, new double[][]{{0, 30}}, new double[][]{{0, 30}});
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            recorded(call, 10);

            Instant beforePause = Instant.now();
            HttpResponse<String> paused = post(d, call.callSid, "pause", "card payment");
            Instant afterPause = Instant.now();
            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
            assertThat(JSON.readTree(paused.body()).get("state").asText()).isEqualTo("paused");
            assertThat(post(d, call.callSid, "pause", "card payment").statusCode()).as("a second pause").isEqualTo(200);

            stream.send(call.media(10, 20));
            recorded(call, 20);
            // read raw from the spool before any finalize: nothing of the span reached the disk
            RealtimeRecording live = d.recorder().active().stream().filter(r -> r.info().callSid().equals(call.callSid)).findFirst().orElseThrow();
            for (String track : List.of("user", "assistant", "mixed")) {
                int[] spool = loudestPerSecond(Files.readAllBytes(live.dir().resolve(track + ".wav")));
                for (int s = 10; s < 20; s++) {
                    assertThat(spool[s]).as("spool " + track + ", second " + s).isZero();
                }
            }

            Instant beforeResume = Instant.now();
            HttpResponse<String> resumed = post(d, call.callSid, "resume", "card read");
            Instant afterResume = Instant.now();
            assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
            stream.send(call.media(20, 30));
            stream.send(call.stop());
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));

            try (RecordingStore store = RecordingStores.open(env.config().storage())) {
                for (RecordingRow r : console.rows(call.callSid)) {
                    try (InputStream in = store.get(r.s3Key(), 0, -1)) {
                        assertSilentOnlyInTheSpan(r.recordingType(), loudestPerSecond(in.readAllBytes()), 30);
                    }
                }
            }
            var updates = env.twilio().recordingUpdates();
            assertThat(updates).extracting(u -> u.status() + " " + u.pauseBehavior() + " " + u.recording())
                    .containsExactly("paused silence Twilio.CURRENT", "in-progress null Twilio.CURRENT");
            assertThat(updates.get(0).at()).isBetween(beforePause, afterPause);
            assertThat(updates.get(1).at()).isBetween(beforeResume, afterResume);

            JsonNode api = JSON.readTree(harness.get(d, "/api/v1/calls/" + call.callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN).body());
            DaemonHarness.await("the call's analytics", Duration.ofSeconds(60), () -> analytics(d, call) != null);
            JsonNode analytics = analytics(d, call);
            // steady tones are no speech to the detector: all 30 s would be silence, less the 10 s paused, which are not counted
            assertThat(analytics.get("silence_seconds").asDouble()).as("silence counted (the paused span is not)").isCloseTo(20.0, within(0.5));
            assertThat(api.get("pauses")).hasSize(1);
            assertThat(api.get("pauses").get(0).get("stream_from").asDouble()).isEqualTo(10.0);
            assertThat(api.get("pauses").get(0).get("stream_to").asDouble()).isEqualTo(20.0);

            try (Browser browser = Browser.start()) {
                ConsoleFixture.signIn(browser, ConsoleFixture.base(d));
                browser.driver.get(ConsoleFixture.base(d) + "/ui/calls/" + call.callSid);
                browser.until("the pause on the page", w -> !w.findElements(By.id("pauses")).isEmpty());
                assertThat(browser.text("#pauses")).contains("paused 0:10-0:20 by api token (card payment)");
                browser.until("the paused span on the waveforms", w -> w.findElement(By.id("marks-legend")).getText().contains("paused for card data (1)"));
            }
        }
    }

    @Test
    void theCallAndItsPageAnswerWhileAPauseIsOpenAndACallThatEndsPausedClosesThePauseAtItsEnd() throws Exception {
        SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 30, new double[][]{{0, 30}}, new double[][]{{0, 30}});
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            recorded(call, 10);
            assertThat(post(d, call.callSid, "pause", "card payment").statusCode()).isEqualTo(200);

            HttpResponse<byte[]> whilePaused = harness.get(d, "/api/v1/calls/" + call.callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
            assertThat(whilePaused.statusCode()).as(new String(whilePaused.body())).isEqualTo(200);
            JsonNode open = JSON.readTree(whilePaused.body()).get("pauses").get(0);
            assertThat(open.get("ended_at").isNull()).isTrue();
            assertThat(open.get("call_to").isNull()).isTrue();
            assertThat(open.get("words").asText()).contains("paused 0:10-now");
            try (Browser browser = Browser.start()) {
                ConsoleFixture.signIn(browser, ConsoleFixture.base(d));
                browser.driver.get(ConsoleFixture.base(d) + "/ui/calls/" + call.callSid);
                browser.until("the open pause on the page", w -> !w.findElements(By.id("pauses")).isEmpty());
                assertThat(browser.text("#pauses")).contains("paused 0:10-now by api token (card payment)");
            }

            stream.send(call.media(10, 20));
            stream.send(call.stop()); // the caller hangs up while paused, and nobody resumes
            DaemonHarness.await("the pause closed", Duration.ofSeconds(60), () -> !callNow(d, call).get("pauses").get(0).get("ended_at").isNull(),
                    () -> callNow(d, call).get("pauses"));

            JsonNode ended = callNow(d, call).get("pauses").get(0);
            assertThat(ended.get("stream_to").asDouble()).as("closed at the call's end").isEqualTo(20.0);
            assertThat(ended.get("call_to").isNull()).isFalse();
            assertThat(ended.get("words").asText()).contains("paused 0:10-0:20").contains("the call ended while paused").doesNotContain("now");
        }
    }

    /** The call as the API has it now. */
    private JsonNode callNow(Daemon d, SyntheticCall call) {
        try {
            HttpResponse<byte[]> r = harness.get(d, "/api/v1/calls/" + call.callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
            assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode analytics(Daemon d, SyntheticCall call) {
        try {
            JsonNode a = JSON.readTree(harness.get(d, "/api/v1/calls/" + call.callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN).body()).get("analytics");
            return a == null || a.isNull() ? null : a;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whenTwilioRefusesTheRealTimeRecorderStillPausesAndTheAnswerAndTheCallSaySo() throws Exception {
        SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 30, new double[][]{{0, 30}}, new double[][]{{0, 30}});
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            recorded(call, 10);
            env.twilio().failNext(20, 500, null); // every try of the pause (and its retries)

            HttpResponse<String> paused = post(d, call.callSid, "pause", "card payment");

            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(502);
            assertThat(JSON.readTree(paused.body()).get("detail").asText()).startsWith("Twilio has not confirmed the pause of its recording (HTTP 500")
                    .contains("the real-time recorder is paused");
            env.twilio().failNext(0, 500, null);
            stream.send(call.media(10, 20));
            recorded(call, 20);
            post(d, call.callSid, "resume", "card read");
            stream.send(call.media(20, 30));
            stream.send(call.stop());
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));
            try (RecordingStore store = RecordingStores.open(env.config().storage())) {
                for (RecordingRow r : console.rows(call.callSid)) {
                    try (InputStream in = store.get(r.s3Key(), 0, -1)) {
                        assertSilentOnlyInTheSpan(r.recordingType(), loudestPerSecond(in.readAllBytes()), 30);
                    }
                }
            }
            JsonNode api = JSON.readTree(harness.get(d, "/api/v1/calls/" + call.callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN).body());
            assertThat(api.get("twilio_may_hold_paused_audio").asBoolean()).as("the call is flagged").isTrue();
            assertThat(api.get("pauses").get(0).get("words").asText()).contains("WARNING: Twilio");
            assertThat(new String(harness.manage(d, "/metrics").body())).contains("callvault_pauses_total{twilio=\"refused\"} 1.0");
        }
    }
}
