package dev.callvault.config;

import dev.callvault.accounts.Secret;
import dev.callvault.accounts.TwilioCredentials;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration of callvault, immutable and validated: built once by {@link ConfigLoader}
 * and handed to whatever needs a part of it.
 */
public record Config(
        Http http,
        Database database,
        StorageTarget storage,
        Twilio twilio,
        Worker worker,
        Assistants assistants,
        Path stateDir,
        String phoneRegion,
        Privacy privacy,
        Path speechModel) {

    /**
     * How long recordings are kept and who may delete them. {@code days} (null: forever) applies to every call,
     * {@code assistantDays} per assistant; the longest that applies wins; {@code realtimeDays} (null: as the call's)
     * for the real-time caller and assistant tracks. {@code hashSecret} keys the hash that replaces an erased number;
     * {@code admins} may place holds and erase in the console. {@code pauseBehavior} is how Twilio pauses its recording for
     * card data: {@code silence} (the timeline kept, aligned with the real-time tracks) or {@code skip};
     * {@code pauseDeadline} how long a pause or resume waits for Twilio before it answers (and Twilio is asked again in
     * the background).
     */
    public record Privacy(Integer days, Integer realtimeDays, Map<String, Integer> assistantDays, Secret hashSecret,
                          java.util.Set<String> admins, String pauseBehavior, Duration pauseDeadline) {
        public Privacy {
            assistantDays = Map.copyOf(assistantDays);
            admins = java.util.Set.copyOf(admins);
        }

        /** True when some policy deletes something. */
        public boolean anyPolicy() {
            return days != null || realtimeDays != null || !assistantDays.isEmpty();
        }
    }

    /** Every assistant's recording settings and the defaults for calls that match none. */
    public record Assistants(Assistant defaults, Map<String, Assistant> byId, Duration staleAfter) {
        public Assistants {
            byId = Map.copyOf(byId);
        }

        /** The assistant of a call: by {@code ?assistant=ID} when given, else by the number called, else the defaults. */
        public Assistant match(String id, String calledNumber) {
            if (id != null && byId.containsKey(id)) {
                return byId.get(id);
            }
            if (calledNumber != null) {
                for (Assistant a : byId.values()) {
                    if (a.numbers().contains(calledNumber)) {
                        return a;
                    }
                }
            }
            return id == null ? defaults : new Assistant(id, defaults.enabled(), defaults.format(), defaults.recordUser(),
                    defaults.recordAssistant(), defaults.recordMixed(), java.util.Set.of());
        }
    }

    /**
     * The daemon's HTTP side. {@code publicUrl} is the URL Twilio calls us at (it signs that URL), null when unset.
     * {@code streamUrl} is the assistant's media stream the call is connected to.
     */
    public record Http(String host, int port, URI publicUrl, URI streamUrl, Secret apiToken, Secret linkSecret,
                       boolean presignedRedirects, int maxBodyBytes, String managementHost, int managementPort, Path usersFile,
                       SignIn signIn, Acknowledgements acks) {
    }

    /**
     * How Twilio's webhooks are acknowledged: call starts and callbacks are made durable in batches (one flush for all
     * that wait); a callback is answered 503 when its batch has not reached the disk within {@code callbackTimeout}; a
     * call start that waits {@code twimlWait} is journaled locally and its TwiML answered; at most {@code queueLimit}
     * wait, past which callbacks are answered 503 at once and call starts journaled.
     */
    public record Acknowledgements(Duration callbackTimeout, Duration twimlWait, int queueLimit) {
    }

    /**
     * How people sign in to the console: sessions end after {@code idle} without a request and {@code max} after
     * sign-in; {@code trustedUserHeader} (null: off) names the user when the request comes from one of
     * {@code trustedProxies}, a reverse proxy that did the sign-in (SSO).
     */
    public record SignIn(Duration idle, Duration max, String trustedUserHeader, List<AddressRange> trustedProxies) {
        public SignIn {
            trustedProxies = List.copyOf(trustedProxies);
        }

        public boolean trusted(java.net.InetAddress peer) {
            return trustedUserHeader != null && trustedProxies.stream().anyMatch(r -> r.contains(peer));
        }
    }

    /** The archive workers: how many at once, how often to try, how long to wait for them at shutdown. */
    public record Worker(int concurrency, int maxAttempts, Duration poll, Duration shutdownGrace, Duration retryBase, Duration retryMax) {
    }

    /** {@code jdbcUrl} null means: run an embedded PostgreSQL in the state directory. */
    public record Database(String jdbcUrl, String user, Secret password, int poolSize) {
        public boolean embedded() {
            return jdbcUrl == null;
        }
    }

    /** Twilio's REST API base URL, the accounts we hold credentials for, and how hard to retry. */
    public record Twilio(URI apiUrl, List<TwilioCredentials> accounts, int maxAttempts, Duration backoff, int pageSize,
                         Map<String, Path> encryptionKeys, Duration timeout) {
        public Twilio {
            accounts = List.copyOf(accounts);
            encryptionKeys = Map.copyOf(encryptionKeys);
        }

        public Optional<TwilioCredentials> account(String accountSid) {
            return accounts.stream().filter(a -> a.accountSid().equals(accountSid)).findFirst();
        }
    }

    /** The settings a user can see, secrets masked: what {@code --check-config} and {@code doctor} print. */
    public Map<String, String> describe() {
        return Map.of(
                "http", http.host() + ":" + http.port(),
                "http.management-address", http.managementHost() + ":" + http.managementPort(),
                "public-url", http.publicUrl() == null ? "not set (Twilio webhooks are refused until it is)" : http.publicUrl().toString(),
                "database", database.embedded() ? "embedded PostgreSQL in " + stateDir.resolve("postgres") : database.jdbcUrl(),
                "storage", storage.toString(),
                "twilio.api-url", twilio.apiUrl().toString(),
                "twilio.accounts", twilio.accounts().stream().map(TwilioCredentials::accountSid).toList().toString(),
                "state-dir", stateDir.toString(),
                "analysis.speech-model", speechModel == null ? "bundled (Silero VAD v5)" : speechModel.toString());
    }
}
