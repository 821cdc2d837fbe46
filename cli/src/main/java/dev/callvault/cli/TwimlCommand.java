package dev.callvault.cli;

import dev.callvault.twiml.CallStartTwiml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.concurrent.Callable;

/** {@code callvault twiml}: the call-start TwiML the daemon answers with. */
@Command(name = "twiml", description = "Render the call-start TwiML.", subcommands = {TwimlCommand.Render.class})
public final class TwimlCommand {

    @Command(name = "render", description = {"Print the call-start TwiML exactly as callvaultd answers Twilio's voice webhook.",
            "URLs default to the configuration (public-url, stream-url)."},
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

        @Override
        public Integer call() {
            var cfg = config.load().http();
            URI pub = publicUrl != null ? publicUrl : cfg.publicUrl();
            URI stream = streamUrl != null ? streamUrl : cfg.streamUrl();
            if (stream == null && pub != null) {
                stream = URI.create("wss://" + pub.getRawAuthority() + "/streams");
            }
            try {
                System.out.println(CallStartTwiml.render(new CallStartTwiml.Options(pub, stream, legacy, null)));
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
            return 0;
        }
    }
}
