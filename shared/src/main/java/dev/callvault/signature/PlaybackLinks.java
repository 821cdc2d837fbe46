package dev.callvault.signature;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Expiring playback links: {@code ?expires=EPOCH&sig=HMAC-SHA256(secret, path + "\n" + expires)}. Anyone holding the
 * link can fetch that one path until it expires; the secret never leaves the server and the CLI.
 */
public final class PlaybackLinks {
    private final byte[] secret;

    public PlaybackLinks(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The query string ({@code expires=...&sig=...}) that grants access to {@code path} until {@code expires}. */
    public String sign(String path, Instant expires) {
        long epoch = expires.getEpochSecond();
        return "expires=" + epoch + "&sig=" + mac(path, epoch);
    }

    /** True when {@code sig} was minted for this path and {@code expires} is still in the future at {@code now}. */
    public boolean valid(String path, String expires, String sig, Instant now) {
        if (expires == null || sig == null) {
            return false;
        }
        long epoch;
        try {
            epoch = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return false;
        }
        if (now.getEpochSecond() >= epoch) {
            return false;
        }
        return MessageDigest.isEqual(mac(path, epoch).getBytes(StandardCharsets.US_ASCII), sig.getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String path, long epoch) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((path + "\n" + epoch).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
