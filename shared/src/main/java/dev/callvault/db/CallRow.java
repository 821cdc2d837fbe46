package dev.callvault.db;

import java.time.Instant;
import java.util.UUID;

/** One row of {@code calls}. */
public record CallRow(UUID id, String callSid, String accountSid, String fromNumber, String toNumber,
                      String assistant, Instant startedAt, Instant endedAt) {
}
