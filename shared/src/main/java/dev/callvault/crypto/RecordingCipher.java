package dev.callvault.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Base64;
import java.util.Map;

/**
 * Opens one of Twilio's encrypted recordings (Voice Recording Encryption, {@code encryption_details}): the content key is
 * wrapped with RSAES-OAEP (SHA-256, MGF1 with SHA-256: named explicitly, the padding's name alone means MGF1-SHA-1 in
 * Java), the media is AES-256-GCM with a 12-byte IV and the 128-bit tag appended. GCM is counter mode under the tag, so a
 * range of the plaintext is the same range of the ciphertext decrypted from its block's counter: playback seeks without
 * reading what comes before. A whole read is authenticated first ({@link #authentic}): a byte changed in storage is
 * refused, never played as garbage.
 */
public final class RecordingCipher {
    public static final int TAG_BYTES = 16;
    private static final int BLOCK = 16;

    private final SecretKeySpec cek;
    private final byte[] iv;

    private RecordingCipher(byte[] cek, byte[] iv) {
        if (cek.length != 32 || iv.length != 12) {
            throw new IllegalArgumentException("an AES-256-GCM content key is 32 bytes with a 12-byte IV, not " + cek.length + " and " + iv.length);
        }
        this.cek = new SecretKeySpec(cek, "AES");
        this.iv = iv.clone();
    }

    /** Unwraps the content key of {@code details} (encrypted_cek, iv; base64) with the private key of its public key SID. */
    public static RecordingCipher open(Map<String, String> details, PrivateKey privateKey) {
        try {
            Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
            rsa.init(Cipher.DECRYPT_MODE, privateKey, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
            byte[] cek = rsa.doFinal(Base64.getDecoder().decode(details.get("encrypted_cek")));
            return new RecordingCipher(cek, Base64.getDecoder().decode(details.get("iv")));
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            throw new DecryptionException("the recording's content key cannot be unwrapped with the private key of " + details.get("public_key_sid")
                    + " (" + e.getMessage() + "): is it the key pair the recording was encrypted for?", e);
        }
    }

    /** Twilio's encryption_details kept in a recording's metadata ({@code "encryption"}); null for a recording in the clear. */
    public static Map<String, String> details(String metadataJson) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(metadataJson == null ? "{}" : metadataJson).path("encryption");
            if (!node.isObject()) {
                return null;
            }
            Map<String, String> m = new java.util.LinkedHashMap<>();
            node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("a recording's metadata is not JSON", e);
        }
    }

    /** The plaintext's length for a ciphertext of {@code ciphertextLength} bytes (the tag is not part of the audio). */
    public static long plaintextLength(long ciphertextLength) {
        return Math.max(0, ciphertextLength - TAG_BYTES);
    }

    /**
     * Decrypts the ciphertext read from {@code ciphertext}, which starts at byte {@code offset} of the object: the same
     * bytes of the plaintext, without authentication (AES-CTR from the offset's block counter, as GCM counts: the IV, then
     * a 32-bit counter that is 2 for the first block of the media).
     */
    public InputStream decryptFrom(InputStream ciphertext, long offset) {
        try {
            long block = offset / BLOCK;
            byte[] counter = ByteBuffer.allocate(16).put(iv).putInt((int) (2 + block)).array();
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.DECRYPT_MODE, cek, new IvParameterSpec(counter));
            int skip = (int) (offset % BLOCK);
            if (skip > 0) {
                ctr.update(new byte[skip]); // the keystream of the bytes before the offset in its block
            }
            return new CipherStream(ciphertext, ctr);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR is part of every Java runtime", e);
        }
    }

    /**
     * True when {@code whole} (the whole object: ciphertext and tag) is what Twilio encrypted: its tag is recomputed by
     * encrypting the decrypted stream again with GCM, a block at a time (Java's GCM decryption would hold the whole
     * plaintext in memory before saying anything).
     */
    public boolean authentic(InputStream whole) throws IOException {
        try {
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.DECRYPT_MODE, cek, new IvParameterSpec(ByteBuffer.allocate(16).put(iv).putInt(2).array()));
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, cek, new GCMParameterSpec(TAG_BYTES * 8, iv));
            byte[] buf = new byte[64 * 1024];
            byte[] held = new byte[0]; // the last 16 bytes read: the tag, once the stream ends
            for (int n; (n = whole.read(buf)) > 0; ) {
                byte[] all = new byte[held.length + n];
                System.arraycopy(held, 0, all, 0, held.length);
                System.arraycopy(buf, 0, all, held.length, n);
                int media = Math.max(0, all.length - TAG_BYTES);
                if (media > 0) {
                    gcm.update(ctr.update(all, 0, media));
                }
                held = java.util.Arrays.copyOfRange(all, media, all.length);
            }
            if (held.length < TAG_BYTES) {
                return false;
            }
            byte[] tail = gcm.doFinal(ctr.doFinal());
            byte[] tag = java.util.Arrays.copyOfRange(tail, tail.length - TAG_BYTES, tail.length);
            return MessageDigest.isEqual(tag, held);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is part of every Java runtime", e);
        }
    }

    /** Encrypts {@code plaintext} as Twilio does (for tests and tools): ciphertext with the tag appended. */
    public static byte[] encrypt(byte[] cek, byte[] iv, byte[] plaintext) {
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, iv));
            return gcm.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The recording's bytes do not open: a wrong key, or bytes changed in storage. */
    public static final class DecryptionException extends RuntimeException {
        public DecryptionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final class CipherStream extends FilterInputStream {
        private final Cipher cipher;
        private final byte[] one = new byte[1];

        CipherStream(InputStream in, Cipher cipher) {
            super(in);
            this.cipher = cipher;
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n <= 0) {
                return n;
            }
            try {
                // CTR: as many bytes out as in, in place
                return cipher.update(b, off, n, b, off);
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
    }
}
