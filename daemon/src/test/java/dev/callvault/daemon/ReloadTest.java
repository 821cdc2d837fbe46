package dev.callvault.daemon;

import dev.callvault.config.ConfigLoader;
import dev.callvault.db.RecordingRow;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code systemctl reload callvaultd}: assistants' recording settings and Twilio credentials change while a call streams
 * and the stream is recorded whole; SIGHUP with a config that does not load is refused and the old one kept.
 */
class ReloadTest {
    private static final String OTHER_ACCOUNT = "AC" + "f".repeat(32);
    private static final String OTHER_TOKEN = "0".repeat(32);

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path state;

    private final DaemonHarness harness = new DaemonHarness(env);

    private Map<String, String> settings(boolean salesRecords, boolean otherAccount) {
        Map<String, String> s = new HashMap<>(harness.settings());
        s.put("recording.enabled", "true");
        s.put("recording.format", "wav");
        s.put("state-dir", state.toString());
        s.put("assistant.sales.recording.enabled", Boolean.toString(salesRecords));
        if (otherAccount) {
            s.put("twilio.account." + OTHER_ACCOUNT + ".auth-token", OTHER_TOKEN);
        }
        return s;
    }

    private HttpResponse<String> twiml(Daemon d) throws Exception {
        Map<String, String> p = Map.of("CallSid", Sids.call(), "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+15550100", "To", "+15550199");
        return harness.post(d, "/twiml?assistant=sales", p, DaemonHarness.PUBLIC_URL + "/twiml?assistant=sales");
    }

    private int otherAccountsCallback(Daemon d) throws Exception {
        Map<String, String> p = new HashMap<>(DaemonHarness.callback(Sids.call(), Sids.recording(), "absent"));
        p.put("AccountSid", OTHER_ACCOUNT);
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + d.port() + "/recording/status"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSigner.sign(OTHER_TOKEN, DaemonHarness.PUBLIC_URL + "/recording/status", p))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TwilioSigner.form(p)));
        return harness.http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aReloadChangesAssistantsAndCredentialsWhileACallStreamsOnUntouched() throws Exception {
        try (Daemon d = Daemon.start(ConfigLoader.of(settings(false, false)))) {
            assertThat(twiml(d).body()).doesNotContain("/media");
            assertThat(otherAccountsCallback(d)).as("an account we hold no credentials for").isEqualTo(403);

            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(List.of(call.connected(), call.start(null)));
                stream.send(call.media(0, 15));
                DaemonHarness.await("3 in-progress rows", Duration.ofSeconds(60),
                        () -> DaemonHarness.exactly(3, rows(call.callSid), r -> r.status().equals("in-progress")));

                List<String> kept = d.reload(ConfigLoader.of(settings(true, true)));

                assertThat(kept).isEmpty();
                assertThat(twiml(d).body()).as("the sales assistant now records in real time").contains("/media");
                assertThat(otherAccountsCallback(d)).as("the new account's signature").isEqualTo(204);
                stream.send(call.media(15, 30));
                stream.send(call.stop());
            }
            DaemonHarness.await("3 completed rows of the whole call", Duration.ofSeconds(60),
                    () -> DaemonHarness.exactly(3, rows(call.callSid), r -> r.completed() && r.durationSeconds().doubleValue() > 29.9));

            Map<String, String> portChanged = settings(true, true);
            portChanged.put("worker.concurrency", "2");
            assertThat(d.reload(ConfigLoader.of(portChanged))).singleElement().asString().startsWith("worker changed: it takes effect at the next restart");
        }
    }

    @Test
    void sighupWithABadConfigIsRefusedAndTheRunningOneKept() throws Exception {
        Path conf = state.resolve("callvault.conf");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> base = settings(false, false);
        base.put("http.port", Integer.toString(port));
        write(conf, base);
        Path log = state.resolve("daemon.log");
        Process p = launch(conf, log);
        try {
            DaemonHarness.await("the daemon to listen", Duration.ofSeconds(60), () -> listening(port));
            Map<String, String> bad = new HashMap<>(base);
            bad.put("assistant.sales.recording.format", "ogg");
            bad.put("assistant.sales.recording.enabled", "true");
            write(conf, bad);
            hup(p);
            DaemonHarness.await("the refusal in the log", Duration.ofSeconds(30), () -> read(log).contains("reload refused (reload 1"),
                    () -> read(log));
            assertThat(read(log)).contains("ogg");
            assertThat(p.isAlive()).isTrue();
            assertThat(twimlAt(port)).as("the old settings: sales does not record").doesNotContain("/media");

            Map<String, String> good = new HashMap<>(base);
            good.put("assistant.sales.recording.enabled", "true");
            write(conf, good);
            hup(p);
            DaemonHarness.await("the reload in the log", Duration.ofSeconds(30), () -> read(log).contains("configuration reloaded (reload 2"),
                    () -> read(log));
            assertThat(twimlAt(port)).contains("/media");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * SIGHUPs from the moment the daemon's handlers are in until after it listens, while it opens its database, migrates,
     * recovers and starts its listeners: each one is carried out or refused, by its number in the log, none lost. Each
     * signal is sent once the previous one is in the log (the kernel merges a signal sent while the same one is pending).
     */
    @Test
    void everySighupWhileStartingIsCarriedOut() throws Exception {
        for (int launch = 0; launch < 3; launch++) {
            Path conf = state.resolve("callvault-" + launch + ".conf");
            Map<String, String> settings = settings(true, false);
            settings.put("http.port", "0");
            write(conf, settings);
            Path log = state.resolve("daemon-" + launch + ".log");
            Process p = launch(conf, log);
            try {
                DaemonHarness.await("the daemon to begin starting", Duration.ofSeconds(60), () -> read(log).contains(" starting (pid "), () -> read(log));
                int sent = 0;
                int afterListening = 0;
                while (afterListening < 3) {
                    boolean listening = read(log).contains("callvaultd listening");
                    hup(p);
                    int number = ++sent;
                    DaemonHarness.await("reload " + number + " in the log", Duration.ofSeconds(60),
                            () -> read(log).contains("reload " + number + " asked for") || answered(read(log)).contains(number), () -> read(log));
                    if (listening) {
                        afterListening++;
                    }
                }
                int all = sent;
                DaemonHarness.await("every reload carried out", Duration.ofSeconds(60), () -> answered(read(log)).size() == all, () -> read(log));
                assertThat(answered(read(log))).as("reloads answered, by number").containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.rangeClosed(1, all).boxed().toList());
                assertThat(read(log)).doesNotContain("reload refused").as("some reloads came while starting").contains("asked for while starting");
                assertThat(p.isAlive()).isTrue();
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The numbers of the reloads the log says were carried out or refused ("reloads 2 to 4" when carried out as one). */
    private static List<Integer> answered(String log) {
        List<Integer> numbers = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("(?:configuration reloaded|reload refused) \\((?:reload (\\d+)|reloads (\\d+) to (\\d+))").matcher(log);
        while (m.find()) {
            if (m.group(1) != null) {
                numbers.add(Integer.parseInt(m.group(1)));
            } else {
                for (int n = Integer.parseInt(m.group(2)); n <= Integer.parseInt(m.group(3)); n++) {
                    numbers.add(n);
                }
            }
        }
        return numbers;
    }

    /**
     * callvaultd as a process of its own, with SIGHUP's default handling whatever this JVM was started with: a build run
     * under nohup passes SIGHUP on ignored, and a JVM started so installs no handler for it (the launcher does the same).
     */
    private static Process launch(Path conf, Path log) throws Exception {
        return new ProcessBuilder("env", "--default-signal=HUP", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private String twimlAt(int port) throws Exception {
        Map<String, String> params = Map.of("CallSid", Sids.call(), "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+15550100", "To", "+15550199");
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/twiml?assistant=sales"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, DaemonHarness.PUBLIC_URL + "/twiml?assistant=sales", params))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TwilioSigner.form(params)));
        HttpResponse<String> r = harness.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static void hup(Process p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor()).isZero();
    }

    private static void write(Path conf, Map<String, String> settings) throws Exception {
        List<String> lines = new ArrayList<>();
        settings.forEach((k, v) -> lines.add(k + " = " + v));
        Path tmp = conf.resolveSibling("callvault.conf.tmp");
        Files.write(tmp, lines);
        Files.move(tmp, conf, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static boolean listening(int port) {
        try (var socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private List<RecordingRow> rows(String callSid) {
        return env.db().jdbi().withHandle(h -> h.createQuery("SELECT r.id FROM recordings r JOIN calls c ON c.id = r.call_id WHERE c.call_sid = :c")
                .bind("c", callSid).mapTo(UUID.class).list()).stream()
                .map(id -> new dev.callvault.db.RecordingRepository(env.db().jdbi()).findById(id).orElseThrow()).toList();
    }
}
