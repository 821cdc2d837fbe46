package dev.callvault.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.fusesource.jansi.Ansi;

import java.io.PrintStream;

/**
 * Where a command's results go: data on stdout (text or JSON), diagnostics on stderr. Colour and progress bars
 * only on a terminal, never with {@code --json} or {@code NO_COLOR}.
 */
public final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final boolean json;
    private final boolean tty;
    private final boolean colour;
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    Output(boolean json) {
        this.json = json;
        this.tty = System.console() != null;
        this.colour = tty && !json && System.getenv("NO_COLOR") == null;
    }

    public boolean json() {
        return json;
    }

    /** A line of text results (ignored in JSON mode). */
    public void text(String line) {
        if (!json) {
            out.println(line);
        }
    }

    /** One JSON value on its own line (ignored in text mode). */
    public void json(Object value) {
        if (json) {
            try {
                out.println(JSON.writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write JSON", e);
            }
        }
    }

    public void warn(String line) {
        err.println(line);
    }

    public String good(String s) {
        return colour ? Ansi.ansi().fgGreen().a(s).reset().toString() : s;
    }

    public String bad(String s) {
        return colour ? Ansi.ansi().fgRed().bold().a(s).reset().toString() : s;
    }

    public String warning(String s) {
        return colour ? Ansi.ansi().fgYellow().a(s).reset().toString() : s;
    }

    /** A progress bar on stderr when a person is watching; a no-op otherwise. */
    public Progress progress(String task, long total, String unit, long unitSize) {
        if (!tty || json) {
            return new Progress(null);
        }
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err));
        if (unit != null) {
            b.setUnit(unit, unitSize).showSpeed();
        }
        return new Progress(b.build());
    }

    /** A progress bar that may be absent. */
    public static final class Progress implements AutoCloseable {
        private final ProgressBar bar;

        Progress(ProgressBar bar) {
            this.bar = bar;
        }

        public void step() {
            if (bar != null) {
                bar.step();
            }
        }

        public void stepTo(long n) {
            if (bar != null) {
                bar.stepTo(n);
            }
        }

        public void maxHint(long n) {
            if (bar != null) {
                bar.maxHint(n);
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
