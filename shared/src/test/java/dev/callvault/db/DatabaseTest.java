package dev.callvault.db;

import dev.callvault.PermanentException;
import dev.callvault.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @Test
    void migratesToTheCurrentVersionAndSaysSo() {
        Database.MigrationStatus status = env.db().migrationStatus();

        assertThat(status.current()).isTrue();
        assertThat(status.pending()).isZero();
    }

    @Test
    void theOneQueryCheckKnowsTheNewestMigration() throws Exception {
        // the check that spares a CLI run Flyway compares the schema with Database.LATEST_MIGRATION: a migration added
        // without raising it would be applied by Flyway on a new database but never on a current one
        java.nio.file.Path dir = java.nio.file.Path.of(Database.class.getResource("/db/migration").toURI());
        int newest;
        try (var files = java.nio.file.Files.list(dir)) {
            newest = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
        }
        assertThat(Database.LATEST_MIGRATION).isEqualTo(Integer.toString(newest));
        assertThat(env.db().current()).isTrue();
    }

    @Test
    void aFailedNewestMigrationIsNotCurrentAndFlywayIsAsked() {
        // the one query must not take a failed migration for a current schema: Flyway is asked, and refuses it
        env.db().jdbi().useHandle(h -> h.execute("UPDATE flyway_schema_history SET success = false WHERE version = '"
                + Database.LATEST_MIGRATION + "'"));

        assertThat(env.db().current()).isFalse();
        assertThatThrownBy(() -> env.db().migrate()).hasMessageContaining("failed migration");
    }

    @Test
    void refusesASchemaNewerThanThisBuild() {
        env.migratedByANewerCallvault();

        assertThatThrownBy(() -> env.db().migrate())
                .isInstanceOf(PermanentException.class)
                .hasMessageContaining("version 99").hasMessageContaining("upgrade callvault");
    }

    @Test
    void theSchemaEnforcesTheRules() {
        var jdbi = env.db().jdbi();
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute(
                "INSERT INTO calls (call_sid, account_sid) VALUES ('not-a-sid', 'AC0123456789abcdef0123456789abcdef')")))
                .hasMessageContaining("call_sid");
        jdbi.useHandle(h -> h.execute(
                "INSERT INTO calls (call_sid, account_sid) VALUES ('CA0123456789abcdef0123456789abcdef', 'AC0123456789abcdef0123456789abcdef')"));
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("""
                INSERT INTO recordings (call_id, recording_type, status)
                SELECT id, 'mixed', 'completed' FROM calls""")))
                .as("a completed recording needs its object").hasMessageContaining("completed_has_object");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("""
                INSERT INTO recordings (call_id, recording_type, status) SELECT id, 'stereo', 'in-progress' FROM calls""")))
                .hasMessageContaining("recording_type");
        jdbi.useHandle(h -> h.execute("""
                INSERT INTO recordings (call_id, recording_type, status, recording_sid)
                SELECT id, 'mixed', 'absent', 'RE0123456789abcdef0123456789abcdef' FROM calls"""));
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("""
                INSERT INTO recordings (call_id, recording_type, status, recording_sid)
                SELECT id, 'mixed', 'absent', 'RE0123456789abcdef0123456789abcdef' FROM calls""")))
                .hasMessageContaining("recording_sid");
    }
}
