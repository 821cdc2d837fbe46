package dev.callvault.calls;

import dev.callvault.db.CallRow;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The calls list of the console and {@code /api/v1/calls}: newest first, filtered, paged by an opaque cursor (the
 * last call's sort key and id), so every call appears once however the list grows between pages.
 */
public final class CallSearch {
    /** What a call's recordings say about it. */
    public enum State {
        /** a recording is being made now */
        LIVE,
        /** Twilio's recording is archived */
        ARCHIVED,
        /** no archived Twilio recording (yet) */
        MISSING_TWILIO,
        /** a real-time recording failed */
        REALTIME_FAILED
    }

    /** The filters; null means "any". {@code number} matches part of From or To. */
    public record Filter(String callSid, String number, String assistant, Instant since, Instant until, State state) {
    }

    /** One page and the cursor of the next, empty on the last page. */
    public record Page(List<CallRow> calls, Optional<String> next, java.util.Set<UUID> live) {
    }

    /** The sort key and id of the last call of a page, as an opaque string. */
    record Cursor(Instant key, UUID id) {
        String encode() {
            String raw = key.getEpochSecond() + "." + key.getNano() + "." + id;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
        }

        static Cursor decode(String cursor) {
            try {
                String[] p = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII).split("\\.", 3);
                return new Cursor(Instant.ofEpochSecond(Long.parseLong(p[0]), Long.parseLong(p[1])), UUID.fromString(p[2]));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cursor '" + cursor + "' is not one this server gave out");
            }
        }
    }

    private static final String LIVE = "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.status = 'in-progress')";
    static final String SORT_KEY = "coalesce(calls.started_at, calls.created_at)";

    private final Jdbi jdbi;

    public CallSearch(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Up to {@code limit} calls after {@code cursor} (null: from the newest). */
    public Page find(Filter f, String cursor, int limit) {
        Cursor after = cursor == null ? null : Cursor.decode(cursor);
        String sql = sql(f, after != null);
        List<Object[]> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("limit", limit + 1);
            bind(q, f, after);
            return q.map((rs, ctx) -> new Object[]{new CallRow(rs.getObject("id", UUID.class), rs.getString("call_sid"), rs.getString("account_sid"),
                    rs.getString("from_number"), rs.getString("to_number"), rs.getString("assistant"), instant(rs.getObject("started_at", OffsetDateTime.class)),
                    instant(rs.getObject("ended_at", OffsetDateTime.class))), rs.getObject("sort_key", OffsetDateTime.class).toInstant(),
                    rs.getBoolean("live")}).list();
        });
        List<CallRow> calls = new ArrayList<>();
        java.util.Set<UUID> live = new java.util.HashSet<>();
        for (int i = 0; i < Math.min(limit, rows.size()); i++) {
            calls.add((CallRow) rows.get(i)[0]);
            if ((Boolean) rows.get(i)[2]) {
                live.add(calls.get(i).id());
            }
        }
        Optional<String> next = rows.size() > limit
                ? Optional.of(new Cursor((Instant) rows.get(limit - 1)[1], calls.get(limit - 1).id()).encode()) : Optional.empty();
        return new Page(calls, next, live);
    }

    /** The query {@link #find} runs, for a test to read its plan. */
    public String sql(Filter f, boolean afterCursor) {
        StringBuilder where = new StringBuilder("TRUE");
        if (afterCursor) {
            where.append(" AND (").append(SORT_KEY).append(", calls.id) < (:afterKey, :afterId)");
        }
        if (f.callSid() != null) {
            where.append(" AND calls.call_sid = :callSid");
        }
        if (f.number() != null) {
            where.append(" AND (calls.from_number LIKE :number ESCAPE '!' OR calls.to_number LIKE :number ESCAPE '!')");
        }
        if (f.assistant() != null) {
            where.append(" AND calls.assistant = :assistant");
        }
        if (f.since() != null) {
            where.append(" AND ").append(SORT_KEY).append(" >= :since");
        }
        if (f.until() != null) {
            where.append(" AND ").append(SORT_KEY).append(" < :until");
        }
        if (f.state() != null) {
            where.append(" AND ").append(switch (f.state()) {
                case LIVE -> LIVE;
                case ARCHIVED -> "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.recording_sid IS NOT NULL AND r.status = 'completed')";
                case MISSING_TWILIO -> "NOT EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.recording_sid IS NOT NULL AND r.status = 'completed')";
                case REALTIME_FAILED -> "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.stream_sid IS NOT NULL AND r.status = 'failed')";
            });
        }
        return "SELECT calls.id, calls.call_sid, calls.account_sid, calls.from_number, calls.to_number, calls.assistant, calls.started_at, "
                + "calls.ended_at, " + SORT_KEY + " AS sort_key, " + LIVE + " AS live FROM calls WHERE " + where
                + " ORDER BY " + SORT_KEY + " DESC, calls.id DESC LIMIT :limit";
    }

    private static void bind(Query q, Filter f, Cursor after) {
        if (after != null) {
            q.bind("afterKey", OffsetDateTime.ofInstant(after.key(), ZoneOffset.UTC)).bind("afterId", after.id());
        }
        if (f.callSid() != null) {
            q.bind("callSid", f.callSid());
        }
        if (f.number() != null) {
            q.bind("number", "%" + f.number().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }
        if (f.assistant() != null) {
            q.bind("assistant", f.assistant());
        }
        if (f.since() != null) {
            q.bind("since", OffsetDateTime.ofInstant(f.since(), ZoneOffset.UTC));
        }
        if (f.until() != null) {
            q.bind("until", OffsetDateTime.ofInstant(f.until(), ZoneOffset.UTC));
        }
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
