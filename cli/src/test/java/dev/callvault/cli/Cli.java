package dev.callvault.cli;

import dev.callvault.testing.Environment;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs callvault commands in this JVM (or as a process) against a test {@link Environment}, capturing what they print. */
final class Cli {
    record Result(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private final Environment env;

    Cli(Environment env) {
        this.env = env;
    }

    /** {@code callvault COMMAND... ARGS...} with the environment's settings added after the command words. */
    Result run(List<String> command, Map<String, String> extra, String... args) {
        List<String> argv = new ArrayList<>(command);
        Map<String, String> s = new java.util.LinkedHashMap<>(env.settings());
        s.putAll(extra);
        s.forEach((k, v) -> argv.add("--set=" + k + "=" + v));
        argv.addAll(List.of(args));
        return raw(argv.toArray(String[]::new));
    }

    Result run(String command, String... args) {
        return run(List.of(command), Map.of(), args);
    }

    /** {@link #run} with {@code stdin} as standard input. */
    Result runWithInput(String stdin, List<String> command, String... args) {
        java.io.InputStream in = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return run(command, Map.of(), args);
        } finally {
            System.setIn(in);
        }
    }

    /** Exactly these arguments, nothing added. */
    static synchronized Result raw(String... argv) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Callvault.run(argv);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The same command as a separate process, for tests that kill it. */
    Process start(List<String> command, Map<String, String> extra, String... args) throws java.io.IOException {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Callvault.class.getName()));
        argv.addAll(command);
        Map<String, String> s = new java.util.LinkedHashMap<>(env.settings());
        s.putAll(extra);
        s.forEach((k, v) -> argv.add("--set=" + k + "=" + v));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
