package dev.callvault.daemon;

import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.db.Database;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StoreProbe;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /healthz} (the process answers), {@code /readyz} (database, schema and store usable), {@code /metrics}. */
final class Health {
    private final Database db;
    private final RecordingStore store;
    private final Metrics metrics;
    private final DatabaseOutage outage;
    private static final long PROBE_EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
    private long probedAt;
    private String storeProblem;

    Health(Database db, RecordingStore store, Metrics metrics, DatabaseOutage outage) {
        this.db = db;
        this.store = store;
        this.metrics = metrics;
        this.outage = outage;
    }

    void live(HttpServerExchange ex) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        ex.getResponseSender().send("ok\n");
    }

    void ready(HttpServerExchange ex) {
        boolean database = outage.probe();
        String schema;
        boolean schemaCurrent;
        try {
            Database.MigrationStatus s = database ? db.migrationStatus() : null;
            schemaCurrent = s != null && s.current();
            schema = s == null ? "unknown" : s.currentVersion() + (s.pending() > 0 ? " (" + s.pending() + " pending)" : "");
        } catch (RuntimeException e) {
            schemaCurrent = false;
            schema = "unknown";
        }
        boolean storage = store.reachable();
        String storageProblem = storage ? storeProblem() : null;
        boolean ready = database && schemaCurrent && storage && storageProblem == null;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ready);
        body.put("database", database);
        body.put("schema", schema);
        body.put("schema_current", schemaCurrent);
        body.put("storage", storage && storageProblem == null);
        if (storageProblem != null) {
            body.put("storage_problem", storageProblem);
        }
        body.put("journaled", outage.journaled());
        HttpSupport.json(ex, ready ? 200 : 503, "application/json", body);
    }

    /**
     * Whether the store keeps bytes as sent (a probe object written, read back, deleted), checked at most once a
     * minute: a store that keeps aws-chunked framing answers every request yet corrupts every recording.
     */
    private synchronized String storeProblem() {
        long now = System.nanoTime();
        if (probedAt == 0 || now - probedAt > PROBE_EVERY_NANOS) {
            try {
                storeProblem = StoreProbe.roundTrip(store).map(p -> p.what() + "; " + p.fix()).orElse(null);
            } catch (Exception e) {
                storeProblem = "the probe object could not be written, read or deleted: " + e.getMessage();
            }
            probedAt = now;
        }
        return storeProblem;
    }

    void metrics(HttpServerExchange ex) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        ex.getResponseSender().send(metrics.scrape());
    }
}
