package dev.callvault.cli.bench;

import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TestPostgres;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TwilioStandIn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark, not a test: 'callvault backfill' (the shaded jar, as operators run it) against the Twilio stand-in
 * answering with 100 ms of latency, at several concurrencies; prints recordings/s, MB/s and the CLI's peak RSS.
 * Run with bench/backfill.sh [recordings] [MiB each] [concurrency...].
 */
public final class BackfillBench {
    private BackfillBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int mib = Integer.parseInt(args[1]);
        Path jar = Path.of("cli/target/callvault.jar").toAbsolutePath();
        try (TwilioStandIn twilio = new TwilioStandIn()) {
            twilio.latency(Duration.ofMillis(100));
            for (int i = 2; i < args.length; i++) {
                int concurrency = Integer.parseInt(args[i]);
                String[] schema = new String[1];
                String jdbc = TestPostgres.freshSchema(schema);
                String bucket = TestS3.get().createBucket();
                twilio.reset();
                twilio.latency(Duration.ofMillis(100));
                Instant t0 = Instant.parse("2026-11-24T00:00:00Z");
                for (int k = 0; k < n; k++) {
                    twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(), t0.plusSeconds(60L * k), mib * 1024L * 1024));
                }
                Map<String, String> settings = Environment.settings(jdbc, bucket, twilio);
                settings.put("s3.part-size-mib", "8");
                List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "peak-rss-kib %M", "java", "-jar", jar.toString(), "backfill",
                        "--since", "2026-11-24", "--until", "2026-11-25", "--concurrency", Integer.toString(concurrency), "--json"));
                settings.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
                Path log = Files.createTempFile("backfill", ".log");
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                p.waitFor();
                List<String> lines = Files.readAllLines(log);
                String summary = lines.stream().filter(l -> l.contains("\"summary\"")).findFirst().orElse("no summary: " + lines);
                String rss = lines.stream().filter(l -> l.startsWith("peak-rss-kib")).findFirst().orElse("peak-rss-kib ?");
                System.out.printf("concurrency %2d: %s  %s MiB peak RSS%n", concurrency,
                        summary.replaceAll(".*\"recordings_per_second\":([0-9.]+),\"megabytes_per_second\":([0-9.]+).*", "$1 recordings/s, $2 MB/s"),
                        Long.parseLong(rss.split(" ")[1]) / 1024);
                TestPostgres.dropSchema(schema[0]);
            }
        }
        System.exit(0);
    }
}
