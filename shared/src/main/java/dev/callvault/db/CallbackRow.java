package dev.callvault.db;

import java.time.Instant;

/** One recording status callback as received, with its place in the work queue. {@code paramsJson} is verbatim. */
public record CallbackRow(long id, Instant receivedAt, String accountSid, String callSid, String recordingSid,
                          String recordingStatus, String paramsJson, String state, int attempts, Instant nextAttemptAt,
                          String lastError) {
}
