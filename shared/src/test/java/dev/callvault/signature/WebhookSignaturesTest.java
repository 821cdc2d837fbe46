package dev.callvault.signature;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode vector;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = WebhookSignaturesTest.class.getResourceAsStream("/twilio/recording-status-callback.json")) {
            vector = JSON.readTree(in);
        }
    }

    private static Map<String, String> params(JsonNode v) {
        return JSON.convertValue(v.get("params"), new TypeReference<HashMap<String, String>>() { });
    }

    @Test
    void acceptsTheRecordingCallbackVector() {
        assertThat(WebhookSignatures.valid(vector.get("auth_token").asText(), vector.get("url").asText(), params(vector),
                vector.get("signature").asText())).isTrue();
    }

    @Test
    void acceptsTwiliosDocumentationVector() {
        JsonNode docs = vector.get("docs_vector");
        assertThat(WebhookSignatures.valid(docs.get("auth_token").asText(), docs.get("url").asText(), params(docs),
                docs.get("signature").asText())).isTrue();
    }

    @Test
    void rejectsATamperedParameter() {
        Map<String, String> tampered = params(vector);
        tampered.put("RecordingSid", "RE00000000000000000000000000000000");

        assertThat(WebhookSignatures.valid(vector.get("auth_token").asText(), vector.get("url").asText(), tampered,
                vector.get("signature").asText())).isFalse();
    }

    @Test
    void rejectsAnotherUrlTheWrongTokenAndNoSignature() {
        String token = vector.get("auth_token").asText();
        String signature = vector.get("signature").asText();
        assertThat(WebhookSignatures.valid(token, "https://evil.example.com/recording/status", params(vector), signature)).isFalse();
        assertThat(WebhookSignatures.valid("00000000000000000000000000000000", vector.get("url").asText(), params(vector), signature)).isFalse();
        assertThat(WebhookSignatures.valid(token, vector.get("url").asText(), params(vector), null)).isFalse();
        assertThat(WebhookSignatures.valid(token, vector.get("url").asText(), params(vector), "")).isFalse();
    }

    @Test
    void acceptsTheUrlWithTheDefaultPortSpelledOut() {
        assertThat(WebhookSignatures.valid(vector.get("auth_token").asText(), "https://calls.example.com:443/recording/status",
                params(vector), vector.get("signature").asText())).isTrue();
    }

    @Test
    void signsAsTwilioDoes() {
        assertThat(WebhookSignatures.sign(vector.get("auth_token").asText(), vector.get("url").asText(), params(vector)))
                .isEqualTo(vector.get("signature").asText());
    }
}
