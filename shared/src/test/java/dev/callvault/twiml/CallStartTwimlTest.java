package dev.callvault.twiml;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CallStartTwimlTest {
    private static final URI PUBLIC = URI.create("https://calls.example.com");
    private static final URI STREAM = URI.create("wss://calls.example.com/streams");

    static String fixture(String name) throws IOException {
        try (InputStream in = CallStartTwimlTest.class.getResourceAsStream("/twilio/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void rendersNonBlockingDualChannelRecordingExactlyAsTwilioHelperLibraries() throws IOException {
        String twiml = CallStartTwiml.render(new CallStartTwiml.Options(PUBLIC, STREAM, false, null));

        assertThat(twiml).isEqualTo(fixture("twiml-start-recording.xml"));
    }

    @Test
    void rendersTheRealtimeRecorderStreamBeforeTheAssistant() throws IOException {
        var recorder = new CallStartTwiml.Recorder(URI.create("wss://calls.example.com/media"), "support-en");

        String twiml = CallStartTwiml.render(new CallStartTwiml.Options(PUBLIC, STREAM, false, recorder));

        assertThat(twiml).isEqualTo(fixture("twiml-start-recording-and-recorder.xml"));
    }

    @Test
    void rendersTheSeedsLegacyRecordFormOnlyWhenAsked() {
        String twiml = CallStartTwiml.render(new CallStartTwiml.Options(PUBLIC, STREAM, true, null));

        assertThat(twiml).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
                + "<Record maxLength=\"3600\" playBeep=\"false\" recordingChannels=\"dual\""
                + " recordingStatusCallback=\"https://calls.example.com/recording/status\""
                + " recordingStatusCallbackEvent=\"completed,failed\" trim=\"trim-silence\"/>"
                + "<Connect><Stream url=\"wss://calls.example.com/streams\"/></Connect></Response>");
    }

    @Test
    void statusCallbackFollowsAPublicUrlWithAPath() {
        String twiml = CallStartTwiml.render(new CallStartTwiml.Options(URI.create("https://example.com/voice/"), STREAM, false, null));

        assertThat(twiml).contains("recordingStatusCallback=\"https://example.com/voice/recording/status\"");
    }

    @Test
    void refusesToRenderWithoutAPublicUrl() {
        assertThatThrownBy(() -> new CallStartTwiml.Options(null, STREAM, false, null))
                .hasMessageContaining("CALLVAULT_PUBLIC_URL");
    }
}
