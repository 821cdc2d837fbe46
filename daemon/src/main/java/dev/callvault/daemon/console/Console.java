package dev.callvault.daemon.console;

import dev.callvault.daemon.HttpSupport;
import dev.callvault.daemon.HttpSupport.Problem;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The web console under {@code /ui}: sign-in and sign-out, the calls list and a call's page. The pages are small
 * documents; {@code console.js} fills them from {@code /api/v1}, with the session cookie.
 */
public final class Console {
    private static final Logger log = LoggerFactory.getLogger(Console.class);
    /** The pages' own rules: only our script, styles and media; no framing; forms post only to us. */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final ConsoleAuth auth;
    private final Assets assets = new Assets();
    private final Clock clock;

    public Console(ConsoleAuth auth, Clock clock) {
        this.auth = auth;
        this.clock = clock;
    }

    public void calls(HttpServerExchange ex) {
        Optional<ConsoleAuth.Who> who = signedIn(ex);
        if (who.isPresent()) {
            html(ex, 200, Pages.calls(assets, who.get().name(), csrf(who.get())));
        }
    }

    public void call(HttpServerExchange ex) {
        Optional<ConsoleAuth.Who> who = signedIn(ex);
        if (who.isPresent()) {
            html(ex, 200, Pages.call(assets, who.get().name(), csrf(who.get()), HttpSupport.param(ex, "call_id").orElse("")));
        }
    }

    /** Why the sign-in page is shown, by a fixed code in its URL (never text from the URL: that would be a phishing aid). */
    private static final Map<String, String> NOTES = Map.of(
            "signed-out", "You are signed out.",
            "already-signed-out", "You were already signed out (in another tab, or your session had ended).",
            "expired", "Your session has ended; sign in again.");

    public void deletions(HttpServerExchange ex) {
        Optional<ConsoleAuth.Who> who = signedIn(ex);
        if (who.isPresent()) {
            html(ex, 200, Pages.deletions(assets, who.get().name(), csrf(who.get())));
        }
    }

    public void signInPage(HttpServerExchange ex) {
        String note = HttpSupport.param(ex, "m").map(NOTES::get).orElse(null);
        html(ex, 200, Pages.signIn(assets, auth.signInToken(ex), next(HttpSupport.param(ex, "next").orElse("/ui")), null, "",
                note, insecureNotice(ex)));
    }

    public void favicon(HttpServerExchange ex) {
        assets.servePlain(ex, "favicon.svg");
    }

    /**
     * When the console is reached over plain http on a host name while its cookies are Secure (public-url is https), the
     * browser keeps no cookie of ours and signing in cannot work: the page says so and where to go instead.
     */
    private String insecureNotice(HttpServerExchange ex) {
        if (!auth.secureCookies() || !"http".equals(ex.getRequestScheme())) {
            return null;
        }
        String host = ex.getHostName();
        if (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1") || host.equals("[::1]")) {
            return null; // browsers keep Secure cookies from the machine itself
        }
        String https = auth.publicUrl().resolve("/ui").toString();
        return "This console signs people in over https only, and this page came over plain http: your browser will not keep "
                + "the sign-in cookie. Open " + https + " to sign in.";
    }

    public void signIn(HttpServerExchange ex) throws Exception {
        Map<String, String> form = HttpSupport.readForm(ex, 8 * 1024);
        var cookie = ex.getRequestCookie(ConsoleAuth.SIGN_IN_COOKIE);
        String next = next(form.getOrDefault("next", "/ui"));
        try {
            auth.checkSameOrigin(ex, form.get("csrf"), cookie == null ? null : cookie.getValue());
        } catch (Problem refused) {
            String why = insecureNotice(ex);
            html(ex, 403, Pages.signIn(assets, auth.signInToken(ex), next, why != null ? why
                    : "This sign-in form was out of date or came from another site. It has been renewed: sign in again.",
                    form.getOrDefault("user", "").strip(), null, null));
            return;
        }
        String user = form.getOrDefault("user", "").strip();
        String address = ConsoleAuth.remote(ex);
        Duration wait = auth.throttle.wait(user, address, clock.instant());
        if (!wait.isZero()) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, seconds);
            html(ex, 429, Pages.signIn(assets, auth.signInToken(ex), next,
                    "Too many failed sign-ins for this user or from this address; try again in " + seconds + " s.", user, null, null));
            return;
        }
        char[] password = form.getOrDefault("password", "").toCharArray();
        if (user.isEmpty() || !auth.users().verify(user, password)) {
            auth.throttle.failed(user, address, clock.instant());
            log.warn("console sign-in refused for user '{}' from {}", user.replaceAll("[^A-Za-z0-9._@-]", "?"), address);
            html(ex, 401, Pages.signIn(assets, auth.signInToken(ex), next, "Wrong user name or password.", user, null, null));
            return;
        }
        auth.throttle.succeeded(user, address);
        auth.startSession(ex, user);
        log.info("console: {} signed in from {}", user, address);
        redirect(ex, next);
    }

    public void signOut(HttpServerExchange ex) throws Exception {
        Map<String, String> form = HttpSupport.readForm(ex, 8 * 1024);
        Optional<ConsoleAuth.Who> who = auth.who(ex);
        if (who.isEmpty() || who.get().session() == null) {
            redirect(ex, "/ui/sign-in?m=already-signed-out");
            return;
        }
        try {
            auth.checkSameOrigin(ex, form.get("csrf"), who.get().session().csrf());
        } catch (Problem refused) {
            // a sign-out another site made the browser send, or a page older than the session: the session stays
            html(ex, 403, Pages.message(assets, "Not signed out", "This sign-out did not come from a current page of the console, so "
                    + "you are still signed in. To sign out, use the Sign out button of a console page.", "/ui", "Back to the calls"));
            return;
        }
        auth.endSession(ex);
        log.info("console: {} signed out", who.get().name());
        redirect(ex, "/ui/sign-in?m=signed-out");
    }

    public void asset(HttpServerExchange ex) {
        assets.serve(ex, HttpSupport.param(ex, "name").orElse(""));
    }

    /** The signed-in person; or a redirect to the sign-in page (and empty). The bearer token is for scripts, not pages. */
    private Optional<ConsoleAuth.Who> signedIn(HttpServerExchange ex) {
        Optional<ConsoleAuth.Who> who = auth.who(ex).filter(ConsoleAuth.Who::person);
        if (who.isEmpty()) {
            String here = ex.getRequestPath() + (ex.getQueryString().isEmpty() ? "" : "?" + ex.getQueryString());
            var cookie = ex.getRequestCookie(ConsoleAuth.SESSION_COOKIE);
            boolean ended = cookie != null && cookie.getValue() != null && !cookie.getValue().isEmpty();
            redirect(ex, "/ui/sign-in?" + (ended ? "m=expired&" : "") + "next=" + URLEncoder.encode(here, StandardCharsets.UTF_8));
        }
        return who;
    }

    private static String csrf(ConsoleAuth.Who who) {
        return who.session() == null ? null : who.session().csrf();
    }

    /** Only a path of the console: never another site (an open redirect). */
    private static String next(String next) {
        return next != null && next.startsWith("/ui") && !next.startsWith("//") && !next.contains("\\") ? next : "/ui";
    }

    private static void redirect(HttpServerExchange ex, String to) {
        ex.setStatusCode(303);
        ex.getResponseHeaders().put(Headers.LOCATION, to);
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.endExchange();
    }

    private static void html(HttpServerExchange ex, int status, String page) {
        ex.setStatusCode(status);
        var h = ex.getResponseHeaders();
        h.put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        h.put(Headers.CACHE_CONTROL, "no-store");
        h.put(Headers.CONTENT_SECURITY_POLICY, CSP);
        h.put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        h.put(Headers.X_FRAME_OPTIONS, "DENY");
        h.put(Headers.REFERRER_POLICY, "same-origin");
        ex.getResponseSender().send(page);
    }
}
