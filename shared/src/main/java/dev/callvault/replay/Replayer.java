package dev.callvault.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.CallvaultException;
import dev.callvault.PermanentException;
import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.CallbackProcessor;
import dev.callvault.db.CallbackRepository;
import dev.callvault.db.CallbackRow;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.accounts.TwilioCredentials;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Re-delivers recording status callbacks: from the database, a capture file, or rebuilt from Twilio's API; to the
 * archiver in this process or, re-signed for that exact URL, to a running daemon over HTTP.
 */
public final class Replayer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter RFC2822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US)
            .withZone(ZoneOffset.UTC);

    /** One callback to deliver; {@code storedId} is its row in {@code callbacks}, when it came from there. */
    public record Delivery(String origin, Long storedId, Map<String, String> params) {
        public String recordingSid() {
            return params.get("RecordingSid");
        }

        public String status() {
            return params.get("RecordingStatus");
        }
    }

    /** What happened: {@code httpStatus} for HTTP targets, {@code outcome} in words. */
    public record Report(Delivery delivery, boolean ok, String outcome, Integer httpStatus) {
    }

    private final CallbackRepository callbacks;
    private final TwilioRecordings twilio;
    private final CallbackProcessor processor;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public Replayer(CallbackRepository callbacks, TwilioRecordings twilio, CallbackProcessor processor) {
        this.callbacks = callbacks;
        this.twilio = twilio;
        this.processor = processor;
    }

    public List<Delivery> fromStore(CallbackRepository.Filter filter) throws IOException {
        List<Delivery> out = new ArrayList<>();
        for (CallbackRow row : callbacks.find(filter)) {
            out.add(new Delivery("stored #" + row.id(), row.id(), JSON.readValue(row.paramsJson(), new TypeReference<LinkedHashMap<String, String>>() { })));
        }
        return out;
    }

    /** A capture file: one callback a line, form-encoded ({@code a=b&c=d}) or a JSON object. Blank and # lines are skipped. */
    public static List<Delivery> fromFile(Path file) throws IOException {
        List<Delivery> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Map<String, String> params;
            try {
                params = line.startsWith("{")
                        ? JSON.readValue(line, new TypeReference<LinkedHashMap<String, String>>() { })
                        : parseForm(line);
            } catch (IOException | IllegalArgumentException e) {
                throw new MalformedCaptureException(file + " line " + (i + 1) + ": neither a JSON object nor form-encoded parameters");
            }
            if (!params.containsKey("RecordingSid") || !params.containsKey("AccountSid")) {
                throw new MalformedCaptureException(file + " line " + (i + 1) + ": no RecordingSid or AccountSid");
            }
            out.add(new Delivery(file.getFileName() + ":" + (i + 1), null, params));
        }
        return out;
    }

    /** The callback Twilio would send now for this recording, rebuilt from its REST resource. */
    public Delivery fromTwilio(String accountSid, String recordingSid) {
        TwilioRecording r = twilio.fetch(accountSid, recordingSid);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("AccountSid", r.accountSid());
        p.put("CallSid", r.callSid());
        p.put("RecordingSid", r.sid());
        p.put("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/" + r.accountSid() + "/Recordings/" + r.sid());
        p.put("RecordingStatus", r.status());
        p.put("RecordingDuration", r.durationSeconds() == null ? "0" : r.durationSeconds().toPlainString());
        p.put("RecordingChannels", Integer.toString(r.channels()));
        if (r.startTime() != null) {
            p.put("RecordingStartTime", RFC2822.format(r.startTime()));
        }
        if (r.source() != null) {
            p.put("RecordingSource", r.source());
        }
        p.put("RecordingTrack", "both");
        p.put("ErrorCode", r.errorCode() == null ? "0" : r.errorCode().toString());
        return new Delivery("twilio " + recordingSid, null, p);
    }

    /** Hands the callback to the archiver here, as a daemon worker would; a stored callback's row records the outcome. */
    public Report inProcess(Delivery d) {
        try {
            Optional<ArchiveResult> result = processor.process(d.params());
            if (d.storedId() != null) {
                callbacks.recordReplay(d.storedId(), true, null);
            }
            return new Report(d, true, result.map(r -> r.outcome().name().toLowerCase()).orElse("recorded " + d.status()), null);
        } catch (CallvaultException e) {
            if (d.storedId() != null) {
                callbacks.recordReplay(d.storedId(), false, e.getMessage());
            }
            return new Report(d, false, e.getMessage(), null);
        }
    }

    /** POSTs the callback to {@code url}, signed with its account's auth token for exactly that URL. */
    public Report post(Delivery d, URI url) throws InterruptedException {
        String body = form(d.params());
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", signature(d, url))
                .header("User-Agent", "callvault-replay")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            boolean ok = r.statusCode() / 100 == 2;
            return new Report(d, ok, ok ? "accepted" : "refused: " + r.body().lines().findFirst().orElse(""), r.statusCode());
        } catch (IOException e) {
            return new Report(d, false, "could not reach " + url.getHost() + ": " + e.getMessage(), null);
        }
    }

    /** A curl command line that would send this callback, signature included: what {@code --dry-run} prints. */
    public String curl(Delivery d, URI url) {
        return "curl -sS -X POST '" + url + "' -H 'Content-Type: application/x-www-form-urlencoded' -H 'X-Twilio-Signature: "
                + signature(d, url) + "' --data '" + form(d.params()).replace("'", "'\\''") + "'";
    }

    private String signature(Delivery d, URI url) {
        TwilioCredentials c = twilio.credentials(d.params().get("AccountSid"));
        if (c.authToken() == null) {
            throw new PermanentException("account " + c.accountSid() + " has no auth token configured: callbacks cannot be signed with an API key");
        }
        return WebhookSignatures.sign(c.authToken().reveal(), url.toString(), d.params());
    }

    static String form(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    static Map<String, String> parseForm(String line) {
        Map<String, String> p = new LinkedHashMap<>();
        for (String pair : line.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not key=value: " + pair);
            }
            p.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return p;
    }

    /** A capture file line that is neither form-encoded nor JSON (exit 65). */
    public static final class MalformedCaptureException extends PermanentException {
        MalformedCaptureException(String message) {
            super(message);
        }
    }
}
