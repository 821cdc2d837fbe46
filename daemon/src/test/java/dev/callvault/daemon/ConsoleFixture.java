package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.testing.Environment;
import dev.callvault.users.UsersFile;
import org.openqa.selenium.By;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A daemon with one console user, and a browser signed in as that user: what the console's browser tests start from. */
final class ConsoleFixture {
    static final String USER = "alice";
    static final String PASSWORD = "correct horse battery";

    private final Environment env;
    private final DaemonHarness harness;
    private final Path state;

    ConsoleFixture(Environment env, DaemonHarness harness, Path state) {
        this.env = env;
        this.harness = harness;
        this.state = state;
    }

    Daemon start(Map<String, String> extra) throws Exception {
        Path users = Files.createTempFile(state, "users", "");
        new UsersFile(users).put(USER, PASSWORD.toCharArray(), true);
        Map<String, String> s = new HashMap<>(Map.of("http.users-file", users.toString(), "recording.enabled", "true", "recording.format", "wav",
                "state-dir", Files.createTempDirectory(state, "daemon").toString()));
        s.putAll(extra);
        return harness.start(s);
    }

    static String base(Daemon d) {
        return "http://127.0.0.1:" + d.port();
    }

    /** Signs in from the sign-in page at {@code base} and waits for the calls list. */
    static void signIn(Browser browser, String base) {
        browser.driver.get(base + "/ui");
        browser.driver.manage().deleteAllCookies();
        browser.driver.get(base + "/ui");
        browser.until("the sign-in page", w -> w.getCurrentUrl().contains("/ui/sign-in") && !w.findElements(By.id("password")).isEmpty());
        browser.driver.findElement(By.id("user")).sendKeys(USER);
        browser.driver.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.click("main form button[type=submit]");
        browser.until("the calls list", w -> !w.getCurrentUrl().contains("sign-in") && !w.findElements(By.cssSelector("h1")).isEmpty()
                && w.findElement(By.cssSelector("h1")).getText().equals("Calls"));
    }

    List<RecordingRow> rows(String callSid) {
        return env.db().jdbi().withHandle(h -> h.createQuery("SELECT r.id FROM recordings r JOIN calls c ON c.id = r.call_id WHERE c.call_sid = :c")
                .bind("c", callSid).mapTo(UUID.class).list()).stream()
                .map(id -> new RecordingRepository(env.db().jdbi()).findById(id).orElseThrow()).toList();
    }

    /** A number the browser gives back (a long when the value is whole). */
    static double num(Browser browser, String expression) {
        return ((Number) browser.js("return Number(" + expression + ")")).doubleValue();
    }
}
