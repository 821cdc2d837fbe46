package dev.callvault.daemon.console;

import dev.callvault.config.Config;
import dev.callvault.daemon.HttpSupport;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.db.SessionRepository;
import dev.callvault.storage.Hex;
import dev.callvault.users.UsersFile;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.Cookie;
import io.undertow.server.handlers.CookieImpl;
import io.undertow.util.Headers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;

/**
 * Who is asking: a script with the bearer token, a person signed in to the console (session cookie), or a person a
 * trusted reverse proxy vouches for (SSO header). Makes and ends sessions, and guards state-changing requests
 * against cross-site forgery (the session's token in the form, and an Origin that is ours).
 */
public final class ConsoleAuth {
    static final String SESSION_COOKIE = "callvault_session";
    static final String SIGN_IN_COOKIE = "callvault_signin";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Someone known. {@code session} is set for a console sign-in (its CSRF token), null otherwise. */
    public record Who(String name, SessionRepository.Session session) {
        public boolean person() {
            return !name.equals(API_TOKEN);
        }
    }

    public static final String API_TOKEN = "api token";

    private final Config.Http http;
    private final SessionRepository sessions;
    private final UsersFile users;
    private final Clock clock;
    final SignInThrottle throttle = new SignInThrottle();

    public ConsoleAuth(Config.Http http, SessionRepository sessions, Clock clock) {
        this.http = http;
        this.sessions = sessions;
        this.users = new UsersFile(http.usersFile());
        this.clock = clock;
    }

    UsersFile users() {
        return users;
    }

    /** True when the console's cookies are Secure (public-url is https): browsers then keep them only over https. */
    boolean secureCookies() {
        return http.publicUrl() != null && "https".equals(http.publicUrl().getScheme());
    }

    java.net.URI publicUrl() {
        return http.publicUrl();
    }

    /** The bearer token's holder, a signed-in user, or a user named by a trusted proxy; empty for anyone else. */
    public Optional<Who> who(HttpServerExchange ex) {
        if (HttpSupport.bearer(ex, http.apiToken())) {
            return Optional.of(new Who(API_TOKEN, null));
        }
        Config.SignIn signIn = http.signIn();
        if (signIn.trustedUserHeader() != null && signIn.trusted(peer(ex))) {
            String user = ex.getRequestHeaders().getFirst(signIn.trustedUserHeader());
            if (user != null && !user.isBlank()) {
                return Optional.of(new Who(user.strip(), null));
            }
        }
        Cookie c = ex.getRequestCookie(SESSION_COOKIE);
        if (c == null || c.getValue() == null || c.getValue().isEmpty()) {
            return Optional.empty();
        }
        Optional<SessionRepository.Session> s = sessions.touch(sha256(c.getValue()), clock.instant(), signIn.idle(), signIn.max());
        // a user removed from the users file, or given a new password, is signed out at once, wherever their sessions are
        return s.filter(session -> session.credential().equals(credentials().get(session.username())))
                .map(session -> new Who(session.username(), session));
    }

    private record Names(java.nio.file.attribute.FileTime modified, long size, java.util.Map<String, String> credentials) {
    }

    private volatile Names names = new Names(null, -1, java.util.Map.of());

    /**
     * The users file's names and credential fingerprints, read again only when the file changed (a player's range
     * requests would otherwise read and parse it for every chunk of audio).
     */
    private java.util.Map<String, String> credentials() {
        java.nio.file.attribute.FileTime modified;
        long size;
        try {
            modified = java.nio.file.Files.getLastModifiedTime(users.path());
            size = java.nio.file.Files.size(users.path());
        } catch (java.io.IOException e) {
            return java.util.Map.of(); // no users file: nobody is signed in
        }
        Names n = names;
        if (!modified.equals(n.modified()) || size != n.size()) {
            n = new Names(modified, size, java.util.Map.copyOf(users.fingerprints()));
            names = n;
        }
        return n.credentials();
    }

    /** Who, or 401 with a bearer challenge. */
    public Who require(HttpServerExchange ex) {
        return who(ex).orElseThrow(() -> {
            ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"callvault\"");
            return new Problem(401, "sign in to the console, or send the bearer token (http.api-token)");
        });
    }

    /** Starts a session for {@code user}: a new random token in an HttpOnly, SameSite=Strict cookie. */
    void startSession(HttpServerExchange ex, String user) {
        String token = random();
        sessions.create(sha256(token), user, random(), remote(ex), clock.instant(), credentials().getOrDefault(user, ""));
        ex.setResponseCookie(cookie(SESSION_COOKIE, token, (int) http.signIn().max().toSeconds()));
    }

    void endSession(HttpServerExchange ex) {
        Cookie c = ex.getRequestCookie(SESSION_COOKIE);
        if (c != null && c.getValue() != null) {
            sessions.delete(sha256(c.getValue()));
        }
        ex.setResponseCookie(cookie(SESSION_COOKIE, "", 0));
    }

    /** The token the sign-in form carries and its cookie repeats (made now when the browser has none). */
    String signInToken(HttpServerExchange ex) {
        Cookie c = ex.getRequestCookie(SIGN_IN_COOKIE);
        if (c != null && c.getValue() != null && c.getValue().length() == 43) {
            return c.getValue();
        }
        String token = random();
        ex.setResponseCookie(cookie(SIGN_IN_COOKIE, token, 3600));
        return token;
    }

    /**
     * Refuses (403) a state-changing request that another site made the browser send: its Origin (or Referer) must
     * be this server, and its form's {@code csrf} field must equal {@code expected}.
     */
    public void checkSameOrigin(HttpServerExchange ex, String formToken, String expected) {
        checkOrigin(ex);
        if (formToken == null || expected == null || !MessageDigest.isEqual(formToken.getBytes(StandardCharsets.US_ASCII),
                expected.getBytes(StandardCharsets.US_ASCII))) {
            throw new Problem(403, "refused: the form's CSRF token is missing or stale; reload the page and try again");
        }
    }

    /** 403 unless the request's Origin (or Referer), when it has one, is this server. */
    private void checkOrigin(HttpServerExchange ex) {
        String origin = ex.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (origin == null) {
            String referer = ex.getRequestHeaders().getFirst(Headers.REFERER);
            origin = referer == null ? null : originOf(referer);
        }
        if (origin != null && !ours(ex, origin)) {
            throw new Problem(403, "refused: this form was sent from " + (origin.equals("null") ? "an opaque origin" : origin) + ", not from the console");
        }
    }

    /**
     * Guards a state-changing API request of a person: a console session's must carry its CSRF token ({@code token});
     * one signed in by the SSO proxy (no session, no token) must come from our origin, and say so (a browser's fetch does).
     */
    public void checkRequest(HttpServerExchange ex, Who who, String token) {
        if (who.session() != null) {
            checkSameOrigin(ex, token, who.session().csrf());
        } else {
            if (ex.getRequestHeaders().getFirst(Headers.ORIGIN) == null) {
                throw new Problem(403, "refused: a change by a person signed in through the proxy must come from a console page");
            }
            checkOrigin(ex);
        }
    }

    private boolean ours(HttpServerExchange ex, String origin) {
        String host = ex.getRequestHeaders().getFirst(Headers.HOST);
        if (host != null && (origin.equals("http://" + host) || origin.equals("https://" + host))) {
            return true;
        }
        return http.publicUrl() != null && origin.equals(originOf(http.publicUrl().toString()));
    }

    private static String originOf(String url) {
        try {
            java.net.URI u = java.net.URI.create(url);
            return u.getScheme() + "://" + u.getRawAuthority();
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    private Cookie cookie(String name, String value, int maxAge) {
        return new CookieImpl(name, value).setPath("/").setHttpOnly(true).setSameSiteMode("Strict").setMaxAge(maxAge)
                .setSecure(secureCookies());
    }

    static InetAddress peer(HttpServerExchange ex) {
        InetSocketAddress a = ex.getSourceAddress();
        return a == null ? InetAddress.getLoopbackAddress() : a.getAddress();
    }

    static String remote(HttpServerExchange ex) {
        return peer(ex).getHostAddress();
    }

    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String sha256(String token) {
        return Hex.of(Hex.sha256().digest(token.getBytes(StandardCharsets.US_ASCII)));
    }
}
