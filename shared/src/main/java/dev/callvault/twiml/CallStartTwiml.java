package dev.callvault.twiml;

import com.twilio.twiml.TwiMLException;
import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Connect;
import com.twilio.twiml.voice.Parameter;
import com.twilio.twiml.voice.Record;
import com.twilio.twiml.voice.Recording;
import com.twilio.twiml.voice.Start;
import com.twilio.twiml.voice.Stream;

import java.net.URI;
import java.util.List;

/**
 * The TwiML answered when a call starts (DESIGN 2.1): Twilio's own dual-channel recording, started without
 * blocking the call, then the call connected to the assistant's media stream. A pure function of its inputs,
 * rendered by twilio-java's TwiML builders so it is exactly what Twilio's helper libraries produce.
 */
public final class CallStartTwiml {
    /** The recorder stream's name, so our own fork of the audio can be told from the assistant's stream. */
    public static final String RECORDER_STREAM_NAME = "callvault-recorder";

    private CallStartTwiml() {
    }

    /**
     * What the call-start TwiML depends on.
     *
     * @param publicUrl    the URL Twilio reaches the daemon at; the status callback is {@code {publicUrl}/recording/status}
     * @param streamUrl    the assistant's media stream the call is connected to
     * @param legacyRecord render the seed's blocking {@code <Record>} verb instead (compatibility only: it records
     *                     the caller until silence, not the conversation)
     * @param recorder     our real-time recorder's stream, or null when recording is off for the call's assistant
     */
    public record Options(URI publicUrl, URI streamUrl, boolean legacyRecord, Recorder recorder) {
        public Options {
            if (publicUrl == null) {
                throw new IllegalArgumentException("public URL is not set: set public-url / CALLVAULT_PUBLIC_URL to the https URL Twilio calls");
            }
            if (streamUrl == null) {
                throw new IllegalArgumentException("stream URL is not set: set stream-url / CALLVAULT_STREAM_URL to the assistant's wss:// URL");
            }
        }
    }

    /** Our real-time recorder's {@code <Start><Stream>}: where to send the audio, and the assistant it records for. */
    public record Recorder(URI mediaUrl, String assistant) {
    }

    /** Where the daemon takes the recorder's stream: the public URL's ws(s) twin, path {@code /media}. */
    public static URI mediaUrl(URI publicUrl) {
        String base = publicUrl.toString().replaceAll("/$", "");
        return URI.create(base.replaceFirst("^https:", "wss:").replaceFirst("^http:", "ws:") + "/media");
    }

    public static String statusCallbackUrl(URI publicUrl) {
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/recording/status";
    }

    public static String render(Options o) {
        VoiceResponse.Builder response = new VoiceResponse.Builder();
        String callback = statusCallbackUrl(o.publicUrl());
        if (o.legacyRecord()) {
            // The seed's form, attribute for attribute, defects included (see twiml lint).
            response.record(new Record.Builder()
                    .option("recordingChannels", "dual")
                    .recordingStatusCallback(callback)
                    .option("recordingStatusCallbackEvent", "completed,failed")
                    .maxLength(3600)
                    .trim(Record.Trim.TRIM_SILENCE)
                    .playBeep(false)
                    .build());
        } else {
            response.start(new Start.Builder().recording(new Recording.Builder()
                    .channels(Recording.Channels.DUAL)
                    .track(Recording.Track.BOTH)
                    .trim(Recording.Trim.TRIM_SILENCE)
                    .recordingStatusCallback(callback)
                    .recordingStatusCallbackMethod(Recording.RecordingStatusCallbackMethod.POST)
                    .recordingStatusCallbackEvents(List.of(Recording.Event.IN_PROGRESS, Recording.Event.COMPLETED, Recording.Event.ABSENT))
                    .build()).build());
        }
        if (o.recorder() != null) {
            Stream.Builder recorder = new Stream.Builder()
                    .name(RECORDER_STREAM_NAME)
                    .track(Stream.Track.BOTH_TRACKS)
                    .url(o.recorder().mediaUrl().toString());
            if (o.recorder().assistant() != null) {
                recorder.parameter(new Parameter.Builder().name("assistant").value(o.recorder().assistant()).build());
            }
            response.start(new Start.Builder().stream(recorder.build()).build());
        }
        response.connect(new Connect.Builder().stream(new Stream.Builder().url(o.streamUrl().toString()).build()).build());
        try {
            return response.build().toXml();
        } catch (TwiMLException e) {
            throw new IllegalStateException("twilio-java could not render the call-start TwiML", e);
        }
    }
}
