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
    /** Where a call's archive stands; every call is in exactly one. */
    public enum State {
        /** a recording is being made now */
        LIVE,
        /** ended, and Twilio's recording is archived */
        ARCHIVED,
        /** ended, and no archived Twilio recording (yet); a call whose recordings were all deleted is {@link #ERASED} or {@link #EXPIRED} */
        MISSING_TWILIO,
        /** ended, and its recordings erased on a person's request: only their tombstones are left */
        ERASED,
        /** ended, and its recordings deleted by a retention policy: only their tombstones are left */
        EXPIRED,
        /** any call with a failed real-time recording (the {@code realtime} filter, kept here for older scripts) */
        REALTIME_FAILED
    }

    /**
     * A number as typed: {@code e164} when it reads as a whole number (matched exactly against From and To; null
     * otherwise), and its {@code digits}, matched as a part of either's digits.
     */
    public record NumberMatch(String e164, String digits) {
    }

    /**
     * The filters; null means "any". {@code callSid} is a CallSid or the start of one ("CA" and hex digits, any case);
     * {@code realtimeFailed} true keeps only calls with a failed real-time recording.
     */
    public record Filter(String callSid, NumberMatch number, String assistant, Instant since, Instant until, State state, boolean realtimeFailed) {
        public Filter(String callSid, NumberMatch number, String assistant, Instant since, Instant until, State state) {
            this(callSid, number, assistant, since, until, state == State.REALTIME_FAILED ? null : state, state == State.REALTIME_FAILED);
        }
    }

    /**
     * A call in the list with what its recordings say: {@code seconds} its length (the longest completed recording;
     * null while live or when none is), {@code archive} one of live, archived, missing_twilio, erased, expired, and
     * {@code realtime} one of recording, recorded, failed, none.
     */
    public record Listed(CallRow call, boolean live, Double seconds, String archive, String realtime) {
    }

    /** One page and the cursor of the next, empty on the last page. */
    public record Page(List<Listed> calls, Optional<String> next) {
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
    private static final String ARCHIVED = "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.recording_sid IS NOT NULL AND r.status = 'completed')";
    private static final String REALTIME_FAILED = "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.stream_sid IS NOT NULL AND r.status = 'failed')";
    // deleted: no audio left (no completed recording) and tombstones instead; erased when any went by erasure (a person's
    // request deletes the whole call), else expired (retention). A call with audio left (only its real-time tracks
    // expired, or an erasure still unfinished) keeps the state its remaining audio gives it.
    private static final String AUDIO_LEFT = "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.status = 'completed')";
    private static final String ERASED_ROWS = "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.status = 'erased')";
    private static final String EXPIRED_ROWS = "EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = calls.id AND r.status = 'expired')";
    private static final String DELETED = "(NOT " + AUDIO_LEFT + " AND (" + ERASED_ROWS + " OR " + EXPIRED_ROWS + "))";
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
            return q.map((rs, ctx) -> {
                CallRow call = new CallRow(rs.getObject("id", UUID.class), rs.getString("call_sid"), rs.getString("account_sid"),
                        rs.getString("from_number"), rs.getString("to_number"), rs.getString("assistant"),
                        instant(rs.getObject("started_at", OffsetDateTime.class)), instant(rs.getObject("ended_at", OffsetDateTime.class)));
                boolean live = rs.getBoolean("live");
                Double seconds = rs.getObject("seconds") == null ? null : rs.getDouble("seconds");
                String archive = live ? "live" : rs.getBoolean("archived") ? "archived"
                        : rs.getBoolean("deleted") ? (rs.getBoolean("erased") ? "erased" : "expired") : "missing_twilio";
                String realtime = rs.getInt("rt_failed") > 0 ? "failed" : rs.getInt("rt_live") > 0 ? "recording"
                        : rs.getInt("rt_done") > 0 ? "recorded" : "none";
                return new Object[]{new Listed(call, live, live ? null : seconds, archive, realtime), rs.getObject("sort_key", OffsetDateTime.class).toInstant()};
            }).list();
        });
        List<Listed> calls = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, rows.size()); i++) {
            calls.add((Listed) rows.get(i)[0]);
        }
        Optional<String> next = rows.size() > limit
                ? Optional.of(new Cursor((Instant) rows.get(limit - 1)[1], calls.get(limit - 1).call().id()).encode()) : Optional.empty();
        return new Page(calls, next);
    }

    /** The query {@link #find} runs, for a test to read its plan. */
    public String sql(Filter f, boolean afterCursor) {
        StringBuilder where = new StringBuilder("TRUE");
        if (afterCursor) {
            where.append(" AND (").append(SORT_KEY).append(", calls.id) < (:afterKey, :afterId)");
        }
        if (f.callSid() != null) {
            where.append(" AND calls.call_sid LIKE :callSid");
        }
        if (f.number() != null) {
            // the whole number as stored (E.164), or its digits as a part of the stored number's digits
            where.append(" AND (calls.from_number = :e164 OR calls.to_number = :e164"
                    + " OR regexp_replace(calls.from_number, '[^0-9]', '', 'g') LIKE :digits OR regexp_replace(calls.to_number, '[^0-9]', '', 'g') LIKE :digits)");
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
                case ARCHIVED -> "NOT " + LIVE + " AND " + ARCHIVED;
                case MISSING_TWILIO -> "NOT " + LIVE + " AND NOT " + ARCHIVED + " AND NOT " + DELETED;
                case ERASED -> "NOT " + LIVE + " AND " + DELETED + " AND " + ERASED_ROWS;
                case EXPIRED -> "NOT " + LIVE + " AND " + DELETED + " AND NOT " + ERASED_ROWS;
                case REALTIME_FAILED -> REALTIME_FAILED;
            });
        }
        if (f.realtimeFailed()) {
            where.append(" AND ").append(REALTIME_FAILED);
        }
        return "SELECT calls.id, calls.call_sid, calls.account_sid, calls.from_number, calls.to_number, calls.assistant, calls.started_at, "
                + "calls.ended_at, " + SORT_KEY + " AS sort_key, " + LIVE + " AS live, " + ARCHIVED + " AS archived, "
                + DELETED + " AS deleted, " + ERASED_ROWS + " AS erased, "
                + "(SELECT max(r.duration_seconds) FROM recordings r WHERE r.call_id = calls.id AND r.status = 'completed') AS seconds, "
                + "(SELECT count(*) FILTER (WHERE r.status = 'failed') FROM recordings r WHERE r.call_id = calls.id AND r.stream_sid IS NOT NULL) AS rt_failed, "
                + "(SELECT count(*) FILTER (WHERE r.status = 'in-progress') FROM recordings r WHERE r.call_id = calls.id AND r.stream_sid IS NOT NULL) AS rt_live, "
                + "(SELECT count(*) FILTER (WHERE r.status = 'completed') FROM recordings r WHERE r.call_id = calls.id AND r.stream_sid IS NOT NULL) AS rt_done "
                + "FROM calls WHERE " + where + " ORDER BY " + SORT_KEY + " DESC, calls.id DESC LIMIT :limit";
    }

    private static void bind(Query q, Filter f, Cursor after) {
        if (after != null) {
            q.bind("afterKey", OffsetDateTime.ofInstant(after.key(), ZoneOffset.UTC)).bind("afterId", after.id());
        }
        if (f.callSid() != null) {
            q.bind("callSid", f.callSid() + "%"); // "CA" and hex digits only (checked by the caller): nothing to escape
        }
        if (f.number() != null) {
            q.bind("e164", f.number().e164()).bind("digits", "%" + f.number().digits() + "%"); // digits only: nothing to escape
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
