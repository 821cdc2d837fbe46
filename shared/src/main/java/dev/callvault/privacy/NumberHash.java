package dev.callvault.privacy;

import dev.callvault.config.ConfigException;
import dev.callvault.accounts.Secret;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * What replaces a phone number once its calls are erased or expired: HMAC-SHA256 of the E.164 number, keyed with
 * {@code privacy.hash-secret}. "Did we erase this number?" is answered by hashing it again; the number itself is gone,
 * and without the secret the hash cannot be tried against every possible number.
 */
public final class NumberHash {
    private final byte[] key;

    public NumberHash(Secret secret) {
        if (secret == null) {
            throw new ConfigException("privacy.hash-secret is not set: erasure and retention replace numbers by a keyed hash and need it "
                    + "(CALLVAULT_PRIVACY_HASH_SECRET, 16 characters or more, the same on every host)");
        }
        this.key = secret.reveal().getBytes(StandardCharsets.UTF_8);
    }

    /** The hash of an E.164 number, or null for none. */
    public String of(String e164) {
        if (e164 == null || e164.isBlank()) {
            return null;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(e164.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
