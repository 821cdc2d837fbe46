package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.callvault.testing.Environment;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.Tones;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.testing.TwilioStandIn.UpdateAnswer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pause holds when Twilio misbehaves (issue 34): the real-time recorder pauses at once and the pause is stored from the
 * moment it was asked, the answer comes within the deadline however long Twilio takes, Twilio is asked again in the
 * background until it confirms or the call ends, a resume always resumes the real-time recorder, concurrent requests
 * make one pause and one request to Twilio each way, and a 404 from Twilio for a call it records fails closed.
 */
class PauseWhenTwilioMisbehavesTest {
    /** recording.pause-deadline-ms's default: how long a pause or resume waits for Twilio before it answers. */
    private static final Duration DEADLINE = Duration.ofSeconds(3);
    /** What the request itself may add to the deadline on a loaded machine. */
    private static final Duration SLACK = Duration.ofSeconds(2);
    private static final double[][] WHOLE_CALL = {{0, 30}};
    private static final double[][] OUTSIDE_THE_PAUSE = {{0, 10}, {20, 30}};

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private final DaemonHarness harness = new DaemonHarness(env);
    private final ConsoleFixture console = new ConsoleFixture(env, harness, state);
    private final PauseFixture fixture = new PauseFixture(env, harness, console);

    private static SyntheticCall call() {
        return new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 30, WHOLE_CALL, WHOLE_CALL);
    }

    private List<String> twilioUpdates(String status) {
        return env.twilio().recordingUpdates().stream().filter(u -> u.status().equals(status)).map(u -> u.callSid()).toList();
    }

    private static Duration since(Instant t) {
        return Duration.between(t, Instant.now());
    }

    @Test
    void withTwilioHangingTheAnswersComeWithinTheDeadlineAndTheTracksPauseAndResumeWhenAsked() throws Exception {
        env.twilio().answerPauses(UpdateAnswer.HANG);
        env.twilio().answerResumes(UpdateAnswer.HANG);
        SyntheticCall call = call();
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            fixture.recorded(call, 10);

            Instant pauseAsked = Instant.now();
            HttpResponse<String> paused = fixture.post(d, call.callSid, "pause", "card payment");
            Duration pauseTook = since(pauseAsked);
            JsonNode pause = fixture.pause(d, call.callSid);
            String metrics = fixture.metrics(d);

            assertThat(pauseTook).as("the pause's answer").isLessThan(DEADLINE.plus(SLACK));
            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(502);
            JsonNode answer = PauseFixture.json(paused);
            assertThat(answer.get("state").asText()).isEqualTo("paused");
            assertThat(answer.get("realtime").asBoolean()).isTrue();
            assertThat(answer.get("detail").asText()).contains("Twilio has not confirmed the pause")
                    .contains("asked again in the background until it confirms or the call ends").contains("the real-time recorder is paused");
            // the evidence exists from the start, with the moment the pause was asked
            assertThat(Instant.parse(pause.get("started_at").asText())).isBetween(pauseAsked.minusMillis(50), pauseAsked.plusSeconds(1));
            assertThat(pause.get("twilio_may_hold_it").asBoolean()).isTrue();
            assertThat(fixture.call(d, call.callSid).get("twilio_may_hold_paused_audio").asBoolean()).as("the call's flag").isTrue();
            assertThat(metrics).contains("callvault_pauses_total{twilio=\"refused\"} 1.0");

            stream.send(call.media(10, 20));
            fixture.recorded(call, 20);
            Instant resumeAsked = Instant.now();
            HttpResponse<String> resumed = fixture.post(d, call.callSid, "resume", "card read");
            Duration resumeTook = since(resumeAsked);

            assertThat(resumeTook).as("the resume's answer").isLessThan(DEADLINE.plus(SLACK));
            assertThat(PauseFixture.json(resumed).get("state").asText()).as(resumed.body()).isEqualTo("recording");
            assertThat(PauseFixture.json(resumed).get("detail").asText()).contains("the real-time recorder is recording again")
                    .contains("Twilio has not confirmed the resume");
            stream.send(call.media(20, 30));
            stream.send(call.stop());

            Map<String, short[]> tracks = fixture.tracks(call);
            Tones.assertTones(tracks.get("user"), OUTSIDE_THE_PAUSE, new double[0][]);
            Tones.assertTones(tracks.get("assistant"), new double[0][], OUTSIDE_THE_PAUSE);
            Tones.assertTones(tracks.get("mixed"), OUTSIDE_THE_PAUSE, OUTSIDE_THE_PAUSE);
            for (var track : tracks.entrySet()) {
                assertThat(PauseFixture.loudest(track.getValue(), 10, 20)).as(track.getKey() + ", 10-20 s").isZero();
            }
            pause = fixture.pause(d, call.callSid);
            assertThat(pause.get("stream_from").asDouble()).isEqualTo(10.0);
            assertThat(pause.get("stream_to").asDouble()).isEqualTo(20.0);
            // Twilio was asked to pause, then (its pause never confirmed) to resume, never to pause after a resume
            List<String> order = env.twilio().recordingUpdates().stream().map(u -> u.status()).toList();
            assertThat(order).startsWith("paused").contains("in-progress");
            assertThat(order.subList(order.indexOf("in-progress"), order.size())).containsOnly("in-progress");
        }
    }

    @Test
    void withTwilioHangingThePauseIsAskedAgainUntilTheCallEndsAndTheCallsEndClosesIt() throws Exception {
        env.twilio().answerPauses(UpdateAnswer.HANG);
        SyntheticCall call = call();
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            fixture.recorded(call, 10);

            Instant asked = Instant.now();
            HttpResponse<String> paused = fixture.post(d, call.callSid, "pause", "card payment");
            assertThat(since(asked)).as("the pause's answer").isLessThan(DEADLINE.plus(SLACK));
            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(502);
            DaemonHarness.await("Twilio asked to pause again", Duration.ofSeconds(60), () -> twilioUpdates("paused").size() >= 2,
                    () -> env.twilio().recordingUpdates());

            stream.send(call.media(10, 20));
            stream.send(call.stop());
            Map<String, short[]> tracks = fixture.tracks(call);
            DaemonHarness.await("Twilio no longer asked", Duration.ofSeconds(60),
                    () -> fixture.pause(d, call.callSid).get("twilio").asText().startsWith("not confirmed: the call ended"),
                    () -> fixture.pause(d, call.callSid));

            JsonNode pause = fixture.pause(d, call.callSid);
            assertThat(pause.get("ended_at").isNull()).as("closed at the call's end").isFalse();
            assertThat(pause.get("stream_to").asDouble()).isEqualTo(20.0);
            assertThat(pause.get("words").asText()).contains("paused 0:10-0:20").contains("the call ended while paused").contains("WARNING: Twilio");
            assertThat(pause.get("twilio_may_hold_it").asBoolean()).isTrue();
            assertThat(pause.get("twilio_tries").asInt()).as("each try recorded").isEqualTo(twilioUpdates("paused").size()).isGreaterThanOrEqualTo(2);
            assertThat(twilioUpdates("in-progress")).as("nothing to resume after the call's end").isEmpty();
            for (var track : tracks.entrySet()) {
                assertThat(track.getValue().length).as(track.getKey() + ": samples").isEqualTo(20 * 8000);
                assertThat(PauseFixture.loudest(track.getValue(), 1, 9)).as(track.getKey() + ", 1-9 s").isGreaterThan(2000);
                assertThat(PauseFixture.loudest(track.getValue(), 10, 20)).as(track.getKey() + ", 10-20 s").isZero();
            }
        }
    }

    @Test
    void fiftyConcurrentPausesAndFiftyConcurrentResumesMakeOnePauseAndOneTwilioRequestEachWay() throws Exception {
        env.twilio().latency(Duration.ofMillis(300)); // Twilio takes its time: the requests overlap while it answers
        SyntheticCall call = call();
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            fixture.recorded(call, 10);

            List<HttpResponse<String>> pauses = PauseFixture.atOnce(50, () -> fixture.post(d, call.callSid, "pause", "card payment"));
            List<HttpResponse<String>> resumes = PauseFixture.atOnce(50, () -> fixture.post(d, call.callSid, "resume", "card read"));

            assertThat(pauses).extracting(HttpResponse::statusCode).as(pauses.stream().map(HttpResponse::body).distinct().toList().toString())
                    .containsOnly(200);
            assertThat(pauses).extracting(r -> PauseFixture.json(r).get("state").asText()).containsOnly("paused");
            assertThat(resumes).extracting(HttpResponse::statusCode).as(resumes.stream().map(HttpResponse::body).distinct().toList().toString())
                    .containsOnly(200);
            assertThat(resumes).extracting(r -> PauseFixture.json(r).get("state").asText()).containsOnly("recording");
            assertThat(twilioUpdates("paused")).as("pauses Twilio received").hasSize(1);
            assertThat(twilioUpdates("in-progress")).as("resumes Twilio received").hasSize(1);
            JsonNode pause = fixture.pause(d, call.callSid);
            assertThat(pause.get("ended_at").isNull()).as("resumed").isFalse();
            assertThat(pause.get("stream_from").asDouble()).isEqualTo(10.0);
        }
    }

    @Test
    void aTwilio404ForACallWhoseTwimlStartedARecordingFailsClosed() throws Exception {
        env.twilio().answerPauses(UpdateAnswer.NOT_FOUND);
        SyntheticCall call = call();
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            Map<String, String> form = Map.of("CallSid", call.callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+14155550102",
                    "To", "+18005550100", "CallStatus", "ringing");
            HttpResponse<String> twiml = harness.post(d, "/twiml", form, DaemonHarness.PUBLIC_URL + "/twiml");
            assertThat(twiml.body()).as("the call's TwiML starts Twilio's recording").contains("<Start><Recording");
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            fixture.recorded(call, 10);

            HttpResponse<String> paused = fixture.post(d, call.callSid, "pause", "card payment");

            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(502);
            assertThat(PauseFixture.json(paused).get("detail").asText()).contains("Twilio has not confirmed the pause").contains("404")
                    .contains("the real-time recorder is paused");
            assertThat(fixture.call(d, call.callSid).get("twilio_may_hold_paused_audio").asBoolean()).as("the call's flag").isTrue();
            assertThat(fixture.pause(d, call.callSid).get("words").asText()).contains("WARNING: Twilio");
            assertThat(fixture.metrics(d)).contains("callvault_pauses_total{twilio=\"refused\"} 1.0");
        }
    }

    @Test
    void aTwilio404ForACallTwilioDoesNotRecordPausesTheRealtimeRecorderAlone() throws Exception {
        env.twilio().answerPauses(UpdateAnswer.NOT_FOUND);
        SyntheticCall call = call(); // known only from its Media Stream: no TwiML of ours started a recording at Twilio
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            fixture.recorded(call, 10);

            HttpResponse<String> paused = fixture.post(d, call.callSid, "pause", "card payment");

            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
            assertThat(PauseFixture.json(paused).get("twilio").asText()).isEqualTo("no recording");
            assertThat(fixture.call(d, call.callSid).get("twilio_may_hold_paused_audio").asBoolean()).isFalse();
            assertThat(fixture.metrics(d)).contains("callvault_pauses_total{twilio=\"none\"} 1.0");
        }
    }

    @Test
    void aRefusedPauseIsAskedAgainInTheBackgroundAsTheAnswerSays() throws Exception {
        env.twilio().answerPauses(UpdateAnswer.FAIL_500);
        SyntheticCall call = call();
        try (Daemon d = console.start(Map.of()); MediaClient stream = MediaClient.open(d.port())) {
            stream.send(List.of(call.connected(), call.start(null)));
            stream.send(call.media(0, 10));
            fixture.recorded(call, 10);

            HttpResponse<String> paused = fixture.post(d, call.callSid, "pause", "card payment");
            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(502);
            assertThat(PauseFixture.json(paused).get("detail").asText()).contains("HTTP 500")
                    .contains("asked again in the background until it confirms or the call ends").doesNotContain("it will be tried again");
            env.twilio().answerPauses(UpdateAnswer.DONE);

            DaemonHarness.await("Twilio's pause confirmed", Duration.ofSeconds(60),
                    () -> fixture.pause(d, call.callSid).get("twilio").asText().equals("paused"), () -> fixture.pause(d, call.callSid));
            JsonNode pause = fixture.pause(d, call.callSid);
            assertThat(pause.get("twilio_confirmed_at").isNull()).isFalse();
            // confirmed after the answer went out: Twilio's recording may hold the start of the span, and the call says so
            assertThat(pause.get("twilio_may_hold_it").asBoolean()).isTrue();
            assertThat(pause.get("words").asText()).contains("WARNING: Twilio confirmed the pause only");
            assertThat(pause.get("twilio_tries").asInt()).isEqualTo(twilioUpdates("paused").size()).isGreaterThanOrEqualTo(2);
        }
    }
}
