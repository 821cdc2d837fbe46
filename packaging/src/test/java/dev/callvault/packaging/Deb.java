package dev.callvault.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The package the build made, and the commands a test runs on it. */
final class Deb {
    private Deb() {
    }

    record Run(int exit, String out) {
    }

    static Path file() throws IOException {
        // the newest: each commit's build has a name of its own, and an earlier one may still lie in target/
        return newest(Path.of("target")).orElseThrow(() -> new IllegalStateException("no target/callvault_*_all.deb: the package phase makes it"));
    }

    /** The newest callvault_*_all.deb in {@code dir}. */
    static java.util.Optional<Path> newest(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("callvault_.*_all\\.deb")).max(java.util.Comparator.comparing(p -> p.toFile().lastModified()));
        }
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The role and database postinst makes on this machine's PostgreSQL: the package leaves them to their owner, a test cleans up. */
    static void dropDatabase() throws IOException, InterruptedException {
        run(60, "runuser", "-u", "postgres", "--", "psql", "-qc", "DROP DATABASE IF EXISTS callvault");
        run(60, "runuser", "-u", "postgres", "--", "psql", "-qc", "DROP ROLE IF EXISTS callvault");
    }

    /** Runs a command, its stderr folded into its stdout; fails after {@code seconds}. */
    static Run run(int seconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static boolean onPath(String command) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    /**
     * The installed callvaultd as its unit runs it (user callvault), listening on {@code port} and {@code management},
     * with {@code env} added and its output in {@code log}: returned once /readyz answers 200; fails showing the log.
     */
    static Process startDaemon(int port, int management, List<String> env, Path log) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("runuser", "-u", "callvault", "--", "env", "CALLVAULT_HTTP_PORT=" + port,
                "CALLVAULT_MANAGEMENT_ADDRESS=127.0.0.1:" + management));
        command.addAll(env);
        command.addAll(List.of("callvaultd", "--config", "/etc/callvault/callvault.conf"));
        Process daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest readyz = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + management + "/readyz"))
                .timeout(java.time.Duration.ofSeconds(5)).build();
        String last = "no answer";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && daemon.isAlive()) {
            try {
                var ready = http.send(readyz, java.net.http.HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return daemon;
                }
                last = ready.statusCode() + " " + ready.body();
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        stop(daemon);
        throw new AssertionError("callvaultd did not become ready (/readyz: " + last + "); its log, " + log + ":\n" + Files.readString(log));
    }

    /** Stops a daemon {@link #startDaemon} started (SIGTERM to runuser and the JVM), waiting up to a minute. */
    static void stop(Process daemon) throws InterruptedException {
        daemon.descendants().forEach(ProcessHandle::destroy);
        daemon.destroy();
        daemon.waitFor(60, TimeUnit.SECONDS);
    }

    /** The JVM runuser started (its descendant running java). */
    static long javaChild(Process p) {
        return p.descendants().filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst()
                .map(ProcessHandle::pid).orElse(p.pid());
    }

    static List<String> lines(String text) {
        return text.lines().toList();
    }
}
