package dev.callvault.cli;

import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BackfillCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final String SINCE = "2026-11-20T00:00:00Z";
    private static final String UNTIL = "2026-11-25T00:00:00Z";
    private final Cli cli = new Cli(env);
    private final List<StandInRecording> recordings = new ArrayList<>();

    @BeforeEach
    void fiftyRecordingsAtTwilio() {
        Instant first = Instant.parse("2026-11-21T08:00:00Z");
        for (int i = 0; i < 50; i++) {
            recordings.add(env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(),
                    first.plus(Duration.ofMinutes(37L * i)), 40_000 + i)));
        }
    }

    private Cli.Result backfill(String... more) {
        List<String> args = new ArrayList<>(List.of("--since", SINCE, "--until", UNTIL, "--concurrency", "8", "--json"));
        args.addAll(List.of(more));
        return cli.run(List.of("backfill"), Map.of("twilio.page-size", "20"), args.toArray(String[]::new));
    }

    private long count(String sql) {
        return env.db().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void archivesFiftyRecordingsAcrossThreePagesThenSkipsThemAll() {
        Cli.Result first = backfill();

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(env.twilio().requests()).filteredOn(r -> r.contains("Recordings.json")).hasSize(3);
        assertThat(env.s3().countObjects(env.bucket(), "recordings/", ".mp3")).isEqualTo(50);
        assertThat(count("SELECT count(*) FROM recordings WHERE recording_type = 'mixed' AND status = 'completed' AND recording_sid IS NOT NULL"))
                .isEqualTo(50);
        assertThat(first.out()).contains("\"archived\":50").contains("\"failed\":0");
        int downloads = env.twilio().mediaDownloads();

        Cli.Result again = backfill();

        assertThat(again.exit()).isZero();
        assertThat(env.twilio().mediaDownloads()).as("nothing downloaded again").isEqualTo(downloads);
        assertThat(again.out()).contains("\"skipped\":50");
        assertThat(env.s3().countObjects(env.bucket(), "recordings/", ".mp3")).isEqualTo(50);
    }

    @Test
    void dryRunCountsAndWritesNothing() {
        Cli.Result r = backfill("--dry-run");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"found\":50").contains("\"total_duration_seconds\":9350");
        assertThat(env.twilio().mediaDownloads()).isZero();
        assertThat(count("SELECT count(*) FROM recordings")).isZero();
        assertThat(env.s3().countObjects(env.bucket(), "")).isZero();
    }

    @Test
    void deletesFromTwilioOnlyWhatIsVerified() {
        assertThat(backfill().exit()).isZero();
        StandInRecording tampered = recordings.get(7);
        env.db().jdbi().useHandle(h -> h.createUpdate("UPDATE recordings SET sha256 = repeat('0', 64) WHERE recording_sid = :s")
                .bind("s", tampered.sid()).execute());

        Cli.Result withoutYes = backfill("--delete-from-twilio");
        Cli.Result r = backfill("--delete-from-twilio", "--yes");

        assertThat(withoutYes.exit()).isEqualTo(64);
        assertThat(withoutYes.err()).contains("--yes");
        assertThat(r.exit()).as("one was kept, so the run did not fully succeed").isEqualTo(1);
        assertThat(r.out()).contains("\"deleted\":49");
        assertThat(env.twilio().has(tampered.sid())).isTrue();
        assertThat(recordings).filteredOn(x -> x != tampered).noneMatch(x -> env.twilio().has(x.sid()));
    }

    @Test
    void resumesAnInterruptedRunWithoutDuplicates() throws Exception {
        env.twilio().latency(Duration.ofMillis(150));
        Process p = cli.start(List.of("backfill"), Map.of("twilio.page-size", "20"), "--since", SINCE, "--until", UNTIL, "--concurrency", "8");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (count("SELECT count(*) FROM backfill_done") < 25 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        long doneBeforeKill = count("SELECT count(*) FROM backfill_done");
        assertThat(doneBeforeKill).isBetween(25L, 49L);
        assertThat(count("SELECT count(*) FROM recordings WHERE status = 'completed'"))
                .as("each archived row is committed with its checkpoint, so a kill leaves neither without the other")
                .isEqualTo(count("SELECT count(*) FROM backfill_done WHERE outcome = 'ARCHIVED'"));
        env.twilio().latency(Duration.ZERO);

        Cli.Result resumed = backfill();

        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("\"failed\":0");
        assertThat(count("SELECT count(*) FROM recordings")).isEqualTo(50);
        assertThat(count("SELECT count(DISTINCT recording_sid) FROM recordings")).isEqualTo(50);
        assertThat(env.s3().countObjects(env.bucket(), "recordings/", ".mp3")).isEqualTo(50);
        assertThat(env.s3().unfinishedUploads(env.bucket())).isZero();
    }

    @Test
    void aNewRunSkipsWhatTheStoreStillHoldsAndFetchesAgainWhatIsGone() {
        assertThat(backfill().exit()).isZero();
        String sid = recordings.get(3).sid();
        String key = env.db().jdbi().withHandle(h -> h.createQuery("SELECT s3_key FROM recordings WHERE recording_sid = :s")
                .bind("s", sid).mapTo(String.class).one());
        env.s3().delete(env.bucket(), key);
        int downloads = env.twilio().mediaDownloads();

        Cli.Result again = backfill("--restart");

        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("\"archived\":1").contains("\"skipped\":49");
        assertThat(env.twilio().mediaDownloads()).as("only the missing one downloaded").isEqualTo(downloads + 1);
        assertThat(env.s3().countObjects(env.bucket(), "recordings/", ".mp3")).isEqualTo(50);
    }

    @Test
    void aRelativeWindowRerunLaterContinuesTheSameRun() {
        env.twilio().reset();
        Instant now = Instant.now();
        for (int i = 0; i < 5; i++) {
            env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(), now.minusSeconds(600L * (i + 1)), 1000));
        }

        Cli.Result first = cli.run("backfill", "--since", "2h", "--json");
        Cli.Result second = cli.run("backfill", "--since", "2h", "--json");

        assertThat(first.out()).contains("\"archived\":5");
        assertThat(second.out()).contains("\"skipped\":5");
        assertThat(count("SELECT count(DISTINCT run_key) FROM backfill_done")).as("one run, continued").isEqualTo(1);
    }
}
