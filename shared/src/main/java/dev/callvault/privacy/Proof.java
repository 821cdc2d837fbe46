package dev.callvault.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.DeletionLog;
import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The proof of an erasure request, told from the database at any time: who asked, why, what was asked for, what became
 * of each call it found, and every step of what was deleted where and when (a recording Twilio finished later included);
 * as JSON for a data-protection officer and as text for a person. {@code continues} names the request it carried on.
 */
public record Proof(UUID id, String state, String who, String reason, String askedFor, Instant started, Instant finished, UUID continues,
                    List<CallOutcome> calls, List<DeletionLog.Entry> deleted, List<String> notes) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TWILIO_NOTE = "Twilio keeps a deleted recording's metadata (not its audio) for 40 days, then deletes it too.";

    /** One call of an erasure: {@code erased}, {@code held}, {@code pending} (live), {@code failed} (to be retried), {@code carried_on}, and why. */
    public record CallOutcome(String callSid, Instant startedAt, String outcome, String detail) {
    }

    public boolean complete() {
        return state.equals("complete");
    }

    /** Erasure {@code id}'s proof as the database has it now; empty when there is no such erasure. */
    static Optional<Proof> read(Jdbi jdbi, UUID id) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT state, requested_by, reason, asked_for, started_at, finished_at, continues FROM erasures WHERE id = :id""")
                .bind("id", id).map((rs, ctx) -> {
                    OffsetDateTime finished = rs.getObject("finished_at", OffsetDateTime.class);
                    return new Object[]{rs.getString("state"), rs.getString("requested_by"), rs.getString("reason"), rs.getString("asked_for"),
                            rs.getObject("started_at", OffsetDateTime.class).toInstant(), finished == null ? null : finished.toInstant(),
                            rs.getObject("continues", UUID.class)};
                }).findOne().map(r -> {
                    List<CallOutcome> outcomes = h.createQuery("""
                                    SELECT c.call_sid, c.started_at, ec.outcome, ec.detail FROM erasure_calls ec JOIN calls c ON c.id = ec.call_id
                                    WHERE ec.erasure_id = :id ORDER BY coalesce(c.started_at, c.created_at), c.id""")
                            .bind("id", id).map((rs, ctx) -> new CallOutcome(rs.getString("call_sid"),
                                    rs.getObject("started_at") == null ? null : rs.getObject("started_at", OffsetDateTime.class).toInstant(),
                                    rs.getString("outcome"), rs.getString("detail"))).list();
                    List<String> notes = new ArrayList<>();
                    if (outcomes.isEmpty()) {
                        notes.add("no call matched what was asked for: nothing was deleted");
                    }
                    notes.add(TWILIO_NOTE);
                    notes.add("Only tombstones stay: each erased recording's SIDs, when, by whom and why; the numbers as their keyed hash.");
                    return new Proof(id, (String) r[0], (String) r[1], (String) r[2], (String) r[3], (Instant) r[4], (Instant) r[5], (UUID) r[6],
                            outcomes, new DeletionLog(jdbi).ofErasure(id), notes);
                }));
    }

    /** As JSON: what a data-protection officer hands over. */
    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("erasure", id().toString());
        m.put("state", state());
        m.put("requested_by", who());
        m.put("reason", reason());
        m.put("asked_for", askedFor());
        m.put("continues", continues() == null ? null : continues().toString());
        m.put("started_at", started().toString());
        m.put("finished_at", finished() == null ? null : finished().toString());
        m.put("calls", calls().stream().map(c -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("call_sid", c.callSid());
            x.put("started_at", c.startedAt() == null ? null : c.startedAt().toString());
            x.put("outcome", c.outcome());
            x.put("detail", c.detail());
            return x;
        }).toList());
        m.put("steps", deleted().stream().map(e -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("at", e.at().toString());
            x.put("where", e.place().name().toLowerCase());
            x.put("outcome", e.outcome().name().toLowerCase());
            x.put("call_sid", e.callSid());
            x.put("recording_sid", e.recordingSid());
            x.put("object_key", e.objectKey());
            x.put("bytes", e.bytes());
            x.put("sha256", e.sha256());
            x.put("detail", e.detail());
            return x;
        }).toList());
        m.put("notes", notes());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As text: the same facts, for a person. */
    public List<String> text() {
        List<String> out = new ArrayList<>();
        out.add("proof of erasure " + id() + ": " + state().toUpperCase());
        out.add("  asked for   " + askedFor());
        out.add("  by          " + who() + ", because: " + reason());
        if (continues() != null) {
            out.add("  carries on  erasure " + continues() + " (unfinished; superseded by this request)");
        }
        out.add("  started     " + started() + (finished() == null ? "" : ", finished " + finished()));
        out.add("  calls found " + calls().size());
        for (CallOutcome c : calls()) {
            out.add("    " + c.callSid() + "  " + c.outcome() + ": " + c.detail());
        }
        out.add("  steps (what was deleted, where, when):");
        for (DeletionLog.Entry e : deleted()) {
            out.add("    " + e.at() + "  " + e.place().name().toLowerCase() + "  " + e.outcome().name().toLowerCase()
                    + (e.recordingSid() == null ? "" : "  " + e.recordingSid()) + (e.objectKey() == null ? "" : "  " + e.objectKey())
                    + (e.bytes() == null ? "" : "  " + e.bytes() + " bytes") + (e.sha256() == null ? "" : "  sha256 " + e.sha256())
                    + (e.detail() == null ? "" : "  (" + e.detail() + ")"));
        }
        notes().forEach(n -> out.add("  " + n));
        return out;
    }
}
