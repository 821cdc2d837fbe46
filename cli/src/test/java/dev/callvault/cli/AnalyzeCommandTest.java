package dev.callvault.cli;

import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.Sids;
import dev.callvault.testing.SpeechFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code callvault analyze} on calls recorded before the daemon analysed them: every call with a pair of tracks once,
 * a rerun skips them (resumable), an unreadable recording fails only its call; {@code call show} prints the result.
 */
class AnalyzeCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    /** A call with completed real-time caller and assistant tracks holding these WAV bytes. */
    private String callWithTracks(byte[] caller, byte[] assistant) {
        String callSid = Sids.call();
        UUID call = Rows.call(env.db(), callSid);
        String stream = Sids.random("MZ");
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            for (String type : List.of("user", "assistant")) {
                String key = "recordings/2026/11/24/" + callSid + "/" + stream + "-" + type + ".wav";
                byte[] bytes = type.equals("user") ? caller : assistant;
                var stored = store.put(key, new ByteArrayInputStream(bytes), "audio/wav", Map.of());
                env.db().jdbi().useHandle(h -> h.createUpdate("""
                                INSERT INTO recordings (call_id, recording_type, recording_source, status, stream_sid, s3_key, s3_url, format,
                                                        channels, duration_seconds, file_size, sha256, recording_metadata)
                                VALUES (:call, :type, 's3', 'completed', :stream, :key, 's3://b/' || :key, 'wav', 1, 24, :size, :sha, '{}'::jsonb)""")
                        .bind("call", call).bind("type", type).bind("stream", stream).bind("key", key).bind("size", stored.size())
                        .bind("sha", stored.sha256()).execute());
            }
        }
        return callSid;
    }

    private String callOf(String fixture) {
        SpeechFixture f = SpeechFixture.load(fixture);
        return callWithTracks(SpeechFixture.wav(f.caller()), SpeechFixture.wav(f.assistant()));
    }

    @Test
    void analysesEachCallOnceThenSkipsThemAndShowsTheResult() {
        String conversation = callOf("conversation");
        String silence = callOf("silence");
        String callerOnly = callOf("caller-only");
        Rows.call(env.db(), Sids.call()); // no recordings at all

        Cli.Result first = cli.run(List.of("analyze"), Map.of(), "--since", "1d", "--json");
        Cli.Result again = cli.run(List.of("analyze"), Map.of(), "--since", "1d");

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.lines().get(first.lines().size() - 1))
                .isEqualTo("{\"calls\":4,\"analyzed\":3,\"replaced_older\":0,\"unchanged\":0,\"no_tracks\":1,\"failed\":0}");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("4 calls: 0 analysed, 3 unchanged, 1 without a pair of tracks, 0 failed");

        Cli.Result shown = cli.run(List.of("call", "show"), Map.of(), conversation);
        assertThat(shown.out()).contains("conversation (from the real-time tracks):").contains("turns     8, barge-ins 1")
                .containsPattern("latency   p50 0\\.\\d\\d s, p95 1\\.\\d\\d s, max 1\\.\\d\\d s over 4 replies");
        assertThat(cli.run(List.of("call", "show"), Map.of(), silence).out())
                .contains("turns     0, barge-ins 0").contains("latency   none (the assistant never answered the caller)");
        assertThat(cli.run(List.of("call", "show"), Map.of(), callerOnly).out())
                .contains("turns     1, barge-ins 0").contains("assistant 0.0 s").contains("latency   none");
        assertThat(cli.run(List.of("call", "show"), Map.of(), conversation, "--json").out())
                .contains("\"analytics\":{\"source\":\"realtime\"").contains("\"barge_ins\":1");
    }

    @Test
    void analysesMadeByAnOlderAnalyserAreMadeAgainWithoutForce() {
        String conversation = callOf("conversation");
        String current = callOf("conversation");
        assertThat(cli.run(List.of("analyze"), Map.of(), "--since", "1d").exit()).isZero();
        // as an older detector left it: no version recorded, and what it found differs (no caller speech at all)
        env.db().jdbi().useHandle(h -> h.createUpdate("""
                        UPDATE call_analytics SET analyzer_version = NULL, turns = 1,
                               segments = jsonb_set(segments, '{caller}', '[]'::jsonb)
                        WHERE call_id = (SELECT id FROM calls WHERE call_sid = :sid)""").bind("sid", conversation).execute());
        assertThat(cli.run(List.of("call", "show"), Map.of(), conversation).out()).contains("turns     1");

        Cli.Result again = cli.run(List.of("analyze"), Map.of(), "--since", "1d");

        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("2 calls: 1 analysed (1 made by an older analyser), 1 unchanged, 0 without a pair of tracks, 0 failed");
        assertThat(cli.run(List.of("call", "show"), Map.of(), conversation).out()).contains("turns     8, barge-ins 1");
        assertThat(cli.run(List.of("call", "show"), Map.of(), current, "--json").out())
                .contains("\"analyzer_version\":" + dev.callvault.analysis.TrackAnalyzer.VERSION);
    }

    @Test
    void aRecordingThatCannotBeDecodedFailsOnlyItsCall() {
        SpeechFixture f = SpeechFixture.load("conversation");
        String good = callOf("conversation");
        String bad = callWithTracks("<html>not audio</html>".getBytes(), SpeechFixture.wav(f.assistant()));

        Cli.Result r = cli.run(List.of("analyze"), Map.of(), "--since", "1d");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("2 calls: 1 analysed, 0 unchanged, 0 without a pair of tracks, 1 failed");
        UUID badId = env.db().jdbi().withHandle(h -> h.createQuery("SELECT id FROM calls WHERE call_sid = :s").bind("s", bad).mapTo(UUID.class).one());
        assertThat(r.err()).contains("call " + badId).contains("WAV");
        assertThat(cli.run(List.of("call", "show"), Map.of(), good).out()).contains("turns     8");
        assertThat(cli.run(List.of("analyze"), Map.of(), "--since", "yesterday-ish").exit()).isEqualTo(64);
    }
}
