package dev.callvault.recorder;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * What a real-time recording is: its stream and call, the assistant's format, and for each recording type the row
 * and object key it fills. Kept as {@code info.json} beside the audio so a restarted daemon can finish it.
 * {@code rowsPending}: the database was unreachable when the stream started, so the rows are still to be written
 * (with these ids, unless the mixed one joins a Twilio row).
 */
public record StreamInfo(String accountSid, String callSid, String streamSid, String assistant, String format, Instant startedAt,
                         Map<String, UUID> rows, Map<String, String> keys, String daemonId, boolean rowsPending) {
    public StreamInfo {
        rows = Map.copyOf(rows);
        keys = Map.copyOf(keys);
    }

    /** This recording once its rows exist, with the ids they have. */
    StreamInfo written(Map<String, UUID> ids) {
        return new StreamInfo(accountSid, callSid, streamSid, assistant, format, startedAt, ids, keys, daemonId, false);
    }
}
