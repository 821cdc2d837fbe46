package dev.callvault.daemon;

import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.Archiver;
import dev.callvault.signature.PlaybackLinks;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticAudio;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class PlaybackTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final int SIZE = 50_000;
    private final DaemonHarness harness = new DaemonHarness(env);
    private final String bearer = "Bearer " + DaemonHarness.API_TOKEN;
    private Daemon daemon;
    private ArchiveResult archived;
    private String callSid;
    private byte[] audio;

    @BeforeEach
    void archiveOne() {
        callSid = Sids.call();
        StandInRecording r = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, Sids.recording(),
                Instant.parse("2026-11-24T14:06:19Z"), SIZE));
        audio = SyntheticAudio.bytes(SyntheticAudio.Kind.MP3, r.seed(), SIZE);
        var config = env.config();
        try (var store = RecordingStores.open(config.storage())) {
            archived = new Archiver(new TwilioRecordings(config.twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC())
                    .archive(dev.callvault.archive.Archiver.Request.of(new RecordingRef(TwilioStandIn.ACCOUNT_SID, r.sid(), callSid)));
        }
        daemon = harness.start();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private String path() {
        return "/calls/" + callSid + "/recording/" + archived.recordingId();
    }

    @Test
    void theArchiveStoresWaveformPeaksBesideTheObjectAndAFirstViewMakesMissingOnes() throws Exception {
        String peaksKey = dev.callvault.derived.Waveforms.key(archived.key());
        String apiPath = "/api/v1/calls/" + callSid + "/recordings/" + archived.recordingId() + "/peaks";
        try (var store = RecordingStores.open(env.config().storage())) {
            assertThat(store.head(peaksKey)).as("peaks stored by the archive").isPresent();

            HttpResponse<byte[]> r = harness.get(daemon, apiPath, "Authorization", bearer);
            assertThat(r.statusCode()).isEqualTo(200);
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            assertThat(json.get("version").asInt()).isEqualTo(2);
            assertThat(json.get("channels").asInt()).as("Twilio's dual-channel recording").isEqualTo(2);
            assertThat(json.get("bits").asInt()).isEqualTo(8);
            assertThat(json.get("data").size()).isEqualTo(json.get("length").asInt() * 2 * 2);
            var peaks = dev.callvault.peaks.Peaks.parse(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(peaks.seconds()).isGreaterThan(1.0);

            store.delete(peaksKey);
            HttpResponse<byte[]> again = harness.get(daemon, apiPath, "Authorization", bearer);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).isEqualTo(r.body());
            assertThat(store.head(peaksKey)).as("peaks made on first view and kept").isPresent();

            // peaks are stored without waiting for the disk: a crash can leave them cut short, and a view makes them again
            byte[] cut = java.util.Arrays.copyOf(r.body(), r.body().length / 2);
            store.put(peaksKey, new java.io.ByteArrayInputStream(cut), "application/json", java.util.Map.of());
            HttpResponse<byte[]> mended = harness.get(daemon, apiPath, "Authorization", bearer);
            assertThat(mended.statusCode()).isEqualTo(200);
            assertThat(mended.body()).isEqualTo(r.body());
            try (var in = store.get(peaksKey, 0, -1)) {
                assertThat(in.readAllBytes()).as("stored whole again").isEqualTo(r.body());
            }
        }
        assertThat(harness.get(daemon, apiPath).statusCode()).isEqualTo(401);
        assertThat(harness.get(daemon, "/api/v1/calls/" + callSid + "/recordings/" + java.util.UUID.randomUUID() + "/peaks",
                "Authorization", bearer).statusCode()).isEqualTo(404);
    }

    @Test
    void aScriptsFetchesAreDownloadsCountedOnceNotEverySeekOrHead() throws Exception {
        harness.get(daemon, path() + "/play", "Authorization", bearer, "Range", "bytes=0-", "User-Agent", "test-player");
        harness.get(daemon, path() + "/play", "Authorization", bearer, "Range", "bytes=20000-");
        harness.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.port() + path() + "/play"))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).header("Authorization", bearer).build(),
                HttpResponse.BodyHandlers.discarding());
        harness.get(daemon, path(), "Authorization", bearer);
        harness.get(daemon, path() + "/play"); // refused: no one listened

        var callId = new dev.callvault.db.RecordingRepository(env.db().jdbi()).findById(archived.recordingId()).orElseThrow().callId();
        var events = new dev.callvault.db.AuditRepository(env.db().jdbi()).forCall(callId);

        assertThat(events).extracting(e -> e.action() + " by " + e.who()).containsExactly("download by api token", "download by api token");
        assertThat(events.get(1).userAgent()).isEqualTo("test-player");
        assertThat(events.get(1).remote()).isEqualTo("127.0.0.1");
        assertThat(events).allMatch(e -> e.recordingId().equals(archived.recordingId()));
    }

    @Test
    void downloadsTheWholeRecordingAsAnAttachment() throws Exception {
        HttpResponse<byte[]> r = harness.get(daemon, path(), "Authorization", bearer);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(audio);
        assertThat(r.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("attachment");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("audio/mpeg");
    }

    @Test
    void servesExactlyTheRequestedRangeWith206() throws Exception {
        HttpResponse<byte[]> r = harness.get(daemon, path() + "/play", "Authorization", bearer, "Range", "bytes=1000-1999");

        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(audio, 1000, 2000));
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/" + SIZE);
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(r.headers().firstValue("ETag")).isPresent();
        assertThat(r.headers().firstValue("Last-Modified")).isPresent();
        assertThat(r.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("inline");
    }

    @Test
    void servesOpenEndedAndSuffixRanges() throws Exception {
        HttpResponse<byte[]> open = harness.get(daemon, path() + "/play", "Authorization", bearer, "Range", "bytes=49000-");
        HttpResponse<byte[]> suffix = harness.get(daemon, path() + "/play", "Authorization", bearer, "Range", "bytes=-500");

        assertThat(open.statusCode()).isEqualTo(206);
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(audio, 49000, SIZE));
        assertThat(suffix.statusCode()).isEqualTo(206);
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(audio, SIZE - 500, SIZE));
        assertThat(suffix.headers().firstValue("Content-Range")).hasValue("bytes " + (SIZE - 500) + "-" + (SIZE - 1) + "/" + SIZE);
    }

    @Test
    void refusesAnUnsatisfiableRangeWith416() throws Exception {
        HttpResponse<byte[]> r = harness.get(daemon, path() + "/play", "Authorization", bearer, "Range", "bytes=60000-70000");

        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes */" + SIZE);
    }

    @Test
    void answersHeadWithoutABody() throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.port() + path() + "/play"))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).header("Authorization", bearer).build();
        HttpResponse<byte[]> r = harness.http.send(request, HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(SIZE));
        assertThat(r.body()).isEmpty();
    }

    @Test
    void requiresAuthentication() throws Exception {
        assertThat(harness.get(daemon, path() + "/play").statusCode()).isEqualTo(401);
        assertThat(harness.get(daemon, path(), "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void acceptsASignedLinkUntilItExpires() throws Exception {
        PlaybackLinks links = new PlaybackLinks(DaemonHarness.LINK_SECRET);
        String play = path() + "/play";

        HttpResponse<byte[]> valid = harness.get(daemon, play + "?" + links.sign(play, Instant.now().plusSeconds(60)));
        HttpResponse<byte[]> expired = harness.get(daemon, play + "?" + links.sign(play, Instant.now().minusSeconds(1)));
        HttpResponse<byte[]> otherPath = harness.get(daemon, path() + "?" + links.sign(play, Instant.now().plusSeconds(60)));

        assertThat(valid.statusCode()).isEqualTo(200);
        assertThat(valid.body()).isEqualTo(audio);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(otherPath.statusCode()).isEqualTo(401);
    }

    @Test
    void answers404ForARecordingOfAnotherCall() throws Exception {
        String otherCall = Sids.call();
        dev.callvault.testing.Rows.call(env.db(), otherCall);

        assertThat(harness.get(daemon, "/calls/" + otherCall + "/recording/" + archived.recordingId(), "Authorization", bearer).statusCode())
                .isEqualTo(404);
        assertThat(harness.get(daemon, "/calls/" + callSid + "/recording/not-a-uuid", "Authorization", bearer).statusCode()).isEqualTo(404);
    }

    @Test
    void acceptsOurCallIdAsWellAsTheCallSid() throws Exception {
        var callId = env.db().jdbi().withHandle(h -> h.createQuery("SELECT id FROM calls WHERE call_sid = :s").bind("s", callSid)
                .mapTo(java.util.UUID.class).one());

        HttpResponse<byte[]> r = harness.get(daemon, "/calls/" + callId + "/recording/" + archived.recordingId(), "Authorization", bearer);

        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void redirectsToAPresignedUrlWhenConfigured() throws Exception {
        daemon.close();
        daemon = harness.start(java.util.Map.of("http.presigned-redirects", "true"));

        HttpResponse<byte[]> r = harness.get(daemon, path(), "Authorization", bearer);

        assertThat(r.statusCode()).isEqualTo(302);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).contains("X-Amz-Signature=").contains(archived.key());
        HttpResponse<byte[]> fetched = harness.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.body()).isEqualTo(audio);
    }
}
