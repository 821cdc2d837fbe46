package dev.callvault.daemon;

import dev.callvault.config.Config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The configuration a running daemon uses, of which a reload ({@code systemctl reload callvaultd}, SIGHUP) replaces
 * the assistants' recording settings and the Twilio accounts and credentials. The rest (listeners, database, store,
 * state directory, workers) is bound to resources made at start: a change there is named in the log as needing a
 * restart, and the running value kept.
 */
public final class LiveConfig implements Supplier<Config> {
    private final AtomicReference<Config> current;

    LiveConfig(Config initial) {
        this.current = new AtomicReference<>(initial);
    }

    @Override
    public Config get() {
        return current.get();
    }

    /** Takes {@code next}'s reloadable part; returns what was not taken, one line each (empty: all of it). */
    List<String> reload(Config next) {
        Config now = current.get();
        List<String> kept = new ArrayList<>();
        needsRestart(kept, "http (listeners, public-url, tokens, users file, sessions)", now.http(), next.http());
        needsRestart(kept, "database", now.database(), next.database());
        needsRestart(kept, "storage", now.storage(), next.storage());
        needsRestart(kept, "worker", now.worker(), next.worker());
        needsRestart(kept, "state-dir", now.stateDir(), next.stateDir());
        needsRestart(kept, "analysis.speech-model", now.speechModel(), next.speechModel());
        current.set(new Config(now.http(), now.database(), now.storage(), next.twilio(), now.worker(), next.assistants(), now.stateDir(),
                next.phoneRegion(), next.privacy(), now.speechModel()));
        return kept;
    }

    private static void needsRestart(List<String> kept, String what, Object now, Object next) {
        if (!Objects.equals(now, next)) {
            kept.add(what + " changed: it takes effect at the next restart; the running value is kept");
        }
    }
}
