package dev.callvault.db;

import org.jdbi.v3.core.Jdbi;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/** The {@code console_sessions} table: who signed in, when, when last seen, and the session's CSRF token. */
public final class SessionRepository {
    public record Session(String username, String csrf, Instant createdAt, Instant seenAt, String credential) {
    }

    private final Jdbi jdbi;

    public SessionRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void create(String tokenSha256, String username, String csrf, String remote, Instant now, String credential) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO console_sessions (token_sha256, username, csrf, created_at, seen_at, remote, credential)
                        VALUES (:t, :u, :c, :now, :now, :r, :cred)""")
                .bind("t", tokenSha256).bind("u", username).bind("c", csrf).bind("now", utc(now)).bind("r", remote)
                .bind("cred", credential).execute());
    }

    /** The session, when it exists and has not expired; notes it was seen when the last note is older than a minute. */
    public Optional<Session> touch(String tokenSha256, Instant now, Duration idle, Duration max) {
        return jdbi.withHandle(h -> {
            Optional<Session> s = h.createQuery("""
                            SELECT username, csrf, created_at, seen_at, credential FROM console_sessions
                            WHERE token_sha256 = :t AND seen_at > :idle AND created_at > :max""")
                    .bind("t", tokenSha256).bind("idle", utc(now.minus(idle))).bind("max", utc(now.minus(max)))
                    .map((rs, ctx) -> new Session(rs.getString("username"), rs.getString("csrf"),
                            rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getObject("seen_at", OffsetDateTime.class).toInstant(), rs.getString("credential")))
                    .findOne();
            if (s.isPresent() && s.get().seenAt().isBefore(now.minusSeconds(60))) {
                h.createUpdate("UPDATE console_sessions SET seen_at = :now WHERE token_sha256 = :t").bind("now", utc(now)).bind("t", tokenSha256).execute();
            }
            return s;
        });
    }

    public void delete(String tokenSha256) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM console_sessions WHERE token_sha256 = :t").bind("t", tokenSha256).execute());
    }

    /** Ends every session of a user (removed, or given a new password). Returns how many. */
    public int deleteUser(String username) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM console_sessions WHERE username = :u").bind("u", username).execute());
    }

    /** Forgets sessions that can no longer be used. */
    public int purge(Instant now, Duration idle, Duration max) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM console_sessions WHERE seen_at <= :idle OR created_at <= :max")
                .bind("idle", utc(now.minus(idle))).bind("max", utc(now.minus(max))).execute());
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
