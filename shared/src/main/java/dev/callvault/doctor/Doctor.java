package dev.callvault.doctor;

import dev.callvault.CallvaultException;
import dev.callvault.analysis.SpeechModel;
import dev.callvault.config.Config;
import dev.callvault.db.Database;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.storage.StoreProbe;
import dev.callvault.twilio.RecordingNotFoundException;
import dev.callvault.accounts.TwilioCredentials;
import dev.callvault.twilio.TwilioRecordings;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Checks each part callvault depends on and says what to fix: database, store, Twilio accounts, the daemon. */
public final class Doctor {
    /** A check's verdict; {@code fix} says what to do when it failed. */
    public record Check(String name, boolean ok, String detail, String fix) {
    }

    /** A SID no recording has: fetching it answers 404 when the credentials are good, 401 when they are not. */
    static final String PROBE_RECORDING = "RE00000000000000000000000000000000";

    /** The check that erasure and retention can delete every version of what callvault stores. */
    private static final String FOR_GOOD = "storage deletes for good";

    private Doctor() {
    }

    public static List<Check> run(Config config, URI daemonUrl) {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("config", true, "valid: " + config.describe().get("storage") + ", " + config.describe().get("database"), null));
        checks.add(database(config));
        Database.unusedEmbeddedData(config).ifPresent(d -> checks.add(new Check("earlier database", false, d,
                "move its data into this database as docs/operations.md (Upgrade) says, then move the directory away")));
        checks.addAll(storage(config));
        checks.add(encryptionKeys(config));
        checks.add(speechModel(config));
        TwilioRecordings twilio = new TwilioRecordings(config.twilio());
        if (config.twilio().accounts().isEmpty()) {
            checks.add(new Check("twilio", false, "no account configured", "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"));
        }
        for (TwilioCredentials account : config.twilio().accounts()) {
            checks.add(twilio(twilio, account.accountSid()));
        }
        if (daemonUrl != null) {
            checks.add(daemon(config, daemonUrl));
        }
        return checks;
    }

    /**
     * Every public key SID Twilio encrypted an archived recording with has its private key here, every configured key file
     * is an RSA private key, and each configured key opens a stored recording that names it (its content key unwrapped:
     * the one step that needs the private key, and the one a key of another pair fails): a recording without its key, or
     * with the wrong one, cannot be played.
     */
    private static Check encryptionKeys(Config config) {
        var keys = new dev.callvault.crypto.PrivateKeys(config.twilio().encryptionKeys());
        try (Database db = Database.open(config)) {
            List<String> seen = db.jdbi().withHandle(h -> h.createQuery("""
                            SELECT DISTINCT recording_metadata->'encryption'->>'public_key_sid' FROM recordings
                            WHERE recording_metadata->'encryption' IS NOT NULL ORDER BY 1""").mapTo(String.class).list());
            for (String sid : keys.sids()) {
                keys.get(sid); // a file that is no key is a configuration error, said now
            }
            List<String> missing = seen.stream().filter(sid -> !keys.has(sid)).toList();
            if (!missing.isEmpty()) {
                return new Check("encryption keys", false, "encrypted recordings use public keys with no private key here: " + missing,
                        "set twilio.encryption.private-key.CR... = FILE (PEM PKCS#8) for each; without it they cannot be played");
            }
            List<String> proofs = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            for (String sid : keys.sids().stream().sorted().toList()) {
                var stored = db.jdbi().withHandle(h -> h.createQuery("""
                                SELECT coalesce(recording_sid, id::text) AS recording, recording_metadata::text AS metadata FROM recordings
                                WHERE recording_metadata->'encryption'->>'public_key_sid' = :sid AND status = 'completed' AND s3_key IS NOT NULL
                                ORDER BY created_at DESC LIMIT 1""").bind("sid", sid)
                        .map((rs, ctx) -> Map.entry(rs.getString("recording"), rs.getString("metadata"))).findOne());
                if (stored.isEmpty()) {
                    proofs.add(sid + ": no stored recording names it yet");
                    continue;
                }
                try {
                    keys.cipher(stored.get().getKey(), dev.callvault.crypto.RecordingCipher.details(stored.get().getValue()));
                    proofs.add(sid + " opens recording " + stored.get().getKey());
                } catch (dev.callvault.crypto.RecordingCipher.KeyDoesNotOpen e) {
                    wrong.add(e.getMessage());
                }
            }
            if (!wrong.isEmpty()) {
                return new Check("encryption keys", false, String.join("; ", wrong),
                        "point each twilio.encryption.private-key.CR... at the private key of the pair Twilio knows by that SID (its public key is in "
                                + "Twilio's console under Public Keys); until then its recordings cannot be played");
            }
            return new Check("encryption keys", true, seen.isEmpty() && keys.sids().isEmpty() ? "no encrypted recordings, no keys configured"
                    : seen.size() + " public keys used by encrypted recordings, all with their private key (" + keys.sids().size() + " configured)"
                    + (proofs.isEmpty() ? "" : ": " + String.join("; ", proofs)), null);
        } catch (dev.callvault.config.ConfigException e) {
            return new Check("encryption keys", false, e.getMessage(), "point the setting at the private key's PEM PKCS#8 file");
        } catch (CallvaultException | org.jdbi.v3.core.JdbiException e) {
            return new Check("encryption keys", false, "cannot read the recordings to check: " + e.getMessage(), "check the database first");
        }
    }

    /** The analytics' speech model loads and is the file it must be, byte for byte. */
    private static Check speechModel(Config config) {
        String which = config.speechModel() == null ? "bundled" : config.speechModel().toString();
        try (SpeechModel model = SpeechModel.open(config.speechModel(), config.stateDir())) {
            return new Check("speech model", true, "Silero VAD v5 (" + which + "), SHA-256 as expected, loads", null);
        } catch (SpeechModel.RuntimeUnavailable e) {
            return new Check("speech model", false, e.getMessage(), "ONNX Runtime runs on Linux on x86-64 and arm64; there its libraries go to "
                    + config.stateDir().resolve("onnxruntime") + ": writable by this user, on a file system not mounted noexec");
        } catch (SpeechModel.ModelException e) {
            return new Check("speech model", false, e.getMessage(), config.speechModel() == null
                    ? "reinstall callvault: its bundled model is damaged"
                    : "point analysis.speech-model at Silero VAD v5 (SHA-256 " + SpeechModel.SHA256 + "), or unset it to use the bundled copy");
        }
    }

    private static Check database(Config config) {
        try (Database db = Database.open(config)) {
            if (!db.reachable()) {
                return new Check("database", false, "unreachable at " + db.jdbcUrl(), "check database.url, the server and the credentials");
            }
            Database.MigrationStatus s = db.migrationStatus();
            if (s.newer()) {
                return new Check("database", false, "reachable, schema version " + s.currentVersion() + ", newer than this callvault's "
                        + Database.LATEST_MIGRATION + ": a newer callvault migrated it, and this version's callvaultd refuses to start on it",
                        "install the callvault that migrated it (or a newer one); a schema is never migrated back");
            }
            if (!s.current()) {
                return new Check("database", false, "reachable, schema version " + s.currentVersion() + " with " + s.pending() + " pending migrations",
                        "run 'callvault db migrate' (callvaultd also migrates at start)");
            }
            return new Check("database", true, "reachable, schema version " + s.currentVersion(), null);
        } catch (CallvaultException e) {
            return new Check("database", false, e.getMessage(), "check database.url, the server and the credentials");
        }
    }

    /**
     * The store keeps bytes as sent and deletes them (a probe object written, read back, deleted with every version of it),
     * and it deletes for good: erasure and retention can remove every version of what callvault stores.
     */
    private static List<Check> storage(Config config) {
        String what = config.storage().toString();
        try (RecordingStore store = RecordingStores.open(config.storage())) {
            var problem = StoreProbe.roundTrip(store);
            Check kept = problem.isPresent() ? new Check("storage", false, what + ": " + problem.get().what(), problem.get().fix())
                    : new Check("storage", true, what + ": writable, readable, deletable" + encryption(config, store), null);
            StoreProbe.Finality finality = StoreProbe.finality(store);
            return List.of(kept, new Check(FOR_GOOD, finality.forGood(), finality.detail(), finality.fix()));
        } catch (Exception e) {
            return List.of(new Check("storage", false, what + ": " + e.getMessage(),
                            "check the bucket name, endpoint (AWS_ENDPOINT_URL_S3), region and credentials: it needs PutObject, GetObject, DeleteObject, ListBucket"),
                    new Check(FOR_GOOD, false, "cannot tell while the store fails", "fix the storage check first"));
        }
    }

    /** What encryption at rest the objects get: asked for (s3.sse), or the bucket's default, as the store says. */
    private static String encryption(Config config, RecordingStore store) {
        if (!(config.storage() instanceof dev.callvault.config.StorageTarget.S3 s3) || !(store instanceof dev.callvault.storage.S3RecordingStore s3store)) {
            return "";
        }
        String bucketDefault = s3store.bucketDefaultEncryption().map(d -> "the bucket's default encryption is " + d)
                .orElse("the store does not say what the bucket's default encryption is");
        return s3.sse() != null ? "; every object is written with s3.sse = " + s3.sse() + (s3.sseKmsKeyId() == null ? "" : " (key " + s3.sseKmsKeyId() + ")")
                + "; " + bucketDefault : "; s3.sse is not set: " + bucketDefault;
    }

    private static Check twilio(TwilioRecordings twilio, String accountSid) {
        try {
            twilio.fetch(accountSid, PROBE_RECORDING);
            return new Check("twilio " + accountSid, true, "credentials accepted", null);
        } catch (RecordingNotFoundException expected) {
            return new Check("twilio " + accountSid, true, "credentials accepted", null);
        } catch (CallvaultException e) {
            return new Check("twilio " + accountSid, false, e.getMessage(), e.retryable()
                    ? "Twilio did not answer; check the network and twilio.api-url"
                    : "check the account's auth token or API key in the config");
        }
    }

    /** Sends the daemon a signed in-progress callback for a probe recording: it must accept it (stored, never archived). */
    private static Check daemon(Config config, URI daemonUrl) {
        if (config.http().publicUrl() == null || config.twilio().accounts().isEmpty()) {
            return new Check("daemon", false, "cannot sign a request without public-url and a Twilio account", "set CALLVAULT_PUBLIC_URL and TWILIO_AUTH_TOKEN");
        }
        TwilioCredentials account = config.twilio().accounts().get(0);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("AccountSid", account.accountSid());
        p.put("CallSid", "CA00000000000000000000000000000000");
        p.put("RecordingSid", PROBE_RECORDING);
        p.put("RecordingStatus", "in-progress");
        p.put("RecordingSource", "callvault-doctor");
        String base = config.http().publicUrl().toString().replaceAll("/$", "");
        String signedFor = base + "/recording/status";
        URI target = URI.create(daemonUrl.toString().replaceAll("/$", "") + "/recording/status");
        String body = p.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(HttpRequest.newBuilder(target)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", WebhookSignatures.sign(account.authToken().reveal(), signedFor, p))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                return new Check("daemon", true, target + " accepted a request signed for " + signedFor, null);
            }
            return new Check("daemon", false, target + " answered " + r.statusCode() + " to a request signed for " + signedFor,
                    r.statusCode() == 403 ? "the daemon's public-url or auth token differs from this config" : "see the daemon's log");
        } catch (Exception e) {
            return new Check("daemon", false, target + " unreachable: " + e.getMessage(), "check that callvaultd runs and the URL routes to it");
        }
    }
}
