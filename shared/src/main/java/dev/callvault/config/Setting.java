package dev.callvault.config;

import java.util.List;
import java.util.Optional;

/** One configuration setting: its key in the config file, its environment variable, and what it does. */
public record Setting(String key, String env, boolean secret, String help) {

    /** Every setting callvault knows; the config file may hold no other keys (but per-account ones). */
    public static final List<Setting> ALL = List.of(
            new Setting("public-url", "CALLVAULT_PUBLIC_URL", false,
                    "The https URL Twilio reaches the daemon at (behind proxies); Twilio signs requests for it."),
            new Setting("stream-url", "CALLVAULT_STREAM_URL", false,
                    "The assistant's media stream (wss://) that calls are connected to; default wss://{public host}/streams."),
            new Setting("http.host", "CALLVAULT_HTTP_HOST", false, "Address the daemon listens on; default 127.0.0.1."),
            new Setting("http.port", "CALLVAULT_HTTP_PORT", false, "Port the daemon listens on; default 8080."),
            new Setting("http.users-file", "CALLVAULT_USERS_FILE", false,
                    "The console's users (name:bcrypt-hash lines, htpasswd -B format; callvault user add|remove|list); default {state-dir}/users."),
            new Setting("http.management-address", "CALLVAULT_MANAGEMENT_ADDRESS", false,
                    "host:port of the listener for /readyz and /metrics, kept off the public port Twilio reaches; default 127.0.0.1:8081."),
            new Setting("http.api-token", "CALLVAULT_API_TOKEN", true,
                    "Bearer token that clients send to download or play recordings (Authorization: Bearer ...)."),
            new Setting("http.link-secret", "CALLVAULT_LINK_SECRET", true,
                    "Secret that signs expiring playback links (callvault link); unset = links are refused."),
            new Setting("http.presigned-redirects", "CALLVAULT_PRESIGNED_REDIRECTS", false,
                    "true: answer downloads with a redirect to a short-lived presigned S3 URL instead of streaming."),
            new Setting("http.max-body-bytes", "CALLVAULT_MAX_BODY_BYTES", false, "Largest webhook body accepted; default 65536."),
            new Setting("worker.concurrency", "CALLVAULT_WORKER_CONCURRENCY", false,
                    "Recordings archived at once per daemon; default 4 (mind Twilio's concurrency limit)."),
            new Setting("worker.max-attempts", "CALLVAULT_WORKER_MAX_ATTEMPTS", false,
                    "Tries per callback before it is marked dead; default 10."),
            new Setting("worker.retry-base-ms", "CALLVAULT_WORKER_RETRY_BASE_MS", false,
                    "First retry delay of a failed archive in ms, doubled per attempt with jitter, at most worker.retry-max-ms; default 5000."),
            new Setting("worker.retry-max-ms", "CALLVAULT_WORKER_RETRY_MAX_MS", false,
                    "The longest wait between two attempts at one callback, however often it failed; default 3600000 (an hour)."),
            new Setting("worker.poll-ms", "CALLVAULT_WORKER_POLL_MS", false, "How often idle workers look for work; default 1000."),
            new Setting("shutdown.grace-seconds", "CALLVAULT_SHUTDOWN_GRACE_SECONDS", false,
                    "On SIGTERM, how long to let running archives finish; default 30."),
            new Setting("recording.enabled", "CALLVAULT_RECORDING_ENABLED", false,
                    "Record calls in real time (caller, assistant, mixed) by default; per assistant: assistant.ID.recording.enabled."),
            new Setting("recording.format", "CALLVAULT_RECORDING_FORMAT", false, "mp3 (default) or wav; per assistant: assistant.ID.recording.format."),
            new Setting("recording.record-user-audio", "CALLVAULT_RECORD_USER_AUDIO", false, "Record the caller's track; default true."),
            new Setting("recording.record-assistant-audio", "CALLVAULT_RECORD_ASSISTANT_AUDIO", false, "Record the assistant's track; default true."),
            new Setting("recording.record-mixed-audio", "CALLVAULT_RECORD_MIXED_AUDIO", false, "Record both tracks mixed; default true."),
            new Setting("recording.stale-minutes", "CALLVAULT_RECORDING_STALE_MINUTES", false,
                    "An in-progress real-time recording whose heartbeat is older than this is marked failed; default 10."),
            new Setting("state-dir", "CALLVAULT_STATE_DIR", false,
                    "Directory for local state (embedded database, local recordings); default $STATE_DIRECTORY or ~/.local/state/callvault."),
            new Setting("database.url", "CALLVAULT_DATABASE_URL", false,
                    "PostgreSQL as jdbc:postgresql://host:port/db or postgresql://user@host/db; unset = embedded PostgreSQL."),
            new Setting("database.user", "CALLVAULT_DATABASE_USER", false, "Database user (when not in the URL)."),
            new Setting("database.password", "CALLVAULT_DATABASE_PASSWORD", true, "Database password."),
            new Setting("database.pool-size", "CALLVAULT_DATABASE_POOL_SIZE", false, "Database connections at most; default 10."),
            new Setting("storage", "CALLVAULT_STORAGE", false,
                    "Where recordings go: s3://bucket/prefix, or a directory; default {state-dir}/recordings."),
            new Setting("s3.endpoint", "AWS_ENDPOINT_URL_S3", false, "Endpoint of an S3-compatible store (MinIO, R2, ...)."),
            new Setting("s3.region", "AWS_REGION", false, "S3 region; default from the AWS SDK chain, else us-east-1."),
            new Setting("s3.path-style", "CALLVAULT_S3_PATH_STYLE", false, "true for path-style bucket addressing (most S3-compatible stores)."),
            new Setting("s3.chunked-encoding", "CALLVAULT_S3_CHUNKED_ENCODING", false,
                    "false to upload without aws-chunked framing, for stores that keep the framing in the object instead of decoding it (older Ceph RGW, some S3-compatible servers); default true."),
            new Setting("s3.access-key-id", "CALLVAULT_S3_ACCESS_KEY_ID", false,
                    "S3 access key; unset = the AWS SDK's default credential chain (AWS_ACCESS_KEY_ID, profiles, instance roles)."),
            new Setting("s3.secret-access-key", "CALLVAULT_S3_SECRET_ACCESS_KEY", true, "S3 secret key, with s3.access-key-id."),
            new Setting("s3.part-size-mib", "CALLVAULT_S3_PART_SIZE_MIB", false, "Multipart upload part size in MiB (5 or more); default 8."),
            new Setting("twilio.api-url", "CALLVAULT_TWILIO_API_URL", false, "Twilio REST API base URL; default https://api.twilio.com."),
            new Setting("twilio.account-sid", "TWILIO_ACCOUNT_SID", false, "The Twilio account (AC...) whose recordings we archive."),
            new Setting("twilio.auth-token", "TWILIO_AUTH_TOKEN", true, "Its auth token (also checks webhook signatures)."),
            new Setting("twilio.api-key", "TWILIO_API_KEY", false, "An API key SID (SK...) to use for REST calls instead of the auth token."),
            new Setting("twilio.api-secret", "TWILIO_API_SECRET", true, "The API key's secret."),
            new Setting("twilio.page-size", "CALLVAULT_TWILIO_PAGE_SIZE", false, "Recordings per list request (1-1000); default 1000."),
            new Setting("twilio.max-attempts", "CALLVAULT_TWILIO_MAX_ATTEMPTS", false, "Tries per Twilio request on 429/5xx/network errors; default 5."),
            new Setting("twilio.backoff-ms", "CALLVAULT_TWILIO_BACKOFF_MS", false, "First retry delay in ms, doubled per try with jitter; default 500."));

    public static Optional<Setting> byKey(String key) {
        return ALL.stream().filter(s -> s.key().equals(key)).findFirst();
    }
}
