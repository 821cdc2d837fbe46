package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.ArchivedCalls;
import dev.callvault.testing.Environment;
import dev.callvault.users.UsersFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds and erasure in the console, in Chromium: a listener sees no controls and is refused (403) even when the request
 * is made by hand with her own session and token; an administrator places a hold, is refused erasure while it holds,
 * removes it and erases the call, and the call's page and the Deletions page say so. The note under the forms says what
 * the last action did and goes once the state it was about has changed (a refusal for a hold outlives no hold).
 */
class ConsolePrivacyTest {
    private static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path state;

    private final DaemonHarness harness = new DaemonHarness(env);

    private void signIn(Browser browser, String base, String user) {
        browser.driver.manage().deleteAllCookies();
        browser.driver.get(base + "/ui");
        browser.until("the sign-in page", w -> !w.findElements(By.id("password")).isEmpty());
        browser.driver.findElement(By.id("user")).sendKeys(user);
        browser.driver.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.click("main form button[type=submit]");
        browser.until("the calls list", w -> !w.getCurrentUrl().contains("sign-in") && w.findElement(By.cssSelector("h1")).getText().equals("Calls"));
    }

    /**
     * Types into a field as a person does: scrolled into view and focused first; again into the new field when the page
     * redrew its form meanwhile (the console redraws the privacy section after each answer).
     */
    private static void type(String id, String text, Browser browser) {
        browser.until("'" + text + "' typed into #" + id, w -> {
            var field = w.findElement(By.id(id));
            browser.js("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", field);
            field.clear();
            field.sendKeys(text);
            return text.equals(w.findElement(By.id(id)).getDomProperty("value"));
        });
    }

    /** A POST the page's own script could make, with the session's CSRF token: what a listener trying by hand would send. */
    private long postByHand(Browser browser, String path) {
        return (Long) browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch(arguments[0], {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json',
                  'X-CSRF-Token': document.querySelector('.sign-out input[name=csrf]').value},
                  body: JSON.stringify({reason: 'trying', confirm: document.body.dataset.call})}).then(r => done(r.status), e => done(-1));""", path);
    }

    @Test
    void aListenerIsRefusedAndAnAdministratorHoldsReleasesAndErasesOnTheRecord() throws Exception {
        Path users = Files.createTempFile(state, "users", "");
        new UsersFile(users).put("alice", PASSWORD.toCharArray(), true);
        new UsersFile(users).put("bob", PASSWORD.toCharArray(), true);
        ArchivedCalls.Call call;
        String key;
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            call = new ArchivedCalls(env, store, Clock.systemUTC()).add("+14155550102", "+18005550199", "sales", Instant.now().minusSeconds(600));
            key = new RecordingRepository(env.db().jdbi()).findByRecordingSid(call.recordingSid()).orElseThrow().s3Key();
        }
        Map<String, String> settings = new HashMap<>(Map.of("http.users-file", users.toString(), "http.admins", "bob",
                "privacy.hash-secret", "console-privacy-secret-0123", "state-dir", state.resolve("daemon").toString()));
        try (Daemon d = harness.start(settings); Browser browser = Browser.start()) {
            String base = "http://127.0.0.1:" + d.port();
            String page = base + "/ui/calls/" + call.callSid();

            signIn(browser, base, "alice");
            browser.driver.get(page);
            browser.until("the retention section", w -> !w.findElements(By.id("retention")).isEmpty());
            assertThat(browser.text("#retention")).contains("Kept forever");
            assertThat(browser.driver.findElements(By.id("erase-form"))).as("a listener's erase form").isEmpty();
            assertThat(postByHand(browser, "/api/v1/calls/" + call.callSid() + "/erase")).isEqualTo(403);
            assertThat(postByHand(browser, "/api/v1/calls/" + call.callSid() + "/holds")).isEqualTo(403);

            signIn(browser, base, "bob");
            browser.driver.get(page);
            browser.until("the administrator's forms", w -> !w.findElements(By.id("hold-form")).isEmpty());
            type("hold-reason", "dispute 4411", browser);
            browser.click("#hold-form button");
            browser.until("the hold on the page", w -> w.findElement(By.id("holds")).getText().contains("placed by bob")
                    && w.findElement(By.id("holds")).getText().contains("dispute 4411"));

            type("erase-reason", "GDPR request 2026-400", browser);
            type("erase-confirm", call.callSid(), browser);
            browser.click("#erase-form button");
            browser.until("the refusal naming the hold", w -> w.findElement(By.id("privacy-message")).getText().contains("dispute 4411"));
            assertThat(env.twilio().has(call.recordingSid())).as("held: nothing deleted").isTrue();

            removeHold(browser, "dispute settled");

            type("erase-reason", "GDPR request 2026-400", browser);
            type("erase-confirm", call.callSid(), browser);
            browser.click("#erase-form button");
            browser.until("the call erased on its page", w -> !w.findElements(By.id("erased")).isEmpty());
            assertThat(browser.text("#erased")).contains("by bob").contains("GDPR request 2026-400");
            browser.until("the recording's card saying it was erased", w -> !w.findElements(By.cssSelector("#recordings .recording .deleted")).isEmpty());
            assertThat(browser.text("#recordings .recording .deleted")).startsWith("This recording was erased on ").endsWith(" by bob (GDPR request 2026-400).");
            assertThat(env.twilio().has(call.recordingSid())).isFalse();

            browser.driver.get(base + "/ui/deletions");
            browser.until("the record", w -> w.findElements(By.cssSelector("#deletions tbody tr")).size() > 3);
            String record = browser.text("#deletions");
            assertThat(record).contains(key).contains("erasure").contains("hold placed").contains("hold removed").contains("dispute settled")
                    .contains("bob");
        }
    }

    /** An administrator (bob) on the page of a held call whose erasure was just refused for that hold; returns the hold's id. */
    private long refusedForAHold(Browser browser, Daemon d, String callSid) {
        String base = "http://127.0.0.1:" + d.port();
        signIn(browser, base, "bob");
        browser.driver.get(base + "/ui/calls/" + callSid);
        browser.until("the administrator's forms", w -> !w.findElements(By.id("hold-form")).isEmpty());
        type("hold-reason", "dispute 4411", browser);
        browser.click("#hold-form button");
        browser.until("the hold on the page", w -> w.findElement(By.id("holds")).getText().contains("dispute 4411"));
        type("erase-reason", "GDPR request 2026-400", browser);
        type("erase-confirm", callSid, browser);
        browser.click("#erase-form button");
        browser.until("the refusal naming the hold", w -> w.findElement(By.id("privacy-message")).getText().startsWith("Not erased")
                && w.findElement(By.id("privacy-message")).getText().contains("dispute 4411"));
        return env.db().jdbi().withHandle(h -> h.createQuery("SELECT id FROM legal_holds WHERE removed_at IS NULL").mapTo(Long.class).one());
    }

    private Daemon startWithAdministrator() throws Exception {
        Path users = Files.createTempFile(state, "users", "");
        new UsersFile(users).put("bob", PASSWORD.toCharArray(), true);
        return harness.start(new HashMap<>(Map.of("http.users-file", users.toString(), "http.admins", "bob",
                "privacy.hash-secret", "console-privacy-secret-0123", "state-dir", state.resolve("daemon").toString())));
    }

    private ArchivedCalls.Call archivedCall() {
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            return new ArchivedCalls(env, store, Clock.systemUTC()).add("+14155550102", "+18005550199", "sales", Instant.now().minusSeconds(600));
        }
    }

    @Test
    void removingAHoldSaysSoInsteadOfTheRefusalTheHoldCaused() throws Exception {
        ArchivedCalls.Call call = archivedCall();
        try (Daemon d = startWithAdministrator(); Browser browser = Browser.start()) {
            long hold = refusedForAHold(browser, d, call.callSid());

            removeHold(browser, "dispute settled");

            browser.until("the message saying the hold is removed", w -> w.findElement(By.id("privacy-message")).getText().equals("Hold " + hold + " removed."));
        }
    }

    @Test
    void aRefusalGoesWhenTheHoldThatCausedItIsRemovedElsewhere() throws Exception {
        ArchivedCalls.Call call = archivedCall();
        try (Daemon d = startWithAdministrator(); Browser browser = Browser.start()) {
            long hold = refusedForAHold(browser, d, call.callSid());

            // another administrator removes it (the CLI, another console): this page learns it from its next poll
            env.db().jdbi().useHandle(h -> h.createUpdate("""
                            UPDATE legal_holds SET removed_at = now(), removed_by = 'carol', removed_why = 'dispute settled' WHERE id = :id""")
                    .bind("id", hold).execute());

            browser.until("no hold left, without a reload", w -> w.findElement(By.id("holds")).getText().contains("No legal hold."));
            assertThat(browser.text("#privacy-message")).as("a refusal for a hold no longer in force").isEmpty();
        }
    }

    /** Removes the call page's hold as an administrator does: its button, the reason typed at the prompt. */
    private static void removeHold(Browser browser, String reason) {
        browser.click("#holds button");
        browser.until("the prompt for a reason", w -> {
            try {
                w.switchTo().alert();
                return true;
            } catch (org.openqa.selenium.NoAlertPresentException e) {
                return false;
            }
        });
        browser.driver.switchTo().alert().sendKeys(reason);
        browser.driver.switchTo().alert().accept();
        browser.until("no hold left", w -> w.findElement(By.id("holds")).getText().contains("No legal hold."));
    }
}
