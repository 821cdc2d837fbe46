package dev.callvault.daemon.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.config.Assistant;
import dev.callvault.config.Config;
import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.recorder.RealtimeRecording;
import dev.callvault.recorder.Recorder;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.accounts.Sids;
import dev.callvault.accounts.TwilioCredentials;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * The {@code /media} WebSocket Twilio forks a call's audio to (a unidirectional {@code <Start><Stream>}). The
 * upgrade is refused with 403 unless {@code X-Twilio-Signature} signs the stream URL; after that only Twilio's
 * message parsing happens here, the audio work is the shared {@link Recorder}'s. Malformed messages are counted
 * and skipped; the stream goes on.
 */
public final class MediaStreams {
    private static final Logger log = LoggerFactory.getLogger(MediaStreams.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_MESSAGE_CHARS = 64 * 1024;

    private final java.util.function.Supplier<Config> live;

    /** The configuration now: a reload may have replaced its assistants and Twilio accounts. */
    private Config config() {
        return live.get();
    }
    private final Recorder recorder;
    private final CallRepository calls;
    private final Metrics metrics;
    private final ExecutorService finalizers;

    public MediaStreams(java.util.function.Supplier<Config> config, Recorder recorder, CallRepository calls, Metrics metrics, ExecutorService finalizers) {
        this.live = config;
        this.recorder = recorder;
        this.calls = calls;
        this.metrics = metrics;
        this.finalizers = finalizers;
    }

    public HttpHandler handler() {
        HttpHandler upgrade = Handlers.websocket((exchange, channel) -> {
            Session session = new Session();
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                    session.onMessage(message.getData());
                }

                @Override
                protected void onError(WebSocketChannel ch, Throwable error) {
                    log.debug("media stream socket error: {}", error.toString());
                    super.onError(ch, error);
                }
            });
            channel.addCloseTask(ch -> session.closed());
            channel.resumeReceives();
        });
        return exchange -> {
            if (!signed(exchange)) {
                metrics.mediaRejected();
                exchange.setStatusCode(403);
                exchange.getResponseSender().send("X-Twilio-Signature does not sign this stream URL\n");
                return;
            }
            upgrade.handleRequest(exchange);
        };
    }

    private boolean signed(HttpServerExchange exchange) {
        String signature = exchange.getRequestHeaders().getFirst("X-Twilio-Signature");
        if (signature == null || config().http().publicUrl() == null) {
            return false;
        }
        String query = exchange.getQueryString();
        String url = dev.callvault.twiml.CallStartTwiml.mediaUrl(config().http().publicUrl()) + (query == null || query.isEmpty() ? "" : "?" + query);
        // the upgrade names no account: any account whose token signs the URL is ours
        for (TwilioCredentials account : config().twilio().accounts()) {
            if (account.authToken() != null && WebhookSignatures.valid(account.authToken().reveal(), url, Map.of(), signature)) {
                return true;
            }
        }
        return false;
    }

    /** One WebSocket: Twilio's messages in order, one recording once {@code start} arrives. */
    private final class Session {
        private RealtimeRecording recording;
        private long lastTimestamp;
        private boolean finished;

        void onMessage(String text) {
            if (text.length() > MAX_MESSAGE_CHARS) {
                metrics.frameSkipped("oversized");
                return;
            }
            JsonNode m;
            try {
                m = JSON.readTree(text);
            } catch (Exception e) {
                metrics.frameSkipped("not_json");
                return;
            }
            switch (m.path("event").asText()) {
                case "connected", "mark", "dtmf" -> metrics.frameReceived(m.path("event").asText());
                case "start" -> start(m.path("start"));
                case "media" -> media(m.path("media"));
                case "stop" -> {
                    metrics.frameReceived("stop");
                    finish("stop");
                }
                default -> metrics.frameSkipped("unknown_event");
            }
        }

        private void start(JsonNode start) {
            if (recording != null) {
                metrics.frameSkipped("repeated_start");
                return;
            }
            String account = start.path("accountSid").asText();
            String callSid = start.path("callSid").asText();
            String streamSid = start.path("streamSid").asText();
            if (!Sids.isValid("AC", account) || !Sids.isValid("CA", callSid) || !Sids.isValid("MZ", streamSid)
                    || config().twilio().account(account).isEmpty()) {
                metrics.frameSkipped("bad_start");
                return;
            }
            Optional<CallRow> call;
            try {
                call = calls.findBySid(callSid);
            } catch (RuntimeException e) {
                call = Optional.empty(); // the database is down: match by the stream's own parameters
            }
            String assistantId = start.path("customParameters").path("assistant").asText(null);
            Assistant assistant = config().assistants().match(assistantId != null ? assistantId : call.map(CallRow::assistant).orElse(null),
                    call.map(CallRow::toNumber).orElse(null));
            if (!assistant.records()) {
                metrics.frameSkipped("recording_disabled");
                return;
            }
            try {
                recording = recorder.start(account, callSid, streamSid, assistant);
                metrics.frameReceived("start");
            } catch (Recorder.Refused refused) {
                log.info("not recording stream {}: {}", streamSid, refused.getMessage());
                metrics.frameSkipped("call_erased");
            } catch (Exception e) {
                log.error("could not start recording stream {} of call {}", streamSid, callSid, e);
                metrics.frameSkipped("start_failed");
            }
        }

        private void media(JsonNode media) {
            if (recording == null) {
                metrics.frameSkipped("media_before_start");
                return;
            }
            if (recording.failed()) {
                metrics.frameSkipped("recording_failed");
                return;
            }
            String track = media.path("track").asText();
            if (!track.equals("inbound") && !track.equals("outbound")) {
                metrics.frameSkipped("unknown_track");
                return;
            }
            long timestamp;
            byte[] payload;
            try {
                timestamp = Long.parseLong(media.path("timestamp").asText());
                payload = Base64.getDecoder().decode(media.path("payload").asText());
            } catch (IllegalArgumentException e) {
                metrics.frameSkipped(e instanceof NumberFormatException ? "bad_timestamp" : "bad_base64");
                return;
            }
            if (timestamp < 0 || payload.length == 0) {
                metrics.frameSkipped("bad_timestamp");
                return;
            }
            try {
                long began = System.nanoTime();
                synchronized (recording) {
                    recording.media(track, timestamp, payload);
                }
                metrics.encoded(System.nanoTime() - began);
                lastTimestamp = Math.max(lastTimestamp, timestamp + payload.length / 8);
                metrics.frameReceived("media");
                metrics.audioBytes(payload.length);
            } catch (java.io.IOException e) {
                metrics.frameSkipped("write_failed");
                recorder.failed(recording, e); // the spool cannot be written: give this recording up, keep the stream open
            } catch (RuntimeException e) {
                log.warn("stream {}: a frame could not be placed: {}", recording.info().streamSid(), e.toString());
                metrics.frameSkipped("bad_frame");
            }
        }

        void closed() {
            finish("socket closed");
        }

        private synchronized void finish(String why) {
            if (recording == null || finished) {
                return;
            }
            finished = true;
            RealtimeRecording r = recording;
            long end = lastTimestamp;
            long began = System.nanoTime();
            try {
                finalizers.submit(() -> {
                    try {
                        recorder.stop(r, end, false);
                        metrics.finalized(System.nanoTime() - began);
                    } catch (Exception e) {
                        log.warn("finishing the recording of stream {} ({}) failed: {}; its audio is kept and the upload retried every 5 s",
                                r.info().streamSid(), why, e.toString());
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // the daemon is stopping: it finished every live recording itself before its sockets closed
                log.debug("stream {} closed while the daemon stops ({}): finished by the stop", r.info().streamSid(), why);
            }
        }
    }
}
