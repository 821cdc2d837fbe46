package dev.callvault.cli;

import dev.callvault.config.Config;
import dev.callvault.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Options every command that touches the database, S3 or Twilio shares: where its configuration comes from. */
public final class ConfigMixin {
    @Option(names = "--config", paramLabel = "FILE", description = "Config file; default /etc/callvault/callvault.conf when present.")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (repeatable), e.g. --set storage=s3://bucket/prefix.")
    Map<String, String> overrides = new LinkedHashMap<>();

    public Config load() {
        return ConfigLoader.load(file, System.getenv(), overrides);
    }
}
