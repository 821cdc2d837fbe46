package dev.callvault.analysis;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Silero VAD v5 (MIT licence; the file {@code silero_vad_v5.onnx} of npm's {@code @ricky0123/vad-web} 0.0.31), a small
 * recurrent network that gives the probability of speech in each 32 ms (256 samples at 8 kHz) of telephone audio, on
 * ONNX Runtime. Loaded once, its SHA-256 checked first: a missing or different file is an error at start-up, never a
 * silent fall back to the energy detector alone. Thread-safe: ONNX Runtime sessions may be run concurrently.
 */
public final class SpeechModel implements AutoCloseable {
    public static final String SHA256 = "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f";
    static final String RESOURCE = "silero_vad_v5.onnx";
    public static final int RATE = 8000;
    /** Samples a step of the network reads: 32 ms at 8 kHz. */
    public static final int CHUNK = 256;
    /** The last samples of the step before, which the v5 model reads with each chunk. */
    static final int CONTEXT = 32;
    private static final int STATE = 128;

    private static volatile SpeechModel shared;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String source;

    private SpeechModel(byte[] model, String source) throws OrtException {
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            this.session = env.createSession(model, options);
        }
        this.source = source;
    }

    /**
     * The model the analysis uses: the one {@link #use} installed (the daemon and the CLI load it at start-up, from
     * the setting analysis.speech-model or the bundled copy), else the bundled one, loaded on first use.
     */
    public static SpeechModel shared() {
        SpeechModel m = shared;
        if (m == null) {
            synchronized (SpeechModel.class) {
                if (shared == null) {
                    shared = bundled();
                }
                m = shared;
            }
        }
        return m;
    }

    /**
     * Loads the model a configuration names ({@code file}, the setting analysis.speech-model; null: the bundled one)
     * and makes it the one {@link #shared()} returns: at start-up, so that a missing or corrupt model stops the start.
     * ONNX Runtime's native libraries are loaded from {@code stateDir} (see {@link OnnxRuntimeLibraries}).
     */
    public static SpeechModel install(Path file, Path stateDir) {
        SpeechModel model = open(file, stateDir);
        use(model);
        return model;
    }

    /**
     * The model a configuration names ({@code file}; null: the bundled one), ONNX Runtime's native libraries loaded
     * from {@code stateDir} (see {@link OnnxRuntimeLibraries}); the caller closes it.
     */
    public static SpeechModel open(Path file, Path stateDir) {
        OnnxRuntimeLibraries.prepare(stateDir);
        return file == null ? bundled() : load(file);
    }

    /** Makes {@code model} the one {@link #shared()} returns. */
    public static synchronized void use(SpeechModel model) {
        shared = model;
    }

    /** The model bundled with callvault. */
    public static SpeechModel bundled() {
        try (InputStream in = SpeechModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new ModelException("the speech model " + RESOURCE + " is missing from callvault's class path (a broken install: reinstall the package)");
            }
            return checked(in.readAllBytes(), "the bundled " + RESOURCE);
        } catch (IOException e) {
            throw new ModelException("cannot read the bundled speech model " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** The model in {@code file} (the setting analysis.speech-model), which must be Silero VAD v5 byte for byte. */
    public static SpeechModel load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelException("the speech model " + file + " does not exist (analysis.speech-model; unset it to use the bundled one)", e);
        } catch (IOException e) {
            throw new ModelException("cannot read the speech model " + file + ": " + e.getMessage(), e);
        }
        return checked(bytes, file.toString());
    }

    private static SpeechModel checked(byte[] bytes, String source) {
        String sha = sha256(bytes);
        if (!sha.equals(SHA256)) {
            throw new ModelException("the speech model " + source + " is not Silero VAD v5: its SHA-256 is " + sha + ", expected " + SHA256
                    + " (" + bytes.length + " bytes; a truncated or corrupt file?)");
        }
        try {
            return new SpeechModel(bytes, source);
        } catch (OrtException e) {
            throw new ModelException("ONNX Runtime cannot load the speech model " + source + ": " + e.getMessage(), e);
        } catch (RuntimeException | LinkageError e) {
            // its native library: shipped for Linux on x86-64 and arm64 only, unpacked into the state directory (else
            // java.io.tmpdir)
            String from = System.getProperty(OnnxRuntimeLibraries.PROPERTY);
            throw new RuntimeUnavailable("ONNX Runtime cannot start on this machine (" + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ", its libraries " + (from != null ? "in " + from : "unpacked into the temporary directory "
                    + System.getProperty("java.io.tmpdir")) + "): " + e, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The probability of speech in each chunk of each of {@code windows} (8 kHz samples scaled to [-1, 1], each a whole
     * number of {@link #CHUNK}s, all of one length), every window read from a fresh state, all of them in one batch.
     */
    public float[][] probabilities(float[][] windows) {
        return probabilities(windows, (step, p) -> false);
    }

    /** Told each step's probabilities as they come; true stops the model there (the later chunks are left 0). */
    @FunctionalInterface
    public interface Enough {
        boolean after(int step, float[][] p);
    }

    /**
     * As {@link #probabilities(float[][])}, but stops once {@code enough} says so: a caller that needs only whether
     * each window reaches a probability somewhere saves the steps after every window has.
     */
    public float[][] probabilities(float[][] windows, Enough enough) {
        int batch = windows.length;
        if (batch == 0) {
            return new float[0][];
        }
        int steps = windows[0].length / CHUNK;
        float[][] out = new float[batch][steps];
        float[] input = new float[batch * (CONTEXT + CHUNK)];
        float[] state = new float[2 * batch * STATE];
        long[] shape = {batch, CONTEXT + CHUNK};
        long[] stateShape = {2, batch, STATE};
        try (OnnxTensor rate = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{RATE}), new long[]{})) {
            for (int step = 0; step < steps; step++) {
                for (int b = 0; b < batch; b++) {
                    int from = step * CHUNK - CONTEXT;
                    int to = b * (CONTEXT + CHUNK);
                    if (from < 0) {
                        java.util.Arrays.fill(input, to, to + CONTEXT, 0f);
                        System.arraycopy(windows[b], 0, input, to + CONTEXT, CHUNK);
                    } else {
                        System.arraycopy(windows[b], from, input, to, CONTEXT + CHUNK);
                    }
                }
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
                     OnnxTensor st = OnnxTensor.createTensor(env, FloatBuffer.wrap(state), stateShape);
                     OrtSession.Result result = session.run(Map.of("input", in, "state", st, "sr", rate))) {
                    FloatBuffer p = ((OnnxTensor) result.get(0)).getFloatBuffer();
                    for (int b = 0; b < batch; b++) {
                        out[b][step] = p.get(b);
                    }
                    ((OnnxTensor) result.get(1)).getFloatBuffer().get(state);
                }
                if (enough.after(step, out)) {
                    break;
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("the speech model " + source + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The speech model cannot be used: missing, corrupt, or not loadable. */
    public static class ModelException extends RuntimeException {
        ModelException(String message) {
            super(message);
        }

        ModelException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** ONNX Runtime itself cannot start here (a platform it has no libraries for, or none it can load): the file is not at fault. */
    public static final class RuntimeUnavailable extends ModelException {
        RuntimeUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
