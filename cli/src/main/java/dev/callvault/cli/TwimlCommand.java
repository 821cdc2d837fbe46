package dev.callvault.cli;

import dev.callvault.twiml.CallStartTwiml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.callvault.twiml.TwimlLinter;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault twiml}: the call-start TwiML the daemon answers with. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "twiml", description = "Render the call-start TwiML.", subcommands = {TwimlCommand.Render.class, TwimlCommand.Lint.class})
public final class TwimlCommand {

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "render", description = {"Print the call-start TwiML exactly as callvaultd answers Twilio's voice webhook. URLs default to the configuration (public-url, stream-url)."},
            footer = {"", "Examples:", "  callvault twiml render --public-url https://calls.example.com",
                    "  callvault twiml render --legacy-record > seed.xml"})
    static final class Render implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Option(names = "--public-url", paramLabel = "URL", description = "Public https URL of callvaultd (status callbacks go to URL/recording/status).")
        URI publicUrl;

        @Option(names = "--stream-url", paramLabel = "URL", description = "The assistant's wss:// media stream; default wss://{public host}/streams.")
        URI streamUrl;

        @Option(names = "--legacy-record", description = "Render the seed's blocking <Record> form (records the caller until silence only).")
        boolean legacy;

        @Option(names = "--assistant", paramLabel = "ID", description = "The call's assistant (as ?assistant=ID on the voice webhook): its recording settings decide whether the real-time recorder's stream is added.")
        String assistant;

        @Option(names = "--to", paramLabel = "NUMBER", description = "The number called, which picks the assistant when --assistant is not given.")
        String to;

        @Override
        public Integer call() {
            var whole = config.load();
            var cfg = whole.http();
            URI pub = publicUrl != null ? publicUrl : cfg.publicUrl();
            URI stream = streamUrl != null ? streamUrl : cfg.streamUrl();
            if (publicUrl != null && (!List.of("http", "https").contains(String.valueOf(publicUrl.getScheme())) || publicUrl.getHost() == null)) {
                throw new UsageError("--public-url must be an http(s) URL with a host, such as https://calls.example.com; got '" + publicUrl + "'");
            }
            if (streamUrl != null && (!List.of("ws", "wss").contains(String.valueOf(streamUrl.getScheme())) || streamUrl.getHost() == null)) {
                throw new UsageError("--stream-url must be a ws(s) URL with a host, such as wss://assistant.example.com/stream; got '" + streamUrl + "'");
            }
            if (stream == null && pub != null) {
                stream = URI.create("wss://" + pub.getRawAuthority() + "/streams");
            }
            try {
                var settings = whole.assistants().match(assistant, to);
                var recorder = settings.records() && pub != null
                        ? new CallStartTwiml.Recorder(CallStartTwiml.mediaUrl(pub), settings.id().isEmpty() ? null : settings.id()) : null;
                System.out.println(CallStartTwiml.render(new CallStartTwiml.Options(pub, stream, legacy, recorder)));
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "lint", description = {"Check call-start TwiML for what loses recordings: <Record> before <Connect> (it blocks and records only the caller until silence), a missing or non-https status callback, non-wss stream URLs, unknown attributes, events Twilio never sends, <Start> after <Connect>, more than 4 streamed tracks. Exit 1 when it finds problems, 65 when the input is not XML."},
            footer = {"", "Examples:", "  callvault twiml lint answer.xml", "  curl -s https://calls.example.com/twiml ... | callvault twiml lint -"})
    static final class Lint implements Callable<Integer> {
        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "FILE|-", description = "The TwiML document; - reads standard input.")
        String file;

        @Override
        public Integer call() {
            String twiml;
            try {
                twiml = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
            } catch (IOException e) {
                throw new BadInput("cannot read " + file + ": " + e.getMessage());
            }
            List<TwimlLinter.Finding> findings;
            try {
                findings = TwimlLinter.lint(twiml);
            } catch (TwimlLinter.InvalidTwimlException e) {
                throw new BadInput(file + ": " + e.getMessage());
            }
            Output out = output.output();
            String name = file.equals("-") ? "<stdin>" : file;
            for (TwimlLinter.Finding f : findings) {
                out.text(name + ":" + f.line() + ": " + out.warning("<" + f.element() + ">") + " " + f.message());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", name);
                m.put("line", f.line());
                m.put("element", f.element());
                m.put("message", f.message());
                out.json(m);
            }
            if (findings.isEmpty()) {
                out.text(name + ": " + out.good("ok"));
            }
            return findings.isEmpty() ? ExitCode.OK.code : ExitCode.FAILED.code;
        }
    }
}
