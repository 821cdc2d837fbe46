package dev.callvault.storage;

import dev.callvault.CallvaultException;
import dev.callvault.PermanentException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Writes a small object, reads it back and deletes it, every version of it: the check that a store keeps bytes as they were
 * sent, and that callvault can delete for good what it stores. Used by {@code callvault doctor} and the daemon's
 * {@code /readyz}, so both name the same likely fix.
 */
public final class StoreProbe {
    /** What an S3 server that does not decode aws-chunked uploads keeps at the start of the object instead of the data. */
    private static final String CHUNK_FRAMING = ";chunk-signature=";

    /** What it means when callvault may not list the versions a bucket keeps, or may not know whether it keeps any. */
    private static final String STOPS = "erasure and retention cannot delete every version; they stop before deleting anything";

    /** What it means when callvault may list versions but not delete them. */
    private static final String FAILS = "erasure and retention cannot delete every version; each recording's deletion fails and stays unfinished";

    private StoreProbe() {
    }

    /** A problem and what to do about it. */
    public record Problem(String what, String fix) {
    }

    /** Whether callvault can delete for good what it stores, in words; {@code fix} is null when it can, what to do when not. */
    public record Finality(String detail, String fix) {
        public boolean forGood() {
            return fix == null;
        }
    }

    private static String probeKey(RecordingStore store) {
        return probePrefix(store) + UUID.randomUUID();
    }

    private static String probePrefix(RecordingStore store) {
        return store.prefix() + ".callvault-probe/";
    }

    /**
     * Empty when the probe object read back intact and was deleted; the problem otherwise. Throws when the store fails. It
     * leaves nothing of the probe behind, no version either, where the credentials may delete versions.
     */
    public static Optional<Problem> roundTrip(RecordingStore store) throws IOException {
        String key = probeKey(store);
        byte[] probe = ("callvault store probe " + key).getBytes(StandardCharsets.UTF_8);
        store.put(key, new ByteArrayInputStream(probe), "text/plain", Map.of());
        byte[] back;
        boolean deleted;
        try {
            try (InputStream in = store.get(key, 0, -1)) {
                back = in.readAllBytes();
            } finally {
                store.delete(key);
            }
            deleted = store.head(key).isEmpty();
        } finally {
            leaveNothingOf(store, key);
        }
        if (new String(back, StandardCharsets.ISO_8859_1).contains(CHUNK_FRAMING)) {
            return Optional.of(new Problem("the store kept the upload's aws-chunked framing as the object's content (it does not decode "
                    + "aws-chunked uploads): every archived recording would be corrupt", "set s3.chunked-encoding = false"));
        }
        if (!Arrays.equals(probe, back)) {
            return Optional.of(new Problem("the probe object did not read back intact (" + probe.length + " bytes sent, " + back.length + " read)",
                    "if the store does not decode aws-chunked uploads, set s3.chunked-encoding = false; else check the store's consistency"));
        }
        if (!deleted) {
            return Optional.of(new Problem("the probe object was not deleted", "check the store's permissions: callvault needs DeleteObject"));
        }
        return Optional.empty();
    }

    /**
     * On a bucket that keeps versions the delete above left the probe's version and added a delete marker: both go by their
     * ids, so that a probe a minute (/readyz) leaves no trail. Where the credentials may not list or delete versions they
     * stay: {@link #finality} names the permission, and /readyz must not fail for it, since archiving works without it.
     */
    private static void leaveNothingOf(RecordingStore store, String key) {
        try {
            store.eraseAllVersions(key);
        } catch (CallvaultException refusedOrUnavailable) {
            // left for finality() to name
        }
    }

    /**
     * Whether callvault can delete for good what it stores, as erasure and retention do: the store's versioning, and on a
     * bucket that keeps versions that the credentials may list them (ListObjectVersions under the probe's prefix) and
     * delete one by its id (the probe's own, which leaves nothing behind). Throws nothing: a store that fails is the
     * answer's problem.
     */
    public static Finality finality(RecordingStore store) {
        try {
            if (store instanceof S3RecordingStore s3) {
                try {
                    s3.versioning();
                } catch (PermanentException e) {
                    return refused(store, e.getMessage() + ". So " + STOPS, "s3:GetBucketVersioning on the bucket");
                }
            }
            String how;
            try {
                how = String.join("; ", store.inventory(probePrefix(store)).notes());
            } catch (PermanentException e) {
                return refused(store, e.getMessage() + ". So " + STOPS, "s3:ListBucketVersions and s3:ListBucketMultipartUploads on the bucket");
            }
            return deletingAProbe(store, how);
        } catch (CallvaultException e) {
            return new Finality("cannot tell: " + e.getMessage(), "fix the storage check first");
        }
    }

    /** Writes a probe, deletes it, then deletes by its id each version and delete marker the store still keeps of it. */
    private static Finality deletingAProbe(RecordingStore store, String how) {
        String key = probeKey(store);
        store.put(key, new ByteArrayInputStream(("callvault deletion probe " + key).getBytes(StandardCharsets.UTF_8)), "text/plain", Map.of());
        store.delete(key); // on a bucket that keeps versions: the version stays, and a delete marker is added
        List<RecordingStore.Piece> pieces = piecesOf(store, key);
        if (pieces.isEmpty()) {
            return new Finality(how, null);
        }
        try {
            for (RecordingStore.Piece p : pieces) {
                store.erase(p);
            }
        } catch (PermanentException e) {
            return refused(store, "the bucket keeps versions, and deleting one by its id was refused (DeleteObjectVersion of the probe's own " + key
                    + ": " + answer(e) + "). So " + FAILS, "s3:DeleteObjectVersion on the bucket's objects");
        }
        List<RecordingStore.Piece> left = piecesOf(store, key);
        if (!left.isEmpty()) {
            return new Finality("the store still lists " + left.size() + " versions or delete markers of the probe's " + key
                    + " after deleting each by its id. So " + FAILS, "check the bucket's Object Lock settings and the store");
        }
        long versions = pieces.stream().filter(p -> p.kind() == RecordingStore.Piece.Kind.VERSION).count();
        return new Finality(how + "; callvault may list them (ListObjectVersions) and delete them (DeleteObjectVersion): the probe's "
                + count(versions, "version") + " and " + count(pieces.size() - versions, "delete marker") + " went, nothing of it is left", null);
    }

    private static String count(long n, String thing) {
        return n + " " + thing + (n == 1 ? "" : "s");
    }

    private static Finality refused(RecordingStore store, String what, String permission) {
        return new Finality(what, "grant callvault's credentials " + permission + "; the probe objects doctor could not delete may stay under "
                + probePrefix(store) + ": they are safe to delete");
    }

    /** Every version and delete marker of {@code key} itself (not of the keys it is a prefix of). */
    private static List<RecordingStore.Piece> piecesOf(RecordingStore store, String key) {
        return store.inventory(key).pieces().stream().filter(p -> p.key().equals(key) && p.kind() != RecordingStore.Piece.Kind.UPLOAD).toList();
    }

    /** The store's answer in short, as S3 gave it ("HTTP 403 AccessDenied"), or the failure's message when it is not S3's. */
    private static String answer(CallvaultException e) {
        if (e.getCause() instanceof software.amazon.awssdk.services.s3.model.S3Exception s3) {
            return "HTTP " + s3.statusCode() + (s3.awsErrorDetails() == null ? "" : " " + s3.awsErrorDetails().errorCode());
        }
        return e.getMessage();
    }
}
