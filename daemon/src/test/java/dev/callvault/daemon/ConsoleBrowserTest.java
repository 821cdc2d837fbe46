package dev.callvault.daemon;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import com.sun.net.httpserver.HttpServer;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.testing.Environment;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.users.UsersFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real browser (Debian's headless Chromium): sign-in, CSRF, the calls list's filter and pages, a
 * call's player, seeking by HTTP range, the waveform where the tones are, the audit of a play, and accessibility.
 */
class ConsoleBrowserTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private static Browser browser;
    private final DaemonHarness harness = new DaemonHarness(env);
    private Path users;

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void oneUser() throws Exception {
        users = Files.createTempFile(state, "users", "");
        new UsersFile(users).put(USER, PASSWORD.toCharArray(), true);
    }

    private Daemon start() throws Exception {
        return harness.start(Map.of("http.users-file", users.toString(), "recording.enabled", "true", "recording.format", "wav",
                "state-dir", Files.createTempDirectory(state, "daemon").toString()));
    }

    private static String base(Daemon d) {
        return "http://127.0.0.1:" + d.port();
    }

    private void signIn(Daemon d, String password) {
        browser.driver.get(base(d) + "/ui");
        browser.driver.manage().deleteAllCookies();
        browser.driver.get(base(d) + "/ui");
        browser.until("the sign-in page", w -> w.getCurrentUrl().contains("/ui/sign-in") && !w.findElements(By.id("password")).isEmpty());
        browser.driver.findElement(By.id("user")).sendKeys(USER);
        browser.driver.findElement(By.id("password")).sendKeys(password);
        browser.click("main form button[type=submit]");
    }

    private void awaitCallsPage(Daemon d) {
        browser.until("the calls list", w -> w.getCurrentUrl().startsWith(base(d) + "/ui") && !w.getCurrentUrl().contains("sign-in")
                && !w.findElements(By.cssSelector("h1")).isEmpty() && w.findElement(By.cssSelector("h1")).getText().equals("Calls"));
    }

    @Test
    void signInRefusesAWrongPasswordAndSignOutEndsTheSession() throws Exception {
        try (Daemon d = start()) {
            signIn(d, "not the password");
            browser.until("the refusal", w -> !w.findElements(By.id("sign-in-error")).isEmpty());
            assertThat(browser.text("#sign-in-error")).isEqualTo("Wrong user name or password.");
            assertThat(browser.driver.getCurrentUrl()).contains("/ui/sign-in");

            signIn(d, PASSWORD);
            awaitCallsPage(d);
            assertThat(browser.text("#signed-in-as")).isEqualTo(USER);
            axe("calls list");

            browser.click(".sign-out button");
            browser.until("the sign-in page after signing out", w -> w.getCurrentUrl().endsWith("/ui/sign-in?m=signed-out"));
            assertThat(browser.text("#sign-in-note")).isEqualTo("You are signed out.");
            axe("sign-in page");
            browser.driver.get(base(d) + "/ui");
            browser.until("the sign-in page again", w -> w.getCurrentUrl().contains("/ui/sign-in?next=%2Fui"));
            int sessions = d.database().jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM console_sessions").mapTo(Integer.class).one());
            assertThat(sessions).as("sessions left after signing out").isZero();
        }
    }

    @Test
    void aCrossSitePostIsRefusedAndTheSessionStays() throws Exception {
        try (Daemon d = start()) {
            signIn(d, PASSWORD);
            awaitCallsPage(d);
            // another origin (same host, other port: same site, so SameSite=Strict alone would let the cookie go)
            HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            String page = "<!doctype html><html lang=en><title>x</title><form id=f method=post action='" + base(d) + "/ui/sign-out'>"
                    + "<input name=csrf value=guessed></form><script>document.getElementById('f').submit()</script></html>";
            evil.createContext("/", ex -> {
                byte[] body = page.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/html");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            evil.start();
            try {
                browser.driver.get("http://127.0.0.1:" + evil.getAddress().getPort() + "/");
                browser.until("the daemon's answer to the forged form", w -> w.getCurrentUrl().equals(base(d) + "/ui/sign-out"));
                assertThat(browser.text("#message")).contains("you are still signed in");
                assertThat(browser.driver.getPageSource()).doesNotContain("{\"status\"");
            } finally {
                evil.stop(0);
            }
            browser.driver.get(base(d) + "/ui");
            awaitCallsPage(d);
            assertThat(browser.text("#signed-in-as")).isEqualTo(USER);
        }
    }

    @Test
    void filterByNumberFindsTheCallAndPagingShowsEveryCallOnce() throws Exception {
        env.db().jdbi().useHandle(h -> h.execute("""
                INSERT INTO calls (call_sid, account_sid, from_number, to_number, assistant, started_at)
                SELECT 'CA' || lpad(to_hex(i), 32, '0'), 'AC0123456789abcdef0123456789abcdef', '+1555000000' || i, '+15550199',
                       'support-en', now() - make_interval(mins => i)
                FROM generate_series(1, 7) AS i"""));
        try (Daemon d = start()) {
            signIn(d, PASSWORD);
            awaitCallsPage(d);
            WebElement number = browser.driver.findElement(By.id("f-number"));
            number.sendKeys("5550000004");
            browser.click("#filters button[type=submit]");
            browser.until("the filtered list", w -> w.getCurrentUrl().contains("number=5550000004")
                    && w.findElements(By.cssSelector("#calls tbody tr")).size() == 1);
            assertThat(browser.driver.findElement(By.cssSelector("#calls tbody tr")).getAttribute("data-call-sid")).isEqualTo("CA" + "0".repeat(31) + "4");
            assertThat(browser.driver.findElement(By.id("older")).isDisplayed()).isFalse();

            browser.driver.get(base(d) + "/ui?limit=3");
            List<String> seen = new ArrayList<>();
            int[] expected = {3, 3, 1};
            for (int page = 0; page < expected.length; page++) {
                int n = expected[page];
                String url = browser.driver.getCurrentUrl();
                browser.until("page " + (page + 1) + " with " + n + " calls", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == n);
                for (WebElement row : browser.driver.findElements(By.cssSelector("#calls tbody tr"))) {
                    seen.add(row.getAttribute("data-call-sid"));
                }
                WebElement older = browser.driver.findElement(By.id("older"));
                if (page < expected.length - 1) {
                    older.click();
                    browser.until("the next page", w -> !w.getCurrentUrl().equals(url));
                } else {
                    assertThat(older.isDisplayed()).as("an 'Older calls' link on the last page").isFalse();
                }
            }
            assertThat(seen).hasSize(7).doesNotHaveDuplicates()
                    .isEqualTo(java.util.stream.IntStream.rangeClosed(1, 7).mapToObj(i -> "CA" + "0".repeat(31) + i).toList());
        }
    }

    @Test
    void aCallPlaysSeeksByRangeShowsWhereEachPartySpokeAndAuditsThePlay() throws Exception {
        AccessLog access = AccessLog.attach();
        try (Daemon d = start()) {
            // a ten-minute call (WAV, 16 KB a second): long enough that a seek far ahead needs bytes the player has not loaded
            SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 600, new double[][]{{0, 10}, {20, 30}}, new double[][]{{8, 22}});
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.all());
            }
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, rows(call.callSid), RecordingRow::completed));
            String mixed = rows(call.callSid).stream().filter(r -> r.recordingType().equals("mixed")).findFirst().orElseThrow().id().toString();

            signIn(d, PASSWORD);
            awaitCallsPage(d);
            browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
            browser.until("the waveforms of both tracks", w -> w.findElements(By.cssSelector("canvas[data-track]")).size() == 2);
            browser.until("the main player, its metadata loaded", w -> !w.findElements(By.id("main-player")).isEmpty()
                    && (Double) num("document.getElementById('main-player').readyState") >= 1);

            Object played = browser.driver.executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    document.getElementById('main-player').play().then(() => done('ok'), e => done(String(e)));""");
            assertThat(played).isEqualTo("ok");
            browser.until("the player's time to advance", w -> (Double) num("document.getElementById('main-player').currentTime") > 1.0);
            assertThat(browser.js("return document.getElementById('main-player').error")).isNull();

            // seek to 10 s: playback resumes there
            browser.js("document.getElementById('main-player').currentTime = 10");
            browser.until("playback past 10.5 s after the seek", w -> (Double) num("document.getElementById('main-player').currentTime") > 10.5);
            assertThat((Double) num("document.getElementById('main-player').currentTime")).isBetween(10.0, 13.0);

            // seek to 5 minutes: the daemon answers a Range request from about that point (16 000 bytes a second after
            // the 44-byte header), and playback resumes there
            long offset = 44 + 300L * 16000;
            browser.js("document.getElementById('main-player').currentTime = 300");
            browser.until("playback past 300.5 s after the seek", w -> (Double) num("document.getElementById('main-player').currentTime") > 300.5);
            assertThat((Double) num("document.getElementById('main-player').currentTime")).isBetween(300.0, 303.0);
            assertThat(browser.js("return document.getElementById('main-player').error")).isNull();
            assertThat(access.ranges(mixed)).as("ranged requests for the mixed recording answered 206")
                    .anyMatch(start -> start > offset - 256 * 1024 && start <= offset);

            browser.js("const p = document.getElementById('main-player'); p.pause(); p.currentTime = 0;");
            browser.until("the playhead back at 0", w -> (Double) num("document.getElementById('main-player').currentTime") == 0.0
                    && "0".equals(w.findElement(By.cssSelector("canvas[data-track=user]")).getAttribute("aria-valuenow")));

            // the waveforms: loud where each party's tone is, quiet where it is not
            assertLoud("user", call.callerSpeaks());
            assertLoud("assistant", call.assistantSpeaks());

            browser.until("the listen in the audit list, without a reload", w -> w.findElements(By.cssSelector("#audit tbody tr")).stream()
                    .anyMatch(r -> r.getText().contains(USER) && r.getText().contains("listened to")));
            axe("call page");
        } finally {
            access.detach();
        }
    }

    @Test
    void aLiveCallShowsAsLiveWithItsDurationGrowingAndPlaysWhatIsCaptured() throws Exception {
        try (Daemon d = start()) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(List.of(call.connected(), call.start(null)));
                stream.send(call.media(0, 5));
                DaemonHarness.await("3 in-progress rows", Duration.ofSeconds(60),
                        () -> DaemonHarness.exactly(3, rows(call.callSid), r -> r.status().equals("in-progress")));

                signIn(d, PASSWORD);
                awaitCallsPage(d);
                browser.driver.get(base(d) + "/ui?state=live");
                browser.until("the live call, alone in the list", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == 1);
                assertThat(browser.driver.findElement(By.cssSelector("#calls tbody tr")).getAttribute("data-call-sid")).isEqualTo(call.callSid);

                browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
                String first = browser.until("the live badge", w -> w.findElements(By.cssSelector(".badge.live")).stream()
                        .map(WebElement::getText).filter(t -> t.matches("live, \\d+:\\d\\d")).findFirst().orElse(null));
                browser.until("the duration to grow", w -> {
                    String now = w.findElement(By.cssSelector(".badge.live")).getText();
                    return now.matches("live, \\d+:\\d\\d") && !now.equals(first);
                });
                browser.until("the in-progress mixed recording's player, its metadata loaded", w -> (Double) num(
                        "(document.getElementById('main-player') || {}).readyState") >= 1);
                double captured = (Double) num("document.getElementById('main-player').duration");
                assertThat(captured).as("seconds captured so far").isBetween(4.0, 6.0);
                stream.send(call.media(5, 30));
                stream.send(call.stop());
            }
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, rows(call.callSid), RecordingRow::completed));
        }
    }

    /** The screenshots in docs/ and the README: a short call with both parties, its page, and the calls list. */
    @Test
    void screenshotsOfTheCallsListAndACallPage() throws Exception {
        env.db().jdbi().useHandle(h -> h.execute("""
                INSERT INTO calls (call_sid, account_sid, from_number, to_number, assistant, started_at)
                SELECT 'CA' || md5(i::text), 'AC0123456789abcdef0123456789abcdef', '+1415555' || lpad((1000 + i * 37)::text, 4, '0'),
                       '+18005550199', CASE WHEN i % 3 = 0 THEN 'billing-en' ELSE 'support-en' END, now() - make_interval(mins => 7 * i)
                FROM generate_series(1, 12) AS i"""));
        try (Daemon d = start()) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            Map<String, String> answered = Map.of("CallSid", call.callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID,
                    "From", "+14155550123", "To", "+18005550199", "CallStatus", "ringing");
            assertThat(harness.post(d, "/twiml?assistant=support-en", answered, DaemonHarness.PUBLIC_URL + "/twiml?assistant=support-en").statusCode())
                    .isEqualTo(200);
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.all());
            }
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, rows(call.callSid), RecordingRow::completed));
            signIn(d, PASSWORD);
            awaitCallsPage(d);
            browser.until("13 calls", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == 13);
            screenshot("console-calls.png");
            browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
            browser.until("the waveforms of both tracks", w -> w.findElements(By.cssSelector("canvas[data-track]")).size() == 2);
            browser.js("document.getElementById('main-player').currentTime = 9");
            browser.until("the playhead at 9 s", w -> "9".equals(w.findElement(By.cssSelector("canvas[data-track=user]")).getAttribute("aria-valuenow")));
            screenshot("console-call.png");
        }
    }

    private Object num(String expression) {
        Object v = browser.js("return Number(" + expression + ")");
        return v instanceof Long l ? (Double) l.doubleValue() : v;
    }

    /**
     * Reads the drawn canvas back: per column, whether anything but the background and playhead is drawn beyond a
     * thin line, and checks the loud columns are where {@code spans} say the party spoke (±0.5 s at the edges).
     */
    @SuppressWarnings("unchecked")
    private void assertLoud(String track, double[][] spans) {
        List<Object> result = (List<Object>) browser.js("""
                const c = document.querySelector('canvas[data-track="' + arguments[0] + '"]');
                const ctx = c.getContext('2d');
                const img = ctx.getImageData(0, 0, c.width, c.height).data;
                const heights = [];
                for (let x = 0; x < c.width; x++) {
                  let h = 0;
                  for (let y = 0; y < c.height; y++) {
                    const i = (y * c.width + x) * 4;
                    if (img[i + 2] > 120 && img[i] < 100) h++;   // the wave's blue, not the grey ground or the black playhead
                  }
                  heights.push(h);
                }
                return [Number(c.dataset.seconds), heights];""", track);
        double seconds = ((Number) result.get(0)).doubleValue();
        List<Object> heights = (List<Object>) result.get(1);
        int loud = 0;
        double margin = Math.max(0.5, 2 * seconds / heights.size());
        for (int x = 3; x < heights.size(); x++) { // the playhead stands in the first columns
            double t = (x + 0.5) * seconds / heights.size();
            long h = ((Number) heights.get(x)).longValue();
            boolean speaking = SyntheticCall.speaks(spans, t - margin) && SyntheticCall.speaks(spans, t + margin);
            boolean silent = !SyntheticCall.speaks(spans, t - margin) && !SyntheticCall.speaks(spans, t + margin);
            if (speaking) {
                assertThat(h).as(track + " waveform at %.2f s", t).isGreaterThan(8);
                loud++;
            } else if (silent) {
                assertThat(h).as(track + " waveform at %.2f s", t).isLessThan(3);
            }
        }
        double spoken = java.util.Arrays.stream(spans).mapToDouble(sp -> sp[1] - sp[0]).sum();
        assertThat(loud).as("loud columns of " + track).isGreaterThan((int) (0.8 * heights.size() * (spoken - 2 * margin * spans.length) / seconds));
    }

    private List<RecordingRow> rows(String callSid) {
        return env.db().jdbi().withHandle(h -> h.createQuery("SELECT r.id FROM recordings r JOIN calls c ON c.id = r.call_id WHERE c.call_sid = :c")
                .bind("c", callSid).mapTo(java.util.UUID.class).list()).stream()
                .map(id -> new RecordingRepository(env.db().jdbi()).findById(id).orElseThrow()).toList();
    }

    /** axe-core on the page as it is: no serious or critical violation of WCAG 2 A/AA. */
    private void axe(String page) {
        Results results = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")).analyze(browser.driver);
        List<String> bad = new ArrayList<>();
        for (Rule r : results.getViolations()) {
            if ("serious".equals(r.getImpact()) || "critical".equals(r.getImpact())) {
                bad.add(r.getId() + " (" + r.getImpact() + "): " + r.getHelp() + " at " + r.getNodes().stream().map(n -> String.valueOf(n.getTarget())).toList());
            }
        }
        assertThat(bad).as("axe-core on the " + page).isEmpty();
        assertThat(results.getPasses()).as("rules axe-core checked on the " + page).isNotEmpty();
    }

    /** Screenshots for the README: written to docs/ with -Dcallvault.docs.write=true, else under target/. */
    private void screenshot(String name) throws Exception {
        byte[] png = browser.driver.getScreenshotAs(OutputType.BYTES);
        Path dir = Boolean.getBoolean("callvault.docs.write") ? Path.of("..", "docs") : Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), png);
    }
}
