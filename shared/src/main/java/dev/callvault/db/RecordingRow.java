package dev.callvault.db;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** One row of {@code recordings}; {@code metadataJson} is the jsonb column as text. */
public record RecordingRow(UUID id, UUID callId, String recordingType, String recordingSource, String status,
                           String recordingSid, String streamSid, String s3Key, String s3Url, String format,
                           Integer channels, BigDecimal durationSeconds, Long fileSize, String sha256,
                           String metadataJson, Instant createdAt, Instant updatedAt) {

    public boolean completed() {
        return "completed".equals(status);
    }
}
