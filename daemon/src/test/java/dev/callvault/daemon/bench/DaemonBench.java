package dev.callvault.daemon.bench;

import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.db.Database;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TestPostgres;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TwilioStandIn;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Benchmark, not a test: webhook ack latency and throughput over loopback HTTP, then how many callbacks a minute
 * the workers archive with 1 MiB recordings. Real PostgreSQL, s3proxy and the Twilio stand-in, all on this
 * machine. Run with bench/daemon.sh [callbacks] [client-threads] [worker-concurrency].
 */
public final class DaemonBench {
    private DaemonBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        String[] schema = new String[1];
        String jdbc = TestPostgres.freshSchema(schema);
        String bucket = TestS3.get().createBucket();
        try (TwilioStandIn twilio = new TwilioStandIn()) {
            Map<String, String> s = new LinkedHashMap<>(Environment.settings(jdbc, bucket, twilio));
            s.put("database.pool-size", Integer.toString(2 * workers + 8));
            s.put("twilio.backoff-ms", "500");
            s.put("public-url", "https://calls.example.com");
            s.put("http.port", "0");
            s.put("worker.concurrency", Integer.toString(workers));
            s.put("worker.poll-ms", "50");
            List<String> bodies = new ArrayList<>();
            List<String> signatures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String call = Sids.call();
                String rec = Sids.recording();
                twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call, rec, Instant.now(), 1024 * 1024));
                Map<String, String> p = new LinkedHashMap<>();
                p.put("AccountSid", TwilioStandIn.ACCOUNT_SID);
                p.put("CallSid", call);
                p.put("RecordingSid", rec);
                p.put("RecordingStatus", "completed");
                p.put("RecordingDuration", "187");
                p.put("RecordingChannels", "2");
                bodies.add(p.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&")));
                signatures.add(WebhookSignatures.sign(TwilioStandIn.AUTH_TOKEN, "https://calls.example.com/recording/status", p));
            }
            try (Daemon d = Daemon.start(ConfigLoader.of(s))) {
                HttpClient http = HttpClient.newHttpClient();
                URI target = URI.create("http://127.0.0.1:" + d.port() + "/recording/status");
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                long[] latencies = new long[n];
                long start = System.nanoTime();
                List<Future<?>> all = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    all.add(pool.submit(() -> {
                        long t = System.nanoTime();
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target)
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .header("X-Twilio-Signature", signatures.get(k))
                                .POST(HttpRequest.BodyPublishers.ofString(bodies.get(k))).build(), HttpResponse.BodyHandlers.discarding());
                        latencies[k] = System.nanoTime() - t;
                        if (r.statusCode() != 204) {
                            throw new IllegalStateException("status " + r.statusCode());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get();
                }
                double ackSeconds = (System.nanoTime() - start) / 1e9;
                pool.shutdown();
                Arrays.sort(latencies);
                System.out.printf("webhook acks: %d callbacks, %d clients: %.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        n, clients, n / ackSeconds, latencies[n / 2] / 1e6, latencies[(int) (n * 0.99)] / 1e6, latencies[n - 1] / 1e6);
                Database db = d.database();
                while (true) {
                    long done = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM callbacks WHERE state <> 'pending'")
                            .mapTo(Long.class).one());
                    if (done >= n) {
                        break;
                    }
                    Thread.sleep(100);
                }
                double total = (System.nanoTime() - start) / 1e9;
                System.out.printf("archived %d x 1 MiB with %d workers in %.1f s: %.0f callbacks/minute (%.1f MB/s)%n",
                        n, workers, total, n / total * 60, n * 1.048576 / total);
            }
        } finally {
            TestPostgres.dropSchema(schema[0]);
            System.exit(0);
        }
    }
}
