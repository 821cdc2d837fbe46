package dev.callvault.twilio;

import dev.callvault.accounts.TwilioCredentials;
import dev.callvault.accounts.Sids;
import com.twilio.base.ResourceSet;
import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Recording;
import dev.callvault.CallvaultException;
import dev.callvault.PermanentException;
import dev.callvault.RetryableException;
import dev.callvault.config.Config;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Twilio's Recordings API for every account we hold credentials for: list a time window, fetch one, stream its
 * media, delete it. Media URLs are always built from AccountSid + RecordingSid, never taken from a caller.
 */
public final class TwilioRecordings {
    private static final com.fasterxml.jackson.databind.ObjectMapper ERROR_BODY = new com.fasterxml.jackson.databind.ObjectMapper();
    private volatile Config.Twilio config;
    private final HttpClient httpClient;
    private final RetryPolicy retry;
    private final Map<String, TwilioHttp> http = new ConcurrentHashMap<>();
    private final Map<String, TwilioRestClient> rest = new ConcurrentHashMap<>();
    private final AtomicLong retries = new AtomicLong();
    private final long pageSize;

    public TwilioRecordings(Config.Twilio config) {
        this(config, config.pageSize());
    }

    /** {@code pageSize}: recordings per list request (Twilio allows up to 1000). */
    public TwilioRecordings(Config.Twilio config, long pageSize) {
        this.config = config;
        this.pageSize = pageSize;
        this.retry = new RetryPolicy(config.maxAttempts(), config.backoff(), Duration.ofSeconds(30));
        this.httpClient = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The credentials of {@code accountSid}; a permanent failure when we hold none (we never archive for strangers). */
    public TwilioCredentials credentials(String accountSid) {
        return config.account(accountSid).orElseThrow(() -> new UnknownAccountException(accountSid));
    }

    /** How many requests were retried since start: a metric. */
    public long retryCount() {
        return retries.get();
    }

    /** New accounts and credentials (a daemon's reload): later requests use them; one in flight finishes as it began. */
    public void update(Config.Twilio next) {
        this.config = next;
        http.clear();
        rest.clear();
    }

    public List<String> accounts() {
        return config.accounts().stream().map(TwilioCredentials::accountSid).toList();
    }

    /** Recordings created in {@code [from, to)}, oldest first, following every page. */
    public List<TwilioRecording> list(String accountSid, Instant from, Instant to, String callSid) {
        List<TwilioRecording> out = new ArrayList<>();
        forEach(accountSid, from, to, callSid, out::add);
        out.sort(java.util.Comparator.comparing(TwilioRecording::dateCreated).thenComparing(TwilioRecording::sid));
        return out;
    }

    /**
     * Calls {@code each} for every recording created in {@code [from, to)}. Twilio filters by whole GMT days (and
     * twilio-java sends date-times that some servers read as days), so the window's edges are trimmed here.
     */
    public void forEach(String accountSid, Instant from, Instant to, String callSid, Consumer<TwilioRecording> each) {
        var reader = Recording.reader(accountSid).setPageSize(pageSize);
        if (from != null) {
            reader.setDateCreatedAfter(ZonedDateTime.ofInstant(from, ZoneOffset.UTC));
        }
        if (to != null) {
            reader.setDateCreatedBefore(ZonedDateTime.ofInstant(to, ZoneOffset.UTC));
        }
        if (callSid != null) {
            reader.setCallSid(callSid);
        }
        twilio("GET", "the recordings of account " + accountSid, accountSid, () -> {
            ResourceSet<Recording> pages = reader.read(rest(accountSid));
            for (Recording r : pages) {
                TwilioRecording rec = convert(r);
                boolean inside = (from == null || !rec.dateCreated().isBefore(from)) && (to == null || rec.dateCreated().isBefore(to));
                if (inside) {
                    each.accept(rec);
                }
            }
            return null;
        });
    }

    public TwilioRecording fetch(String accountSid, String recordingSid) {
        Sids.recording(recordingSid);
        return twilio("GET", "recording " + recordingSid + " of account " + accountSid, accountSid,
                () -> convert(Recording.fetcher(accountSid, recordingSid).fetch(rest(accountSid))));
    }

    public void delete(String accountSid, String recordingSid) {
        Sids.recording(recordingSid);
        twilio("DELETE", "recording " + recordingSid + " of account " + accountSid, accountSid,
                () -> Recording.deleter(accountSid, recordingSid).delete(rest(accountSid)));
    }

    /** A call as Twilio's Calls resource has it now: its status and, once it has ended, when. */
    public record CallStatus(String status, Instant endTime) {
        /** Statuses after which nothing more happens on the call (no recording starts or ends). */
        private static final java.util.Set<String> FINAL = java.util.Set.of("completed", "busy", "failed", "no-answer", "canceled");

        public boolean ended() {
            return FINAL.contains(status);
        }
    }

    /**
     * Where call {@code callSid} is now, as Twilio's Calls resource says: live (queued, ringing, in-progress) or ended.
     * Throws {@link RecordingNotFoundException} when Twilio has no such call, retryable failures when it cannot be asked.
     */
    public CallStatus callStatus(String accountSid, String callSid) {
        Sids.require("CA", callSid, "CallSid");
        return twilio("GET", "call " + callSid + " of account " + accountSid, accountSid, () -> {
            com.twilio.rest.api.v2010.account.Call c = com.twilio.rest.api.v2010.account.Call.fetcher(accountSid, callSid).fetch(rest(accountSid));
            return new CallStatus(c.getStatus() == null ? "unknown" : c.getStatus().toString(),
                    c.getEndTime() == null ? null : c.getEndTime().toInstant());
        });
    }

    /** What Twilio answered to one request that sets a call's current recording: its HTTP status (0: no answer) and in words. */
    public record RecordingUpdate(int status, String words) {
        /** Twilio did what was asked. */
        public boolean done() {
            return status >= 200 && status < 300;
        }

        /** Twilio finds no recording of the call now (404): the call has none, or has ended, or Twilio cannot say. */
        public boolean noRecording() {
            return status == 404;
        }
    }

    /**
     * One request that pauses ({@code paused}) or resumes ({@code in-progress}) the recording a call is making now
     * ({@code Twilio.CURRENT}), with {@code pauseBehavior} ({@code silence} keeps the timeline, {@code skip} cuts the span
     * out), waiting at most {@code timeout}. It is not retried here: the caller retries with its own backoff and keeps
     * each try, since Twilio sends no callback for either.
     */
    public RecordingUpdate updateCurrentRecording(String accountSid, String callSid, String status, String pauseBehavior, Duration timeout) {
        Sids.require("CA", callSid, "CallSid");
        TwilioHttp once = new TwilioHttp(httpClient, config.apiUrl(), credentials(accountSid), new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
                retries, timeout);
        String form = "Status=" + java.net.URLEncoder.encode(status, java.nio.charset.StandardCharsets.UTF_8)
                + (pauseBehavior == null ? "" : "&PauseBehavior=" + java.net.URLEncoder.encode(pauseBehavior, java.nio.charset.StandardCharsets.UTF_8));
        HttpResponse<InputStream> r;
        try {
            r = once.send("POST", once.resolve("/2010-04-01/Accounts/" + accountSid + "/Calls/" + callSid + "/Recordings/Twilio.CURRENT.json"),
                    "the recording of call " + callSid + " (set to " + status + ")", form);
        } catch (RetryableException e) {
            return new RecordingUpdate(0, e.getCause() instanceof java.net.http.HttpTimeoutException ? "no answer within " + words(timeout)
                    : "Twilio unreachable (" + (e.getCause() == null ? e.getMessage() : e.getCause().toString()) + ")");
        }
        String body = TwilioHttp.readSmall(r);
        int code = r.statusCode();
        return new RecordingUpdate(code, code >= 200 && code < 300 ? "done" : "HTTP " + code + twilioMessage(body));
    }

    /** ": " and the message of Twilio's error body ({"code": ..., "message": ...}), or nothing when it has none. */
    private static String twilioMessage(String body) {
        try {
            var json = ERROR_BODY.readTree(body);
            String m = json == null ? "" : json.path("message").asText("");
            return m.isBlank() ? "" : ": " + m;
        } catch (IOException e) {
            return "";
        }
    }

    private static String words(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** A recording's media as Twilio serves it. The stream's read failures are retryable exceptions. */
    public record Media(InputStream body, OptionalLong contentLength, String contentType) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * Opens the media of {@code recording} in {@code format}; dual-channel MP3 is asked for explicitly (Twilio mixes
     * MP3 down to mono otherwise).
     */
    public Media media(TwilioRecording recording, MediaFormat format) {
        TwilioHttp h = http(recording.accountSid());
        String path = "/2010-04-01/Accounts/" + recording.accountSid() + "/Recordings/" + recording.sid() + "." + format.extension()
                + (format == MediaFormat.MP3 && recording.channels() == 2 ? "?RequestedChannels=2" : "");
        String what = "media of recording " + recording.sid();
        HttpResponse<InputStream> r = h.send("GET", h.resolve(path), what);
        if (r.statusCode() != 200) {
            String body = TwilioHttp.readSmall(r);
            throw TwilioErrors.forStatus(r.statusCode(), "fetching", what, recording.accountSid(), body);
        }
        return new Media(new RetryableReads(r.body(), what), r.headers().firstValueAsLong("Content-Length"),
                r.headers().firstValue("Content-Type").orElse(format.contentType()));
    }

    private TwilioHttp http(String accountSid) {
        return http.computeIfAbsent(accountSid, sid -> new TwilioHttp(httpClient, config.apiUrl(), credentials(sid), retry, retries, config.timeout()));
    }

    private TwilioRestClient rest(String accountSid) {
        return rest.computeIfAbsent(accountSid, sid -> {
            TwilioCredentials c = credentials(sid);
            return new TwilioRestClient.Builder(c.username(), c.password().reveal())
                    .accountSid(sid)
                    .httpClient(new TwilioJavaTransport(http(sid)))
                    .build();
        });
    }

    private static <T> T twilio(String method, String what, String accountSid, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (CallvaultException e) {
            throw e;
        } catch (ApiConnectionException e) {
            throw new RetryableException("Twilio unreachable while " + TwilioErrors.doing(method) + " " + what + ": " + e.getMessage(), e);
        } catch (ApiException e) {
            int status = e.getStatusCode() == null ? 0 : e.getStatusCode();
            throw TwilioErrors.forStatus(status, TwilioErrors.doing(method), what, accountSid, e.getMessage());
        } catch (com.twilio.exception.TwilioException e) {
            throw new PermanentException("Twilio's answer for " + what + " could not be read: " + e.getMessage(), e);
        }
    }

    /** Twilio's encryption_details as strings (type, public_key_sid, encrypted_cek, iv); null when not encrypted. */
    private static java.util.Map<String, String> encryption(Object details) {
        if (!(details instanceof java.util.Map<?, ?> m) || m.isEmpty()) {
            return null;
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        return out;
    }

    static TwilioRecording convert(Recording r) {
        return new TwilioRecording(
                r.getSid(),
                r.getAccountSid(),
                r.getCallSid(),
                r.getStatus() == null ? "unknown" : r.getStatus().toString(),
                r.getChannels() == null ? 1 : r.getChannels(),
                r.getDuration() == null ? null : new BigDecimal(r.getDuration()),
                r.getDateCreated() == null ? null : r.getDateCreated().toInstant(),
                r.getStartTime() == null ? null : r.getStartTime().toInstant(),
                r.getSource() == null ? null : r.getSource().toString(),
                r.getErrorCode(),
                encryption(r.getEncryptionDetails()));
    }

    /** The media body, whose network failures become retryable failures naming the recording. */
    private static final class RetryableReads extends FilterInputStream {
        private final String what;

        RetryableReads(InputStream in, String what) {
            super(in);
            this.what = what;
        }

        @Override
        public int read() {
            try {
                return super.read();
            } catch (IOException e) {
                throw failure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw failure(e);
            }
        }

        private RetryableException failure(IOException e) {
            return new RetryableException("the connection to Twilio broke while streaming " + what + ": " + e.getMessage(), e);
        }
    }

    /** A callback or request for an account we hold no credentials for. */
    public static final class UnknownAccountException extends PermanentException {
        UnknownAccountException(String accountSid) {
            super("no Twilio credentials for account " + accountSid
                    + "; add twilio.account." + accountSid + ".auth-token to the config file if this account is ours");
        }
    }
}
