package dev.callvault.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Writes a small object, reads it back and deletes it: the check that a store keeps bytes as they were sent. Used by
 * {@code callvault doctor} and the daemon's {@code /readyz}, so both name the same likely fix.
 */
public final class StoreProbe {
    /** What an S3 server that does not decode aws-chunked uploads keeps at the start of the object instead of the data. */
    private static final String CHUNK_FRAMING = ";chunk-signature=";

    private StoreProbe() {
    }

    /** A problem and what to do about it. */
    public record Problem(String what, String fix) {
    }

    /** Empty when the probe object read back intact and was deleted; the problem otherwise. Throws when the store fails. */
    public static Optional<Problem> roundTrip(RecordingStore store) throws IOException {
        String key = store.prefix() + ".callvault-probe/" + UUID.randomUUID();
        byte[] probe = ("callvault store probe " + key).getBytes(StandardCharsets.UTF_8);
        store.put(key, new ByteArrayInputStream(probe), "text/plain", Map.of());
        byte[] back;
        try (InputStream in = store.get(key, 0, -1)) {
            back = in.readAllBytes();
        } finally {
            store.delete(key);
        }
        if (new String(back, StandardCharsets.ISO_8859_1).contains(CHUNK_FRAMING)) {
            return Optional.of(new Problem("the store kept the upload's aws-chunked framing as the object's content (it does not decode "
                    + "aws-chunked uploads): every archived recording would be corrupt", "set s3.chunked-encoding = false"));
        }
        if (!Arrays.equals(probe, back)) {
            return Optional.of(new Problem("the probe object did not read back intact (" + probe.length + " bytes sent, " + back.length + " read)",
                    "if the store does not decode aws-chunked uploads, set s3.chunked-encoding = false; else check the store's consistency"));
        }
        if (store.head(key).isPresent()) {
            return Optional.of(new Problem("the probe object was not deleted", "check the store's permissions: callvault needs DeleteObject"));
        }
        return Optional.empty();
    }
}
