package dev.callvault.cli;

import dev.callvault.CallvaultException;
import dev.callvault.Version;
import dev.callvault.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code callvault}: the operators' and cron's tool over callvault's shared core. */
@Command(name = "callvault", mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class,
        description = {"Operate callvault: render and check TwiML, replay status callbacks, backfill recordings from Twilio into S3, verify that every recording is archived and upgraded, download recordings, and check the installation. Settings come from /etc/callvault/callvault.conf (or --config), the environment, then --set (see callvaultd --list-settings)."},
        footer = {"", "Examples:", "  callvault doctor", "  callvault backfill --since 36h", "  callvault verify --since 24h --json"})
public final class Callvault {
    /**
     * The commands, in help order. Added in code rather than in the annotation so that a run builds the model of the one
     * it runs only: picocli's classes are Java 5 bytecode, which a class-data-sharing archive cannot hold, and building
     * all the commands' models took most of a short command's start.
     */
    private static final java.util.List<Class<?>> COMMANDS = java.util.List.of(TwimlCommand.class, ReplayCommand.class, BackfillCommand.class,
            VerifyCommand.class, DownloadCommand.class, DoctorCommand.class, LinkCommand.class, CallCommand.class, MediaCommand.class, DbCommand.class,
            UserCommand.class, AuditCommand.class, AnalyzeCommand.class, RetentionCommand.class, HoldCommand.class, EraseCommand.class,
            CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        int code = run(args);
        endHttpClientSelectors();
        System.exit(code);
    }

    /**
     * Lets the JVM exit at once. A java.net.http client (Twilio's) keeps a selector thread waiting in epoll, and a JVM
     * that exits with a thread in native code waits for it to come out for 300 ms (VM_Exit's wait for threads in
     * native) - a third of an empty backfill. The work is done and printed here; interrupting those threads ends them
     * within milliseconds (JDK 17 has no HttpClient.close; its threads are named "HttpClient-N-SelectorManager").
     */
    private static void endHttpClientSelectors() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager")) {
                t.interrupt();
            }
        }
    }

    /** The command tree with its help sections, as the man pages and completion scripts are generated from it. */
    public static CommandLine commandLine() {
        return commandLine(COMMANDS);
    }

    private static CommandLine commandLine(java.util.List<Class<?>> commands) {
        CommandLine cmd = new CommandLine(new Callvault());
        for (Class<?> c : commands) {
            try {
                cmd.addSubcommand(c.getAnnotation(Command.class).name(), c.getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("command " + c.getName() + " cannot be made", e);
            }
        }
        withExitCodes(cmd);
        return cmd;
    }

    /**
     * What {@code args} need of the tree: a run of one command builds that command only; {@code --version} none; anything
     * else (help, no command, a word that names no command, which is then suggested from all of them) the whole tree.
     */
    static java.util.List<Class<?>> needed(String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return java.util.List.of();
        }
        if (args.length > 0 && !args[0].equals("help")) {
            for (Class<?> c : COMMANDS) {
                if (c.getAnnotation(Command.class).name().equals(args[0])) {
                    return java.util.List.of(c);
                }
            }
        }
        return COMMANDS;
    }

    public static int run(String... args) {
        CommandLine cmd = commandLine(needed(args));
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
            if (e instanceof ConfigException || e instanceof dev.callvault.analysis.SpeechModel.ModelException) {
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
            e.getCommandLine().getErr().println("callvault: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                CommandLine.UnmatchedArgumentException.printSuggestions(u, e.getCommandLine().getErr()); // a mistyped command
            }
            return ExitCode.USAGE.code;
        });
        Integer unknown = unknownCommand(cmd, args);
        return unknown != null ? unknown : cmd.execute(args);
    }

    /**
     * A word that names no command is an error even beside --help (picocli would print the help and exit 0, so a typo
     * in a cron line would pass unseen): it is named, the nearest commands suggested, exit 64.
     */
    private static Integer unknownCommand(CommandLine cmd, String... args) {
        CommandLine.ParseResult parsed;
        try {
            parsed = cmd.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return null; // execute() reports it through the parameter exception handler
        }
        CommandLine.ParseResult p = parsed;
        while (p.hasSubcommand()) {
            p = p.subcommand();
        }
        if (p.unmatched().isEmpty() || !(p.isUsageHelpRequested() || p.isVersionHelpRequested())) {
            return null;
        }
        CommandLine where = p.commandSpec().commandLine();
        where.getErr().println("callvault: unknown command or argument '" + p.unmatched().get(0) + "' for '" + p.commandSpec().qualifiedName() + "'");
        CommandLine.UnmatchedArgumentException.printSuggestions(new CommandLine.UnmatchedArgumentException(where, p.unmatched()), where.getErr());
        where.getErr().println("(see '" + p.commandSpec().qualifiedName() + " --help')");
        return ExitCode.USAGE.code;
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
        if (cmd.getCommand() instanceof VerifyCommand) {
            // verify speaks the monitoring-plugin convention so cron and Nagios-style monitors can read it
            codes.put("0", "OK: everything archived, upgraded and matching");
            codes.put("1", "WARNING: recordings not upgraded or orphan objects (above --warning)");
            codes.put("2", "CRITICAL: objects missing or mismatched (above --critical)");
            codes.put("3", "UNKNOWN: could not check (Twilio, S3 or the database unavailable)");
            codes.put("64", "bad usage");
        } else {
            for (ExitCode c : ExitCode.values()) {
                codes.put(Integer.toString(c.code), c.meaning);
            }
        }
        cmd.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        cmd.getSubcommands().values().forEach(Callvault::withExitCodes);
    }

    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"callvault " + Version.current()};
        }
    }
}
