package dev.callvault.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for Twilio's Recordings API that answers with Twilio's JSON shapes (the examples in src/test/resources/twilio), real
 * audio bytes, paging, basic auth, and faults on demand: 404, 401, 429 with Retry-After, 500, latency, media
 * redirected to another host (reached as "localhost" while the API is "127.0.0.1"), and pauses and resumes of a call's
 * recording answered 500 or 404, or not at all ({@link #answerPauses}, {@link #answerResumes}).
 */
public final class TwilioStandIn implements AutoCloseable {
    public static final String ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
    public static final String AUTH_TOKEN = "f1e2d3c4b5a697887766554433221100";

    private static final DateTimeFormatter RFC2822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US)
            .withZone(ZoneOffset.UTC);
    private static final Pattern LIST = Pattern.compile("/2010-04-01/Accounts/(AC[0-9a-f]{32})/Recordings\\.json");
    /** The Call Recording resource: pausing and resuming a call's recording ({@code Twilio.CURRENT} or a RecordingSid). */
    private static final Pattern CALL_RECORDING = Pattern.compile("/2010-04-01/Accounts/(AC[0-9a-f]{32})/Calls/(CA[0-9a-f]{32})/Recordings/(Twilio\\.CURRENT|RE[0-9a-f]{32})\\.json");
    /** The Calls resource: where a call is now (queued, ringing, in-progress, or ended and when). */
    private static final Pattern CALL = Pattern.compile("/2010-04-01/Accounts/(AC[0-9a-f]{32})/Calls/(CA[0-9a-f]{32})\\.json");
    private static final Pattern ONE = Pattern.compile("/2010-04-01/Accounts/(AC[0-9a-f]{32})/Recordings/(RE[0-9a-f]{32})(\\.json|\\.mp3|\\.wav)?");
    private static final Pattern REDIRECTED = Pattern.compile("/signed-media/(RE[0-9a-f]{32})\\.(mp3|wav)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer api;
    private final HttpServer mediaHost;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, StandInRecording> recordings = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Fault> faults = new ConcurrentLinkedDeque<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizationAtMediaHost = new CopyOnWriteArrayList<>();
    private final AtomicInteger mediaDownloads = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean redirectMedia;
    private volatile double errorRate;
    private volatile double cutRate;
    private final Map<String, AtomicInteger> wholeDownloads = new ConcurrentHashMap<>();
    private final AtomicInteger cutDownloads = new AtomicInteger();

    private record Fault(int status, Integer retryAfterSeconds) {
    }

    /** A call as the Calls resource has it. */
    private record StandInCall(String accountSid, String status, Instant start, Instant end) {
    }

    private final Map<String, StandInCall> calls = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Fault> deleteFaults = new ConcurrentLinkedDeque<>();
    private volatile Duration deleteLatency = Duration.ZERO;
    private final ConcurrentLinkedDeque<Duration> deleteHangs = new ConcurrentLinkedDeque<>();

    /**
     * Call {@code callSid} of the test account is now in {@code status} ("in-progress", "completed", ...): the Calls
     * resource says so, with an end time once it has ended. A call never set is one Twilio does not know (404).
     */
    public void call(String callSid, String status) {
        call(callSid, status, Instant.now());
    }

    /** As {@link #call(String, String)}, at {@code at} on the test's clock (its start, or its end once it has ended). */
    public void call(String callSid, String status, Instant at) {
        StandInCall was = calls.get(callSid);
        Instant start = was == null ? at : was.start();
        boolean over = java.util.Set.of("completed", "busy", "failed", "no-answer", "canceled").contains(status);
        calls.put(callSid, new StandInCall(ACCOUNT_SID, status, start, over ? at : null));
    }

    /** The SIDs of the recordings Twilio has of {@code callSid} now. */
    public List<String> recordingsOf(String callSid) {
        return recordings.values().stream().filter(r -> callSid.equals(r.callSid())).map(StandInRecording::sid).sorted().toList();
    }

    /**
     * The next {@code count} DELETE requests of a recording wait {@code hang} (longer than the client waits) and then delete
     * it all the same: a Twilio that did what was asked though the client gave up on the answer.
     */
    public void hangNextDeletes(int count, Duration hang) {
        for (int i = 0; i < count; i++) {
            deleteHangs.add(hang);
        }
    }

    /** The next {@code count} DELETE requests of a recording answer {@code status}, the recording kept. */
    public void failNextDeletes(int count, int status) {
        for (int i = 0; i < count; i++) {
            deleteFaults.add(new Fault(status, null));
        }
    }

    /** Every DELETE of a recording waits this long before it is answered (a Twilio that hangs on deletions). */
    public void deleteLatency(Duration d) {
        deleteLatency = d;
    }

    private final Map<String, byte[]> realMp3 = new java.util.concurrent.ConcurrentHashMap<>();

    static {
        // TCP_NODELAY on the stand-in's connections, as a real server sets it: without it a client that keeps its
        // connection alive (as ours do, and Twilio's API allows) waited on Nagle's algorithm and the peer's delayed ACK
        // for ~10 ms a request, which a client opening a connection a request (Python's urllib) never did. Read once,
        // when the JDK's server first starts in this JVM.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    public TwilioStandIn() {
        try {
            api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
            mediaHost = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind the Twilio stand-in", e);
        }
        api.createContext("/", this::handleApi);
        mediaHost.createContext("/", this::handleMediaHost);
        api.setExecutor(executor);
        mediaHost.setExecutor(executor);
        api.start();
        mediaHost.start();
        tokens.put(ACCOUNT_SID, AUTH_TOKEN);
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    public void addAccount(String accountSid, String authToken) {
        tokens.put(accountSid, authToken);
    }

    public StandInRecording add(StandInRecording r) {
        recordings.put(r.sid(), r);
        return r;
    }

    /** A recording whose MP3 is these real bytes (a test's speech) rather than synthetic audio. */
    public StandInRecording add(StandInRecording r, byte[] mp3) {
        StandInRecording sized = new StandInRecording(r.sid(), r.accountSid(), r.callSid(), r.dateCreated(), r.startTime(), r.durationSeconds(),
                r.channels(), r.status(), r.source(), r.errorCode(), r.encrypted(), mp3.length, r.seed());
        realMp3.put(r.sid(), mp3);
        return add(sized);
    }

    /** A pause or resume of a call's recording, as Twilio received it. */
    public record RecordingUpdate(Instant at, String callSid, String recording, String status, String pauseBehavior) {
    }

    private final List<RecordingUpdate> recordingUpdates = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * How Twilio answers an update of a call's recording: done (200), 500, 404 (Twilio finds no recording of the call
     * now), or not at all: {@code HANG} holds the request until the answer for it is changed (or the stand-in is reset or
     * closed), then answers as the new setting says, whether or not the client still waits.
     */
    public enum UpdateAnswer { DONE, FAIL_500, NOT_FOUND, HANG }

    private final Object updateAnswers = new Object();
    private UpdateAnswer pauseAnswer = UpdateAnswer.DONE;
    private UpdateAnswer resumeAnswer = UpdateAnswer.DONE;
    private boolean closed;

    /** From now on every pause of a call's recording ({@code Status=paused}) is answered so. */
    public void answerPauses(UpdateAnswer answer) {
        synchronized (updateAnswers) {
            pauseAnswer = answer;
            updateAnswers.notifyAll();
        }
    }

    /** From now on every resume of a call's recording ({@code Status=in-progress}) is answered so. */
    public void answerResumes(UpdateAnswer answer) {
        synchronized (updateAnswers) {
            resumeAnswer = answer;
            updateAnswers.notifyAll();
        }
    }

    /** The answer for an update to {@code status}, once it is not HANG (or the stand-in stops). */
    private UpdateAnswer updateAnswer(String status) {
        synchronized (updateAnswers) {
            while (!closed) {
                UpdateAnswer a = "paused".equals(status) ? pauseAnswer : resumeAnswer;
                if (a != UpdateAnswer.HANG) {
                    return a;
                }
                try {
                    updateAnswers.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return UpdateAnswer.FAIL_500;
                }
            }
            return UpdateAnswer.FAIL_500;
        }
    }

    /** Every update (pause, resume) of a call's recording received since the last reset, in order. */
    public List<RecordingUpdate> recordingUpdates() {
        return List.copyOf(recordingUpdates);
    }

    private static Map<String, String> form(String body) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static Map<String, Object> callRecordingJson(String account, String callSid, String status) {
        String sid = "RE" + String.format("%08x", callSid.hashCode()) + "0".repeat(24);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("account_sid", account);
        m.put("api_version", "2010-04-01");
        m.put("call_sid", callSid);
        m.put("conference_sid", null);
        m.put("channels", 2);
        m.put("date_created", "Tue, 24 Nov 2026 14:03:11 +0000");
        m.put("date_updated", "Tue, 24 Nov 2026 14:03:40 +0000");
        m.put("start_time", "Tue, 24 Nov 2026 14:03:11 +0000");
        m.put("duration", null);
        m.put("sid", sid);
        m.put("price", null);
        m.put("price_unit", "USD");
        m.put("status", status);
        m.put("source", "StartCallRecordingAPI");
        m.put("error_code", null);
        m.put("encryption_details", null);
        m.put("track", "both");
        m.put("uri", "/2010-04-01/Accounts/" + account + "/Calls/" + callSid + "/Recordings/" + sid + ".json");
        return m;
    }

    /** An encrypted recording's bytes at Twilio and its encryption_details, made as Twilio's Voice Recording Encryption does. */
    private record Encrypted(byte[] ciphertext, Map<String, String> details) {
    }

    private final Map<String, Encrypted> encrypted = new ConcurrentHashMap<>();

    /**
     * Adds a recording encrypted as Twilio encrypts one for an account with Voice Recording Encryption: a random AES-256
     * content key, a random 12-byte IV, the WAV encrypted with AES-256-GCM (the 128-bit tag appended), the key wrapped with
     * RSAES-OAEP (SHA-256, MGF1-SHA-256) for {@code publicKey}. It is served as WAV only; MP3 is refused as Twilio does.
     */
    public StandInRecording addEncrypted(StandInRecording r, byte[] wav, java.security.PublicKey publicKey, String publicKeySid) {
        try {
            java.security.SecureRandom random = new java.security.SecureRandom();
            byte[] cek = new byte[32];
            byte[] iv = new byte[12];
            random.nextBytes(cek);
            random.nextBytes(iv);
            javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(cek, "AES"), new javax.crypto.spec.GCMParameterSpec(128, iv));
            byte[] ciphertext = gcm.doFinal(wav);
            javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
            rsa.init(javax.crypto.Cipher.ENCRYPT_MODE, publicKey, new javax.crypto.spec.OAEPParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, javax.crypto.spec.PSource.PSpecified.DEFAULT));
            Map<String, String> details = new LinkedHashMap<>();
            details.put("type", "rsa-aes");
            details.put("public_key_sid", publicKeySid);
            details.put("encrypted_cek", Base64.getEncoder().encodeToString(rsa.doFinal(cek)));
            details.put("iv", Base64.getEncoder().encodeToString(iv));
            StandInRecording sized = new StandInRecording(r.sid(), r.accountSid(), r.callSid(), r.dateCreated(), r.startTime(), r.durationSeconds(),
                    r.channels(), r.status(), r.source(), r.errorCode(), true, ciphertext.length, r.seed());
            encrypted.put(r.sid(), new Encrypted(ciphertext, details));
            return add(sized);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What Twilio serves of an encrypted recording: the ciphertext and its tag. */
    public byte[] ciphertext(String recordingSid) {
        return encrypted.get(recordingSid).ciphertext().clone();
    }

    public boolean has(String recordingSid) {
        return recordings.containsKey(recordingSid);
    }

    /** The next {@code count} API requests answer {@code status} (429 with Retry-After when given). */
    public void failNext(int count, int status, Integer retryAfterSeconds) {
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(status, retryAfterSeconds));
        }
    }

    /**
     * A flaky Twilio: {@code errorRate} of API requests answer 429 (Retry-After: 1) or 500, half each, and
     * {@code cutRate} of media downloads stop halfway through their announced length.
     */
    public void chaos(double errorRate, double cutRate) {
        this.errorRate = errorRate;
        this.cutRate = cutRate;
    }

    /** The SHA-256 of the media this recording serves as {@code extension}. */
    public String sha256Of(String recordingSid, String extension) {
        return recordings.get(recordingSid).sha256(extension);
    }

    /** How many times this recording's media was served whole. */
    public int wholeDownloads(String recordingSid) {
        AtomicInteger n = wholeDownloads.get(recordingSid);
        return n == null ? 0 : n.get();
    }

    /** How many media downloads were cut halfway by {@link #chaos}. */
    public int cutDownloads() {
        return cutDownloads.get();
    }

    public void latency(Duration d) {
        latency = d;
    }

    public void redirectMediaToOtherHost(boolean on) {
        redirectMedia = on;
    }

    public int mediaDownloads() {
        return mediaDownloads.get();
    }

    /** The Authorization headers the other (media) host received, "" for none. */
    public List<String> authorizationAtMediaHost() {
        return List.copyOf(authorizationAtMediaHost);
    }

    /** Every API request as "METHOD path?query", in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    public void reset() {
        recordings.clear();
        realMp3.clear();
        faults.clear();
        requests.clear();
        recordingUpdates.clear();
        encrypted.clear();
        authorizationAtMediaHost.clear();
        mediaDownloads.set(0);
        wholeDownloads.clear();
        cutDownloads.set(0);
        errorRate = 0;
        cutRate = 0;
        latency = Duration.ZERO;
        redirectMedia = false;
        tokens.clear();
        tokens.put(ACCOUNT_SID, AUTH_TOKEN);
        calls.clear();
        deleteFaults.clear();
        deleteHangs.clear();
        deleteLatency = Duration.ZERO;
        answerPauses(UpdateAnswer.DONE);
        answerResumes(UpdateAnswer.DONE);
    }

    private void handleApi(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            requests.add(ex.getRequestMethod() + " " + path + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
            sleep(latency);
            Fault fault = faults.poll();
            double dice = java.util.concurrent.ThreadLocalRandom.current().nextDouble();
            if (fault == null && dice < errorRate) {
                fault = dice < errorRate / 2 ? new Fault(429, 1) : new Fault(500, null);
            }
            if (fault != null) {
                if (fault.retryAfterSeconds() != null) {
                    ex.getResponseHeaders().add("Retry-After", fault.retryAfterSeconds().toString());
                }
                error(ex, fault.status(), fault.status() == 429 ? 20429 : 20500, fault.status() == 429 ? "Too Many Requests" : "Internal Server Error");
                return;
            }
            Matcher update = CALL_RECORDING.matcher(path);
            if (update.matches() && ex.getRequestMethod().equals("POST")) {
                if (!authorized(ex, update.group(1))) {
                    error(ex, 401, 20003, "Authenticate");
                    return;
                }
                Map<String, String> form = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                recordingUpdates.add(new RecordingUpdate(Instant.now(), update.group(2), update.group(3), form.get("Status"), form.get("PauseBehavior")));
                switch (updateAnswer(form.get("Status"))) {
                    case FAIL_500 -> error(ex, 500, 20500, "Internal Server Error");
                    case NOT_FOUND -> error(ex, 404, 20404, "The requested resource " + path + " was not found");
                    default -> json(ex, 200, callRecordingJson(update.group(1), update.group(2), form.get("Status")));
                }
                return;
            }
            Matcher call = CALL.matcher(path);
            if (call.matches() && ex.getRequestMethod().equals("GET")) {
                if (!authorized(ex, call.group(1))) {
                    error(ex, 401, 20003, "Authenticate");
                    return;
                }
                StandInCall c = calls.get(call.group(2));
                if (c == null || !c.accountSid().equals(call.group(1))) {
                    error(ex, 404, 20404, "The requested resource " + path + " was not found");
                    return;
                }
                json(ex, 200, callJson(call.group(2), c));
                return;
            }
            Matcher list = LIST.matcher(path);
            Matcher one = ONE.matcher(path);
            String account = list.matches() ? list.group(1) : one.matches() ? one.group(1) : null;
            if (account == null) {
                error(ex, 404, 20404, "The requested resource " + path + " was not found");
                return;
            }
            if (!authorized(ex, account)) {
                error(ex, 401, 20003, "Authenticate");
                return;
            }
            if (list.matches() && ex.getRequestMethod().equals("GET")) {
                list(ex, account);
                return;
            }
            StandInRecording r = recordings.get(one.group(2));
            if (r == null || !r.accountSid().equals(account)) {
                error(ex, 404, 20404, "The requested resource " + path + " was not found");
                return;
            }
            String suffix = one.group(3) == null ? "" : one.group(3);
            switch (ex.getRequestMethod()) {
                case "DELETE" -> {
                    sleep(deleteLatency);
                    Duration hang = deleteHangs.poll();
                    if (hang != null) {
                        sleep(hang);
                    }
                    Fault refused = deleteFaults.poll();
                    if (refused != null) {
                        error(ex, refused.status(), refused.status() == 404 ? 20404 : 20500, "Internal Server Error");
                        return;
                    }
                    recordings.remove(r.sid());
                    ex.sendResponseHeaders(204, -1);
                }
                case "GET", "HEAD" -> {
                    if (suffix.equals(".json")) {
                        json(ex, 200, recordingJson(r));
                    } else {
                        media(ex, r, suffix.isEmpty() ? "wav" : suffix.substring(1));
                    }
                }
                default -> error(ex, 405, 20004, "Method not allowed");
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private void media(HttpExchange ex, StandInRecording r, String extension) throws IOException {
        if (r.encrypted() && extension.equals("mp3")) {
            error(ex, 400, 20001, "Encrypted recordings can only be fetched as .wav");
            return;
        }
        if (!r.status().equals("completed")) {
            error(ex, 404, 20404, "The requested resource was not found");
            return;
        }
        if (redirectMedia) {
            ex.getResponseHeaders().add("Location", "http://localhost:" + mediaHost.getAddress().getPort()
                    + "/signed-media/" + r.sid() + "." + extension + "?Expires=1900000000&Signature=abc");
            ex.sendResponseHeaders(302, -1);
            return;
        }
        serveMedia(ex, r, extension);
    }

    private void handleMediaHost(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizationAtMediaHost.add(auth == null ? "" : auth);
            Matcher m = REDIRECTED.matcher(ex.getRequestURI().getPath());
            StandInRecording r = m.matches() ? recordings.get(m.group(1)) : null;
            if (r == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            serveMedia(ex, r, m.group(2));
        }
    }

    private void serveMedia(HttpExchange ex, StandInRecording r, String extension) throws IOException {
        mediaDownloads.incrementAndGet();
        ex.getResponseHeaders().add("Content-Type", extension.equals("mp3") ? "audio/mpeg" : "audio/x-wav");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, r.mediaSize());
        boolean cut = java.util.concurrent.ThreadLocalRandom.current().nextDouble() < cutRate;
        long limit = cut ? r.mediaSize() / 2 : r.mediaSize();
        byte[] buf = new byte[64 * 1024];
        long sent = 0;
        byte[] real = extension.equals("mp3") ? realMp3.get(r.sid()) : encrypted.containsKey(r.sid()) ? encrypted.get(r.sid()).ciphertext() : null;
        try (InputStream in = real != null ? new java.io.ByteArrayInputStream(real) : new SyntheticAudio(r.kind(extension), r.seed(), r.mediaSize())) {
            OutputStream out = ex.getResponseBody();
            int n;
            while (sent < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - sent))) > 0) {
                out.write(buf, 0, n);
                sent += n;
            }
            if (cut) {
                cutDownloads.incrementAndGet();
                throw new IOException("cut mid-stream on purpose"); // the connection closes short of the announced length
            }
            out.close();
            wholeDownloads.computeIfAbsent(r.sid(), k -> new AtomicInteger()).incrementAndGet();
        } catch (IOException e) {
            // the client went away mid-download, or the cut above: what a real server sees too
        }
    }

    private void list(HttpExchange ex, String account) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        LocalDate on = day(q.get("DateCreated"));
        LocalDate after = day(q.get("DateCreated>"));
        LocalDate before = day(q.get("DateCreated<"));
        String callSid = q.get("CallSid");
        int pageSize = Integer.parseInt(q.getOrDefault("PageSize", "50"));
        int page = Integer.parseInt(q.getOrDefault("Page", "0"));
        List<StandInRecording> matching = recordings.values().stream()
                .filter(r -> r.accountSid().equals(account))
                .filter(r -> callSid == null || callSid.equals(r.callSid()))
                .filter(r -> {
                    LocalDate d = r.dateCreated().atZone(ZoneOffset.UTC).toLocalDate();
                    return (on == null || d.equals(on)) && (after == null || !d.isBefore(after)) && (before == null || !d.isAfter(before));
                })
                .sorted(Comparator.comparing(StandInRecording::dateCreated).reversed().thenComparing(StandInRecording::sid))
                .toList();
        int start = page * pageSize;
        List<StandInRecording> slice = start >= matching.size() ? List.of() : matching.subList(start, Math.min(matching.size(), start + pageSize));
        Map<String, String> filters = new LinkedHashMap<>(q);
        filters.keySet().removeAll(List.of("Page", "PageSize", "PageToken"));
        String base = "/2010-04-01/Accounts/" + account + "/Recordings.json?" + encode(filters) + (filters.isEmpty() ? "" : "&") + "PageSize=" + pageSize;
        boolean more = start + pageSize < matching.size();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("end", start + Math.max(slice.size(), 1) - 1);
        body.put("first_page_uri", base + "&Page=0");
        body.put("next_page_uri", more ? base + "&Page=" + (page + 1) + "&PageToken=PA" + (slice.isEmpty() ? "" : slice.get(slice.size() - 1).sid()) : null);
        body.put("page", page);
        body.put("page_size", pageSize);
        body.put("previous_page_uri", page == 0 ? null : base + "&Page=" + (page - 1));
        body.put("recordings", slice.stream().map(this::recordingJson).toList());
        body.put("start", start);
        body.put("uri", base + "&Page=" + page);
        json(ex, 200, body);
    }

    /** A call as Twilio's Calls resource answers it (its fields as in Twilio's API reference and helper libraries). */
    private static Map<String, Object> callJson(String sid, StandInCall c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sid", sid);
        m.put("date_created", RFC2822.format(c.start()));
        m.put("date_updated", RFC2822.format(c.end() != null ? c.end() : c.start()));
        m.put("parent_call_sid", null);
        m.put("account_sid", c.accountSid());
        m.put("to", "+18005550199");
        m.put("to_formatted", "(800) 555-0199");
        m.put("from", "+14155550100");
        m.put("from_formatted", "(415) 555-0100");
        m.put("phone_number_sid", "PN" + "0".repeat(32));
        m.put("status", c.status());
        m.put("start_time", RFC2822.format(c.start()));
        m.put("end_time", c.end() == null ? null : RFC2822.format(c.end()));
        m.put("duration", c.end() == null ? null : Long.toString(Duration.between(c.start(), c.end()).toSeconds()));
        m.put("price", null);
        m.put("price_unit", "USD");
        m.put("direction", "inbound");
        m.put("answered_by", null);
        m.put("api_version", "2010-04-01");
        m.put("forwarded_from", null);
        m.put("group_sid", null);
        m.put("caller_name", null);
        m.put("queue_time", "0");
        m.put("trunk_sid", null);
        m.put("uri", "/2010-04-01/Accounts/" + c.accountSid() + "/Calls/" + sid + ".json");
        m.put("subresource_uris", Map.of("recordings", "/2010-04-01/Accounts/" + c.accountSid() + "/Calls/" + sid + "/Recordings.json"));
        return m;
    }

    private Map<String, Object> recordingJson(StandInRecording r) {
        String uri = "/2010-04-01/Accounts/" + r.accountSid() + "/Recordings/" + r.sid();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("account_sid", r.accountSid());
        m.put("api_version", "2010-04-01");
        m.put("call_sid", r.callSid());
        m.put("conference_sid", null);
        m.put("date_created", RFC2822.format(r.dateCreated()));
        m.put("date_updated", RFC2822.format(r.dateCreated().plusSeconds(2)));
        m.put("start_time", RFC2822.format(r.startTime()));
        m.put("duration", Integer.toString(r.durationSeconds()));
        m.put("sid", r.sid());
        m.put("price", r.status().equals("completed") ? "-0.0025" : null);
        m.put("price_unit", "USD");
        m.put("status", r.status());
        m.put("channels", r.channels());
        m.put("source", r.source());
        m.put("error_code", r.errorCode());
        m.put("uri", uri + ".json");
        m.put("encryption_details", encrypted.containsKey(r.sid()) ? encrypted.get(r.sid()).details() : r.encrypted()
                ? Map.of("type", "rsa-aes", "public_key_sid", "CR00000000000000000000000000000000", "encrypted_cek", "abc", "iv", "def")
                : null);
        m.put("subresource_uris", Map.of("add_on_results", uri + "/AddOnResults.json", "transcriptions", uri + "/Transcriptions.json"));
        m.put("media_url", "https://api.twilio.com" + uri);
        return m;
    }

    private boolean authorized(HttpExchange ex, String account) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Basic ")) {
            return false;
        }
        String[] pair = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8).split(":", 2);
        return pair.length == 2 && pair[0].equals(account) && pair[1].equals(tokens.get(account));
    }

    private static void error(HttpExchange ex, int status, int code, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
        body.put("status", status);
        json(ex, status, body);
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /** Twilio's date filters take whole GMT days; twilio-java sends date-times: both are read as their day. */
    private static LocalDate day(String v) {
        return v == null ? null : LocalDate.parse(v.substring(0, 10));
    }

    static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static String encode(Map<String, String> q) {
        List<String> parts = new ArrayList<>();
        q.forEach((k, v) -> parts.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return String.join("&", parts);
    }

    private static void sleep(Duration d) {
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        synchronized (updateAnswers) {
            closed = true;
            updateAnswers.notifyAll();
        }
        api.stop(0);
        mediaHost.stop(0);
        executor.shutdownNow();
    }
}
