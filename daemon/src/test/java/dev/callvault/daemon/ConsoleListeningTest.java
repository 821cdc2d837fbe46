package dev.callvault.daemon;

import dev.callvault.db.AuditRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.callvault.daemon.ConsoleFixture.USER;
import static dev.callvault.daemon.ConsoleFixture.base;
import static dev.callvault.daemon.ConsoleFixture.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * "Who listened" as it happened, in a real browser: a listen is a person pressing play (the spans heard, reported by the
 * player), not the bytes a page fetches; a download is a download; a live call ends on screen without a reload; filters
 * take numbers as people type them and dates in the zone the page shows.
 */
class ConsoleListeningTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private static Browser browser;
    private final DaemonHarness harness = new DaemonHarness(env);
    private final ConsoleFixture console = new ConsoleFixture(env, harness, state);

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

    private List<AuditRepository.Event> audit(String callSid) {
        var call = new dev.callvault.db.CallRepository(env.db().jdbi()).findBySid(callSid).orElseThrow();
        return new AuditRepository(env.db().jdbi()).forCall(call.id());
    }

    private void play() {
        Object played = browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                document.getElementById('main-player').play().then(() => done('ok'), e => done(String(e)));""");
        assertThat(played).isEqualTo("ok");
    }

    @Test
    void aListenIsWhatThePersonHeardAndADownloadIsADownload() throws Exception {
        try (Daemon d = console.start(Map.of())) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.all());
            }
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));
            RecordingRow mixed = console.rows(call.callSid).stream().filter(r -> r.recordingType().equals("mixed")).findFirst().orElseThrow();
            ConsoleFixture.signIn(browser, base(d));

            // a page opened, its player's metadata and waveforms loaded, and left: no listen
            browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
            browser.until("the player's metadata", w -> num(browser, "document.getElementById('main-player').readyState") >= 1);
            browser.until("the waveforms", w -> w.findElements(By.cssSelector("canvas[data-track]")).size() == 2);
            browser.driver.get(base(d) + "/ui");

            // pressing play for 3 s, pausing, seeking to 20 s and playing 2 s: one listen of about 0-3 s and 20-22 s
            browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
            browser.until("the player's metadata", w -> num(browser, "document.getElementById('main-player').readyState") >= 1);
            play();
            browser.until("3 s played", w -> num(browser, "document.getElementById('main-player').currentTime") >= 3.0);
            browser.js("document.getElementById('main-player').pause()");
            browser.js("document.getElementById('main-player').currentTime = 20");
            browser.until("the seek", w -> num(browser, "document.getElementById('main-player').currentTime") >= 20.0);
            play();
            browser.until("22 s reached", w -> num(browser, "document.getElementById('main-player').currentTime") >= 22.0);
            browser.js("document.getElementById('main-player').pause()");
            DaemonHarness.await("one listen of two spans", Duration.ofSeconds(30),
                    () -> DaemonHarness.exactly(1, audit(call.callSid), e -> e.action().equals("listen") && e.spans().size() == 2), () -> audit(call.callSid));
            AuditRepository.Event listen = audit(call.callSid).get(0);
            assertThat(listen.who()).isEqualTo(USER);
            assertThat(listen.recordingId()).isEqualTo(mixed.id());
            assertThat(listen.spans().get(0).start()).isCloseTo(0, within(0.5));
            assertThat(listen.spans().get(0).end()).isCloseTo(3, within(0.7));
            assertThat(listen.spans().get(1).start()).isCloseTo(20, within(0.5));
            assertThat(listen.spans().get(1).end()).isCloseTo(22, within(0.7));

            // a script's download with the API token: one download entry
            var got = harness.get(d, "/calls/" + call.callSid + "/recording/" + mixed.id(), "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.headers().firstValue("Content-Disposition").orElseThrow()).contains(call.callSid + "_mixed-realtime.wav");
            assertThat(got.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(harness.get(d, "/api/v1/calls", "Authorization", "Bearer " + DaemonHarness.API_TOKEN).headers()
                    .firstValue("X-Content-Type-Options")).contains("nosniff");
            var icon = harness.get(d, "/favicon.ico");
            assertThat(icon.statusCode()).isEqualTo(200);
            assertThat(icon.headers().firstValue("Content-Type")).contains("image/svg+xml");
            assertThat(audit(call.callSid)).extracting(e -> e.action() + " by " + e.who())
                    .containsExactlyInAnyOrder("listen by " + USER, "download by api token");

            // the page says both in words, without a reload
            browser.until("both entries in words", w -> w.findElement(By.id("audit-words")).getText().contains("api token downloaded it"));
            assertThat(browser.text("#audit-words")).containsPattern(USER + " listened to 0:0[4-6] \\(0:00-0:0[34], 0:20-0:2[23]\\)");
        }
    }

    @Test
    void aLiveCallEndsOnScreenWithoutAReload() throws Exception {
        try (Daemon d = console.start(Map.of())) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            ConsoleFixture.signIn(browser, base(d));
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(List.of(call.connected(), call.start(null)));
                stream.send(call.media(0, 5));
                DaemonHarness.await("3 in-progress rows", Duration.ofSeconds(60),
                        () -> DaemonHarness.exactly(3, console.rows(call.callSid), r -> r.status().equals("in-progress")));
                browser.driver.get(base(d) + "/ui/calls/" + call.callSid);
                browser.until("the live state", w -> w.findElement(By.id("call-state")).getText().startsWith("live"));
                // a range of what is captured so far is a range (206), as of a finished recording
                RecordingRow mixed = console.rows(call.callSid).stream().filter(r -> r.recordingType().equals("mixed")).findFirst().orElseThrow();
                var range = harness.get(d, "/calls/" + call.callSid + "/recording/" + mixed.id() + "/play",
                        "Authorization", "Bearer " + DaemonHarness.API_TOKEN, "Range", "bytes=0-99");
                assertThat(range.statusCode()).isEqualTo(206);
                assertThat(range.body()).hasSize(100);
                assertThat(range.headers().firstValue("Content-Range").orElseThrow()).matches("bytes 0-99/\\d+");
                stream.send(call.media(5, 30));
                stream.send(call.stop());
            }
            DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));
            within5s("the call to end on screen, its duration stopped at 0:30", () -> browser.text("#call-state").equals("ended")
                    && browser.driver.findElements(By.cssSelector(".badge.live")).isEmpty() && facts().contains("Duration\n0:30"));

            // Twilio's recording arrives: the new recording appears on the page
            String recordingSid = Sids.recording();
            env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call.callSid, recordingSid, Instant.now(), 64 * 1024));
            assertThat(harness.postSigned(d, DaemonHarness.callback(call.callSid, recordingSid, "completed")).statusCode()).isEqualTo(204);
            DaemonHarness.await("Twilio's recording archived", Duration.ofSeconds(60),
                    () -> console.rows(call.callSid).stream().anyMatch(r -> recordingSid.equals(r.recordingSid()) && r.completed()));
            within5s("Twilio's recording on the page", () -> browser.driver.findElements(By.cssSelector(".recording h3")).stream()
                    .map(WebElement::getText).anyMatch(t -> t.equals("mixed (Twilio's dual-channel)")));
        }
    }

    private String facts() {
        return browser.text("#facts");
    }

    private static void within5s(String what, java.util.function.BooleanSupplier condition) {
        // an element the page replaced between finding and reading it (live updates re-render) is "not yet"
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).withMessage("within 5 s: " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(w -> condition.getAsBoolean());
    }

    @Test
    void numbersAsPeopleTypeThemAndTheStartOfACallSidFindTheCall() throws Exception {
        String callSid = "CA1f2e3d4c5b" + "0".repeat(22);
        env.db().jdbi().useHandle(h -> {
            h.execute("INSERT INTO calls (call_sid, account_sid, from_number, to_number, started_at) VALUES (?, ?, '+14155550102', '+18005550199', now())",
                    callSid, TwilioStandIn.ACCOUNT_SID);
            h.execute("INSERT INTO calls (call_sid, account_sid, from_number, to_number, started_at) VALUES (?, ?, '+14155550177', '+18005550199', now())",
                    Sids.call(), TwilioStandIn.ACCOUNT_SID);
        });
        try (Daemon d = console.start(Map.of())) {
            ConsoleFixture.signIn(browser, base(d));
            for (String typed : List.of("+1 (415) 555-0102", "415-555-0102", "4155550102", "CA1f2e3d4c")) {
                browser.driver.get(base(d) + "/ui");
                browser.until("the calls list", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == 2);
                browser.driver.findElement(By.id(typed.startsWith("CA") ? "f-call" : "f-number")).sendKeys(typed);
                browser.click("#filters button[type=submit]");
                browser.until("only the call from +14155550102 for '" + typed + "'", w -> w.getCurrentUrl().contains("?")
                        && w.findElements(By.cssSelector("#calls tbody tr")).size() == 1
                        && callSid.equals(w.findElement(By.cssSelector("#calls tbody tr")).getAttribute("data-call-sid")));
            }
            browser.driver.get(base(d) + "/ui?call_sid=XY12");
            browser.until("a sentence about the Call SID", w -> browser.text("#status").contains("a Call SID starts with CA"));
        }
    }

    @Test
    void aDateFilterFindsACallAtHalfPastElevenAtNightInTheZoneThePageShows() throws Exception {
        // 23:30 on 28 November in Los Angeles is 07:30 on the 29th in UTC
        String lateCall = Sids.call();
        String nextMorning = Sids.call();
        env.db().jdbi().useHandle(h -> {
            h.execute("INSERT INTO calls (call_sid, account_sid, from_number, to_number, started_at) VALUES (?, ?, '+14155550102', '+18005550199', "
                    + "'2026-11-29T07:30:00Z')", lateCall, TwilioStandIn.ACCOUNT_SID);
            h.execute("INSERT INTO calls (call_sid, account_sid, from_number, to_number, started_at) VALUES (?, ?, '+14155550103', '+18005550199', "
                    + "'2026-11-29T09:00:00Z')", nextMorning, TwilioStandIn.ACCOUNT_SID);
        });
        try (Daemon d = console.start(Map.of())) {
            browser.driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "America/Los_Angeles"));
            try {
                ConsoleFixture.signIn(browser, base(d));
                browser.driver.get(base(d) + "/ui?since=2026-11-28&until=2026-11-28");
                browser.until("the call of 28 November, alone", w -> w.findElements(By.cssSelector("#calls tbody tr")).size() == 1
                        && lateCall.equals(w.findElement(By.cssSelector("#calls tbody tr")).getAttribute("data-call-sid")));
                String shown = browser.text("#calls tbody tr td");
                assertThat(shown).contains("Nov 28, 2026").contains("11:30").contains("PST");
                assertThat(browser.text("#zone-note")).contains("America/Los_Angeles");
            } finally {
                browser.driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
            }
        }
    }
}
