package dev.callvault.cli;

import dev.callvault.config.Config;
import dev.callvault.config.ConfigException;
import dev.callvault.signature.PlaybackLinks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault link}: an expiring signed playback link. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "link", description = "Print an expiring link that plays (or downloads) one recording without a token.",
        footer = {"", "Examples:", "  callvault link --call CA1f2e3d4c5b6a79880123456789abcdef --recording 6f1c...-... --ttl 1h"})
public final class LinkCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Option(names = "--call", required = true, paramLabel = "ID|CA...", description = "The call: our id or its CallSid.")
    String call;

    @Option(names = "--recording", required = true, paramLabel = "ID", description = "The recording's id.")
    String recording;

    @Option(names = "--ttl", paramLabel = "SPAN", converter = Args.Span.class, description = "How long the link works: 15m, 1h, 7d; default 1h.")
    Duration ttl = Duration.ofHours(1);

    @Option(names = "--download", description = "Link to the attachment download instead of inline playback.")
    boolean download;

    @Option(names = "--base-url", paramLabel = "URL", description = "Where the daemon is reached; default public-url.")
    URI baseUrl;

    @Override
    public Integer call() {
        Config c = config.load();
        if (c.http().linkSecret() == null) {
            throw new ConfigException("http.link-secret (CALLVAULT_LINK_SECRET) is not set: links cannot be signed");
        }
        URI base = baseUrl != null ? baseUrl : c.http().publicUrl();
        if (base == null) {
            throw new UsageError("no --base-url and no public-url configured");
        }
        String path = "/calls/" + call + "/recording/" + recording + (download ? "" : "/play");
        Instant expires = Instant.now().plus(ttl);
        String url = base.toString().replaceAll("/$", "") + path + "?" + new PlaybackLinks(c.http().linkSecret().reveal()).sign(path, expires);
        Output out = output.output();
        out.text(url);
        out.json(Map.of("url", url, "expires", expires.toString()));
        return 0;
    }
}
