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
    private final Map<String, Path> files;
    private final Map<String, PrivateKey> loaded = new ConcurrentHashMap<>();

    public PrivateKeys(Map<String, Path> files) {
        this.files = Map.copyOf(files);
    }

    public boolean has(String publicKeySid) {
        return files.containsKey(publicKeySid);
    }

    public java.util.Set<String> sids() {
        return files.keySet();
    }

    /** The key for {@code publicKeySid}; empty when none is configured. A file that is not a PEM PKCS#8 RSA key is a config error. */
    public Optional<PrivateKey> get(String publicKeySid) {
        Path file = files.get(publicKeySid);
        if (file == null) {
            return Optional.empty();
        }
        return Optional.of(loaded.computeIfAbsent(publicKeySid, sid -> read(sid, file)));
    }

    static PrivateKey read(String sid, Path file) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new ConfigException("twilio.encryption.private-key." + sid + ": " + file + " is not a PEM PKCS#8 private key "
                        + "(-----BEGIN PRIVATE KEY-----; convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem)");
            }
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException e) {
            throw new ConfigException("twilio.encryption.private-key." + sid + ": cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("twilio.encryption.private-key." + sid + ": " + file + " holds no RSA private key: " + e.getMessage());
        }
    }
}
