package dev.callvault.cli;

import dev.callvault.config.ConfigException;
import dev.callvault.doctor.Doctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault doctor}: checks every part and says what to fix. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "doctor", description = {"Check the configuration, the database, the store, Twilio's credentials and a running daemon. The database: reachable and migrated; the store: a probe object written, read and deleted with every version of it, and whether erasure and retention can delete for good (the bucket's versioning; where it keeps versions, that callvault may list them and delete one by its id); each Twilio account's credentials: one cheap API call; the private keys of Twilio's encrypted recordings: every public key a stored recording uses has one, and each configured key opens a stored recording that names it (a valid key of another pair fails); a running daemon, when asked: it accepts a request signed for the public URL. Exits 0 only when every check passes."},
        footer = {"", "Examples:", "  callvault doctor", "  callvault doctor --daemon                 also probe the daemon at public-url",
                "  callvault doctor --daemon-url http://127.0.0.1:8080   probe it directly, behind the proxy"})
public final class DoctorCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Option(names = "--daemon", description = "Also send the daemon at public-url a signed request (stored as a harmless in-progress callback).")
    boolean daemon;

    @Option(names = "--daemon-url", paramLabel = "URL", description = "Send that signed request here instead (e.g. the daemon behind the proxy).")
    URI daemonUrl;

    @Override
    public Integer call() {
        Output out = output.output();
        List<Doctor.Check> checks;
        try {
            var cfg = config.load();
            URI probe = daemonUrl != null ? daemonUrl : daemon ? cfg.http().publicUrl() : null;
            checks = Doctor.run(cfg, probe);
        } catch (ConfigException e) {
            checks = List.of(new Doctor.Check("config", false, e.getMessage(), "fix the setting named above"));
        }
        boolean all = true;
        for (Doctor.Check c : checks) {
            all &= c.ok();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("check", c.name());
            m.put("ok", c.ok());
            m.put("detail", c.detail());
            m.put("fix", c.fix());
            out.json(m);
            out.text((c.ok() ? out.good("PASS") : out.bad("FAIL")) + " " + c.name() + ": " + c.detail() + (c.ok() ? "" : "\n     fix: " + c.fix()));
        }
        return all ? ExitCode.OK.code : ExitCode.FAILED.code;
    }
}
