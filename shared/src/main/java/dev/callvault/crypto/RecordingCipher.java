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
 * reading what comes before. The tag covers the whole object, so only a whole read tells whether a byte changed in
 * storage ({@link #authentic}, {@link Whole}); what is served must come from an object that passed (see
 * {@code encrypted.EncryptedRecordings}), never played as garbage.
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

    /**
     * Unwraps the content key of {@code details} (encrypted_cek, iv; base64) with {@code privateKey}, the one configured
     * for its public key SID. OAEP checks its padding: a key of another pair is refused here ({@link KeyDoesNotOpen}),
     * before any byte of the recording is read, so a wrong key is never taken for changed bytes.
     */
    public static RecordingCipher open(String recording, Map<String, String> details, PrivateKey privateKey) {
        byte[] wrapped;
        byte[] iv;
        try {
            wrapped = Base64.getDecoder().decode(details.getOrDefault("encrypted_cek", ""));
            iv = Base64.getDecoder().decode(details.getOrDefault("iv", ""));
        } catch (IllegalArgumentException e) {
            throw new dev.callvault.PermanentException("recording " + recording + ": its encryption_details are not base64 as Twilio writes them: "
                    + e.getMessage(), e);
        }
        byte[] cek;
        try {
            Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
            rsa.init(Cipher.DECRYPT_MODE, privateKey, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
            cek = rsa.doFinal(wrapped);
        } catch (GeneralSecurityException e) {
            throw new KeyDoesNotOpen(recording, details.get("public_key_sid"), e);
        }
        try {
            return new RecordingCipher(cek, iv);
        } catch (IllegalArgumentException e) {
            throw new dev.callvault.PermanentException("recording " + recording + ": its encryption_details are not AES-256-GCM as Twilio documents: "
                    + e.getMessage(), e);
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

    /** True when {@code whole} (the whole object, read from its first byte: ciphertext and tag) is what Twilio encrypted. */
    public boolean authentic(InputStream whole) throws IOException {
        Whole w = whole();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = whole.read(buf)) > 0; ) {
            w.update(buf, 0, n);
        }
        return w.authentic();
    }

    /** Decrypts a whole object as it is read from its first byte, and says at its end whether it was what Twilio encrypted. */
    public Whole whole() {
        return new Whole();
    }

    /**
     * One pass over a whole object: the plaintext of each piece as it comes (its last 16 bytes, the tag, held back until
     * more come or it ends), and the tag recomputed on the way by encrypting the plaintext again with GCM, a block at a
     * time (Java's GCM decryption would hold the whole plaintext in memory before saying anything). What {@link #update}
     * gave is not to be trusted until {@link #authentic} says so.
     */
    public final class Whole {
        private final Cipher ctr;
        private final Cipher gcm;
        private byte[] held = new byte[0]; // the last 16 bytes read: the tag, once the object ends

        private Whole() {
            try {
                ctr = Cipher.getInstance("AES/CTR/NoPadding");
                ctr.init(Cipher.DECRYPT_MODE, cek, new IvParameterSpec(ByteBuffer.allocate(16).put(iv).putInt(2).array()));
                gcm = Cipher.getInstance("AES/GCM/NoPadding");
                gcm.init(Cipher.ENCRYPT_MODE, cek, new GCMParameterSpec(TAG_BYTES * 8, iv));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/CTR and AES/GCM are part of every Java runtime", e);
            }
        }

        /** The plaintext of the next {@code n} bytes of the object, less what is held back as the tag may end there. */
        public byte[] update(byte[] b, int off, int n) {
            byte[] all = new byte[held.length + n];
            System.arraycopy(held, 0, all, 0, held.length);
            System.arraycopy(b, off, all, held.length, n);
            int media = Math.max(0, all.length - TAG_BYTES);
            held = java.util.Arrays.copyOfRange(all, media, all.length);
            if (media == 0) {
                return new byte[0];
            }
            byte[] plain = ctr.update(all, 0, media);
            gcm.update(plain);
            return plain;
        }

        /** True when the bytes given, now that they have ended, were exactly what Twilio encrypted. */
        public boolean authentic() {
            if (held.length < TAG_BYTES) {
                return false;
            }
            try {
                byte[] tail = gcm.doFinal(ctr.doFinal());
                return MessageDigest.isEqual(java.util.Arrays.copyOfRange(tail, tail.length - TAG_BYTES, tail.length), held);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/GCM is part of every Java runtime", e);
            }
        }
    }

    /**
     * {@code in} read as it is, checked on the way: once it has been read to its end, {@link Checked#authentic()} says
     * whether it was what Twilio encrypted (the archive stores Twilio's bytes and checks them in the same pass).
     */
    public Checked checking(InputStream in) {
        return new Checked(in, whole());
    }

    /** A stream checked by {@link Whole} as it is read. */
    public static final class Checked extends FilterInputStream {
        private final Whole whole;
        private boolean ended;

        private Checked(InputStream in, Whole whole) {
            super(in);
            this.whole = whole;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                ended = true;
            } else if (n > 0) {
                whole.update(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException("a checked stream is read whole");
        }

        @Override
        public boolean markSupported() {
            return false; // a reset would feed the check the same bytes twice
        }

        /** True when the stream was read to its end and was what Twilio encrypted. */
        public boolean authentic() {
            return ended && whole.authentic();
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

    /**
     * The private key configured for a recording's public key does not open it: the key of another pair (configuration,
     * not the recording's bytes, is wrong).
     */
    public static final class KeyDoesNotOpen extends dev.callvault.config.ConfigException {
        private final String publicKeySid;

        KeyDoesNotOpen(String recording, String publicKeySid, Throwable cause) {
            super("the private key configured for the public key " + publicKeySid + " (" + PrivateKeys.SETTING + publicKeySid
                    + ") does not open recording " + recording + ": it is the private key of another pair (" + cause.getMessage()
                    + "); configure the private key of the pair Twilio knows as " + publicKeySid + ". The recording itself is not in question", cause);
            this.publicKeySid = publicKeySid;
        }

        public String publicKeySid() {
            return publicKeySid;
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
