package dev.callvault.cli;

import picocli.CommandLine.Option;

/** {@code --json} for scripts, and how loud to be. */
public final class OutputMixin {
    @Option(names = "--json", description = "Print JSON (one document, or one object a line for streams of results) instead of text.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces of unexpected errors.")
    boolean verbose;

    public Output output() {
        return new Output(json);
    }
}
