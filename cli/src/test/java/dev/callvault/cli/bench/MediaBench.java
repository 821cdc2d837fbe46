package dev.callvault.cli.bench;

import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TestPostgres;
import dev.callvault.testing.TwilioStandIn;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark, not a test: N concurrent 30 s calls at real-time pace through 'callvault media replay' into a running
 * callvaultd (both the shaded jars, on this machine). For each N: media frames lost, finalize p99, the daemon's
 * CPU per call and heap. Run with bench/media.sh FORMAT N...
 */
public final class MediaBench {
    private MediaBench() {
    }

    public static void main(String[] args) throws Exception {
        String format = args[0];
        Path work = Files.createTempDirectory("media-bench");
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        Path capture = work.resolve("call.jsonl");
        Files.write(capture, call.all());
        long framesPerCall = call.media(0, 30).size();
        String[] schema = new String[1];
        String jdbc = TestPostgres.freshSchema(schema);
        int port;
        int management;
        try (var s = new java.net.ServerSocket(0); var m = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
            management = m.getLocalPort();
        }
        List<String> common = List.of("--set=twilio.account-sid=" + TwilioStandIn.ACCOUNT_SID, "--set=twilio.auth-token=" + TwilioStandIn.AUTH_TOKEN,
                "--set=public-url=https://bench.example.com", "--set=database.url=" + jdbc, "--set=database.user=" + TestPostgres.user());
        List<String> daemonCmd = new ArrayList<>(List.of("java", "-Xmx2g", "-jar", "daemon/target/callvaultd.jar", "--set=http.port=" + port,
                "--set=http.management-address=127.0.0.1:" + management,
                "--set=recording.enabled=true", "--set=recording.format=" + format, "--set=state-dir=" + work.resolve("state"),
                "--set=storage=" + work.resolve("store"), "--set=database.pool-size=20"));
        daemonCmd.addAll(common);
        Process daemon = new ProcessBuilder(daemonCmd).redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile()).start();
        try {
            for (int i = 0; i < 600 && !listening(port); i++) {
                Thread.sleep(100);
            }
            long rowsSoFar = 0;
            for (int a = 1; a < args.length; a++) {
                int n = Integer.parseInt(args[a]);
                double framesBefore = metric(management, "callvault_media_frames_received_total\\{event=\"media\",?\\}");
                long cpuBefore = cpuTicks(daemon.pid());
                long start = System.nanoTime();
                HeapSampler heap = new HeapSampler(management);
                heap.start();
                List<String> replay = new ArrayList<>(List.of("java", "-Xmx2g", "-jar", "cli/target/callvault.jar", "media", "replay", capture.toString(),
                        "--to", "ws://127.0.0.1:" + port + "/media", "--signed-for", "wss://bench.example.com/media", "--calls", Integer.toString(n),
                        "--speed", "realtime", "--json"));
                replay.addAll(common);
                Process load = new ProcessBuilder(replay).redirectErrorStream(true).redirectOutput(work.resolve("replay-" + n + ".log").toFile()).start();
                int exit = load.waitFor();
                rowsSoFar += (long) n * 3;
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (completed(jdbc) < rowsSoFar && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                heap.stopSampling();
                double frames = metric(management, "callvault_media_frames_received_total\\{event=\"media\",?\\}") - framesBefore;
                double cpu = (cpuTicks(daemon.pid()) - cpuBefore) / 100.0;
                double p99 = metric(management, "callvault_media_finalize_seconds\\{quantile=\"0.99\",?\\}");
                System.out.printf("%s N=%4d: replay exit %d, frames lost %d of %d, finalize p99 %.2f s, daemon CPU %.1f%% of a core per call "
                                + "(%.1f s CPU over %.0f s), heap max %d MiB (%.2f MiB per call)%n",
                        format, n, exit, (long) (framesPerCall * n - frames), framesPerCall * n, p99, cpu / seconds / n * 100, cpu, seconds,
                        heap.max / 1024 / 1024, heap.max / 1024.0 / 1024 / n);
            }
        } finally {
            daemon.destroy();
            daemon.waitFor();
            TestPostgres.dropSchema(schema[0]);
        }
        System.exit(0);
    }

    private static boolean listening(int port) {
        try (var s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static long completed(String jdbc) throws Exception {
        try (var c = DriverManager.getConnection(jdbc, TestPostgres.user(), null);
             var rs = c.createStatement().executeQuery("SELECT count(*) FROM recordings WHERE status = 'completed'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static double metric(int port, String name) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static long cpuTicks(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Samples the daemon's heap in use every 500 ms. */
    private static final class HeapSampler extends Thread {
        private final int port;
        private volatile boolean running = true;
        volatile long max;

        HeapSampler(int port) {
            this.port = port;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                try {
                    max = Math.max(max, (long) metric(port, "jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"\\}"));
                    Thread.sleep(500);
                } catch (Exception e) {
                    return;
                }
            }
        }

        void stopSampling() {
            running = false;
        }
    }
}
