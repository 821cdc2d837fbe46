package dev.callvault.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.callvault.config.ConfigLoader;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TestPostgres;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TwilioStandIn;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Benchmark, not a test: every figure of issue 14 in one run on this machine, each beside its baseline measured in
 * the same run. The Twilio stand-in answers with 100 ms of latency, S3 is s3proxy over HTTP, the database the local
 * PostgreSQL (one fresh schema per measurement). The CLI and the daemon run as their own JVMs, as operators run them.
 * {@code bench/all.sh} runs it whole (about 15 minutes); {@code --smoke} runs every part small (CI, about 30 s) so none
 * of it rots. Prints one table, and the same rows as JSON with {@code --json FILE}.
 */
public final class AllBench {
    public static final List<String> PARTS = List.of("backfill", "memory", "webhook", "freshness", "scale-out", "media", "playback",
            "verify-day");
    private static final Instant DAY = Instant.parse("2026-11-24T00:00:00Z");
    private static final String API_TOKEN = "bench-api-token-0123456789";
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    /** One figure; {@code baseline} and {@code goal} may be absent, {@code met} is null where there is no goal. */
    public record Row(String part, String measure, double value, String unit, Double baseline, Double ratio, String goal, Boolean met) {
    }

    private final boolean smoke;
    private final PrintStream progress;
    private final Path work;
    private final String classpath = System.getProperty("java.class.path");
    private final List<Row> rows = new ArrayList<>();
    private Path launcher;
    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "bench-http");
        t.setDaemon(true); // the smoke test's JVM goes on after the bench
        return t;
    })).build();

    public AllBench(boolean smoke, PrintStream progress) throws Exception {
        this.smoke = smoke;
        this.progress = progress;
        this.work = Files.createTempDirectory("callvault-bench");
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Path json = null;
        Set<String> parts = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--json" -> json = Path.of(args[++i]);
                default -> {
                    if (!PARTS.contains(args[i])) {
                        System.err.println("usage: AllBench [--smoke] [--json FILE] [PART...], PART one of " + PARTS);
                        System.exit(64);
                    }
                    parts.add(args[i]);
                }
            }
        }
        AllBench bench = new AllBench(smoke, System.err);
        List<Row> rows = bench.run(parts.isEmpty() ? PARTS : List.copyOf(parts));
        System.out.print(table(rows));
        if (json != null) {
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
        }
        System.exit(0);
    }

    /** Runs the parts in order; a part that fails is a row saying so, and the others still run. */
    public List<Row> run(List<String> parts) {
        String machine = machine();
        progress.println("callvault bench" + (smoke ? " (smoke)" : "") + " on " + machine);
        try (TwilioStandIn twilio = new TwilioStandIn()) {
            for (String part : parts) {
                emptied(twilio);
                long t0 = System.nanoTime();
                progress.println("== " + part);
                try {
                    switch (part) {
                        case "backfill" -> backfill(twilio);
                        case "memory" -> memory(twilio);
                        case "webhook" -> webhook(twilio);
                        case "freshness" -> freshness(twilio);
                        case "scale-out" -> scaleOut(twilio);
                        case "media" -> media();
                        case "playback" -> playback(twilio);
                        case "verify-day" -> verifyDay(twilio);
                        default -> throw new IllegalArgumentException(part);
                    }
                } catch (Exception e) {
                    e.printStackTrace(progress);
                    rows.add(new Row(part, "failed: " + e, Double.NaN, "", null, null, "runs", false));
                }
                progress.printf("   %s took %.0f s%n", part, (System.nanoTime() - t0) / 1e9);
            }
        }
        return List.copyOf(rows);
    }

    // ---------------------------------------------------------------- 1. backfill against the script and the copy limit

    private void backfill(TwilioStandIn twilio) throws Exception {
        int n = smoke ? 12 : Integer.getInteger("bench.recordings", 200);
        long size = 160 * KIB;
        emptyWindow(twilio);
        Scratch baselineScratch = Scratch.fresh(twilio);
        List<String> sids = addRecordings(emptied(twilio), n, size);
        intoADirectory(twilio, sids);
        double script = script(baselineScratch);
        baselineScratch.close();
        row("backfill", "one-at-a-time script (download whole, then upload)", script, "rec/s", null, null, null);
        for (int c : smoke ? new int[]{1} : new int[]{1, 8, 32}) {
            // copy and backfill alternate, three times where a run lasts seconds: this VM's speed moves 30 % between
            // back-to-back runs, and a single pair let that decide the ratio
            int runs = smoke || c == 1 ? 1 : 3;
            double[] copies = new double[runs];
            double[] rates = new double[runs];
            for (int i = 0; i < runs; i++) {
                try (Scratch limit = Scratch.fresh(twilio)) {
                    copies[i] = copyLimit(limit, c);
                }
                try (Scratch s = Scratch.fresh(twilio)) {
                    Map<String, String> settings = s.settings();
                    settings.put("s3.part-size-mib", "8");
                    Cli run = cli(settings, "backfill", "--since", "2026-11-24", "--until", "2026-11-25", "--concurrency", Integer.toString(c), "--json");
                    rates[i] = Double.parseDouble(run.json("recordings_per_second"));
                }
                progress.printf("   concurrency %d: copy limit %.1f rec/s, backfill %.1f rec/s%n", c, copies[i], rates[i]);
            }
            double copy = median(copies);
            double rate = median(rates);
            String of = runs > 1 ? " (median of " + runs + ")" : "";
            row("backfill", "copy limit, " + c + " streams (no database)" + of, copy, "rec/s", script, null, null);
            if (c == 1) {
                row("backfill", "callvault backfill --concurrency 1", rate, "rec/s", script, ">= 1.0x the script", rate >= script);
            } else if (c == 32) {
                row("backfill", "callvault backfill --concurrency 32" + of, rate, "rec/s", script, ">= 10x the script", rate >= 10 * script);
                row("backfill", "callvault backfill --concurrency 32 / copy limit", rate / copy, "ratio", null, null, ">= 0.85", rate / copy >= 0.85);
            } else {
                row("backfill", "callvault backfill --concurrency " + c + of, rate, "rec/s", script, null, null);
            }
        }
    }

    /**
     * The fixed cost cron pays on every run: {@code backfill} and {@code verify} of a window with nothing in it, through
     * the launcher, its archive made by an earlier run of the same kind (the median of five).
     */
    private void emptyWindow(TwilioStandIn twilio) throws Exception {
        emptied(twilio);
        try (Scratch s = Scratch.fresh(twilio)) {
            Map<String, String> settings = s.settings();
            settings.put("storage", Files.createTempDirectory(work, "empty-store").toString());
            String[] window = {"--since", "2026-11-20", "--until", "2026-11-21"};
            for (String command : List.of("backfill", "verify")) {
                List<String> args = new ArrayList<>(List.of(command));
                args.addAll(List.of(window));
                cli(settings, args.toArray(String[]::new)); // migrates the new schema, makes the archive
                double[] seconds = new double[smoke ? 1 : 5];
                for (int i = 0; i < seconds.length; i++) {
                    long t0 = System.nanoTime();
                    Cli run = cli(settings, args.toArray(String[]::new));
                    seconds[i] = (System.nanoTime() - t0) / 1e9;
                    if (run.exit != 0) {
                        throw new IllegalStateException(command + " of an empty window: " + run.output);
                    }
                }
                row("backfill", "callvault " + command + ", empty window, through the launcher (median)", median(seconds), "s", null,
                        smoke ? null : "<= 0.8 s", smoke ? null : median(seconds) <= 0.8);
            }
        }
    }

    /**
     * Against baselines that start as what they stand for: the one-file Python script an operator runs today (list, then
     * each recording downloaded whole and written to a directory, one at a time: bench/backfill/script.py) at
     * concurrency 1, and the copy limit as curl processes in parallel writing the same files (download only) at 32;
     * callvault backfills into a directory store. Fresh processes, the pairs alternated.
     */
    private void intoADirectory(TwilioStandIn twilio, List<String> sids) throws Exception {
        int pairs = smoke ? 1 : 2;
        double[] python = new double[pairs];
        double[] one = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            python[i] = pythonScript(twilio, Files.createTempDirectory(work, "python"));
            one[i] = backfillIntoDirectory(twilio, 1);
            progress.printf("   into a directory: Python script %.1f rec/s, callvault --concurrency 1 %.1f rec/s%n", python[i], one[i]);
        }
        double script = median(python);
        row("backfill", "one-file Python script, one at a time, into a directory", script, "rec/s", null, null, null);
        row("backfill", "callvault backfill --concurrency 1, directory store", median(one), "rec/s", script, ">= 1.0x the Python script",
                median(one) >= script);
        if (smoke) {
            double curl = parallelCurl(twilio, sids, 4);
            row("backfill", "curl, 4 in parallel, into a directory (download only)", curl, "rec/s", null, null, null);
            return;
        }
        double[] curls = new double[3];
        double[] many = new double[3];
        for (int i = 0; i < 3; i++) {
            curls[i] = parallelCurl(twilio, sids, 32);
            many[i] = backfillIntoDirectory(twilio, 32);
            progress.printf("   into a directory: curl -P 32 %.1f rec/s, callvault --concurrency 32 %.1f rec/s%n", curls[i], many[i]);
        }
        double curl = median(curls);
        double rate = median(many);
        row("backfill", "curl, 32 in parallel, into a directory (download only; median of 3)", curl, "rec/s", null, null, null);
        row("backfill", "callvault backfill --concurrency 32, directory store (median of 3)", rate, "rec/s", script, ">= 10x the Python script",
                rate >= 10 * script);
        row("backfill", "callvault backfill --concurrency 32, directory store / curl -P 32", rate / curl, "ratio", null, null, ">= 0.85",
                rate / curl >= 0.85);
    }

    private double backfillIntoDirectory(TwilioStandIn twilio, int concurrency) throws Exception {
        try (Scratch s = Scratch.fresh(twilio)) {
            Map<String, String> settings = s.settings();
            settings.put("storage", Files.createTempDirectory(work, "store").toString());
            Cli run = cli(settings, "backfill", "--since", "2026-11-24", "--until", "2026-11-25", "--concurrency", Integer.toString(concurrency), "--json");
            return Double.parseDouble(run.json("recordings_per_second"));
        }
    }

    /** bench/backfill/script.py as an operator runs it: its own process, timed whole (its start included). */
    private double pythonScript(TwilioStandIn twilio, Path out) throws Exception {
        Path script = launcher().getParent().getParent().getParent().resolve("bench/backfill/script.py");
        List<String> cmd = List.of("python3", script.toString(), twilio.baseUrl().toString(), TwilioStandIn.ACCOUNT_SID,
                TwilioStandIn.AUTH_TOKEN, "2026-11-24", "2026-11-25", out.toString());
        long t0 = System.nanoTime();
        String output = exec(cmd);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int written = Integer.parseInt(new ObjectMapper().readTree(output).get("recordings").asText());
        if (written == 0 || Files.list(out).count() != written) {
            throw new IllegalStateException("the Python script wrote " + Files.list(out).count() + " files of " + written + ": " + output);
        }
        return written / seconds;
    }

    /** {@code xargs -P C curl} of each recording's media into a directory, as an operator's copy loop would: download only. */
    private double parallelCurl(TwilioStandIn twilio, List<String> sids, int concurrency) throws Exception {
        Path out = Files.createTempDirectory(work, "curl");
        Path list = work.resolve("curl-" + System.nanoTime() + ".txt");
        StringBuilder args = new StringBuilder();
        for (String sid : sids) {
            args.append(out.resolve(sid + ".mp3")).append('\n').append(twilio.baseUrl()).append("/2010-04-01/Accounts/")
                    .append(TwilioStandIn.ACCOUNT_SID).append("/Recordings/").append(sid).append(".mp3\n");
        }
        Files.writeString(list, args);
        List<String> cmd = List.of("xargs", "-a", list.toString(), "-d", "\n", "-P", Integer.toString(concurrency), "-n", "2",
                "curl", "-sfL", "-u", TwilioStandIn.ACCOUNT_SID + ":" + TwilioStandIn.AUTH_TOKEN, "-o");
        long t0 = System.nanoTime();
        exec(cmd);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long files = Files.list(out).count();
        if (files != sids.size()) {
            throw new IllegalStateException("curl wrote " + files + " files of " + sids.size());
        }
        return files / seconds;
    }

    private String exec(List<String> cmd) throws Exception {
        Path log = Files.createTempFile(work, "exec", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = p.waitFor();
        String output = Files.readString(log);
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", cmd.subList(0, 2)) + " exited " + exit + ": " + output);
        }
        return output;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** What the one-file scripts do: list, then for each recording read it whole into memory, then upload it. */
    private double script(Scratch s) throws Exception {
        return Double.parseDouble(java(s.settings(), Copies.class, "script", "1").json("recordings_per_second"));
    }

    /** The stand-in's media streamed straight into the S3 server by the same clients, c at a time: no database, no checks. */
    private double copyLimit(Scratch s, int concurrency) throws Exception {
        return Double.parseDouble(java(s.settings(), Copies.class, "copy", Integer.toString(concurrency)).json("recordings_per_second"));
    }

    /**
     * The baselines, each in a JVM of its own like the backfill it is compared with (so both pay the same start and
     * JIT warm-up): {@code script} downloads each recording whole into memory, then uploads it, one at a time;
     * {@code copy C} streams each straight from the stand-in into S3, C at a time. Both use the clients callvault uses
     * (twilio-java for the API and media, the AWS SDK for S3) and no database.
     */
    public static final class Copies {
        public static void main(String[] args) throws Exception {
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 2; i < args.length; i++) {
                String kv = args[i].substring("--set=".length());
                settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            var config = ConfigLoader.of(settings);
            TwilioRecordings twilio = new TwilioRecordings(config.twilio());
            int concurrency = Integer.parseInt(args[1]);
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            try (RecordingStore store = RecordingStores.open(config.storage())) {
                long t0 = System.nanoTime();
                List<TwilioRecording> all = twilio.list(TwilioStandIn.ACCOUNT_SID, DAY, DAY.plus(Duration.ofDays(1)), null);
                List<Future<?>> copies = new ArrayList<>();
                for (TwilioRecording r : all) {
                    copies.add(pool.submit(() -> {
                        try (TwilioRecordings.Media m = twilio.media(r, MediaFormat.MP3)) {
                            InputStream body = args[0].equals("script") ? new ByteArrayInputStream(m.body().readAllBytes()) : m.body();
                            store.put(args[0] + "/" + r.sid() + ".mp3", body, "audio/mpeg", Map.of());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : copies) {
                    f.get();
                }
                System.out.printf("{\"recordings_per_second\":%.2f}%n", all.size() / ((System.nanoTime() - t0) / 1e9));
            } finally {
                pool.shutdown();
            }
            System.exit(0);
        }
    }

    // ---------------------------------------------------------------- 2. memory: 1 MiB against 500 MiB

    private void memory(TwilioStandIn twilio) throws Exception {
        long big = smoke ? 20 * MIB : 500 * MIB;
        double small = peakRssOfArchiving(twilio, MIB);
        double large = peakRssOfArchiving(twilio, big);
        row("memory", "peak RSS archiving 1 MiB (callvault backfill)", small, "MiB", null, null, null);
        row("memory", "peak RSS archiving " + big / MIB + " MiB", large, "MiB", small, "< 1.2x the 1 MiB run", large / small < 1.2);
    }

    private double peakRssOfArchiving(TwilioStandIn twilio, long size) throws Exception {
        try (Scratch s = Scratch.fresh(twilio)) {
            addRecordings(emptied(twilio), 1, size);
            Cli run = cli(s.settings(), "backfill", "--since", "2026-11-24", "--until", "2026-11-25", "--json");
            if (!"1".equals(run.json("archived"))) {
                throw new IllegalStateException("backfill of one " + size + "-byte recording: " + run.output);
            }
            return run.peakRssKib / 1024.0;
        }
    }

    // ---------------------------------------------------------------- 3. webhook acknowledgement, beside the disk's flush

    /**
     * Acknowledgements against the physical limit: the flush latency of the disk that holds the database (an 8 KiB write
     * and an fdatasync, as PostgreSQL flushes its log), measured idle and all along each load; ack latency at 500 and 2000
     * callbacks a second (open loop) as ratios of it; acknowledgements a second with 64 clients sending back to back
     * (closed loop); and the open loop again beside {@code stress-ng --hdd 1} where stress-ng is installed. The archive
     * workers archive every callback meanwhile.
     */
    private void webhook(TwilioStandIn twilio) throws Exception {
        try (Scratch s = Scratch.fresh(twilio); Daemon d = daemon(s, Map.of())) {
            Path disk = databaseDisk(s.jdbc);
            Flushes idle = Flushes.measure(disk, smoke ? 20 : 300);
            row("webhook", "disk flush p50, idle (8 KiB + fdatasync, " + disk + ")", idle.p(0.50), "ms", null, null, null);
            row("webhook", "disk flush p99, idle", idle.p(0.99), "ms", null, null, null);
            openLoop(twilio, d, 200, smoke ? 1 : 5); // the daemon's JIT warms up first, as it has in service
            int seconds = smoke ? 1 : 10;
            for (int rate : smoke ? new int[]{100} : new int[]{500, 2000}) {
                long storedBefore = count(s.jdbc, "SELECT count(*) FROM callbacks");
                Flushes.Sampler during = Flushes.sample(disk);
                OpenLoop run = openLoop(twilio, d, rate, seconds);
                Flushes flushes = during.finish();
                double limit = flushes.p(0.99);
                row("webhook", "disk flush p99 during " + rate + " req/s", limit, "ms", null, null, null);
                row("webhook", "ack p50 at " + rate + " req/s (open loop)", run.p(0.50), "ms", limit, null, null);
                boolean met = run.p(0.99) <= 3 * limit && (limit >= 2 || run.p(0.99) < 10);
                row("webhook", "ack p99 at " + rate + " req/s", run.p(0.99), "ms", limit,
                        rate == 500 || smoke ? "<= 3x flush p99 (< 10 ms if flush < 2 ms)" : null, rate == 500 || smoke ? met : null);
                row("webhook", "ack max at " + rate + " req/s", run.max(), "ms", limit, null, null);
                long stored = count(s.jdbc, "SELECT count(*) FROM callbacks") - storedBefore;
                long lost = run.acknowledged.get() - stored;
                row("webhook", rate == 500 || smoke ? "acknowledged callbacks missing from the database" : "acknowledged callbacks missing at " + rate + " req/s",
                        lost, "callbacks", null, null, "0", lost == 0);
            }
            double perSecond = closedLoop(twilio, d, 64, smoke ? 1 : 10);
            row("webhook", "acknowledgements a second, 64 clients back to back (closed loop)", perSecond, "acks/s", null, null,
                    smoke ? null : ">= 5000", smoke ? null : perSecond >= 5000);
            underDiskStress(twilio, s, d, disk, seconds);
        }
    }

    /** The open loop at 500 a second beside stress-ng's disk writers, where stress-ng is installed. */
    private void underDiskStress(TwilioStandIn twilio, Scratch s, Daemon d, Path disk, int seconds) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/stress-ng"))) {
            progress.println("   stress-ng is not installed: no run under disk stress (apt-get install stress-ng)");
            return;
        }
        Process stress = new ProcessBuilder("stress-ng", "--hdd", "1", "--timeout", (seconds + 30) + "s").directory(disk.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(2000); // its writers get going
            long storedBefore = count(s.jdbc, "SELECT count(*) FROM callbacks");
            Flushes.Sampler during = Flushes.sample(disk);
            int rate = smoke ? 100 : 500;
            OpenLoop run = openLoop(twilio, d, rate, seconds);
            Flushes flushes = during.finish();
            long lost = run.acknowledged.get() - (count(s.jdbc, "SELECT count(*) FROM callbacks") - storedBefore);
            row("webhook", "disk flush p99 beside stress-ng --hdd 1", flushes.p(0.99), "ms", null, null, null);
            row("webhook", "ack p99 at " + rate + " req/s beside stress-ng --hdd 1", run.p(0.99), "ms", flushes.p(0.99), null, null);
            row("webhook", "ack max at " + rate + " req/s beside stress-ng --hdd 1", run.max(), "ms", null, "< 1000 ms", run.max() < 1000);
            row("webhook", "acknowledged callbacks missing beside stress-ng --hdd 1", lost, "callbacks", null, null, "0", lost == 0);
        } finally {
            stress.destroy();
            stress.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A directory on the file system that holds the database's files (its data directory's, when the server says where that is). */
    private Path databaseDisk(String jdbc) throws Exception {
        try (var c = DriverManager.getConnection(jdbc, TestPostgres.user(), null); var rs = c.createStatement().executeQuery("SHOW data_directory")) {
            rs.next();
            Path data = Path.of(rs.getString(1));
            if (Files.isDirectory(data) && Files.getFileStore(data).equals(Files.getFileStore(work))) {
                return work; // the same file system: the bench's own directory, not the server's
            }
            if (Files.isWritable(data.getParent())) {
                return Files.createTempDirectory(data.getParent(), "callvault-bench-flush");
            }
        } catch (java.sql.SQLException e) {
            progress.println("   the database does not say where its data directory is (" + e.getMessage() + "): flushes measured in " + work);
        }
        return work;
    }

    /** fdatasync latencies of 8 KiB writes, as PostgreSQL's log flushes. */
    private record Flushes(long[] nanos) {
        static Flushes measure(Path dir, int n) throws Exception {
            Sampler s = new Sampler(dir, n);
            s.run();
            return s.finish();
        }

        static Sampler sample(Path dir) throws Exception {
            Sampler s = new Sampler(dir, Integer.MAX_VALUE);
            s.setDaemon(true);
            s.start();
            return s;
        }

        double p(double q) {
            return nanos.length == 0 ? Double.NaN : nanos[Math.min(nanos.length - 1, (int) (nanos.length * q))] / 1e6;
        }

        /** Flushes one after another, 10 ms apart (light beside the load it measures). */
        static final class Sampler extends Thread {
            private final Path file;
            private final int n;
            private final List<Long> taken = java.util.Collections.synchronizedList(new ArrayList<>());
            private volatile boolean running = true;

            Sampler(Path dir, int n) throws Exception {
                this.file = Files.createTempFile(dir, "flush", ".bin");
                this.n = n;
            }

            @Override
            public void run() {
                byte[] page = new byte[8192];
                try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                    for (int i = 0; i < n && running; i++) {
                        java.util.concurrent.ThreadLocalRandom.current().nextBytes(page);
                        long t0 = System.nanoTime();
                        ch.write(java.nio.ByteBuffer.wrap(page), (i % 128) * 8192L);
                        ch.force(false);
                        taken.add(System.nanoTime() - t0);
                        if (n == Integer.MAX_VALUE) {
                            Thread.sleep(10);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("measuring the disk's flush in " + file + ": " + e.getMessage(), e);
                }
            }

            Flushes finish() throws Exception {
                running = false;
                if (isAlive()) {
                    join();
                }
                Files.deleteIfExists(file);
                long[] all;
                synchronized (taken) {
                    all = taken.stream().mapToLong(Long::longValue).toArray();
                }
                Arrays.sort(all);
                return new Flushes(all);
            }
        }
    }

    /** {@code clients} connections, each sending its next callback as soon as the last is answered; acknowledgements a second. */
    private double closedLoop(TwilioStandIn twilio, Daemon d, int clients, int seconds) throws Exception {
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0, n = smoke ? 2_000 : 150_000; i < n; i++) {
            requests.add(Callback.completed(twilio, 16 * KIB, d.publicUrl).raw(d.port));
        }
        WebhookLoad.Result run = WebhookLoad.closedLoop(d.port, requests, clients, seconds);
        if (run.nanos().length == requests.size()) {
            progress.println("   the closed loop ran out of its " + requests.size() + " prepared callbacks");
        }
        return run.count(204) / run.seconds();
    }

    private record OpenLoop(long[] latencies, AtomicInteger acknowledged) {
        double p(double q) {
            return latencies[Math.min(latencies.length - 1, (int) (latencies.length * q))] / 1e6;
        }

        double max() {
            return latencies[latencies.length - 1] / 1e6;
        }
    }

    /**
     * Sends callbacks on a fixed schedule, whatever the answers do, and counts each one's latency from the time it was
     * due: a stall shows as the latency of every request scheduled during it, not as fewer requests.
     */
    private OpenLoop openLoop(TwilioStandIn twilio, Daemon d, int perSecond, int seconds) throws Exception {
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0, n = perSecond * seconds; i < n; i++) {
            requests.add(Callback.completed(twilio, 16 * KIB, d.publicUrl).raw(d.port));
        }
        WebhookLoad.Result run = WebhookLoad.openLoop(d.port, requests, 1_000_000_000L / perSecond, 512);
        return new OpenLoop(run.sorted(), new AtomicInteger(run.count(204)));
    }

    // ---------------------------------------------------------------- 4. freshness: callback to object and upgraded row

    private void freshness(TwilioStandIn twilio) throws Exception {
        int seconds = smoke ? 1 : 60;
        int perSecond = 10;
        long size = 300 * 8 * KIB; // five minutes of Twilio's dual-channel MP3 (about 64 kbit/s)
        try (Scratch s = Scratch.fresh(twilio); Daemon d = daemon(s, Map.of("worker.concurrency", "16", "database.pool-size", "40"))) {
            int n = seconds * perSecond;
            List<Callback> callbacks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Callback c = Callback.completed(twilio, size, d.publicUrl);
                try (var db = DriverManager.getConnection(s.jdbc, TestPostgres.user(), null)) {
                    var st = db.prepareStatement("""
                            WITH c AS (INSERT INTO calls (call_sid, account_sid, started_at) VALUES (?, ?, now()) RETURNING id)
                            INSERT INTO recordings (call_id, recording_type, recording_source, status, s3_key, format, channels,
                                                    duration_seconds, file_size, sha256)
                            SELECT id, 'mixed', 's3', 'completed', 'realtime/' || ? || '-mixed.wav', 'wav', 1, 300, 1000, repeat('a', 64) FROM c""");
                    st.setString(1, c.callSid);
                    st.setString(2, TwilioStandIn.ACCOUNT_SID);
                    st.setString(3, c.callSid);
                    st.executeUpdate();
                }
                callbacks.add(c);
            }
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            Map<String, Long> freshAt = new ConcurrentHashMap<>();
            long start = System.nanoTime() + 20_000_000;
            Thread sender = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    long due = start + i * (1_000_000_000L / perSecond);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    Callback c = callbacks.get(i);
                    sentAt.put(c.recordingSid, System.nanoTime());
                    http.sendAsync(c.request(d.port), HttpResponse.BodyHandlers.discarding());
                }
            });
            sender.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 120).toNanos();
            try (var db = DriverManager.getConnection(s.jdbc, TestPostgres.user(), null)) {
                var upgraded = db.prepareStatement("""
                        SELECT recording_sid FROM recordings WHERE recording_type = 'mixed' AND status = 'completed' AND recording_sid IS NOT NULL
                          AND recording_metadata->>'original_s3_key' IS NOT NULL""");
                while (freshAt.size() < n && System.nanoTime() < deadline) {
                    try (var rs = upgraded.executeQuery()) {
                        long now = System.nanoTime();
                        while (rs.next()) {
                            freshAt.putIfAbsent(rs.getString(1), now);
                        }
                    }
                    Thread.sleep(10);
                }
            }
            sender.join();
            long[] ages = freshAt.entrySet().stream().mapToLong(e -> e.getValue() - sentAt.get(e.getKey())).sorted().toArray();
            if (ages.length < n) {
                throw new IllegalStateException(ages.length + " of " + n + " recordings fresh within the deadline");
            }
            int stored = TestS3.get().countObjects(s.bucket, "recordings/", ".mp3");
            row("freshness", "callback -> object + upgraded row, p50 (" + perSecond + "/s, 5-minute MP3)", ages[n / 2] / 1e9, "s", null, null, null);
            row("freshness", "callback -> object + upgraded row, p99", ages[Math.min(n - 1, (int) (n * 0.99))] / 1e9, "s", null, null, "< 2 s",
                    ages[Math.min(n - 1, (int) (n * 0.99))] / 1e9 < 2);
            row("freshness", "upgraded rows without their object in S3", n - stored, "recordings", null, null, "0", stored == n);
        }
    }

    // ---------------------------------------------------------------- 5. scale-out: 1, 2, 4 daemons on one database and bucket

    private void scaleOut(TwilioStandIn twilio) throws Exception {
        int n = smoke ? 20 : 2000;
        double one = 0;
        for (int processes : smoke ? new int[]{1, 2} : new int[]{1, 2, 4}) {
            try (Scratch s = Scratch.fresh(twilio)) {
                List<Daemon> daemons = new ArrayList<>();
                try {
                    for (int i = 0; i < processes; i++) {
                        daemons.add(daemon(s, Map.of("worker.concurrency", "8", "database.pool-size", "20")));
                    }
                    List<Callback> callbacks = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        callbacks.add(Callback.completed(twilio, 160 * KIB, daemons.get(0).publicUrl));
                    }
                    int mediaBefore = twilio.mediaDownloads();
                    long t0 = System.nanoTime();
                    List<CompletableFuture<HttpResponse<Void>>> posts = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        posts.add(http.sendAsync(callbacks.get(i).request(daemons.get(i % processes).port), HttpResponse.BodyHandlers.discarding()));
                    }
                    for (var p : posts) {
                        if (p.get().statusCode() != 204) {
                            throw new IllegalStateException("callback answered " + p.get().statusCode());
                        }
                    }
                    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                    while (count(s.jdbc, "SELECT count(*) FROM callbacks WHERE state = 'done'") < n && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    double rate = n / ((System.nanoTime() - t0) / 1e9);
                    if (processes == 1) {
                        one = rate;
                    }
                    long rowsWritten = count(s.jdbc, "SELECT count(DISTINCT recording_sid) FROM recordings WHERE recording_sid IS NOT NULL");
                    long rowCount = count(s.jdbc, "SELECT count(*) FROM recordings");
                    int objects = TestS3.get().countObjects(s.bucket, "recordings/", ".mp3");
                    int fetched = twilio.mediaDownloads() - mediaBefore;
                    boolean once = rowsWritten == n && rowCount == n && objects == n && fetched == n
                            && callbacks.stream().allMatch(c -> twilio.wholeDownloads(c.recordingSid) == 1);
                    row("scale-out", processes + " daemon" + (processes == 1 ? "" : "s") + ": " + n + " callbacks archived", rate, "rec/s",
                            processes == 1 ? null : one, null, null);
                    row("scale-out", processes + " daemon" + (processes == 1 ? "" : "s")
                                    + String.format(": fetched %d, objects %d, rows %d of %d", fetched, objects, rowCount, n),
                            once ? 1 : 0, "exactly once", null, null, "1", once);
                } finally {
                    for (Daemon d : daemons) {
                        d.close();
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- 6. the real-time recorder

    private void media() throws Exception {
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        double seconds = smoke ? 4 : 30;
        Path capture = work.resolve("call-" + (int) seconds + "s.jsonl");
        List<String> lines = new ArrayList<>();
        lines.add(call.connected());
        lines.add(call.start("bench"));
        lines.addAll(call.media(0, seconds));
        lines.add(call.stop());
        Files.write(capture, lines);
        long framesPerCall = call.media(0, seconds).size();
        // -Dbench.media=mp3:200,wav:1000 runs only those (to profile one)
        List<Object[]> levels = smoke ? List.of(new Object[]{"mp3", 2}, new Object[]{"wav", 2})
                : Arrays.stream(System.getProperty("bench.media", "mp3:100,mp3:200,wav:500,wav:1000").split(","))
                        .map(level -> new Object[]{level.split(":")[0], Integer.parseInt(level.split(":")[1])}).toList();
        for (Object[] level : levels) {
            String format = (String) level[0];
            int n = (Integer) level[1];
            try (Scratch s = Scratch.fresh(null)) {
                Map<String, String> settings = new LinkedHashMap<>(s.settings());
                settings.put("recording.enabled", "true");
                settings.put("recording.format", format);
                settings.put("storage", work.resolve("store-" + format + n).toString());
                settings.put("database.pool-size", "20");
                try (Daemon d = new Daemon(settings, List.of("-Xmx2g"))) {
                    double framesBefore = d.metric("callvault_media_frames_received_total\\{event=\"media\",?\\}");
                    long cpuBefore = cpuTicks(d.process.pid());
                    long t0 = System.nanoTime();
                    HeapSampler heap = new HeapSampler(d);
                    heap.start();
                    double liveBefore = d.liveHeap();
                    CompletableFuture<Cli> running = CompletableFuture.supplyAsync(() -> {
                        try {
                            return cli(settings, "media", "replay", capture.toString(), "--to", "ws://127.0.0.1:" + d.port + "/media",
                                    "--signed-for", d.publicUrl.replace("https://", "wss://") + "/media", "--calls", Integer.toString(n),
                                    "--speed", "realtime", "--json");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    // the heap the calls hold: after a full collection while (nearly) all of them are live; with
                    // a thousand calls the replay is still starting the last when the first end
                    double live = Double.NaN;
                    double peak = 0;
                    while (!running.isDone()) {
                        double active = d.metric("callvault_media_streams_active");
                        peak = Math.max(peak, active);
                        // at 90 % of the calls, or once calls end before the last have started (a thousand of them)
                        if (active >= n * 0.9 || (peak >= n / 2.0 && active < peak * 0.95)) {
                            live = (d.liveHeap() - liveBefore) / active * n;
                            break;
                        }
                        Thread.sleep(20);
                    }
                    Cli replay = running.get();
                    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                    while (count(s.jdbc, "SELECT count(*) FROM recordings WHERE status = 'completed'") < 3L * n && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    double wall = (System.nanoTime() - t0) / 1e9;
                    heap.stopSampling();
                    long lost = (long) (framesPerCall * n - (d.metric("callvault_media_frames_received_total\\{event=\"media\",?\\}") - framesBefore));
                    double cpu = (cpuTicks(d.process.pid()) - cpuBefore) / 100.0;
                    double p99 = d.metric("callvault_media_finalize_seconds\\{quantile=\"0.99\",?\\}");
                    String label = format + " x" + n + " (" + (int) seconds + " s calls)";
                    row("media", label + ": frames lost (replay exit " + replay.exit + ")", lost, "frames", null, null, "0", lost == 0 && replay.exit == 0);
                    row("media", label + ": finalize p99", p99, "s", null, null, "< 2 s", p99 < 2);
                    row("media", label + ": daemon CPU per call", cpu / wall / n * 100, "% of a core", null, null,
                            format.equals("mp3") ? "<= 0.8 %" : null, format.equals("mp3") ? cpu / wall / n * 100 <= 0.8 : null);
                    row("media", label + ": live heap per call (after a full GC, all calls up)", live / MIB / n, "MiB", null, null,
                            format.equals("mp3") ? "<= 1.5 MiB" : null, format.equals("mp3") ? live / MIB / n <= 1.5 : null);
                    row("media", label + ": heap in use at most (garbage included) per call", heap.max / (double) MIB / n, "MiB", null, null, null);
                }
            }
        }
    }

    // ---------------------------------------------------------------- 7. playback from S3

    private void playback(TwilioStandIn twilio) throws Exception {
        int recordings = smoke ? 2 : 20;
        int reads = smoke ? 10 : 500;
        long size = 4 * MIB;
        try (Scratch s = Scratch.fresh(twilio)) {
            addRecordings(emptied(twilio), recordings, size);
            Cli backfill = cli(s.settings(), "backfill", "--since", "2026-11-24", "--until", "2026-11-25", "--json");
            if (!Integer.toString(recordings).equals(backfill.json("archived"))) {
                throw new IllegalStateException("backfill for playback: " + backfill.output);
            }
            List<String> paths = new ArrayList<>();
            try (var db = DriverManager.getConnection(s.jdbc, TestPostgres.user(), null);
                 var rs = db.createStatement().executeQuery("SELECT c.call_sid, r.id FROM recordings r JOIN calls c ON c.id = r.call_id")) {
                while (rs.next()) {
                    paths.add("/calls/" + rs.getString(1) + "/recording/" + rs.getString(2) + "/play");
                }
            }
            try (Daemon d = daemon(s, Map.of("http.api-token", API_TOKEN))) {
                long[] full = new long[Math.max(1, reads / 10)];
                long bytes = 0;
                long t0 = System.nanoTime();
                for (int i = 0; i < full.length; i++) {
                    long[] r = read(d, paths.get(i % paths.size()), null);
                    full[i] = r[0];
                    bytes += r[1];
                }
                double mbps = bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
                long[] ranged = new long[reads];
                java.util.Random random = new java.util.Random(7);
                for (int i = 0; i < reads; i++) {
                    long from = (long) (random.nextDouble() * (size - 64 * KIB));
                    ranged[i] = read(d, paths.get(i % paths.size()), "bytes=" + from + "-" + (from + 64 * KIB - 1))[0];
                }
                Arrays.sort(full);
                Arrays.sort(ranged);
                row("playback", "/play whole 4 MiB: time to first byte p99", full[Math.min(full.length - 1, (int) (full.length * 0.99))] / 1e6, "ms", null, null, null);
                row("playback", "/play whole: throughput, one reader", mbps, "MB/s", null, null, null);
                row("playback", "/play 64 KiB range at random: time to first byte p99", ranged[Math.min(reads - 1, (int) (reads * 0.99))] / 1e6, "ms", null, null, null);
            }
        }
    }

    /** Time to the first body byte (ns) and the bytes read. */
    private long[] read(Daemon d, String path, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port + path)).header("Authorization", "Bearer " + API_TOKEN);
        if (range != null) {
            b.header("Range", range);
        }
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != (range == null ? 200 : 206)) {
                throw new IllegalStateException(path + " answered " + r.statusCode());
            }
            int first = in.read();
            long ttfb = System.nanoTime() - t0;
            long n = first < 0 ? 0 : 1 + in.transferTo(java.io.OutputStream.nullOutputStream());
            return new long[]{ttfb, n};
        }
    }

    // ---------------------------------------------------------------- the parts' tools

    // ---------------------------------------------------------------- 8. verify over a busy day

    /**
     * {@code callvault verify} as cron runs it over one UTC day of {@code 2 n} objects (a recording and its waveform
     * each), every recording listed by Twilio and named by a completed row: generated straight into the database, a
     * directory store and the stand-in (archiving 100,000 recordings one by one would take an hour), then verified. It
     * must exit 0 (nothing wrong to report, no statement too large); its time and peak memory are the figures. The
     * full run is 200,000 objects, ten times the busiest day seen.
     */
    private void verifyDay(TwilioStandIn twilio) throws Exception {
        int n = smoke ? 1_000 : 100_000;
        byte[] audio = "a bench object, not audio".getBytes(StandardCharsets.UTF_8);
        byte[] peaks = "{\"peaks\":[]}".getBytes(StandardCharsets.UTF_8);
        try (Scratch s = Scratch.fresh(twilio)) {
            Map<String, String> settings = s.settings();
            settings.put("storage", Files.createTempDirectory(work, "verify-day").toString());
            Cli migrate = cli(settings, "db", "migrate");
            if (migrate.exit() != 0) {
                throw new IllegalStateException("db migrate: " + migrate.output());
            }
            String sha = null; // every object has the same bytes
            try (RecordingStore store = RecordingStores.open(ConfigLoader.of(settings).storage())) {
                for (int i = 0; i < n; i++) {
                    sha = store.putDerived(verifyKey(i), audio, "audio/mpeg", Map.of()).sha256();
                    store.putDerived(verifyKey(i) + dev.callvault.derived.Waveforms.SUFFIX, peaks, "application/json", Map.of());
                    twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, verifyCall(i), "RE" + String.format("%032x", i),
                            DAY.plusMillis(i * 800L), audio.length));
                }
            }
            try (var db = DriverManager.getConnection(s.jdbc, TestPostgres.user(), null); var st = db.createStatement()) {
                st.execute("""
                        INSERT INTO calls (call_sid, account_sid, started_at, ended_at)
                        SELECT 'CA' || lpad(to_hex(g), 32, '0'), '%s', '2026-11-24T00:00:00Z'::timestamptz + g * interval '1.6 s',
                               '2026-11-24T00:00:00Z'::timestamptz + g * interval '1.6 s' + interval '1 s'
                        FROM generate_series(0, %d) g""".formatted(TwilioStandIn.ACCOUNT_SID, (n - 1) / 2));
                st.execute("""
                        INSERT INTO recordings (call_id, recording_type, status, recording_sid, s3_key, file_size, sha256)
                        SELECT c.id, 'mixed', 'completed', 'RE' || lpad(to_hex(g), 32, '0'),
                               'recordings/2026/11/24/' || c.call_sid || '/RE' || lpad(to_hex(g), 32, '0') || '.mp3', %d, '%s'
                        FROM generate_series(0, %d) g JOIN calls c ON c.call_sid = 'CA' || lpad(to_hex(g / 2), 32, '0')""".formatted(audio.length, sha, n - 1));
            }
            long t0 = System.nanoTime();
            Cli run = cli(settings, "verify", "--since", "2026-11-24", "--until", "2026-11-25", "--json");
            double seconds = (System.nanoTime() - t0) / 1e9;
            row("verify-day", "verify's exit code over a day of " + 2 * n + " objects, all archived", run.exit(), "exit code", null, "0",
                    run.exit() == 0);
            if (run.exit() != 0) {
                progress.println(run.output().length() > 4000 ? run.output().substring(0, 4000) : run.output());
            }
            int ok = run.exit() == 0 ? Integer.parseInt(run.json("ok")) : 0;
            row("verify-day", "recordings Twilio lists that verify found archived and matching", ok, "recordings", null, Integer.toString(n), ok == n);
            row("verify-day", "verify of a day of " + 2 * n + " objects (" + n + " recordings and their waveforms)", seconds, "s", null, null, null);
            row("verify-day", "peak RSS verifying it", run.peakRssKib() / 1024.0, "MiB", null, null, null);
        }
    }

    private static String verifyCall(int i) {
        return "CA" + String.format("%032x", i / 2);
    }

    private static String verifyKey(int i) {
        return "recordings/2026/11/24/" + verifyCall(i) + "/RE" + String.format("%032x", i) + ".mp3";
    }

    private void row(String part, String measure, double value, String unit, Double baseline, String goal, Boolean met) {
        row(part, measure, value, unit, baseline, baseline == null || baseline == 0 ? null : value / baseline, goal, met);
    }

    private void row(String part, String measure, double value, String unit, Double baseline, Double ratio, String goal, Boolean met) {
        Row r = new Row(part, measure, value, unit, baseline, ratio, goal, met);
        rows.add(r);
        progress.println("   " + format(r));
    }

    private static List<String> addRecordings(TwilioStandIn twilio, int n, long size) {
        List<String> sids = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            sids.add(twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(), DAY.plusSeconds(60L * k), size)).sid());
        }
        return sids;
    }

    private static long count(String jdbc, String sql) throws Exception {
        try (var c = DriverManager.getConnection(jdbc, TestPostgres.user(), null); var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The stand-in emptied, answering with Twilio's latency as seen from a data centre (100 ms). */
    private static TwilioStandIn emptied(TwilioStandIn twilio) {
        twilio.reset();
        twilio.latency(Duration.ofMillis(100));
        return twilio;
    }

    /** A fresh database schema and bucket; the schema is dropped on close. */
    private record Scratch(String schema, String jdbc, String bucket, TwilioStandIn twilio) implements AutoCloseable {
        static Scratch fresh(TwilioStandIn twilio) {
            String[] name = new String[1];
            String jdbc = TestPostgres.freshSchema(name);
            return new Scratch(name[0], jdbc, TestS3.get().createBucket(), twilio);
        }

        Map<String, String> settings() {
            if (twilio == null) {
                Map<String, String> s = new LinkedHashMap<>();
                s.put("database.url", jdbc);
                s.put("database.user", TestPostgres.user());
                s.put("twilio.account-sid", TwilioStandIn.ACCOUNT_SID);
                s.put("twilio.auth-token", TwilioStandIn.AUTH_TOKEN);
                s.put("public-url", "https://bench.example.com");
                return s;
            }
            return new LinkedHashMap<>(dev.callvault.testing.Environment.settings(jdbc, bucket, twilio));
        }

        @Override
        public void close() {
            TestPostgres.dropSchema(schema);
        }
    }

    /** A signed "completed" status callback for a new recording the stand-in holds. */
    private record Callback(String callSid, String recordingSid, String body, String signature) {
        static Callback completed(TwilioStandIn twilio, long size, String publicUrl) {
            String call = Sids.call();
            String rec = Sids.recording();
            twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call, rec, Instant.now(), size));
            Map<String, String> p = new LinkedHashMap<>();
            p.put("AccountSid", TwilioStandIn.ACCOUNT_SID);
            p.put("CallSid", call);
            p.put("RecordingSid", rec);
            p.put("RecordingStatus", "completed");
            p.put("RecordingDuration", "300");
            p.put("RecordingChannels", "2");
            String body = p.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return new Callback(call, rec, body, WebhookSignatures.sign(TwilioStandIn.AUTH_TOKEN, publicUrl + "/recording/status", p));
        }

        byte[] raw(int port) {
            return WebhookLoad.post(port, "/recording/status", body, signature);
        }

        HttpRequest request(int port) {
            return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/recording/status"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("X-Twilio-Signature", signature)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }
    }

    /** A finished {@code callvault} run: its output, exit code and peak resident memory. */
    private record Cli(int exit, String output, long peakRssKib) {
        /** A field of the JSON summary line. */
        String json(String field) {
            Matcher m = Pattern.compile("\"" + field + "\":\"?([0-9.]+)").matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("no " + field + " in: " + output);
            }
            return m.group(1);
        }
    }

    /**
     * Runs {@code callvault} as the package installs it: through its launcher ({@code packaging/bin/callvault}, with
     * its JVM options per command and its class-data-sharing archive), on the CLI's jar ({@code -Dbench.cli-jar},
     * which bench/all.sh sets) or, in the smoke, on a jar whose manifest names this JVM's class path.
     */
    private Cli cli(Map<String, String> settings, String... args) throws Exception {
        if (launcher == null) {
            launcher = launcher();
            // what the package's postinst does: one short command makes the launcher's start-up archive
            run(settings, List.of("sh", launcher.toString(), "twiml", "render", "--public-url", "https://callvault.invalid"));
        }
        List<String> cmd = new ArrayList<>(List.of("sh", launcher.toString()));
        cmd.addAll(List.of(args));
        return run(settings, cmd);
    }

    /** Runs {@code main} in a JVM of its own, as an operator's shell would, the settings as {@code --set} arguments. */
    private Cli java(Map<String, String> settings, Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(jvmOptions());
        cmd.addAll(List.of("-cp", classpath, main.getName()));
        cmd.addAll(List.of(args));
        return run(settings, cmd);
    }

    private Cli run(Map<String, String> settings, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "peak-rss-kib %M"));
        cmd.addAll(command);
        settings.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
        Path log = Files.createTempFile(work, "cli", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CALLVAULT_JAR", cliJar().toString());
        pb.environment().put("CALLVAULT_CDS_DIR", work.resolve("cds").toString());
        pb.environment().put("JAVA_OPTS", String.join(" ", jvmOptions()));
        int exit = pb.start().waitFor();
        String out = Files.readString(log);
        Matcher rss = Pattern.compile("peak-rss-kib (\\d+)").matcher(out);
        return new Cli(exit, out, rss.find() ? Long.parseLong(rss.group(1)) : -1);
    }

    private static Path launcher() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("packaging/bin/callvault");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("packaging/bin/callvault not found above " + Path.of("").toAbsolutePath());
    }

    private Path cliJar() throws Exception {
        String jar = System.getProperty("bench.cli-jar");
        if (jar != null) {
            return Path.of(jar).toAbsolutePath();
        }
        Path pathing = work.resolve("callvault-classpath.jar");
        if (!Files.exists(pathing)) {
            var manifest = new java.util.jar.Manifest();
            var attributes = manifest.getMainAttributes();
            attributes.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
            attributes.put(java.util.jar.Attributes.Name.MAIN_CLASS, dev.callvault.cli.Callvault.class.getName());
            attributes.put(java.util.jar.Attributes.Name.CLASS_PATH, Arrays.stream(classpath.split(java.io.File.pathSeparator))
                    .map(entry -> Path.of(entry).toAbsolutePath().toUri().toString()).collect(Collectors.joining(" ")));
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(pathing), manifest)) {
                out.flush();
            }
        }
        return pathing;
    }

    /** A callvaultd process on this machine, ready (its /readyz answered 200) when returned. */
    private final class Daemon implements AutoCloseable {
        final Process process;
        final int port;
        final int management;
        final String publicUrl;

        Daemon(Map<String, String> settings, List<String> jvm) throws Exception {
            try (var a = new java.net.ServerSocket(0); var b = new java.net.ServerSocket(0)) {
                port = a.getLocalPort();
                management = b.getLocalPort();
            }
            publicUrl = settings.getOrDefault("public-url", "https://calls.example.com");
            // the heap the launcher and the systemd unit give it (a later -Xmx in BENCH_JAVA_OPTS wins)
            List<String> cmd = new ArrayList<>(List.of("java", "-Xmx512m"));
            cmd.addAll(jvm);
            cmd.addAll(jvmOptions());
            cmd.addAll(List.of("-cp", classpath, "dev.callvault.daemon.Main", "--set=http.port=" + port,
                    "--set=http.management-address=127.0.0.1:" + management, "--set=state-dir=" + Files.createTempDirectory(work, "state"),
                    "--set=worker.poll-ms=50"));
            settings.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(Files.createTempFile(work, "daemon", ".log").toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!ready()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("callvaultd did not become ready (exit " + (process.isAlive() ? "none" : process.exitValue()) + ")");
                }
                Thread.sleep(50);
            }
        }

        private boolean ready() {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }

        /** Heap in use right after a full collection: what is live. */
        double liveHeap() throws Exception {
            Process gc = new ProcessBuilder("jcmd", Long.toString(process.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (gc.waitFor() != 0) {
                throw new IllegalStateException("jcmd GC.run failed for callvaultd " + process.pid());
            }
            return metric("jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"\\}");
        }

        double metric(String name) throws Exception {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(text);
            double sum = 0;
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
            return sum;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private Daemon daemon(Scratch s, Map<String, String> extra) throws Exception {
        Map<String, String> settings = s.settings();
        settings.putAll(extra);
        return new Daemon(settings, List.of());
    }

    /** {@code BENCH_JAVA_OPTS} for every JVM the bench starts: a profiler, say ({@code -XX:StartFlightRecording=filename=/tmp/%p.jfr}). */
    private List<String> jvmOptions() {
        List<String> options = new ArrayList<>();
        if (smoke) {
            options.add("-XX:TieredStopAtLevel=1"); // starts sooner; a smoke's speeds mean nothing anyway
        }
        String opts = System.getenv().getOrDefault("BENCH_JAVA_OPTS", "").strip();
        if (!opts.isEmpty()) {
            options.addAll(List.of(opts.split("\\s+")));
        }
        return options;
    }

    private static long cpuTicks(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Samples a daemon's heap in use every 500 ms. */
    private static final class HeapSampler extends Thread {
        private final Daemon daemon;
        private volatile boolean running = true;
        volatile long max;

        HeapSampler(Daemon daemon) {
            this.daemon = daemon;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                try {
                    max = Math.max(max, (long) daemon.metric("jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"\\}"));
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

    // ---------------------------------------------------------------- the table

    static String machine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.replaceAll(".*:\\s*", "")).orElse("?");
            return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + Runtime.version() + ", "
                    + System.getProperty("os.name") + " " + System.getProperty("os.version");
        } catch (Exception e) {
            return Runtime.getRuntime().availableProcessors() + " cores";
        }
    }

    private static String format(Row r) {
        return String.format("%-10s %-72s %12s %-12s %10s %8s  %-22s %s", r.part(), r.measure(), number(r.value()), r.unit(),
                r.baseline() == null ? "" : number(r.baseline()), r.ratio() == null ? "" : String.format("%.2fx", r.ratio()),
                r.goal() == null ? "" : r.goal(), r.met() == null ? "" : r.met() ? "met" : "NOT MET");
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : Math.abs(v) >= 100 || v == Math.rint(v) ? String.format("%.0f", v) : String.format("%.2f", v);
    }

    public static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder(String.format("%-10s %-72s %12s %-12s %10s %8s  %-22s %s%n", "part", "measure", "value", "unit",
                "baseline", "ratio", "goal", ""));
        rows.forEach(r -> b.append(format(r)).append('\n'));
        return b.toString();
    }
}
