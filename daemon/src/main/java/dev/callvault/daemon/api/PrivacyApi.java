package dev.callvault.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.config.Config;
import dev.callvault.daemon.HttpSupport;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.daemon.console.ConsoleAuth;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.db.DeletionLog;
import dev.callvault.privacy.Eraser;
import dev.callvault.privacy.Holds;
import dev.callvault.privacy.Privacy;
import dev.callvault.privacy.Retention;
import dev.callvault.storage.RecordingStore;
import dev.callvault.twilio.TwilioRecordings;
import io.undertow.server.HttpServerExchange;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The console's side of the personal-data lifecycle: a call's retention date and holds (for everyone who may see the
 * call), placing and removing holds and erasing a call (administrators only, {@code http.admins}, with a reason and the
 * session's CSRF token), and the record of every deletion.
 */
public final class PrivacyApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConsoleAuth auth;
    private final Supplier<Config> live;
    private final Database db;
    private final RecordingStore store;
    private final TwilioRecordings twilio;
    private final Clock clock;
    private final CallRepository calls;
    private final RecordingRepository recordings;

    public PrivacyApi(ConsoleAuth auth, Supplier<Config> live, Database db, RecordingStore store, TwilioRecordings twilio, Clock clock) {
        this.auth = auth;
        this.live = live;
        this.db = db;
        this.store = store;
        this.twilio = twilio;
        this.clock = clock;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
    }

    /** The lifecycle as the configuration has it now (a reload may have changed its policies). */
    private Privacy privacy() {
        return new Privacy(live.get(), db, store, twilio, clock);
    }

    /** A call's retention, holds and erasure, and whether {@code who} may change them: part of the call's JSON. */
    public Map<String, Object> about(CallRow c, List<RecordingRow> rows, ConsoleAuth.Who who) {
        Map<String, Object> m = new LinkedHashMap<>();
        Privacy privacy = privacy();
        Retention.Schedule s = privacy.retention().schedule(c);
        Map<String, Object> retention = new LinkedHashMap<>();
        retention.put("deleted_after", s.whole().map(d -> d.at().toString()).orElse(null));
        retention.put("policy", s.whole().map(Retention.Deadline::policy).orElse(null));
        retention.put("realtime_tracks_deleted_after", s.realtimeTracks().filter(rt -> s.whole().isEmpty() || rt.at().isBefore(s.whole().get().at()))
                .map(d -> d.at().toString()).orElse(null));
        m.put("retention", retention);
        m.put("holds", privacy.holds().on(c).stream().map(PrivacyApi::hold).toList());
        m.put("erased", db.jdbi().withHandle(h -> h.createQuery("SELECT erased_at, erased_by, erased_why FROM calls WHERE id = :id AND erased_at IS NOT NULL")
                .bind("id", c.id()).map((rs, ctx) -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("at", rs.getObject("erased_at", OffsetDateTime.class).toInstant().toString());
                    e.put("by", rs.getString("erased_by"));
                    e.put("why", rs.getString("erased_why"));
                    return e;
                }).findOne().orElse(null)));
        m.put("administer", admin(who));
        return m;
    }

    /** {@code POST /api/v1/calls/{call}/holds} {@code {"reason": ..., "until": "YYYY-MM-DD"}}: an administrator holds the call. */
    public void placeHold(HttpServerExchange ex) throws java.io.IOException {
        ConsoleAuth.Who who = administrator(ex);
        JsonNode body = body(ex, who);
        CallRow c = call(ex);
        LocalDate until = null;
        if (body.hasNonNull("until") && !body.get("until").asText().isBlank()) {
            try {
                until = LocalDate.parse(body.get("until").asText());
            } catch (DateTimeParseException e) {
                throw new Problem(400, "Until: '" + body.get("until").asText() + "' is not a date such as 2027-06-30");
            }
        }
        Holds.Hold h;
        try {
            h = privacy().holds().place(c, null, reason(body), who.name(), until);
        } catch (Holds.NothingToHold gone) {
            throw new Problem(409, gone.getMessage());
        }
        HttpSupport.json(ex, 201, "application/json", hold(h));
    }

    /** {@code POST /api/v1/holds/{hold_id}/remove} {@code {"reason": ...}}: an administrator ends a hold. */
    public void removeHold(HttpServerExchange ex) throws java.io.IOException {
        ConsoleAuth.Who who = administrator(ex);
        JsonNode body = body(ex, who);
        long id;
        try {
            id = Long.parseLong(HttpSupport.param(ex, "hold_id").orElse(""));
        } catch (NumberFormatException e) {
            throw new Problem(404, "no such hold");
        }
        Holds.Hold h = privacy().holds().remove(id, reason(body), who.name()).orElseThrow(() -> new Problem(404, "no hold " + id + " in force"));
        HttpSupport.json(ex, 200, "application/json", hold(h));
    }

    /**
     * {@code POST /api/v1/calls/{call}/erase} {@code {"reason": ..., "confirm": CallSid}}: an administrator erases the call
     * everywhere, as {@code callvault erase --call} does; answers the proof of erasure (200 complete, 409 held or not
     * complete, with the report saying why).
     */
    public void erase(HttpServerExchange ex) throws java.io.IOException {
        ConsoleAuth.Who who = administrator(ex);
        JsonNode body = body(ex, who);
        CallRow c = call(ex);
        if (!c.callSid().equals(body.path("confirm").asText())) {
            throw new Problem(400, "Confirm: type the call's SID (" + c.callSid() + ") to erase it; erasing cannot be undone");
        }
        Config.Privacy privacy = live.get().privacy();
        if (privacy.hashSecret() == null) {
            throw new Problem(503, "erasure is not set up: privacy.hash-secret is missing in the daemon's configuration");
        }
        dev.callvault.privacy.Proof report = privacy().eraser().erase(new Eraser.Request(null, c.callSid(), null, null, reason(body), who.name()));
        HttpSupport.json(ex, report.complete() ? 200 : 409, "application/json", JSON.readTree(report.json()));
    }

    /** {@code GET /api/v1/deletions?since=}: the record of every deletion, newest first (at most 1000). */
    public void deletions(HttpServerExchange ex) {
        auth.require(ex);
        Instant since = HttpSupport.param(ex, "since").filter(s -> !s.isBlank()).map(s -> {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new Problem(400, "since: '" + s + "' is not a date and time such as 2026-11-24T09:00:00Z");
            }
        }).orElse(null);
        List<Map<String, Object>> out = new DeletionLog(db.jdbi()).since(since, 1000).stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", e.at().toString());
            m.put("actor", e.actor());
            m.put("kind", e.kind().name().toLowerCase());
            m.put("why", e.why());
            m.put("call_sid", e.callSid());
            m.put("recording_sid", e.recordingSid());
            m.put("object_key", e.objectKey());
            m.put("bytes", e.bytes());
            m.put("where", e.place().name().toLowerCase());
            m.put("outcome", e.outcome().name().toLowerCase());
            m.put("detail", e.detail());
            return m;
        }).toList();
        HttpSupport.json(ex, 200, "application/json", Map.of("deletions", out));
    }

    private boolean admin(ConsoleAuth.Who who) {
        return who != null && who.person() && live.get().privacy().admins().contains(who.name());
    }

    /** 403 for anyone but an administrator (a person named in http.admins; never the API token). */
    private ConsoleAuth.Who administrator(HttpServerExchange ex) {
        ConsoleAuth.Who who = auth.require(ex);
        if (!admin(who)) {
            throw new Problem(403, "only administrators (http.admins) may place or remove holds and erase; " + who.name() + " is not one");
        }
        return who;
    }

    /** The request's JSON, after its CSRF token (X-CSRF-Token) and origin are checked against the session. */
    private JsonNode body(HttpServerExchange ex, ConsoleAuth.Who who) throws java.io.IOException {
        auth.checkRequest(ex, who, ex.getRequestHeaders().getFirst("X-CSRF-Token"));
        byte[] bytes = ex.getInputStream().readNBytes(16 * 1024 + 1);
        if (bytes.length > 16 * 1024) {
            throw new Problem(413, "at most 16 KiB");
        }
        try {
            return bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new Problem(400, "the request is JSON: {\"reason\": ...}");
        }
    }

    private static String reason(JsonNode body) {
        String reason = body.path("reason").asText("").strip();
        if (reason.isEmpty()) {
            throw new Problem(400, "Reason: say why (a case, a ticket, the request): it is kept in the record");
        }
        return reason;
    }

    private CallRow call(HttpServerExchange ex) {
        String id = HttpSupport.param(ex, "call_id").orElse("");
        return calls.find(id).orElseThrow(() -> new Problem(404, "no call " + id));
    }

    static Map<String, Object> hold(Holds.Hold h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", h.id());
        m.put("on", h.callSid() != null ? "call " + h.callSid() : "a number");
        m.put("reason", h.reason());
        m.put("placed_by", h.placedBy());
        m.put("placed_at", h.placedAt().toString());
        m.put("until", h.until() == null ? null : h.until().toString());
        m.put("removed_at", h.removedAt() == null ? null : h.removedAt().toString());
        m.put("words", h.describe());
        return m;
    }
}
