package dev.callvault.daemon;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * Debian's headless Chromium driven by its chromedriver, as the console's users see pages: nothing is downloaded
 * (Selenium Manager is never asked, the binaries are named), and Chromium makes no connection but to our servers.
 */
public final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    public final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Browser start() throws IOException {
        return start(new String[0]);
    }

    /** With further Chromium switches, e.g. {@code --host-resolver-rules=MAP console.test 127.0.0.1}. */
    public static Browser start(String... switches) throws IOException {
        for (String binary : new String[]{CHROMIUM, CHROMEDRIVER}) {
            if (!new File(binary).canExecute()) {
                throw new IllegalStateException(binary + " is missing: install Debian's chromium and chromium-driver (.ci/run does)");
            }
        }
        Path profile = Files.createTempDirectory("callvault-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1000", "--user-data-dir=" + profile);
        o.addArguments(switches);
        // the page's own console (errors of our script) is readable by the tests
        o.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new Browser(driver, profile);
    }

    /**
     * Waits (at most 30 s) until {@code state} gives a non-null, non-false value, and returns it. An element the page
     * replaced between finding it and reading it (a list re-rendered) is "not yet", like one not found.
     */
    public <T> T until(String what, Function<WebDriver, T> state) {
        return new WebDriverWait(driver, Duration.ofSeconds(30)).withMessage("waiting for " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(state);
    }

    /**
     * Clicks the element {@code css} finds, finding it again when the page re-rendered it between the two (a stale
     * element): the console redraws its lists after each answer, so a button found a moment ago may be gone.
     */
    public void click(String css) {
        until("to click " + css, w -> {
            w.findElement(org.openqa.selenium.By.cssSelector(css)).click();
            return true;
        });
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The browser console's lines since the last call (errors of the page's script among them). */
    public java.util.List<String> console() {
        return driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    /** The text of the element {@code css} finds, read again if the page redrew it meanwhile. */
    public String text(String css) {
        return until("the text of " + css, w -> w.findElement(By.cssSelector(css)).getText());
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
