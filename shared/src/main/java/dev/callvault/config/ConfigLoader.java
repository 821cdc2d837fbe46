package dev.callvault.config;

import dev.callvault.accounts.Secret;
import dev.callvault.accounts.Sids;
import dev.callvault.accounts.TwilioCredentials;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the {@link Config} from three layers, later wins: the config file ({@code key = value} lines),
 * environment variables, and command-line options. Fails with a message naming the setting and the fix.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_FILE = Path.of("/etc/callvault/callvault.conf");
    private static final Pattern ACCOUNT_KEY = Pattern.compile("twilio\\.account\\.(AC[0-9a-f]{32})\\.(auth-token|api-key|api-secret)");
    /** The private key (a PEM PKCS#8 file) that opens Twilio's recordings encrypted with the public key of this SID. */
    private static final Pattern ENCRYPTION_KEY = Pattern.compile("twilio\\.encryption\\.private-key\\.(CR[0-9a-f]{32})");
    private static final Pattern ASSISTANT_KEY = Pattern.compile("assistant\\.([A-Za-z0-9_-]+)\\.(recording\\.(enabled|format|record-user-audio|"
            + "record-assistant-audio|record-mixed-audio)|numbers|retention\\.days|twilio\\.account-sid|twilio\\.auth-token)");

    private final Map<String, String> values;

    private ConfigLoader(Map<String, String> values) {
        this.values = values;
    }

    /**
     * @param file      the config file; null means {@link #DEFAULT_FILE} if it exists
     * @param env       the environment (System.getenv() in production)
     * @param overrides settings given on the command line, by key
     */
    public static Config load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>();
        Path source = file != null ? file : (Files.isReadable(DEFAULT_FILE) ? DEFAULT_FILE : null);
        if (source != null) {
            merged.putAll(readFile(source));
        }
        for (Setting s : Setting.ALL) {
            String v = env.get(s.env());
            if (v != null && !v.isBlank()) {
                merged.put(s.key(), v.trim());
            }
        }
        overrides.forEach((k, v) -> {
            checkKnown(k, "option");
            merged.put(k, v);
        });
        return new ConfigLoader(merged).build(env, source);
    }

    /** A configuration from these settings alone: no file, no environment (tools and tests that know everything). */
    public static Config of(Map<String, String> settings) {
        Map<String, String> merged = new HashMap<>();
        settings.forEach((k, v) -> {
            checkKnown(k, "setting");
            merged.put(k, v);
        });
        return new ConfigLoader(merged).build(Map.of(), null);
    }

    static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            checkKnown(key, "config file " + file);
            out.put(key, p.getProperty(key).trim());
        }
        return out;
    }

    private static void checkKnown(String key, String where) {
        if (Setting.byKey(key).isEmpty() && !ACCOUNT_KEY.matcher(key).matches() && !ASSISTANT_KEY.matcher(key).matches()
                && !ENCRYPTION_KEY.matcher(key).matches()) {
            throw new ConfigException(where + ": unknown setting '" + key + "' (known: "
                    + Setting.ALL.stream().map(Setting::key).toList() + ", twilio.account.AC....auth-token, twilio.encryption.private-key.CR..., "
                    + "assistant.ID.recording.enabled ...)");
        }
    }

    /** {@code host:port} or {@code [ipv6]:port}, split; a clear error otherwise. */
    private static String[] hostAndPort(String key, String value) {
        int colon = value.lastIndexOf(':');
        String host = colon <= 0 ? "" : value.substring(0, colon);
        String port = colon < 0 ? "" : value.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
            throw new ConfigException(key + ": expected host:port (for example 127.0.0.1:8081), got '" + value + "'");
        }
        return new String[]{host, port};
    }

    private Config build(Map<String, String> env, Path file) {
        Path stateDir = Path.of(get("state-dir", defaultStateDir(env)));
        // the users file beside the config (the package's /etc/callvault/users) when there is one: the daemon and a CLI
        // run by root or by hand then read and write the same file, whatever state directory each was given
        Path besideConfig = file == null ? null : file.toAbsolutePath().resolveSibling("users");
        Path usersFile = besideConfig != null && Files.isRegularFile(besideConfig) ? besideConfig : stateDir.resolve("users");
        URI publicUrl = optionalUrl("public-url", "http", "https");
        URI streamUrl = optionalUrl("stream-url", "ws", "wss");
        if (streamUrl == null && publicUrl != null) {
            streamUrl = URI.create("wss://" + publicUrl.getRawAuthority() + "/streams");
        }
        String[] management = hostAndPort("http.management-address", get("http.management-address", "127.0.0.1:8081"));
        Config.Http http = new Config.Http(get("http.host", "127.0.0.1"), integer("http.port", 8080, 0, 65535), publicUrl, streamUrl,
                secret("http.api-token"), secret("http.link-secret"), bool("http.presigned-redirects"),
                integer("http.max-body-bytes", 64 * 1024, 1024, 16 * 1024 * 1024), management[0], Integer.parseInt(management[1]),
                Path.of(get("http.users-file", usersFile.toString())), signIn(),
                new Config.Acknowledgements(Duration.ofMillis(integer("http.ack-timeout-ms", 5000, 100, 14_000)),
                        Duration.ofMillis(integer("http.twiml-wait-ms", 500, 0, 10_000)), integer("http.ack-queue-limit", 20_000, 100, 1_000_000)));
        Config.Worker worker = new Config.Worker(integer("worker.concurrency", 4, 1, 256), integer("worker.max-attempts", 10, 1, 1000),
                Duration.ofMillis(integer("worker.poll-ms", 1000, 10, 600_000)),
                Duration.ofSeconds(integer("shutdown.grace-seconds", 30, 0, 3600)),
                Duration.ofMillis(integer("worker.retry-base-ms", 5000, 10, 3_600_000)),
                Duration.ofMillis(integer("worker.retry-max-ms", 3_600_000, 10, 86_400_000)));
        String region = get("phone.default-region", "US").toUpperCase(java.util.Locale.ROOT);
        if (!region.matches("[A-Z]{2}")) { // libphonenumber is not loaded for this: every command reads the configuration
            throw new ConfigException("phone.default-region: '" + region + "' is not a two-letter region code such as US, GB or DE");
        }
        String speechModel = get("analysis.speech-model", null);
        return new Config(http, database(), storage(stateDir), twilio(), worker, assistants(), stateDir, region, privacy(),
                speechModel == null ? null : Path.of(speechModel));
    }

    private Config.SignIn signIn() {
        String header = get("http.trusted-user-header", "").strip();
        List<AddressRange> proxies = new java.util.ArrayList<>();
        for (String p : get("http.trusted-proxies", "").split(",")) {
            if (!p.isBlank()) {
                try {
                    proxies.add(AddressRange.parse(p.strip()));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("http.trusted-proxies: " + e.getMessage());
                }
            }
        }
        if (!header.isEmpty() && proxies.isEmpty()) {
            throw new ConfigException("http.trusted-user-header is set but http.trusted-proxies is empty: name the reverse proxies "
                    + "(addresses or CIDR ranges) whose word on the user is trusted, or anyone could send the header");
        }
        if (!header.isEmpty() && !header.matches("[A-Za-z0-9-]+")) {
            throw new ConfigException("http.trusted-user-header: '" + header + "' is not an HTTP header name");
        }
        return new Config.SignIn(Duration.ofMinutes(integer("http.session-idle-minutes", 30, 1, 24 * 60)),
                Duration.ofHours(integer("http.session-max-hours", 12, 1, 24 * 30)), header.isEmpty() ? null : header, proxies);
    }

    private static String defaultStateDir(Map<String, String> env) {
        String systemd = env.get("STATE_DIRECTORY");
        if (systemd != null && !systemd.isBlank()) {
            return systemd.split(":")[0];
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "callvault").toString();
    }

    private Config.Database database() {
        String url = values.get("database.url");
        String user = values.get("database.user");
        Secret password = secret("database.password");
        int pool = integer("database.pool-size", 10, 1, 500);
        if (url == null) {
            return new Config.Database(null, null, null, pool);
        }
        if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI u = parse("database.url", url);
            if (u.getRawUserInfo() != null) {
                String[] parts = u.getRawUserInfo().split(":", 2);
                user = user != null ? user : decode(parts[0]);
                if (parts.length == 2 && password == null) {
                    password = Secret.of(decode(parts[1]));
                }
            }
            String hostPort = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
            url = "jdbc:postgresql://" + hostPort + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        } else if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("database.url: expected jdbc:postgresql://host:port/db or postgresql://user@host/db, got '"
                    + redactUserInfo(url) + "'");
        }
        return new Config.Database(url, user, password, pool);
    }

    private StorageTarget storage(Path stateDir) {
        String storage = get("storage", stateDir.resolve("recordings").toString());
        if (!storage.startsWith("s3://")) {
            if (storage.contains("://")) {
                throw new ConfigException("storage: '" + storage + "' is neither s3://bucket/prefix nor a directory path");
            }
            return new StorageTarget.Directory(Path.of(storage).toAbsolutePath());
        }
        String rest = storage.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        URI endpoint = optionalUrl("s3.endpoint", "http", "https");
        String keyId = values.get("s3.access-key-id");
        Secret key = secret("s3.secret-access-key");
        if ((keyId == null) != (key == null)) {
            throw new ConfigException("s3.access-key-id and s3.secret-access-key go together: set both, or neither to use the AWS default chain");
        }
        int partMib = integer("s3.part-size-mib", 8, 5, 5 * 1024);
        return new StorageTarget.S3(bucket, prefix, endpoint, values.get("s3.region"), bool("s3.path-style"),
                keyId, key, partMib * 1024 * 1024, boolOr("s3.chunked-encoding", true), values.get("s3.sse"), values.get("s3.sse-kms-key-id"));
    }

    private Config.Assistants assistants() {
        Assistant defaults = new Assistant("", bool("recording.enabled"), get("recording.format", "mp3"),
                boolOr("recording.record-user-audio", true), boolOr("recording.record-assistant-audio", true),
                boolOr("recording.record-mixed-audio", true), java.util.Set.of());
        Map<String, Assistant> byId = new LinkedHashMap<>();
        java.util.Set<String> ids = new java.util.TreeSet<>();
        values.keySet().forEach(k -> {
            Matcher m = ASSISTANT_KEY.matcher(k);
            if (m.matches()) {
                ids.add(m.group(1));
            }
        });
        for (String id : ids) {
            String p = "assistant." + id + ".";
            String numbers = values.getOrDefault(p + "numbers", "");
            byId.put(id, new Assistant(id, boolOr(p + "recording.enabled", defaults.enabled()), get(p + "recording.format", defaults.format()),
                    boolOr(p + "recording.record-user-audio", defaults.recordUser()),
                    boolOr(p + "recording.record-assistant-audio", defaults.recordAssistant()),
                    boolOr(p + "recording.record-mixed-audio", defaults.recordMixed()),
                    java.util.Arrays.stream(numbers.split("[ ,]+")).filter(n -> !n.isBlank()).collect(java.util.stream.Collectors.toSet())));
        }
        return new Config.Assistants(defaults, byId, Duration.ofMinutes(integer("recording.stale-minutes", 10, 1, 24 * 60)));
    }

    /** Retention (days after a call ends; none: keep forever), the number hash's secret and the console's administrators. */
    private Config.Privacy privacy() {
        Map<String, Integer> perAssistant = new java.util.TreeMap<>();
        values.keySet().forEach(k -> {
            Matcher m = ASSISTANT_KEY.matcher(k);
            if (m.matches() && k.endsWith(".retention.days")) {
                perAssistant.put(m.group(1), integer(k, 0, 1, 36_500));
            }
        });
        Integer days = values.containsKey("retention.days") ? integer("retention.days", 0, 1, 36_500) : null;
        Integer realtime = values.containsKey("retention.realtime-days") ? integer("retention.realtime-days", 0, 1, 36_500) : null;
        java.util.Set<String> admins = new java.util.TreeSet<>();
        for (String a : values.getOrDefault("http.admins", "").split("[ ,]+")) {
            if (!a.isBlank()) {
                admins.add(a.strip());
            }
        }
        Secret hash = secret("privacy.hash-secret");
        require(hash == null || hash.reveal().length() >= 16, "privacy.hash-secret: at least 16 characters (it keys the hash of erased numbers)");
        String behavior = get("recording.pause-behavior", "silence");
        require(behavior.equals("silence") || behavior.equals("skip"), "recording.pause-behavior: 'silence' (keeps the timeline) or 'skip', not '" + behavior + "'");
        Duration deadline = Duration.ofMillis(integer("recording.pause-deadline-ms", 3_000, 100, 15_000));
        return new Config.Privacy(days, realtime, perAssistant, hash, admins, behavior, deadline);
    }

    private boolean boolOr(String key, boolean fallback) {
        return values.containsKey(key) ? bool(key) : fallback;
    }

    private Config.Twilio twilio() {
        URI api = optionalUrl("twilio.api-url", "http", "https");
        Map<String, Map<String, String>> perAccount = new LinkedHashMap<>();
        String mainSid = values.get("twilio.account-sid");
        if (mainSid != null) {
            require(Sids.isValid("AC", mainSid), "twilio.account-sid: '" + mainSid + "' is not an account SID (AC + 32 hex digits)");
            Map<String, String> main = perAccount.computeIfAbsent(mainSid, k -> new HashMap<>());
            for (String f : List.of("auth-token", "api-key", "api-secret")) {
                if (values.containsKey("twilio." + f)) {
                    main.put(f, values.get("twilio." + f));
                }
            }
        } else {
            require(!values.containsKey("twilio.auth-token") && !values.containsKey("twilio.api-key"),
                    "twilio.auth-token is set but twilio.account-sid (TWILIO_ACCOUNT_SID) is not: set the account it belongs to");
        }
        values.forEach((k, v) -> {
            Matcher m = ACCOUNT_KEY.matcher(k);
            if (m.matches()) {
                perAccount.computeIfAbsent(m.group(1), x -> new HashMap<>()).put(m.group(2), v);
            }
        });
        // an assistant on its own Twilio account (the seed's "assistant-specific credentials") adds that account
        values.forEach((k, v) -> {
            Matcher m = ASSISTANT_KEY.matcher(k);
            if (m.matches() && m.group(2).equals("twilio.account-sid")) {
                require(Sids.isValid("AC", v), k + ": '" + v + "' is not an account SID");
                String token = values.get("assistant." + m.group(1) + ".twilio.auth-token");
                require(token != null, "assistant." + m.group(1) + ".twilio.auth-token is missing for account " + v);
                perAccount.computeIfAbsent(v, x -> new HashMap<>()).putIfAbsent("auth-token", token);
            }
        });
        List<TwilioCredentials> accounts = new ArrayList<>();
        perAccount.forEach((sid, f) -> {
            try {
                accounts.add(new TwilioCredentials(sid, secretOf(f.get("auth-token")), f.get("api-key"), secretOf(f.get("api-secret"))));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("twilio: " + e.getMessage());
            }
        });
        Map<String, Path> keys = new java.util.TreeMap<>();
        values.forEach((k, v) -> {
            Matcher m = ENCRYPTION_KEY.matcher(k);
            if (m.matches()) {
                keys.put(m.group(1), Path.of(v));
            }
        });
        return new Config.Twilio(api != null ? api : URI.create("https://api.twilio.com"), accounts,
                integer("twilio.max-attempts", 5, 1, 20), Duration.ofMillis(integer("twilio.backoff-ms", 500, 1, 60_000)),
                integer("twilio.page-size", 1000, 1, 1000), keys, Duration.ofMillis(integer("twilio.timeout-ms", 60_000, 100, 600_000)));
    }

    private String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    private Secret secret(String key) {
        return secretOf(values.get(key));
    }

    private static Secret secretOf(String v) {
        return v == null ? null : Secret.of(v);
    }

    private boolean bool(String key) {
        String v = values.get(key);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase()) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new ConfigException(key + ": expected true or false, got '" + v + "'");
        };
    }

    private int integer(String key, int fallback, int min, int max) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            require(n >= min && n <= max, key + ": " + n + " is out of range " + min + ".." + max);
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": expected a whole number, got '" + v + "'");
        }
    }

    private URI optionalUrl(String key, String... schemes) {
        String v = values.get(key);
        if (v == null) {
            return null;
        }
        URI u = parse(key, v);
        require(u.getScheme() != null && List.of(schemes).contains(u.getScheme()) && u.getHost() != null,
                key + ": expected an absolute " + String.join(" or ", schemes) + " URL, got '" + v + "'");
        return u;
    }

    private static URI parse(String key, String v) {
        try {
            return new URI(v);
        } catch (URISyntaxException e) {
            throw new ConfigException(key + ": not a valid URL: " + redactUserInfo(v));
        }
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String redactUserInfo(String url) {
        return url.replaceAll("//[^/@]*@", "//***@");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }
}
