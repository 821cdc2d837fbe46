package dev.callvault.daemon;

import dev.callvault.analysis.SpeechModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** callvaultd will not start on a speech model it cannot trust: a missing or altered file is a start-up error. */
class SpeechModelStartupTest {
    @TempDir
    Path dir;

    @Test
    void aMissingModelStopsTheStart() throws Exception {
        Path missing = dir.resolve("silero_vad_v5.onnx");
        Started s = start(missing);
        assertThat(s.exit).as(s.output).isEqualTo(78);
        assertThat(s.output).contains("the speech model " + missing + " does not exist").doesNotContain("listening");
    }

    @Test
    void aCorruptModelStopsTheStartAndSaysWhy() throws Exception {
        byte[] model;
        try (InputStream in = SpeechModel.class.getResourceAsStream("silero_vad_v5.onnx")) {
            model = in.readAllBytes();
        }
        model[model.length / 2] ^= 1; // one bit, deep in the weights: ONNX Runtime would load it and answer nonsense
        Path corrupt = Files.write(dir.resolve("silero_vad_v5.onnx"), model);
        Started s = start(corrupt);
        assertThat(s.exit).as(s.output).isEqualTo(78);
        assertThat(s.output).contains("is not Silero VAD v5: its SHA-256 is").contains("expected " + SpeechModel.SHA256);
    }

    @Test
    void aTemporaryDirectoryThatCannotHoldOnnxRuntimesLibrariesDoesNotStopTheStart() throws Exception {
        // where /tmp is mounted noexec (hardened hosts; systemd's PrivateTmp keeps the flag), ONNX Runtime's own copy
        // of its libraries there cannot be loaded: callvaultd runs with such a temporary directory, mounted in a mount
        // namespace of its own (unshare: no privilege needed, nothing left mounted)
        Path tmp = Files.createDirectories(dir.resolve("noexec-tmp"));
        Path state = dir.resolve("state");
        Path oldCopy = Files.createDirectories(state.resolve("onnxruntime").resolve("linux-x64-0-0"));
        Files.setLastModifiedTime(oldCopy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 86_400_000L));

        Started first = checkConfig(tmp);
        assertThat(first.exit).as(first.output).isZero();
        assertThat(first.output).contains("configuration ok");
        List<Path> copies;
        try (var list = Files.list(state.resolve("onnxruntime"))) {
            copies = list.toList();
        }
        assertThat(copies).as("one copy of the libraries, the old version's removed").hasSize(1);
        Path library = copies.get(0).resolve("libonnxruntime.so");
        assertThat(library).isRegularFile();
        Object unpacked = Files.readAttributes(library, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        Started second = checkConfig(tmp);
        assertThat(second.exit).as(second.output).isZero();
        assertThat(Files.readAttributes(library, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("the second start loads the same copy").isEqualTo(unpacked);
    }

    @Test
    void theBundledModelIsTheOneExpected() {
        try (SpeechModel m = SpeechModel.bundled()) {
            float[][] p = m.probabilities(new float[][]{new float[SpeechModel.CHUNK * 4]});
            assertThat(p[0]).hasSize(4);
            for (float v : p[0]) {
                assertThat(v).as("digital silence is no speech").isLessThan(0.1f);
            }
        }
    }

    private record Started(int exit, String output) {
    }

    private Started start(Path model) throws Exception {
        return run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--set=analysis.speech-model=" + model, "--set=state-dir=" + dir.resolve("state"), "--set=http.port=0"));
    }

    private Started checkConfig(Path tmp) throws Exception {
        return run(List.of("unshare", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs -o noexec,size=16m tmpfs \"$0\" && exec \"$@\"",
                tmp.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--check-config",
                "--set=state-dir=" + dir.resolve("state"), "--set=http.port=0"));
    }

    private Started run(List<String> cmd) throws Exception {
        Path log = dir.resolve("daemon.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("callvaultd did not stop: " + Files.readString(log));
        }
        return new Started(p.exitValue(), Files.readString(log));
    }
}
