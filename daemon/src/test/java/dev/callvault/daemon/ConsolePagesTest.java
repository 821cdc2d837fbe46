package dev.callvault.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.callvault.db.RecordingRow;
import dev.callvault.testing.Environment;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.callvault.daemon.ConsoleFixture.base;
import static dev.callvault.daemon.ConsoleFixture.num;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's pages as people meet them in Chromium: on a 390 px phone nothing scrolls sideways and nothing jumps
 * while a page fills (layout shift measured by the browser); errors are pages with a sentence, never JSON; a player
 * that seeks all the time leaves no ERROR in the daemon's log.
 */
class ConsolePagesTest {
    /** Sums the page's layout shifts from its first paint, as Lighthouse's CLS does (shifts right after input excluded). */
    private static final String CLS = """
            window.__cls = 0;
            new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
              .observe({type: 'layout-shift', buffered: true});""";

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private final DaemonHarness harness = new DaemonHarness(env);
    private final ConsoleFixture console = new ConsoleFixture(env, harness, state);

    private SyntheticCall recordedCall(Daemon d) throws Exception {
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        try (MediaClient stream = MediaClient.open(d.port())) {
            stream.send(call.all());
        }
        DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));
        return call;
    }

    @Test
    void onA390PxPhoneNoPageScrollsSidewaysOrShiftsAsItFills() throws Exception {
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            SyntheticCall call = recordedCall(d);
            browser.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", 390, "height", 844, "deviceScaleFactor", 3, "mobile", true));
            browser.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", CLS));

            browser.driver.get(base(d) + "/ui");
            browser.until("the sign-in page", w -> !w.findElements(By.id("password")).isEmpty());
            assertFits(browser, "sign-in page");

            ConsoleFixture.signIn(browser, base(d));
            browser.until("the call in the list", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == 1);
            assertFits(browser, "calls list");

            browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
            browser.until("the waveforms drawn", w -> w.findElements(By.cssSelector("canvas[data-track]")).size() == 2
                    && num(browser, "document.querySelectorAll('figure.waveform').length") == 2
                    && num(browser, "document.getElementById('main-player').readyState") >= 1);
            assertFits(browser, "call page");
        }
    }

    /** No sideways scroll, and the layout shift measured since the page began below 0.1 (Lighthouse's "good"). */
    private static void assertFits(Browser browser, String page) {
        double scrollWidth = num(browser, "document.documentElement.scrollWidth");
        double width = num(browser, "window.innerWidth");
        assertThat(scrollWidth).as(page + ": page width against the viewport's").isLessThanOrEqualTo(width);
        assertThat(num(browser, "window.__cls")).as(page + ": cumulative layout shift").isLessThan(0.1);
    }

    @Test
    void aSignOutOfAnEndedSessionAndASignInOverPlainHttpLandOnPagesThatSaySo() throws Exception {
        // the harness's public URL is https: the console's cookies are Secure
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start("--host-resolver-rules=MAP console.test 127.0.0.1")) {
            ConsoleFixture.signIn(browser, base(d));
            env.db().jdbi().useHandle(h -> h.execute("DELETE FROM console_sessions")); // signed out in another tab
            browser.click(".sign-out button");
            browser.until("the sign-in page", w -> w.getCurrentUrl().contains("/ui/sign-in"));
            assertThat(browser.text("#sign-in-note")).isEqualTo("You were already signed out (in another tab, or your session had ended).");
            assertThat(browser.driver.getPageSource()).doesNotContain("{\"status\"");

            // a host name over plain http: a Secure cookie is never kept, and the page says where to sign in instead
            String byName = "http://console.test:" + d.port();
            browser.driver.get(byName + "/ui");
            browser.until("the sign-in page", w -> !w.findElements(By.id("password")).isEmpty());
            assertThat(browser.text("#sign-in-notice")).contains("https://calls.example.com/ui");
            browser.driver.findElement(By.id("user")).sendKeys(ConsoleFixture.USER);
            browser.driver.findElement(By.id("password")).sendKeys(ConsoleFixture.PASSWORD);
            browser.click("main form button[type=submit]");
            browser.until("the answer to the sign-in", w -> w.getCurrentUrl().equals(byName + "/ui/sign-in"));
            assertThat(browser.text("#sign-in-error")).contains("Open https://calls.example.com/ui to sign in");
            assertThat(browser.driver.getPageSource()).doesNotContain("{\"status\"");
        }
    }

    @Test
    void aPlayerThatSeeksAllTheTimeLeavesNoErrorInTheLog() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        log.start();
        root.addAppender(log);
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            // ten minutes of WAV: every seek far away is a new ranged request, and the one before it is dropped
            SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 600, new double[][]{{0, 10}, {20, 30}}, new double[][]{{8, 22}});
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.all());
            }
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));
            ConsoleFixture.signIn(browser, base(d));
            browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
            browser.until("the player's metadata", w -> num(browser, "document.getElementById('main-player').readyState") >= 1);
            browser.driver.executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    const p = document.getElementById('main-player');
                    p.play().then(async () => {
                      for (let i = 0; i < 25; i++) {
                        p.currentTime = (i * 137) % 590;
                        await new Promise(r => setTimeout(r, 120));
                      }
                      p.pause();
                      done('ok');
                    }, e => done(String(e)));""");
            browser.driver.navigate().refresh(); // and a reload in the middle of it all
            browser.until("the player again", w -> num(browser, "document.getElementById('main-player').readyState") >= 1);
            String metrics = new String(harness.manage(d, "/metrics").body());
            double gone = metrics.lines().filter(l -> l.startsWith("callvault_http_client_gone_total{route=\"play\"}"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertThat(gone).as("requests the player dropped mid-response (counted, not logged as errors)").isGreaterThan(0);
        } finally {
            root.detachAppender(log);
        }
        List<String> errors = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)).map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(errors).as("ERROR lines in the daemon's log").isEmpty();
    }
}
