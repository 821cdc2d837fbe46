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

    /** {@code secret} may be null: then every use of the hash says what to set ({@link #available()} tells beforehand). */
    public NumberHash(Secret secret) {
        this.key = secret == null ? null : secret.reveal().getBytes(StandardCharsets.UTF_8);
    }

    /** True when privacy.hash-secret is set, so numbers can be hashed. */
    public boolean available() {
        return key != null;
    }

    /** The hash of an E.164 number, or null for none. */
    public String of(String e164) {
        if (e164 == null || e164.isBlank()) {
            return null;
        }
        if (key == null) {
            throw new ConfigException("privacy.hash-secret is not set: erasure, retention and holds on a number replace numbers by a keyed hash "
                    + "and need it (CALLVAULT_PRIVACY_HASH_SECRET, 16 characters or more, the same on every host)");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(e164.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** What of a number may be shown once only its hash is kept: its last two digits ("…02"), never enough to dial it. */
    public static String hint(String e164) {
        String digits = e164 == null ? "" : e164.replaceAll("[^0-9]", "");
        return digits.length() < 2 ? "…" : "…" + digits.substring(digits.length() - 2);
    }
}
