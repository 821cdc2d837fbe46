package dev.callvault.daemon;

import dev.callvault.config.Config;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.daemon.api.Tombstone;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.signature.PlaybackLinks;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StoredObject;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.DateUtils;
import io.undertow.util.Headers;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import dev.callvault.crypto.PrivateKeys;
import dev.callvault.crypto.RecordingCipher;
import dev.callvault.encrypted.EncryptedRecordings;
import dev.callvault.storage.ObjectChangedException;

import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET|HEAD /calls/{call_id}/recording/{recording_id}} (attachment) and {@code .../play} (inline, seekable
 * with single HTTP ranges). Streams from the store, or redirects to a short-lived presigned URL when configured; a
 * recording erased or deleted by retention is 410 Gone, saying when, by whom and why. Requires the configured bearer
 * token or an unexpired signed link for this exact path.
 */
final class RecordingAccess {
    /** A 206 with its Content-Range for {@code range} (null: the whole {@code size} bytes, a 200), and the Content-Length; the length. */
    private static long rangeHeaders(io.undertow.server.HttpServerExchange ex, io.undertow.util.HeaderMap h, ByteRange range, long size) {
        if (range == null) {
            h.put(Headers.CONTENT_LENGTH, size);
            return size;
        }
        ex.setStatusCode(206);
        h.put(Headers.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + size);
        h.put(Headers.CONTENT_LENGTH, range.length());
        return range.length();
    }

    private static final Duration PRESIGN_TTL = Duration.ofMinutes(5);

    private final Config.Http http;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final RecordingStore store;
    private final PlaybackLinks links;
    private final Clock clock;

    private final dev.callvault.recorder.Recorder recorder;
    private final dev.callvault.db.AuditRepository audit;
    private final dev.callvault.daemon.console.ConsoleAuth auth;
    private final EncryptedRecordings encrypted;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RecordingAccess.class);

    RecordingAccess(Config.Http http, CallRepository calls, RecordingRepository recordings, RecordingStore store, Clock clock,
                    dev.callvault.recorder.Recorder recorder, dev.callvault.db.AuditRepository audit,
                    dev.callvault.daemon.console.ConsoleAuth auth, PrivateKeys keys) {
        this.encrypted = new EncryptedRecordings(store, keys, recordings, clock);
        this.auth = auth;
        this.recorder = recorder;
        this.audit = audit;
        this.http = http;
        this.calls = calls;
        this.recordings = recordings;
        this.store = store;
        this.links = http.linkSecret() == null ? null : new PlaybackLinks(http.linkSecret().reveal());
        this.clock = clock;
    }

    void download(HttpServerExchange ex) throws Exception {
        serve(ex, false);
    }

    void play(HttpServerExchange ex) throws Exception {
        serve(ex, true);
    }

    private void serve(HttpServerExchange ex, boolean inline) throws Exception {
        Caller who = authenticate(ex);
        CallRow call = call(ex);
        RecordingRow row = find(ex, call);
        var deleted = Tombstone.of(recordings.jdbi(), row);
        if (deleted.isPresent()) {
            throw deleted.get().gone(); // deleted on purpose: gone, with when, by whom and why, never "not stored yet"
        }
        if ("in-progress".equals(row.status()) && row.streamSid() != null) {
            if (recorder.active(row.streamSid()).isPresent()) {
                audit(ex, who, row, inline);
            }
            serveLive(ex, call, row, inline);
            return;
        }
        if (row.s3Key() == null || !row.completed()) {
            throw new Problem(404, "recording " + row.id() + " has no stored audio yet (status " + row.status() + ")");
        }
        StoredObject object = store.head(row.s3Key())
                .orElseThrow(() -> new Problem(404, "the object of recording " + row.id() + " is missing from storage"));
        audit(ex, who, row, inline);
        String filename = dev.callvault.calls.CallView.fileName(call, row);
        String disposition = (inline ? "inline" : "attachment") + "; filename=\"" + filename + "\"";
        if (encryption(row) != null) {
            serveEncrypted(ex, row, object, disposition);
            return;
        }
        if (http.presignedRedirects()) {
            Optional<java.net.URI> url = store.presignedGet(row.s3Key(), PRESIGN_TTL, inline ? null : filename);
            if (url.isPresent()) {
                ex.setStatusCode(302);
                ex.getResponseHeaders().put(Headers.LOCATION, url.get().toString());
                ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
                ex.endExchange();
                return;
            }
        }
        String etag = object.etag() != null ? object.etag() : "\"" + object.sha256() + "\"";
        var h = ex.getResponseHeaders();
        h.put(Headers.ACCEPT_RANGES, "bytes");
        h.put(Headers.ETAG, etag);
        h.put(Headers.CONTENT_TYPE, object.contentType() != null ? object.contentType() : contentType(row.format()));
        h.put(Headers.CONTENT_DISPOSITION, disposition);
        // personal data: no copy left in the disk cache of a shared support desk's browser (ETag still serves scripts)
        h.put(Headers.CACHE_CONTROL, "no-store");
        if (object.lastModified() != null) {
            h.put(Headers.LAST_MODIFIED, DateUtils.toDateString(Date.from(object.lastModified())));
        }
        String ifNoneMatch = ex.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH);
        if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("*"))) {
            ex.setStatusCode(304);
            ex.endExchange();
            return;
        }
        long size = object.size();
        ByteRange range = ByteRange.parse(ex.getRequestHeaders().getFirst(Headers.RANGE), size);
        String ifRange = ex.getRequestHeaders().getFirst(Headers.IF_RANGE);
        if (range != null && ifRange != null && !ifRange.equals(etag)) {
            range = null; // the client's copy is stale: send the whole current object
        }
        if (range == ByteRange.UNSATISFIABLE) {
            h.put(Headers.CONTENT_RANGE, "bytes */" + size);
            throw new Problem(416, "range not satisfiable for a " + size + "-byte recording");
        }
        long offset = range == null ? 0 : range.first();
        long length = rangeHeaders(ex, h, range, size);
        if (ex.getRequestMethod().toString().equals("HEAD") || length == 0) {
            ex.endExchange();
            return;
        }
        try (InputStream in = store.get(row.s3Key(), offset, range == null ? -1 : length); OutputStream out = new ToClient(ex.getOutputStream())) {
            in.transferTo(out);
        }
    }

    private static Map<String, String> encryption(RecordingRow row) {
        return EncryptedRecordings.details(row);
    }

    /**
     * An encrypted Twilio recording, decrypted as it streams (the store keeps the ciphertext): a range from its block's
     * counter, so players seek, and only ever from the stored object found authentic, read by its ETag: one whose bytes
     * changed in storage is refused for every range, never played as noise. A read from the start reads the object whole
     * again first. A private key of another pair is 503, naming the setting, as a missing one is. The answer is the WAV
     * Twilio recorded, its length the ciphertext's less the tag.
     */
    private void serveEncrypted(HttpServerExchange ex, RecordingRow row, StoredObject object, String disposition) throws Exception {
        RecordingCipher cipher;
        try {
            cipher = encrypted.cipher(row);
        } catch (PrivateKeys.KeyMissing | RecordingCipher.KeyDoesNotOpen e) {
            log.warn("recording {} not played: {}", row.id(), e.getMessage());
            throw new Problem(503, e.getMessage());
        }
        long size = RecordingCipher.plaintextLength(object.size());
        String etag = "\"" + object.sha256() + "\"";
        var h = ex.getResponseHeaders();
        h.put(Headers.ACCEPT_RANGES, "bytes");
        h.put(Headers.ETAG, etag);
        h.put(Headers.CONTENT_TYPE, contentType(row.format()));
        h.put(Headers.CONTENT_DISPOSITION, disposition);
        h.put(Headers.CACHE_CONTROL, "no-store");
        ByteRange range = ByteRange.parse(ex.getRequestHeaders().getFirst(Headers.RANGE), size);
        if (range == ByteRange.UNSATISFIABLE) {
            h.put(Headers.CONTENT_RANGE, "bytes */" + size);
            throw new Problem(416, "range not satisfiable for a " + size + "-byte recording");
        }
        boolean head = ex.getRequestMethod().toString().equals("HEAD");
        long offset = range == null ? 0 : range.first();
        long length = range == null ? size : range.length();
        InputStream in = null;
        try {
            EncryptedRecordings.require(row, encrypted.verdict(row, cipher, object, !head && offset == 0));
            if (!head && length > 0) {
                in = encrypted.plaintext(cipher, object, offset, length); // before the headers: a changed object is still a clean refusal
            }
        } catch (EncryptedRecordings.NotAuthentic e) {
            throw new Problem(500, e.getMessage());
        } catch (ObjectChangedException e) {
            throw new Problem(503, "recording " + row.id() + " changed in storage while it was being read; ask again");
        }
        rangeHeaders(ex, h, range, size);
        if (in == null) {
            ex.endExchange();
            return;
        }
        try (InputStream plain = in; OutputStream out = new ToClient(ex.getOutputStream())) {
            plain.transferTo(new BoundedOutput(out, length));
        }
    }

    /**
     * The client went away mid-response (a seek, a reload, a closed tab): normal for a player, never an error. Thrown
     * by {@link ToClient} when writing to the client fails, so a failure to read the store is still told apart.
     */
    static final class ClientGone extends java.io.IOException {
        ClientGone(java.io.IOException cause) {
            super("the client went away mid-response: " + cause.getMessage(), cause);
        }
    }

    /** The response's stream, whose write failures are the client's going away. */
    private static final class ToClient extends java.io.FilterOutputStream {
        ToClient(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            try {
                out.write(b, off, len);
            } catch (java.io.IOException e) {
                throw new ClientGone(e);
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            try {
                out.flush();
            } catch (java.io.IOException e) {
                throw new ClientGone(e);
            }
        }

        @Override
        public void close() throws java.io.IOException {
            try {
                out.close();
            } catch (java.io.IOException e) {
                throw new ClientGone(e);
            }
        }
    }

    /**
     * What a recording still in progress has captured so far, from the spool of the daemon that holds the stream;
     * another replica answers 409 naming the one that records it.
     */
    private void serveLive(HttpServerExchange ex, CallRow call, RecordingRow row, boolean inline) throws Exception {
        var live = recorder.active(row.streamSid());
        if (live.isEmpty()) {
            String holder = HttpSupport.JSON.readTree(row.metadataJson()).path("daemon").asText("unknown");
            throw new Problem(409, "recording " + row.id() + " is in progress on daemon " + holder + "; ask that one, or wait until the call ends");
        }
        java.nio.file.Path file;
        synchronized (live.get()) {
            live.get().sync();
            file = live.get().dir().resolve(row.recordingType() + "." + row.format());
        }
        long size = java.nio.file.Files.size(file); // what is captured now: ranges are served against it
        var h = ex.getResponseHeaders();
        String name = dev.callvault.calls.CallView.fileName(call, row).replaceFirst("\\.([a-z0-9]+)$", "-so-far.$1");
        h.put(Headers.CONTENT_TYPE, contentType(row.format()));
        h.put(Headers.CONTENT_DISPOSITION, (inline ? "inline" : "attachment") + "; filename=\"" + name + "\"");
        h.put(Headers.CACHE_CONTROL, "no-store");
        h.put(Headers.ACCEPT_RANGES, "bytes");
        ByteRange range = ByteRange.parse(ex.getRequestHeaders().getFirst(Headers.RANGE), size);
        if (range == ByteRange.UNSATISFIABLE) {
            h.put(Headers.CONTENT_RANGE, "bytes */" + size);
            throw new Problem(416, "range not satisfiable: " + size + " bytes are captured so far");
        }
        long offset = range == null ? 0 : range.first();
        long length = rangeHeaders(ex, h, range, size);
        if (ex.getRequestMethod().toString().equals("HEAD")) {
            ex.endExchange();
            return;
        }
        try (InputStream in = java.nio.file.Files.newInputStream(file); OutputStream out = new ToClient(ex.getOutputStream())) {
            in.skipNBytes(offset);
            in.transferTo(new BoundedOutput(out, length));
        }
    }

    /** Sends at most the length announced: the spool file may grow while it is read. */
    private static final class BoundedOutput extends java.io.FilterOutputStream {
        private long left;

        BoundedOutput(OutputStream out, long left) {
            super(out);
            this.left = left;
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            int n = (int) Math.min(len, left);
            if (n > 0) {
                out.write(b, off, n);
                left -= n;
            }
        }

        @Override
        public void write(int b) throws java.io.IOException {
            if (left > 0) {
                out.write(b);
                left--;
            }
        }
    }

    /** Who asks, and whether their player reports listens itself (a person signed in to the console) or not (scripts). */
    private record Caller(String name, boolean console) {
    }

    /** Who asks: a signed-in person's name, "api token" or "signed link"; 401 for anyone else. */
    private Caller authenticate(HttpServerExchange ex) {
        var who = auth.who(ex);
        if (who.isPresent()) {
            return new Caller(who.get().name(), who.get().person());
        }
        if (links != null && links.valid(ex.getRequestPath(), HttpSupport.param(ex, "expires").orElse(null),
                HttpSupport.param(ex, "sig").orElse(null), clock.instant())) {
            return new Caller("signed link", false);
        }
        ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"callvault\"");
        throw new Problem(401, "a bearer token or an unexpired signed link is required");
    }

    /**
     * Writes who downloaded what (DESIGN 7). A person's listening is what their player reports (the spans heard, at
     * {@code /api/v1/.../listens}), never the bytes it fetches: preloading, reading metadata and seeking are not
     * listening. Bytes are a download when they are one: the download link, or a script (API token, signed link)
     * fetching a recording, counted once from its first byte; a HEAD is neither.
     */
    private void audit(HttpServerExchange ex, Caller who, RecordingRow row, boolean inline) {
        if (ex.getRequestMethod().toString().equals("HEAD") || inline && who.console()) {
            return;
        }
        String range = ex.getRequestHeaders().getFirst(Headers.RANGE);
        if (range != null && !range.replace(" ", "").startsWith("bytes=0-")) {
            return;
        }
        var source = ex.getSourceAddress();
        audit.download(who.name(), row.callId(), row.id(), source == null ? null : source.getAddress().getHostAddress(),
                ex.getRequestHeaders().getFirst(Headers.USER_AGENT));
    }

    private CallRow call(HttpServerExchange ex) {
        String callId = HttpSupport.param(ex, "call_id").orElse("");
        return calls.find(callId).orElseThrow(() -> new Problem(404, "no call " + callId));
    }

    private RecordingRow find(HttpServerExchange ex, CallRow c) {
        String recordingId = HttpSupport.param(ex, "recording_id").orElse("");
        return uuid(recordingId).flatMap(recordings::findById)
                .filter(r -> r.callId().equals(c.id()))
                .orElseThrow(() -> new Problem(404, "no recording " + recordingId + " in call " + c.callSid()));
    }

    private static Optional<UUID> uuid(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String contentType(String format) {
        return "mp3".equals(format) ? "audio/mpeg" : "wav".equals(format) ? "audio/wav" : "application/octet-stream";
    }
}
