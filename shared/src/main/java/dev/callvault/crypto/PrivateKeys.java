package dev.callvault.crypto;

import dev.callvault.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The private keys that open Twilio's encrypted recordings, by the SID of the public key Twilio encrypted with
 * ({@code twilio.encryption.private-key.CR... = FILE}, PEM PKCS#8; several, for rotation). Read when first needed.
 */
public final class PrivateKeys {
    /** The setting's name before the public key SID. */
    public static final String SETTING = "twilio.encryption.private-key.";

    private final Map<String, Path> files;
    private final Map<String, PrivateKey> loaded = new ConcurrentHashMap<>();

    public PrivateKeys(Map<String, Path> files) {
        this.files = Map.copyOf(files);
    }

    public boolean has(String publicKeySid) {
        return publicKeySid != null && files.containsKey(publicKeySid);
    }

    public java.util.Set<String> sids() {
        return files.keySet();
    }

    /** The key for {@code publicKeySid}; empty when none is configured. A file that is not a PEM PKCS#8 RSA key is a config error. */
    public Optional<PrivateKey> get(String publicKeySid) {
        Path file = publicKeySid == null ? null : files.get(publicKeySid);
        if (file == null) {
            return Optional.empty();
        }
        return Optional.of(loaded.computeIfAbsent(publicKeySid, sid -> read(sid, file)));
    }

    /**
     * What opens {@code recording}, encrypted as its {@code details} say: {@link KeyMissing} when this host has no private
     * key for its public key, {@link RecordingCipher.KeyDoesNotOpen} when the one it has is another pair's.
     */
    public RecordingCipher cipher(String recording, Map<String, String> details) {
        String sid = details.get("public_key_sid");
        PrivateKey key = get(sid).orElseThrow(() -> new KeyMissing(recording, sid));
        return RecordingCipher.open(recording, details, key);
    }

    /** A recording is encrypted for a public key whose private key this host was not given. */
    public static final class KeyMissing extends ConfigException {
        KeyMissing(String recording, String publicKeySid) {
            super("recording " + recording + " is encrypted with the public key " + publicKeySid + " and there is no private key for it here: set "
                    + SETTING + publicKeySid + " = FILE (its PEM PKCS#8 private key)");
        }
    }

    static PrivateKey read(String sid, Path file) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new ConfigException(SETTING + sid + ": " + file + " is not a PEM PKCS#8 private key "
                        + "(-----BEGIN PRIVATE KEY-----; convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem)");
            }
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException e) {
            throw new ConfigException(SETTING + sid + ": cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(SETTING + sid + ": " + file + " holds no RSA private key: " + e.getMessage());
        }
    }
}
