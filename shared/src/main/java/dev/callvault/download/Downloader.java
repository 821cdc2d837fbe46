package dev.callvault.download;

import dev.callvault.PermanentException;
import dev.callvault.crypto.RecordingCipher;
import dev.callvault.db.RecordingRow;
import dev.callvault.encrypted.EncryptedRecordings;
import dev.callvault.storage.Hex;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StoredObject;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * Fetches one recording's bytes to a file or a stream: from the store (checked against the row's SHA-256, and resumed
 * where an interrupted download stopped) or from Twilio when it is not archived yet or when asked. A file is written as
 * {@code NAME.part} and renamed to its name only once checked: a download that fails leaves nothing behind. Twilio's
 * encrypted recordings are written decrypted, as {@code /play} serves them ({@link EncryptedRecordings}): authenticated
 * before a byte is written, or refused; never their ciphertext under the WAV's name.
 */
public final class Downloader {
    private final RecordingStore store;
    private final TwilioRecordings twilio;
    private final EncryptedRecordings encrypted;

    public Downloader(RecordingStore store, TwilioRecordings twilio, EncryptedRecordings encrypted) {
        this.store = store;
        this.twilio = twilio;
        this.encrypted = encrypted;
    }

    public enum Source { STORE, TWILIO }

    /**
     * {@code verified}: checked against the row's SHA-256 or, {@code decrypted}, authenticated by its GCM tag; {@code sha256}
     * is the hash of what was written (for a decrypted recording, of the WAV).
     */
    public record Result(Source source, long bytes, long resumedFrom, String sha256, boolean verified, boolean alreadyComplete, boolean decrypted) {
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

    /** Where an unfinished download to {@code file} is kept until it is checked: {@code NAME.part} beside it. */
    public static Path partial(Path file) {
        return file.resolveSibling(file.getFileName() + ".part");
    }

    /**
     * Downloads into {@code file}: into {@code NAME.part} (resuming one an interrupted download left), renamed to {@code file}
     * once checked. On any failure the partial file is removed.
     */
    public Result toFile(RecordingRow row, String accountSid, Path file, boolean forceTwilio, LongConsumer progress) {
        Source source = sourceFor(row, forceTwilio);
        Path part = partial(file);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Result r;
            if (source == Source.STORE && EncryptedRecordings.details(row) != null) {
                r = decrypted(row, () -> Files.newOutputStream(part), progress);
            } else if (source == Source.STORE) {
                if (isComplete(row, file)) {
                    progress.accept(row.fileSize());
                    return new Result(source, 0, row.fileSize(), row.sha256(), true, true, false);
                }
                r = resumed(row, part, progress);
            } else {
                r = fromTwilio(row, accountSid, () -> Files.newOutputStream(part), true, progress);
            }
            move(part, file);
            return r;
        } catch (IOException e) {
            deleteQuietly(part);
            throw new UncheckedIOException("writing " + file + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(part);
            throw e;
        }
    }

    /**
     * Downloads to a stream (stdout): no resume. A recording in the clear is checked against the row once written; an
     * encrypted one is authenticated before its first byte is written, and from Twilio it is refused (a stream cannot
     * take back what was written before its tag is checked).
     */
    public Result toStream(RecordingRow row, String accountSid, OutputStream out, boolean forceTwilio, LongConsumer progress) {
        Source source = sourceFor(row, forceTwilio);
        OutputStream kept = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush(); // the caller's stream stays open
            }
        };
        try {
            if (source == Source.STORE && EncryptedRecordings.details(row) != null) {
                return decrypted(row, () -> kept, progress);
            }
            if (source == Source.TWILIO) {
                return fromTwilio(row, accountSid, () -> kept, false, progress);
            }
            MessageDigest sha = Hex.sha256();
            long n;
            try (InputStream in = store.get(row.s3Key(), 0, -1)) {
                n = copy(in, kept, sha, 0, progress);
                out.flush();
            }
            return checked(row, n, 0, Hex.of(sha.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("writing the recording failed: " + e.getMessage(), e);
        }
    }

    /** A recording in the clear from the store into {@code part}, after what an interrupted download left there. */
    private Result resumed(RecordingRow row, Path part, LongConsumer progress) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        boolean resumable = row.fileSize() != null && have > 0 && have <= row.fileSize();
        MessageDigest sha = Hex.sha256();
        if (resumable) {
            try (InputStream existing = Files.newInputStream(part)) {
                copy(existing, OutputStream.nullOutputStream(), sha, 0, n -> { });
            }
        } else {
            have = 0;
        }
        progress.accept(have);
        if (resumable && have == row.fileSize()) {
            return checked(row, 0, have, Hex.of(sha.digest())); // all there: only its check was missing
        }
        long n;
        try (InputStream in = store.get(row.s3Key(), have, -1);
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     resumable ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            n = copy(in, out, sha, have, progress);
        }
        return checked(row, n, have, Hex.of(sha.digest()));
    }

    /** True when {@code file} already holds exactly the row's bytes. */
    private static boolean isComplete(RecordingRow row, Path file) throws IOException {
        if (row.fileSize() == null || row.sha256() == null || !Files.isRegularFile(file) || Files.size(file) != row.fileSize()) {
            return false;
        }
        MessageDigest sha = Hex.sha256();
        try (InputStream existing = Files.newInputStream(file)) {
            copy(existing, OutputStream.nullOutputStream(), sha, 0, n -> { });
        }
        return Hex.of(sha.digest()).equals(row.sha256());
    }

    /**
     * An encrypted recording from the store, as {@code /play} gives it: the object that holds the row's bytes, found
     * authentic (read whole, or sealed so before and read again as a read from the start is), then decrypted from exactly
     * that object into what {@code sink} opens; nothing is opened before.
     */
    private Result decrypted(RecordingRow row, Sink sink, LongConsumer progress) throws IOException {
        RecordingCipher cipher = encrypted.cipher(row); // no key, or another pair's: refused before anything is read or written
        StoredObject object = store.head(row.s3Key())
                .orElseThrow(() -> new PermanentException("recording " + row.id() + ": its object " + row.s3Key() + " is missing from storage"));
        if (!object.matches(row.fileSize(), row.sha256())) {
            throw new PermanentException("recording " + row.id() + ": its object holds " + object.size() + " bytes (SHA-256 " + object.sha256()
                    + ") where the database says " + row.fileSize() + " (" + row.sha256() + "); run 'callvault verify --deep --fix' for its window");
        }
        EncryptedRecordings.require(row, encrypted.verdict(row, cipher, object, true));
        MessageDigest sha = Hex.sha256();
        long n;
        progress.accept(0);
        try (InputStream in = encrypted.plaintext(cipher, object, 0, RecordingCipher.plaintextLength(object.size())); OutputStream out = sink.open()) {
            n = copy(in, out, sha, 0, progress);
        }
        return new Result(Source.STORE, n, 0, Hex.of(sha.digest()), true, false, true);
    }

    /**
     * From Twilio: a recording in the clear as Twilio sends it (no hash on record to check it against); an encrypted one,
     * into a file only ({@code file}), decrypted as it comes and kept only when its tag says it is what Twilio encrypted.
     */
    private Result fromTwilio(RecordingRow row, String accountSid, Sink sink, boolean file, LongConsumer progress) throws IOException {
        TwilioRecording rec = twilio.fetch(accountSid, row.recordingSid());
        MediaFormat format = rec.mediaFormat(row.format() == null ? MediaFormat.MP3 : MediaFormat.parse(row.format()));
        MessageDigest sha = Hex.sha256();
        progress.accept(0);
        if (!rec.encrypted()) {
            try (TwilioRecordings.Media media = twilio.media(rec, format); OutputStream out = sink.open()) {
                long n = copy(media.body(), out, sha, 0, progress);
                return new Result(Source.TWILIO, n, 0, Hex.of(sha.digest()), false, false, false);
            }
        }
        if (!file) {
            throw new PermanentException("recording " + row.id() + " is encrypted: from Twilio it is written to a file (-o FILE) and kept once its tag "
                    + "is checked; a stream cannot take back what was written before that (or download it from the store)");
        }
        RecordingCipher.Whole whole = encrypted.cipher(rec.sid(), rec.encryption()).whole();
        long n = 0;
        try (TwilioRecordings.Media media = twilio.media(rec, format); OutputStream out = sink.open()) {
            byte[] buf = new byte[64 * 1024];
            for (int got; (got = media.body().read(buf)) > 0; ) {
                byte[] plain = whole.update(buf, 0, got);
                sha.update(plain);
                out.write(plain);
                n += plain.length;
                progress.accept(n);
            }
        }
        if (!whole.authentic()) {
            throw new PermanentException("recording " + rec.sid() + " as Twilio sent it fails authentication (its GCM tag differs): nothing was kept");
        }
        return new Result(Source.TWILIO, n, 0, Hex.of(sha.digest()), true, false, true);
    }

    /** The outcome of bytes fetched from the store, checked against the row's SHA-256 where it has one. */
    private static Result checked(RecordingRow row, long written, long resumedFrom, String digest) {
        if (row.sha256() != null && !digest.equals(row.sha256())) {
            throw new PermanentException("recording " + row.id() + ": downloaded SHA-256 " + digest + " differs from the database's "
                    + row.sha256() + "; run 'callvault verify --fix' for its window");
        }
        return new Result(Source.STORE, written, resumedFrom, digest, row.sha256() != null, false, false);
    }

    /** Opens where the bytes go, when there is something to write. */
    private interface Sink {
        OutputStream open() throws IOException;
    }

    private static void move(Path part, Path file) throws IOException {
        try {
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path part) {
        try {
            Files.deleteIfExists(part);
        } catch (IOException ignored) {
            // best effort: it is named .part, never taken for the recording
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
