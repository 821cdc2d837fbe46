package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.Archiver;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A recording deleted on purpose (its row a tombstone) is gone, not "not stored yet": its audio, its download and its
 * waveform answer 410 with when, by whom and why, in a sentence a person can act on.
 */
class DeletedRecordingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant DELETED_AT = Instant.parse("2026-11-30T09:15:00Z");

    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);
    private final String bearer = "Bearer " + DaemonHarness.API_TOKEN;
    private Daemon daemon;
    private String callSid;
    private ArchiveResult archived;

    @BeforeEach
    void archiveOne() {
        callSid = Sids.call();
        StandInRecording r = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, Sids.recording(),
                Instant.parse("2026-11-24T14:06:19Z"), 20_000));
        try (var store = RecordingStores.open(env.config().storage())) {
            archived = new Archiver(new TwilioRecordings(env.config().twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC())
                    .archive(Archiver.Request.of(new RecordingRef(TwilioStandIn.ACCOUNT_SID, r.sid(), callSid)));
        }
        daemon = harness.start();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /** The answers of /play, the download, HEAD of both and the waveform: status and detail (the problem's sentence). */
    private List<String> answers() throws Exception {
        String recording = "/calls/" + callSid + "/recording/" + archived.recordingId();
        List<String> out = new ArrayList<>();
        for (String path : List.of(recording + "/play", recording, "/api/v1/calls/" + callSid + "/recordings/" + archived.recordingId() + "/peaks")) {
            HttpResponse<byte[]> r = harness.get(daemon, path, "Authorization", bearer);
            JsonNode body = JSON.readTree(r.body());
            out.add(r.statusCode() + " " + body.path("detail").asText(new String(r.body())));
        }
        for (String path : List.of(recording + "/play", recording)) {
            HttpResponse<Void> head = harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
                    .header("Authorization", bearer).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            out.add(head.statusCode() + " (HEAD)");
        }
        return out;
    }

    @Test
    void anErasedRecordingIsGoneSayingWhenByWhomAndWhy() throws Exception {
        Tombstones.erase(env.db(), callSid, "bob", "GDPR request 2026-400", DELETED_AT);

        String sentence = "recording " + archived.recordingId() + " was erased on 2026-11-30T09:15:00Z by bob (GDPR request 2026-400)";
        assertThat(answers()).containsExactly("410 " + sentence, "410 " + sentence, "410 " + sentence, "410 (HEAD)", "410 (HEAD)");
    }

    @Test
    void aRecordingDeletedByRetentionIsGoneNamingThePolicy() throws Exception {
        Tombstones.expire(env.db(), callSid, "retention.days = 30", DELETED_AT);

        String sentence = "recording " + archived.recordingId() + " was deleted on 2026-11-30T09:15:00Z by the retention policy (retention.days = 30)";
        assertThat(answers()).containsExactly("410 " + sentence, "410 " + sentence, "410 " + sentence, "410 (HEAD)", "410 (HEAD)");
    }
}
