package dev.callvault.db;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code calls} table. */
public final class CallRepository {
    private final Jdbi jdbi;

    public CallRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
        jdbi.registerRowMapper(ConstructorMapper.factory(CallRow.class));
    }

    /**
     * Returns the id of the call with this CallSid, creating the row when it is new. Fields already known are kept;
     * the row stays locked until {@code h}'s transaction ends, which serializes work on one call.
     */
    public UUID upsert(Handle h, String callSid, String accountSid, Instant startedAt) {
        return h.createQuery("""
                        INSERT INTO calls (call_sid, account_sid, started_at) VALUES (:callSid, :accountSid, :startedAt)
                        ON CONFLICT (call_sid) DO UPDATE SET started_at = coalesce(calls.started_at, EXCLUDED.started_at)
                        RETURNING id""")
                .bind("callSid", callSid)
                .bind("accountSid", accountSid)
                .bind("startedAt", startedAt == null ? null : OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC))
                .mapTo(UUID.class)
                .one();
    }

    /** A call's start as Twilio's voice webhook announces it. */
    public record Start(String callSid, String accountSid, String from, String to, String assistant, Instant at) {
        /**
         * The start the voice webhook's form announces: the call's assistant is the one {@code ?assistant=} names, else the
         * one whose number it called (its policies, retention first, follow it), else none.
         */
        public static Start of(java.util.Map<String, String> form, String assistantParam, dev.callvault.config.Config.Assistants assistants, Instant at) {
            String id = assistants.match(assistantParam, form.get("To")).id();
            return new Start(form.get("CallSid"), form.get("AccountSid"), form.get("From"), form.get("To"), id.isEmpty() ? null : id, at);
        }
    }

    /** Records a call's start; a repeated webhook fills in what was missing. */
    public void recordStart(Start start) {
        jdbi.useTransaction(h -> recordStarts(h, List.of(start)));
    }

    /**
     * Records call starts in {@code h}'s transaction, one statement each sent together: many made durable by one commit.
     * Callers that write concurrently pass them in CallSid order, so two transactions lock rows in the same order. An
     * erased call's numbers are never written back (a journal drained late, Twilio's retry). A start is the voice
     * webhook's, whose TwiML starts Twilio's recording of the call ({@code twiml_recording}): a pause relies on it.
     */
    public void recordStarts(Handle h, List<Start> starts) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO calls (call_sid, account_sid, from_number, to_number, assistant, started_at, twiml_recording)
                VALUES (:callSid, :accountSid, :from, :to, :assistant, :at, true)
                ON CONFLICT (call_sid) DO UPDATE SET
                    from_number = coalesce(calls.from_number, EXCLUDED.from_number),
                    to_number = coalesce(calls.to_number, EXCLUDED.to_number),
                    assistant = coalesce(calls.assistant, EXCLUDED.assistant),
                    started_at = coalesce(calls.started_at, EXCLUDED.started_at),
                    twiml_recording = true
                WHERE calls.erased_at IS NULL""");
        for (Start s : starts) {
            batch.bind("callSid", s.callSid()).bind("accountSid", s.accountSid())
                    .bind("from", s.from()).bind("to", s.to()).bind("assistant", s.assistant())
                    .bind("at", OffsetDateTime.ofInstant(s.at(), ZoneOffset.UTC))
                    .add();
        }
        batch.execute();
    }

    /**
     * Records that call {@code callSid} ended at {@code at}: {@code ended_at}, where retention's clock starts, becomes the
     * latest end known; with {@code byTwilio} (a recording's final callback, the Calls resource) Twilio has said the call is
     * over, so it is no longer live.
     */
    public static void ended(Handle h, String callSid, Instant at, boolean byTwilio) {
        h.createUpdate("""
                        UPDATE calls SET ended_at = greatest(ended_at, :at),
                                         twilio_ended_at = CASE WHEN :twilio THEN coalesce(twilio_ended_at, :at) ELSE twilio_ended_at END
                        WHERE call_sid = :sid""")
                .bind("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).bind("twilio", byTwilio).bind("sid", callSid).execute();
    }

    public void ended(String callSid, Instant at, boolean byTwilio) {
        jdbi.useHandle(h -> ended(h, callSid, at, byTwilio));
    }

    public Optional<CallRow> findBySid(String callSid) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE call_sid = :sid").bind("sid", callSid).mapTo(CallRow.class).findOne());
    }

    /** True when {@code ref} is a CallSid or one of our call ids: what every command and endpoint that names a call takes. */
    public static boolean isCallReference(String ref) {
        return ref != null && (dev.callvault.accounts.Sids.isValid("CA", ref) || uuid(ref).isPresent());
    }

    /** The call a CallSid or our id names. */
    public Optional<CallRow> find(String ref) {
        if (dev.callvault.accounts.Sids.isValid("CA", ref)) {
            return findBySid(ref);
        }
        return uuid(ref).flatMap(this::findById);
    }

    private static Optional<UUID> uuid(String s) {
        try {
            return s != null && s.length() == 36 ? Optional.of(UUID.fromString(s)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public Optional<CallRow> findById(UUID id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE id = :id").bind("id", id).mapTo(CallRow.class).findOne());
    }

    private static final String SELECT = """
            SELECT id, call_sid, account_sid, from_number, to_number, assistant, started_at, ended_at FROM calls""";
}
