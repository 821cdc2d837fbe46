package dev.callvault.download;

import dev.callvault.PermanentException;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.Hex;
import dev.callvault.storage.RecordingStore;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * Fetches one recording's bytes to a file or a stream: from the store (checked against the row's SHA-256, and
 * resumed where a partial file stops) or from Twilio when it is not archived yet or when asked.
 */
public final class Downloader {
    private final RecordingStore store;
    private final TwilioRecordings twilio;

    public Downloader(RecordingStore store, TwilioRecordings twilio) {
        this.store = store;
        this.twilio = twilio;
    }

    public enum Source { STORE, TWILIO }

    public record Result(Source source, long bytes, long resumedFrom, String sha256, boolean verified, boolean alreadyComplete) {
    }

    /** Where this row's bytes come from: the store when archived, unless Twilio is asked for. */
    public static Source sourceFor(RecordingRow row, boolean forceTwilio) {
        boolean archived = row.completed() && row.s3Key() != null;
        if (forceTwilio || !archived) {
            if (row.recordingSid() == null) {
                throw new PermanentException("recording " + row.id() + " is not archived (" + row.status() + ") and has no Twilio RecordingSid to fetch");
            }
            return Source.TWILIO;
        }
        return Source.STORE;
    }

    /** Downloads into {@code file}, resuming a partial one; the finished file's SHA-256 is checked against the row. */
    public Result toFile(RecordingRow row, String accountSid, Path file, boolean forceTwilio, LongConsumer progress) {
        Source source = sourceFor(row, forceTwilio);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            long have = Files.exists(file) ? Files.size(file) : 0;
            boolean resumable = source == Source.STORE && row.fileSize() != null && have > 0 && have <= row.fileSize();
            MessageDigest sha = Hex.sha256();
            if (resumable) {
                try (InputStream existing = Files.newInputStream(file)) {
                    digest(existing, sha);
                }
                if (have == row.fileSize()) {
                    String digest = Hex.of(sha.digest());
                    if (digest.equals(row.sha256())) {
                        progress.accept(have);
                        return new Result(source, 0, have, digest, true, true);
                    }
                    sha = Hex.sha256(); // complete but corrupt: fetch it again
                    have = 0;
                    resumable = false;
                }
            } else {
                have = 0;
            }
            long offset = have;
            progress.accept(offset);
            try (InputStream in = open(row, accountSid, source, offset);
                 OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         resumable ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                long n = copy(in, out, sha, offset, progress);
                return finish(row, source, n, offset, Hex.of(sha.digest()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Downloads to a stream (stdout): no resume, but the same check. */
    public Result toStream(RecordingRow row, String accountSid, OutputStream out, boolean forceTwilio, LongConsumer progress) {
        Source source = sourceFor(row, forceTwilio);
        MessageDigest sha = Hex.sha256();
        try (InputStream in = open(row, accountSid, source, 0)) {
            long n = copy(in, out, sha, 0, progress);
            out.flush();
            return finish(row, source, n, 0, Hex.of(sha.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("writing the recording failed: " + e.getMessage(), e);
        }
    }

    private Result finish(RecordingRow row, Source source, long written, long resumedFrom, String digest) {
        boolean checkable = source == Source.STORE && row.sha256() != null;
        if (checkable && !digest.equals(row.sha256())) {
            throw new PermanentException("recording " + row.id() + ": downloaded SHA-256 " + digest + " differs from the database's "
                    + row.sha256() + "; run 'callvault verify --fix' for its window");
        }
        return new Result(source, written, resumedFrom, digest, checkable, false);
    }

    private InputStream open(RecordingRow row, String accountSid, Source source, long offset) {
        if (source == Source.STORE) {
            return store.get(row.s3Key(), offset, -1);
        }
        TwilioRecording rec = twilio.fetch(accountSid, row.recordingSid());
        MediaFormat format = rec.mediaFormat(row.format() == null ? MediaFormat.MP3 : MediaFormat.parse(row.format()));
        return twilio.media(rec, format).body();
    }

    private static void digest(InputStream in, MessageDigest sha) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            sha.update(buf, 0, n);
        }
    }

    private static long copy(InputStream in, OutputStream out, MessageDigest sha, long offset, LongConsumer progress) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            sha.update(buf, 0, n);
            out.write(buf, 0, n);
            total += n;
            progress.accept(offset + total);
        }
        return total;
    }
}
