package dev.callvault.daemon;

import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.db.Database;
import dev.callvault.storage.RecordingStore;
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
        boolean ready = database && schemaCurrent && storage;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ready);
        body.put("database", database);
        body.put("schema", schema);
        body.put("schema_current", schemaCurrent);
        body.put("storage", storage);
        body.put("journaled", outage.journaled());
        HttpSupport.json(ex, ready ? 200 : 503, "application/json", body);
    }

    void metrics(HttpServerExchange ex) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        ex.getResponseSender().send(metrics.scrape());
    }
}
