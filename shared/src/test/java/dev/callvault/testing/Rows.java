package dev.callvault.testing;

import dev.callvault.db.Database;

import java.util.UUID;

/** Test data written straight into the database: the rows a real-time recorder would have left. */
public final class Rows {
    private Rows() {
    }

    public static UUID call(Database db, String callSid) {
        return db.jdbi().withHandle(h -> h.createQuery("""
                        INSERT INTO calls (call_sid, account_sid, from_number, to_number, started_at)
                        VALUES (:sid, :account, '+15550100', '+15550199', now()) RETURNING id""")
                .bind("sid", callSid).bind("account", TwilioStandIn.ACCOUNT_SID).mapTo(UUID.class).one());
    }

    /** A completed real-time recording of {@code type}, stored at {@code key}, with some metadata of its own. */
    public static UUID realtime(Database db, UUID callId, String type, String key) {
        return db.jdbi().withHandle(h -> h.createQuery("""
                        INSERT INTO recordings (call_id, recording_type, recording_source, status, s3_key, s3_url, format, channels,
                                                duration_seconds, file_size, sha256, recording_metadata, updated_at)
                        VALUES (:call, :type, 's3', 'completed', :key, 's3://bucket/' || :key, 'wav', 1, 186.5, 1000,
                                repeat('a', 64), '{"recorder": "realtime", "frames": 9325}'::jsonb, now() - interval '1 hour')
                        RETURNING id""")
                .bind("call", callId).bind("type", type).bind("key", key).mapTo(UUID.class).one());
    }
}
