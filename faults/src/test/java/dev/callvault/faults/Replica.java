package dev.callvault.faults;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One callvaultd process of the suite, on fixed ports and its own state directory, logging to a file of its own. */
final class Replica implements AutoCloseable {
    final String name;
    final int port;
    final int managementPort;
    final Path log;
    private final List<String> command;
    private Process process;
    private int starts;

    Replica(String name, Path dir, Map<String, String> settings) throws IOException {
        this.name = name;
        this.port = FaultSuiteTest.freePort();
        this.managementPort = FaultSuiteTest.freePort();
        this.log = dir.resolve(name + ".log");
        Files.createDirectories(dir.resolve(name));
        command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "dev.callvault.daemon.Main"));
        settings.forEach((k, v) -> command.add("--set=" + k + "=" + v));
        command.add("--set=http.port=" + port);
        command.add("--set=http.management-address=127.0.0.1:" + managementPort);
        command.add("--set=state-dir=" + dir.resolve(name));
    }

    /** Starts the process and waits until its public port accepts connections. */
    void start() throws Exception {
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        starts++;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!listening()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " while starting; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not listen within 60 s; see " + log);
            }
            Thread.sleep(50);
        }
    }

    /** kill -9: no shutdown hook, no graceful anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    int starts() {
        return starts;
    }

    private boolean listening() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, as systemd stops it. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
