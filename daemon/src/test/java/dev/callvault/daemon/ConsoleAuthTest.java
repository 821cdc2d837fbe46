package dev.callvault.daemon;

import dev.callvault.config.ConfigException;
import dev.callvault.config.ConfigLoader;
import dev.callvault.testing.Environment;
import dev.callvault.users.UsersFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The console's sign-in over plain HTTP: cookie attributes, throttling, expiry, removed users, SSO header, redirects. */
class ConsoleAuthTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    private final DaemonHarness harness = new DaemonHarness(env);
    private Path users;

    @BeforeEach
    void user() {
        users = dir.resolve("users");
        new UsersFile(users).put("bob", "a long enough password".toCharArray(), false);
    }

    private Daemon start(Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of("http.users-file", users.toString()));
        s.putAll(extra);
        return harness.start(s);
    }

    /** The sign-in form's cookie and token, then the POST, as a browser on the console's own page sends it. */
    private HttpResponse<String> signIn(Daemon d, String user, String password, String next) throws Exception {
        HttpResponse<byte[]> page = harness.get(d, "/ui/sign-in");
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(new String(page.body(), StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        String form = "user=" + enc(user) + "&password=" + enc(password) + "&csrf=" + enc(m.group(1)) + "&next=" + enc(next);
        return harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/ui/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie)
                .header("Origin", "http://127.0.0.1:" + d.port())
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String session(HttpResponse<?> r) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("callvault_session=")).findFirst().orElseThrow();
    }

    private int api(Daemon d, String cookie) throws Exception {
        return harness.get(d, "/api/v1/calls", "Cookie", cookie.split(";", 2)[0]).statusCode();
    }

    @Test
    void theSessionCookieIsHttpOnlyStrictAndSecureForAnHttpsPublicUrlAndOpensTheApi() throws Exception {
        try (Daemon d = start(Map.of())) {
            HttpResponse<String> r = signIn(d, "bob", "a long enough password", "/ui?number=555");
            assertThat(r.statusCode()).isEqualTo(303);
            assertThat(r.headers().firstValue("Location")).hasValue("/ui?number=555");
            String cookie = session(r);
            assertThat(cookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Secure").contains("Path=/");
            assertThat(api(d, cookie)).isEqualTo(200);
            assertThat(harness.get(d, "/api/v1/calls").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aRedirectAfterSignInNeverLeavesTheConsole() throws Exception {
        try (Daemon d = start(Map.of())) {
            for (String next : List.of("//evil.example/ui", "https://evil.example/", "/ui\\@evil.example")) {
                assertThat(signIn(d, "bob", "a long enough password", next).headers().firstValue("Location")).as(next).hasValue("/ui");
            }
        }
    }

    @Test
    void repeatedFailuresAreSlowedPerUserEvenWithTheRightPasswordThenForgottenOnSuccess() throws Exception {
        try (Daemon d = start(Map.of())) {
            for (int i = 0; i < 3; i++) {
                assertThat(signIn(d, "bob", "wrong " + i, "/ui").statusCode()).isEqualTo(401);
            }
            HttpResponse<String> slowed = signIn(d, "bob", "a long enough password", "/ui");
            assertThat(slowed.statusCode()).isEqualTo(429);
            assertThat(slowed.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 2));
            assertThat(slowed.body()).contains("Too many failed sign-ins");
            assertThat(slowed.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("callvault_session="));
        }
    }

    @Test
    void aSessionEndsWhenIdleTooLongTooOldOrItsUserIsRemovedOrGivenANewPassword() throws Exception {
        try (Daemon d = start(Map.of())) {
            String repassworded = session(signIn(d, "bob", "a long enough password", "/ui"));
            assertThat(api(d, repassworded)).isEqualTo(200);
            new UsersFile(users).put("bob", "another long password".toCharArray(), true);
            assertThat(api(d, repassworded)).as("a session opened with the old password").isEqualTo(401);
            new UsersFile(users).put("bob", "a long enough password".toCharArray(), true);
            String idle = session(signIn(d, "bob", "a long enough password", "/ui"));
            String old = session(signIn(d, "bob", "a long enough password", "/ui"));
            String removed = session(signIn(d, "bob", "a long enough password", "/ui"));
            assertThat(List.of(api(d, idle), api(d, old), api(d, removed))).containsOnly(200);

            env.db().jdbi().useHandle(h -> {
                h.createUpdate("UPDATE console_sessions SET seen_at = now() - interval '31 minutes' WHERE token_sha256 = :t")
                        .bind("t", sha(idle)).execute();
                h.createUpdate("UPDATE console_sessions SET created_at = now() - interval '13 hours' WHERE token_sha256 = :t")
                        .bind("t", sha(old)).execute();
            });
            assertThat(api(d, idle)).as("idle 31 minutes (limit 30)").isEqualTo(401);
            assertThat(api(d, old)).as("13 hours old (limit 12)").isEqualTo(401);
            assertThat(api(d, removed)).isEqualTo(200);
            new UsersFile(users).remove("bob");
            assertThat(api(d, removed)).as("user removed from the users file").isEqualTo(401);
        }
    }

    private static String sha(String cookie) {
        String token = cookie.split(";", 2)[0].substring("callvault_session=".length());
        return dev.callvault.storage.Hex.of(dev.callvault.storage.Hex.sha256().digest(token.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aTrustedProxyNamesTheUserAndNobodyElseCan() throws Exception {
        try (Daemon trusting = start(Map.of("http.trusted-user-header", "X-Forwarded-User", "http.trusted-proxies", "127.0.0.1, ::1"))) {
            assertThat(harness.get(trusting, "/api/v1/calls", "X-Forwarded-User", "carol").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> page = harness.get(trusting, "/ui", "X-Forwarded-User", "carol");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("<span id=\"signed-in-as\">carol</span>");
        }
        try (Daemon elsewhere = start(Map.of("http.trusted-user-header", "X-Forwarded-User", "http.trusted-proxies", "10.0.0.0/8"))) {
            assertThat(harness.get(elsewhere, "/api/v1/calls", "X-Forwarded-User", "carol").statusCode()).isEqualTo(401);
            assertThat(harness.get(elsewhere, "/ui", "X-Forwarded-User", "carol").statusCode()).isEqualTo(303);
        }
        Map<String, String> noProxies = new HashMap<>(harness.settings());
        noProxies.put("http.trusted-user-header", "X-Forwarded-User");
        assertThatThrownBy(() -> ConfigLoader.of(noProxies)).isInstanceOf(ConfigException.class).hasMessageContaining("http.trusted-proxies");
        noProxies.put("http.trusted-proxies", "proxy.example.com");
        assertThatThrownBy(() -> ConfigLoader.of(noProxies)).isInstanceOf(ConfigException.class).hasMessageContaining("not an IP address");
    }

    @Test
    void aFormPostedFromAnotherOriginOrWithoutTheTokenIsRefused() throws Exception {
        try (Daemon d = start(Map.of())) {
            String cookie = session(signIn(d, "bob", "a long enough password", "/ui")).split(";", 2)[0];
            for (String origin : List.of("http://evil.example", "null")) {
                HttpResponse<String> r = harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/ui/sign-out"))
                        .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie).header("Origin", origin)
                        .POST(HttpRequest.BodyPublishers.ofString("csrf=x")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(origin).isEqualTo(403);
            }
            HttpResponse<String> noToken = harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/ui/sign-out"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie)
                    .POST(HttpRequest.BodyPublishers.ofString("csrf=")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(noToken.statusCode()).isEqualTo(403);
            assertThat(api(d, cookie)).as("the session survives the forged requests").isEqualTo(200);
        }
    }
}
