package dev.callvault.cli;

import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.ArchivedCalls;
import dev.callvault.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code callvault hold}, {@code retention} and {@code audit --deletions} as an operator uses them: a hold placed on a
 * number keeps its calls from retention, which says so; removing it lets them go; the record names both, with who and why.
 */
class HoldAndRetentionCommandTest {
    private static final Map<String, String> POLICY = Map.of("retention.days", "30", "privacy.hash-secret", "hold-test-secret-0123456789");

    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    @Test
    void aHeldNumberIsKeptUntilItsHoldIsRemovedAndTheRecordSaysWhoAndWhy() {
        ArchivedCalls.Call old;
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            old = new ArchivedCalls(env, store, Clock.systemUTC()).add("+14155550102", "+18005550199", "sales", Instant.now().minusSeconds(40L * 86400));
        }

        Cli.Result show = cli.run(List.of("retention", "show"), POLICY, "--call", old.callSid());
        Cli.Result hold = cli.run(List.of("hold", "add"), POLICY, "--number", "(415) 555-0102", "--reason", "litigation 2026-118", "--by", "carol");
        Cli.Result list = cli.run(List.of("hold", "list"), POLICY);
        Cli.Result dry = cli.run(List.of("retention", "apply"), POLICY, "--dry-run");
        Cli.Result kept = cli.run(List.of("retention", "apply"), POLICY);
        boolean keptAtTwilio = env.twilio().has(old.recordingSid());
        Cli.Result noReason = cli.run(List.of("hold", "remove"), POLICY, "1", "--reason", " ");
        Cli.Result removed = cli.run(List.of("hold", "remove"), POLICY, "1", "--reason", "case closed", "--by", "carol");
        Cli.Result applied = cli.run(List.of("retention", "apply"), POLICY, "--json");
        Cli.Result record = cli.run(List.of("audit"), POLICY, "--deletions");
        Cli.Result neither = cli.run(List.of("audit"), POLICY);

        assertThat(show.out()).contains("deleted after").contains("retention.days = 30");
        assertThat(hold.exit()).as(hold.err()).isZero();
        assertThat(hold.out()).contains("placed hold 1 (placed by carol").contains("litigation 2026-118");
        assertThat(list.out()).contains("hold 1").contains("every call from or to the number ending …02").doesNotContain("555");
        assertThat(dry.out()).contains("due: " + old.callSid()).contains("kept, held: " + old.callSid()).contains("litigation 2026-118");
        assertThat(kept.exit()).isZero();
        assertThat(kept.out()).contains("0 recordings deleted");
        assertThat(keptAtTwilio).as("held: still at Twilio").isTrue();
        assertThat(noReason.exit()).isEqualTo(64);
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("\"recordings_deleted\":1");
        assertThat(env.twilio().has(old.recordingSid())).isFalse();
        assertThat(record.out()).contains("hold_placed").contains("hold_removed").contains("case closed").contains("retention")
                .contains("retention policy: retention.days = 30").contains(old.recordingSid());
        assertThat(neither.exit()).isEqualTo(64);
    }
}
