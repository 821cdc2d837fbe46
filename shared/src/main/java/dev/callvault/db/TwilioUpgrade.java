package dev.callvault.db;

import java.math.BigDecimal;

/** What an archived Twilio recording writes into the call's {@code mixed} row. */
public record TwilioUpgrade(String recordingSid, String s3Key, String s3Url, String format, int channels,
                            BigDecimal durationSeconds, long fileSize, String sha256, String metadataJson) {
}
