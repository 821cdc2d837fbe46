package dev.callvault.daemon;

import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.ArchivedCalls;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.Sids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import static dev.callvault.daemon.ConsoleFixture.base;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Erased and expired calls in the console, in Chromium, as a listener meets them: the list says what became of them in
 * words and not as an error, and its filter finds them; a call's page says when, by whom and why each recording was
 * deleted, in place of a player with nothing to play, also when it happens while the page is open.
 */
class ConsoleDeletedCallsTest {
    /** The console's error colour (--live), as the browser computes it. */
    private static final String ERROR_COLOUR = "rgba(180, 35, 24, 1)";

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private final DaemonHarness harness = new DaemonHarness(env);
    private final ConsoleFixture console = new ConsoleFixture(env, harness, state);

    /** A call with a real-time mixed recording and no Twilio recording: "Twilio's recording missing". */
    private String callWithoutTwilio() {
        String callSid = Sids.call();
        Rows.realtime(env.db(), Rows.call(env.db(), callSid), "mixed", "recordings/" + callSid + "-mixed.wav");
        return callSid;
    }

    private static String archiveCell(Browser browser, String callSid) {
        return browser.text("#calls tbody tr[data-call-sid='" + callSid + "'] td.archive");
    }

    private static String archiveColour(Browser browser, String callSid) {
        return browser.until("the colour of " + callSid + "'s archive state",
                w -> w.findElement(By.cssSelector("#calls tbody tr[data-call-sid='" + callSid + "'] td.archive")).getCssValue("color"));
    }

    @Test
    void theListSaysErasedAndDeletedByRetentionInWordsNotAsErrorsAndItsFilterFindsThem() throws Exception {
        String missing = callWithoutTwilio();
        String erased = callWithoutTwilio();
        Tombstones.erase(env.db(), erased, "bob", "GDPR request 2026-400", Instant.now());
        String expired = callWithoutTwilio();
        Tombstones.expire(env.db(), expired, "retention.days = 30", Instant.now());
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            ConsoleFixture.signIn(browser, base(d));
            browser.until("the three calls", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == 3);

            assertThat(archiveCell(browser, erased)).isEqualTo("erased on request");
            assertThat(archiveCell(browser, expired)).isEqualTo("deleted by retention");
            assertThat(archiveCell(browser, missing)).isEqualTo("Twilio's recording missing");
            assertThat(archiveColour(browser, missing)).as("a missing recording is an error").isEqualTo(ERROR_COLOUR);
            assertThat(archiveColour(browser, erased)).as("an erased call is not").isNotEqualTo(ERROR_COLOUR);
            assertThat(archiveColour(browser, expired)).as("an expired call is not").isNotEqualTo(ERROR_COLOUR);

            new Select(browser.driver.findElement(By.id("f-state"))).selectByVisibleText("deleted by retention");
            browser.click("#filters button[type=submit]");
            browser.until("the expired call alone in the list", w -> w.getCurrentUrl().contains("state=expired")
                    && DaemonHarness.exactly(1, w.findElements(By.cssSelector("#calls tbody tr")), r -> expired.equals(r.getAttribute("data-call-sid"))));
            new Select(browser.driver.findElement(By.id("f-state"))).selectByVisibleText("erased on request");
            browser.click("#filters button[type=submit]");
            browser.until("the erased call alone in the list", w -> w.getCurrentUrl().contains("state=erased")
                    && DaemonHarness.exactly(1, w.findElements(By.cssSelector("#calls tbody tr")), r -> erased.equals(r.getAttribute("data-call-sid"))));
        }
    }

    /** The main player's recording (its src), or null when it has none. */
    private static Object playerSource(Browser browser) {
        return browser.js("return document.getElementById('main-player').getAttribute('src')");
    }

    @Test
    void anErasedCallsPageSaysWhenByWhomAndWhyInsteadOfAPlayer() throws Exception {
        String erased = callWithoutTwilio();
        Tombstones.erase(env.db(), erased, "bob", "GDPR request 2026-400", Instant.parse("2026-11-30T09:15:00Z"));
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            ConsoleFixture.signIn(browser, base(d));
            browser.driver.get(base(d) + "/ui/calls/" + erased);
            browser.until("the erased recording's card", w -> !w.findElements(By.cssSelector("#recordings .recording .deleted")).isEmpty());

            assertThat(browser.text("#recordings .recording .deleted")).startsWith("This recording was erased on ").endsWith(" by bob (GDPR request 2026-400).");
            assertThat(browser.driver.findElement(By.cssSelector("#recordings .recording .deleted time")).getAttribute("datetime"))
                    .isEqualTo("2026-11-30T09:15:00.000Z");
            assertThat(browser.text("#now-playing")).startsWith("Nothing to play: mixed (real-time) was erased on ")
                    .endsWith(" by bob (GDPR request 2026-400).");
            assertThat(browser.driver.findElement(By.id("main-player")).isDisplayed()).as("a player with nothing to play").isFalse();
            assertThat(playerSource(browser)).isNull();
            assertThat(browser.text("#status")).isEmpty();
        }
    }

    @Test
    void anExpiredCallsPageSaysThePolicyDeletedItAndRaisesNoAlarm() throws Exception {
        String expired = callWithoutTwilio();
        Tombstones.expire(env.db(), expired, "retention.days = 30", Instant.parse("2026-11-30T09:15:00Z"));
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            ConsoleFixture.signIn(browser, base(d));
            browser.driver.get(base(d) + "/ui/calls/" + expired);
            browser.until("what became of the call", w -> !w.findElements(By.id("erased")).isEmpty());

            assertThat(browser.text("#erased")).startsWith("Deleted ").contains("by the retention policy (retention.days = 30)");
            assertThat(browser.driver.findElement(By.id("erased")).getAttribute("class")).as("the lifecycle working is no error").doesNotContain("error");
        }
    }

    @Test
    void aRecordingDeletedWhileItsPageIsOpenGivesUpThePlayerForTheSentence() throws Exception {
        ArchivedCalls.Call call;
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            call = new ArchivedCalls(env, store, Clock.systemUTC()).add("+14155550102", "+18005550199", "sales", Instant.now().minusSeconds(600));
        }
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            ConsoleFixture.signIn(browser, base(d));
            browser.driver.get(base(d) + "/ui/calls/" + call.callSid());
            browser.until("the player on Twilio's recording", w -> playerSource(browser) != null
                    && ConsoleFixture.num(browser, "document.getElementById('main-player').readyState") >= 1);

            Tombstones.expire(env.db(), call.callSid(), "retention.days = 30", Instant.now());

            browser.until("the deleted recording's card, without a reload", w -> !w.findElements(By.cssSelector("#recordings .recording .deleted")).isEmpty());
            assertThat(browser.text("#recordings .recording .deleted")).startsWith("This recording was deleted on ")
                    .endsWith(" by the retention policy (retention.days = 30).");
            browser.until("the player let go", w -> playerSource(browser) == null && !w.findElement(By.id("main-player")).isDisplayed());
            assertThat(browser.text("#now-playing")).startsWith("Nothing to play: mixed (Twilio's dual-channel) was deleted on ")
                    .endsWith(" by the retention policy (retention.days = 30).");
        }
    }
}
