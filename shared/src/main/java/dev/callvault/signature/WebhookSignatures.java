package dev.callvault.signature;

import com.twilio.security.RequestValidator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Twilio's {@code X-Twilio-Signature}: HMAC-SHA1, keyed with the account's auth token, over the URL Twilio called
 * followed by every POST parameter name and value sorted by name. Validation is twilio-java's own, which accepts
 * the URL with and without the scheme's default port, as Twilio's libraries do.
 */
public final class WebhookSignatures {
    private WebhookSignatures() {
    }

    /** True when {@code signature} is what Twilio would send for this URL and these form parameters. */
    public static boolean valid(String authToken, String url, Map<String, String> params, String signature) {
        if (signature == null || signature.isBlank() || authToken == null) {
            return false;
        }
        return new RequestValidator(authToken).validate(url, params, signature);
    }

    /** The signature Twilio would send: used to re-sign replayed callbacks for a given URL. */
    public static String sign(String authToken, String url, Map<String, String> params) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(params).forEach((k, v) -> data.append(k).append(v));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA1", e);
        }
    }
}
