package dev.callvault.daemon;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import dev.callvault.CallvaultException;
import dev.callvault.Version;
import dev.callvault.config.Config;
import dev.callvault.config.ConfigException;
import dev.callvault.config.ConfigLoader;
import dev.callvault.db.Database;
import dev.callvault.analysis.SpeechModel;
import dev.callvault.config.Setting;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code callvaultd}: answers Twilio's webhooks, archives recordings, serves them back. */
@Command(name = "callvaultd", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"The callvault daemon for Twilio's webhooks, the recordings' archive, playback and the console. It answers Twilio's voice webhook with call-start TwiML, stores recording status callbacks durably, archives each finished Twilio recording into S3 and PostgreSQL, and serves recordings to authenticated clients.",
                "",
                "With no database configured it runs an embedded PostgreSQL in the state directory (a checkout's build; the Debian package carries none); with no bucket it keeps recordings in {state-dir}/recordings. Settings come from the config file, then the environment, then --set, later winning; run with --check-config to see what it would use."},
        footer = {"", "Examples:",
                "  callvaultd                                   run on the defaults (embedded database, local directory)",
                "  callvaultd --config /etc/callvault/callvault.conf --check-config",
                "  CALLVAULT_STORAGE=s3://recordings/prod CALLVAULT_PUBLIC_URL=https://calls.example.com callvaultd",
                "",
                "Exit codes: 0 stopped cleanly (also on SIGTERM), 69 a dependency is unavailable at start, 70 internal error,",
                "78 bad configuration (or a database a newer callvault has migrated), 64 bad usage."})
public final class Main implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "Config file (key = value lines); default /etc/callvault/callvault.conf when present.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting, e.g. --set http.port=9090 (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--check-config", description = "Validate the configuration, print it (secrets masked) and exit.")
    boolean checkConfig;

    @Option(names = "--log-format", paramLabel = "text|json", description = "Log line format; default text.")
    String logFormat = "text";

    @Option(names = "--list-settings", description = "List every setting with its environment variable and exit.")
    boolean listSettings;

    /** SIGTERM or SIGINT: finish the work in hand, then exit 0 (not the JVM's 143). */
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    /** SIGHUP (systemctl reload): the config file and --set again; a config that does not load is refused, the old one kept. */
    private final Reloads<Daemon> reloads = new Reloads<>(this::reload);

    public static void main(String[] args) {
        Main main = new Main();
        // The handlers go in first, before the options are even parsed: the JVM's own handler for SIGHUP ends the process,
        // so a reload asked for while starting would otherwise stop the daemon; from here it is carried out once started.
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> main.stopRequested.countDown());
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> main.stopRequested.countDown());
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> main.reloads.request());
        System.exit(run(main, args));
    }

    static int run(Main main, String... args) {
        CommandLine cmd = new CommandLine(main);
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("callvaultd: " + e.getMessage());
            // 78 is what the unit does not restart on: a setting, the speech model or a database made by a newer
            // callvault will be just as wrong in five seconds
            return e instanceof ConfigException || e instanceof SpeechModel.ModelException || e instanceof Database.SchemaTooNewException ? 78
                    : e instanceof CallvaultException ce && ce.retryable() ? 69 : 70;
        });
        cmd.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("callvaultd: " + e.getMessage() + " (see callvaultd --help)");
            return 64;
        });
        return cmd.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--log-format must be text or json, not '" + logFormat + "'");
        }
        if (logFormat.equals("json")) {
            jsonLogs();
        }
        if (listSettings) {
            for (Setting s : Setting.ALL) {
                System.out.printf("%-26s %-32s %s%n", s.key(), s.env(), s.help());
            }
            return 0;
        }
        if (!checkConfig) {
            LoggerFactory.getLogger(Main.class).info("callvaultd {} starting (pid {})", Version.current(), ProcessHandle.current().pid());
            if (hangupIgnored()) {
                LoggerFactory.getLogger(Main.class).warn("SIGHUP was ignored by whatever started callvaultd (nohup?), and a JVM cannot take an ignored "
                        + "signal back: kill -HUP will not reload the configuration. Start it without nohup (systemd and the callvaultd launcher do).");
            }
        }
        Config config = ConfigLoader.load(configFile, System.getenv(), overrides);
        SpeechModel.install(config.speechModel(), config.stateDir());
        if (checkConfig) {
            config.describe().forEach((k, v) -> System.out.printf("%-16s %s%n", k, v));
            System.out.println("configuration ok");
            return 0;
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (RuntimeException e) {
            reloads.stopped();
            throw e;
        }
        reloads.started(daemon);
        stopRequested.await();
        reloads.stopped();
        daemon.close();
        return 0;
    }

    /** True when this process was started with SIGHUP ignored: the JVM then silently installs no handler for it. */
    private static boolean hangupIgnored() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1) != 0; // bit 0: signal 1, SIGHUP
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: nothing to tell
        }
        return false;
    }

    private String reload(Daemon daemon) {
        Config next = ConfigLoader.load(configFile, System.getenv(), overrides);
        daemon.reload(next);
        return next.assistants().byId().size() + " assistants, " + next.twilio().accounts().size() + " Twilio accounts";
    }

    private static void jsonLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(ctx);
        out.setEncoder(encoder);
        out.start();
        root.addAppender(out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"callvaultd " + Version.current()};
        }
    }
}
