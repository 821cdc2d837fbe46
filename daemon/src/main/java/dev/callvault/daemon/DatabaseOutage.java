package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallbackRepository;
import dev.callvault.db.Database;
import dev.callvault.journal.Journal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps Twilio's requests answered while PostgreSQL is unreachable. Twilio does not retry a status callback answered
 * with an error, so a batch of callbacks that cannot be queued is appended to the local {@link Journal} (forced to disk
 * before the 204) and moved into the queue when the database answers again; a call's start is journaled the same way
 * and the caller still gets the TwiML. Once a failure is seen, batches go straight to the journal until the probe finds
 * the database again, so they are answered at their usual speed instead of waiting for a connection.
 */
final class DatabaseOutage {
    private static final Logger log = LoggerFactory.getLogger(DatabaseOutage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database db;
    private final Journal journal;
    private final CallRepository calls;
    private final CallbackRepository callbacks;
    private volatile boolean down;

    DatabaseOutage(Database db, Journal journal, CallRepository calls, CallbackRepository callbacks) {
        this.db = db;
        this.journal = journal;
        this.calls = calls;
        this.callbacks = callbacks;
    }

    /** Runs {@code work} against the database unless it is known to be down; empty when it could not be reached. */
    <T> Optional<T> attempt(Supplier<T> work) {
        if (down) {
            return Optional.empty();
        }
        try {
            return Optional.of(work.get());
        } catch (RuntimeException e) {
            if (!Database.unreachable(e)) {
                throw e;
            }
            markDown(e);
            return Optional.empty();
        }
    }

    /**
     * Forces call starts ({@link CallRepository.Start}) and callbacks ({@link CallbackRepository.Received}) to the local
     * journal together, to be moved into the database when it answers again.
     */
    void journal(List<?> entries) throws IOException {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (Object e : entries) {
            Map<String, Object> line = new LinkedHashMap<>();
            if (e instanceof CallbackRepository.Received c) {
                line.put("kind", "callback");
                line.put("received_at", Instant.now().toString());
                line.put("queued", c.queued());
                line.put("params", JSON.readTree(c.paramsJson()));
            } else if (e instanceof CallRepository.Start s) {
                line.put("kind", "call");
                line.put("call_sid", s.callSid());
                line.put("account_sid", s.accountSid());
                line.put("from", s.from());
                line.put("to", s.to());
                line.put("assistant", s.assistant());
                line.put("at", s.at().toString());
            } else {
                throw new IllegalArgumentException("not a call start or a callback: " + e.getClass());
            }
            lines.add(line);
        }
        journal.appendAll(lines);
    }

    long journaled() {
        return journal.pending();
    }

    /** Asks the database whether it answers, and remembers the answer for the requests that follow. */
    boolean probe() {
        if (!db.reachable()) {
            markDown(null);
            return false;
        }
        if (down) {
            down = false;
            log.info("the database answers again");
        }
        return true;
    }

    /** The probe, and when the database answers, what was journaled moved into it. */
    void check() {
        if (!probe() || journal.pending() == 0) {
            return;
        }
        try {
            int moved = journal.drain(this::apply, Database::unreachable);
            if (moved > 0) {
                log.info("moved {} journaled requests into the database; {} left", moved, journal.pending());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not drain the journal yet: {}", e.getMessage());
        }
    }

    private void apply(JsonNode e) throws IOException {
        switch (e.path("kind").asText()) {
            case "callback" -> {
                JsonNode p = e.path("params");
                callbacks.store(new CallbackRepository.Received(p.path("AccountSid").asText(), p.path("CallSid").asText(),
                        p.path("RecordingSid").asText(), p.path("RecordingStatus").asText(), JSON.writeValueAsString(p), e.path("queued").asBoolean(true)));
            }
            case "call" -> calls.recordStart(new CallRepository.Start(e.path("call_sid").asText(), e.path("account_sid").asText(),
                    e.path("from").asText(null), e.path("to").asText(null), e.path("assistant").asText(null), Instant.parse(e.path("at").asText())));
            default -> throw new IllegalArgumentException("unknown journal entry kind '" + e.path("kind").asText() + "'");
        }
    }

    private void markDown(Exception cause) {
        if (!down) {
            down = true;
            log.warn("the database is unreachable{}: journaling callbacks and call starts locally until it answers again ({} pending)",
                    cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")", journal.pending());
        }
    }
}
