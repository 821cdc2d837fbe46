package dev.callvault.daemon;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.callvault.config.ConfigLoader;
import dev.callvault.db.Database;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TestPostgres;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TwilioStandIn;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing of what a stranger on the internet can send the daemon: form bodies (signed and not),
 * signatures, Range headers, Media Stream messages. Whatever arrives, the answer is never a 5xx and nothing is
 * logged with a stack trace; a stream stays open through any message.
 */
class FuzzTest {
    private static final Set<Integer> CLIENT_ERRORS_OR_SUCCESS = Set.of(200, 204, 206, 400, 403, 404, 405, 413, 415, 416);
    private static TwilioStandIn twilio;
    private static String schema;
    private static Path state;
    private static Daemon daemon;
    private static String playPath;
    private static ListAppender<ILoggingEvent> logged;
    private static MediaClient stream;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeContainer
    static void start() throws Exception {
        String[] name = new String[1];
        String jdbc = TestPostgres.freshSchema(name);
        schema = name[0];
        twilio = new TwilioStandIn();
        state = Files.createTempDirectory("callvault-fuzz");
        Map<String, String> s = new LinkedHashMap<>(Environment.settings(jdbc, TestS3.get().createBucket(), twilio));
        s.putAll(Map.of("http.port", "0", "http.management-address", "127.0.0.1:0", "public-url", DaemonHarness.PUBLIC_URL,
                "http.api-token", DaemonHarness.API_TOKEN, "worker.poll-ms", "50", "recording.enabled", "true", "recording.format", "wav",
                "state-dir", state.toString()));
        daemon = Daemon.start(ConfigLoader.of(s));
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now(), 200_000));
        post("/recording/status", DaemonHarness.callback(callSid, recordingSid, "completed"), true);
        Database db = daemon.database();
        DaemonHarness.await("the seeded recording archived", java.time.Duration.ofSeconds(60), () -> db.jdbi().withHandle(h ->
                h.createQuery("SELECT count(*) FROM recordings WHERE status = 'completed'").mapTo(Long.class).one()) == 1);
        UUID id = db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM recordings").mapTo(UUID.class).one());
        playPath = "/calls/" + callSid + "/recording/" + id + "/play";
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        stream = MediaClient.open(daemon.port());
        stream.send(call.connected());
        stream.send(call.start(null));
        logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
    }

    @AfterContainer
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
        stream.drop();
        daemon.close();
        twilio.close();
        TestPostgres.dropSchema(schema);
    }

    @AfterTry
    void nothingWasLoggedWithAStackTrace() {
        // an archive that fails for a random but well-formed callback is logged as a sentence, which is fine; a stack trace is not
        List<ILoggingEvent> traces = logged.list.stream().filter(e -> e.getThrowableProxy() != null).toList();
        logged.list.clear();
        assertThat(traces).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    @Property(tries = 300)
    void anyFormBodyIsAnsweredWithoutA5xx(@ForAll("paths") String path, @ForAll("forms") Map<String, String> form, @ForAll boolean signed)
            throws Exception {
        assertThat(post(path, form, signed).statusCode()).isIn(CLIENT_ERRORS_OR_SUCCESS);
    }

    @Property(tries = 200)
    void anyRawBodyAndContentTypeIsAnsweredWithoutA5xx(@ForAll("paths") String path, @ForAll("raw") String body,
                                                       @ForAll("contentTypes") String contentType, @ForAll("signatures") String signature)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (!contentType.isEmpty()) {
            b.header("Content-Type", contentType);
        }
        if (!signature.isEmpty()) {
            b.header("X-Twilio-Signature", signature);
        }
        assertThat(http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isIn(CLIENT_ERRORS_OR_SUCCESS);
    }

    @Property(tries = 300)
    void anyRangeHeaderIsAnsweredWithoutA5xx(@ForAll("ranges") String range) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + playPath))
                .header("Authorization", "Bearer " + DaemonHarness.API_TOKEN).header("Range", range).build();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isIn(200, 206, 416);
        if (r.statusCode() == 206) {
            assertThat(r.headers().firstValue("Content-Range").orElseThrow()).startsWith("bytes ");
        }
    }

    @Property(tries = 300)
    void anyMediaStreamMessageLeavesTheStreamOpen(@ForAll("streamMessages") String message) throws Exception {
        stream.send(message); // throws when the daemon has closed the socket
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.managementPort() + "/healthz")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("/recording/status", "/twiml", "/twiml?assistant=x", "/recording/status?x=%25ZZ&y");
    }

    @Provide
    Arbitrary<Map<String, String>> forms() {
        Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of("AccountSid", "CallSid", "RecordingSid", "RecordingStatus", "RecordingDuration",
                "RecordingChannels", "RecordingStartTime", "ErrorCode", "From", "To"), Arbitraries.strings().ofMaxLength(20));
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(50),
                Arbitraries.of(TwilioStandIn.ACCOUNT_SID, "AC" + "0".repeat(32), Sids.call(), Sids.recording(), "completed", "absent", "failed",
                        "in-progress", "", "-1", "NaN", "RE", "CA" + "g".repeat(32)));
        return Arbitraries.maps(key, value).ofMaxSize(10);
    }

    @Provide
    Arbitrary<String> raw() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(300), Arbitraries.strings().withChars("%=&+").ofMaxLength(40),
                Arbitraries.of("AccountSid=" + TwilioStandIn.ACCOUNT_SID + "&CallSid=%", "a=%E2%82", "=&=&", "x".repeat(70_000)));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of("", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin1",
                "application/json", "multipart/form-data; boundary=x", "text/plain", "application/x-www-form-urlencoded; charset=nonsense");
    }

    @Provide
    Arbitrary<String> signatures() {
        // what an HTTP client can send at all: visible ASCII (the JDK's client refuses control characters and edge spaces)
        return Arbitraries.oneOf(Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60), Arbitraries.of("", "=", "AAAA", "not base64 !!"));
    }

    @Provide
    Arbitrary<String> ranges() {
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.longs().between(-5, 300_000).map(String::valueOf),
                Arbitraries.of("", "9223372036854775807", "99999999999999999999", "-0", "+1", "0x10", " 1"));
        Arbitrary<String> spec = Combinators.combine(number, number).as((a, b) -> a + "-" + b);
        return Arbitraries.oneOf(spec.map(s -> "bytes=" + s), spec.list().ofMinSize(2).ofMaxSize(3).map(l -> "bytes=" + String.join(",", l)),
                spec.map(s -> "items=" + s), Arbitraries.strings().withCharRange('!', '~').ofMaxLength(40).map(s -> "bytes=" + s),
                Arbitraries.of("bytes=", "bytes", "bytes=-", "bytes=--1", "bytes==0-1", "BYTES=0-1", "bytes = 0-1"));
    }

    @Provide
    Arbitrary<String> streamMessages() {
        Arbitrary<String> event = Arbitraries.of("connected", "start", "media", "stop", "mark", "dtmf", "bogus", "");
        Arbitrary<String> field = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(20).map(FuzzTest::quote),
                Arbitraries.integers().map(String::valueOf), Arbitraries.of("null", "{}", "[]", "true", "\"-1\"", "\"99999999999999999999\"",
                        "\"inbound\"", "\"outbound\"", "\"//8=\"", "\"not base64\"", "\"" + "A".repeat(4000) + "\""));
        Arbitrary<String> media = Combinators.combine(field, field, field).as((track, ts, payload) ->
                "{\"track\":" + track + ",\"timestamp\":" + ts + ",\"payload\":" + payload + "}");
        Arbitrary<String> json = Combinators.combine(event, Arbitraries.oneOf(media, field)).as((e, body) ->
                "{\"event\":\"" + e + "\",\"" + e + "\":" + body + ",\"streamSid\":\"MZ" + "0".repeat(32) + "\"}");
        return Arbitraries.oneOf(json, Arbitraries.strings().ofMaxLength(200), Arbitraries.of("", "{", "null", "[]", "{\"event\":null}"));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("\\p{Cntrl}", "") + "\"";
    }

    private static HttpResponse<String> post(String path, Map<String, String> form, boolean signed) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(form)));
        if (signed) {
            b.header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, DaemonHarness.PUBLIC_URL + path, form));
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
