package dev.callvault.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TwimlCommandTest {
    static final String SEED = """
            <Response>
              <Record
                recordingChannels="dual"
                recordingStatusCallback="https://yourdomain.com/recording/status"
                recordingStatusCallbackEvent="completed,failed"
                maxLength="3600"
                trim="trim-silence"
                playBeep="false" />
              <Connect>
                <Stream url="wss://yourdomain.com/streams" />
              </Connect>
            </Response>
            """;

    private static Path write(Path dir, String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void flagsTheSeedsTwimlWithLineNumbers(@TempDir Path dir) throws Exception {
        Cli.Result r = Cli.raw("twiml", "lint", write(dir, "seed.xml", SEED).toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("seed.xml:2: <Record> comes before <Connect>")
                .contains("seed.xml:2: <Record> has unknown attribute 'recordingChannels'")
                .contains("'failed' is not an event Twilio sends")
                .contains("comma-separated");
    }

    @Test
    void passesTheDefaultTwimlAndTheRecorderForm(@TempDir Path dir) throws Exception {
        for (String fixture : new String[]{"twiml-start-recording.xml", "twiml-start-recording-and-recorder.xml"}) {
            String xml;
            try (InputStream in = getClass().getResourceAsStream("/twilio/" + fixture)) {
                xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }

            Cli.Result r = Cli.raw("twiml", "lint", write(dir, fixture, xml).toString());

            assertThat(r.exit()).as(fixture + ": " + r.out()).isZero();
        }
    }

    @Test
    void passesWhatRenderPrints(@TempDir Path dir) throws Exception {
        Cli.Result rendered = Cli.raw("twiml", "render", "--public-url", "https://calls.example.com");

        Cli.Result r = Cli.raw("twiml", "lint", write(dir, "rendered.xml", rendered.out()).toString());
        assertThat(rendered.out()).as(rendered.err()).startsWith("<?xml");

        assertThat(rendered.exit()).isZero();
        assertThat(r.exit()).isZero();
    }

    @Test
    void flagsInsecureUrlsAndAStartAfterConnect(@TempDir Path dir) throws Exception {
        String xml = """
                <Response>
                  <Connect><Stream url="ws://assistant.example.com/streams"/></Connect>
                  <Start><Recording recordingStatusCallback="http://calls.example.com/recording/status"/></Start>
                </Response>
                """;

        Cli.Result r = Cli.raw("twiml", "lint", write(dir, "bad.xml", xml).toString(), "--json");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("\"line\":2").contains("is not wss://")
                .contains("\"line\":3").contains("comes after <Connect>").contains("is not https");
    }

    @Test
    void notXmlIsBadInputAndAMissingFileToo(@TempDir Path dir) throws Exception {
        Cli.Result notXml = Cli.raw("twiml", "lint", write(dir, "notes.md", "# not TwiML\n").toString());
        Cli.Result missing = Cli.raw("twiml", "lint", dir.resolve("nope.xml").toString());

        assertThat(notXml.exit()).isEqualTo(65);
        assertThat(notXml.err().lines().count()).isEqualTo(1);
        assertThat(missing.exit()).isEqualTo(65);
    }

    @Test
    void flagsTooManyStreamedTracksAndAnInsecureRecorder(@TempDir Path dir) throws Exception {
        String xml = """
                <Response>
                  <Start><Recording channels="dual" recordingStatusCallback="https://calls.example.com/recording/status"/></Start>
                  <Start><Stream track="both_tracks" url="ws://calls.example.com/media"/></Start>
                  <Start><Stream track="both_tracks" url="wss://other.example.com/media"/></Start>
                  <Connect><Stream url="wss://assistant.example.com/streams"/></Connect>
                </Response>
                """;

        Cli.Result r = Cli.raw("twiml", "lint", write(dir, "many.xml", xml).toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("many.xml:3: <Stream> url 'ws://calls.example.com/media' is not wss://")
                .contains("many.xml:5: <Stream> streams more than 4 tracks");
    }
}
