package dev.callvault.cli;

import dev.callvault.CallvaultException;
import dev.callvault.Version;
import dev.callvault.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code callvault}: the operators' and cron's tool over callvault's shared core. */
@Command(name = "callvault", mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class,
        description = {"Operate callvault: render and check TwiML, replay status callbacks, backfill recordings from Twilio into S3,",
                "verify that every recording is archived and upgraded, download recordings, and check the installation.",
                "Settings come from /etc/callvault/callvault.conf (or --config), the environment, then --set (see callvaultd --list-settings)."},
        footer = {"", "Examples:", "  callvault doctor", "  callvault backfill --since 36h", "  callvault verify --since 24h --json"},
        subcommands = {TwimlCommand.class, ReplayCommand.class, BackfillCommand.class, VerifyCommand.class, DownloadCommand.class,
                DoctorCommand.class, LinkCommand.class, DbCommand.class, CommandLine.HelpCommand.class})
public final class Callvault {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cmd = new CommandLine(new Callvault());
        withExitCodes(cmd);
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("callvault: " + e.getMessage());
            if (verbose(parsed)) {
                e.printStackTrace(c.getErr());
            }
            if (e instanceof UsageError) {
                return ExitCode.USAGE.code;
            }
            if (e instanceof BadInput) {
                return ExitCode.DATA.code;
            }
            if (e instanceof ConfigException) {
                return ExitCode.CONFIG.code;
            }
            if (e instanceof CallvaultException ce) {
                return ce.retryable() ? ExitCode.UNAVAILABLE.code : ExitCode.FAILED.code;
            }
            if (!verbose(parsed)) {
                c.getErr().println("callvault: internal error; run again with --verbose for the stack trace");
            }
            return ExitCode.SOFTWARE.code;
        });
        cmd.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("callvault: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandName() + " --help')");
            return ExitCode.USAGE.code;
        });
        return cmd.execute(args);
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult p = parsed;
        while (p.hasSubcommand()) {
            p = p.subcommand();
        }
        return p.hasMatchedOption("--verbose");
    }

    /** Every command's --help ends with the one exit code table. */
    private static void withExitCodes(CommandLine cmd) {
        java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
        for (ExitCode c : ExitCode.values()) {
            codes.put(Integer.toString(c.code), c.meaning);
        }
        cmd.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        cmd.getSubcommands().values().forEach(Callvault::withExitCodes);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"callvault " + Version.current()};
        }
    }
}
