package dev.callvault.privacy;

import dev.callvault.backfill.Backfill;
import dev.callvault.archive.Archiver;
import dev.callvault.db.CallRepository;
import dev.callvault.db.DeletionLog;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.derived.DerivedWork;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.ArchivedCalls;
import dev.callvault.testing.Environment;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention on a clock the test sets: exactly the calls past their policy are deleted everywhere (objects, Twilio's
 * copies, the rows' audio and numbers), held calls and calls under a longer policy are kept, a second run deletes
 * nothing, and a backfill of the same window downloads none of it again, even what Twilio still lists.
 */
class RetentionTest {
    private static final Instant DAY = Instant.parse("2026-10-01T12:00:00Z");
    private static final Map<String, String> POLICY = Map.of("retention.days", "30", "assistant.billing.retention.days", "90",
            "assistant.billing.numbers", "+18005550100", "privacy.hash-secret", "retention-test-secret-0123");

    @RegisterExtension
    static final Environment env = new Environment();

    private RecordingStore store;

    @BeforeEach
    void openStore() {
        store = RecordingStores.open(env.config().storage());
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Privacy privacy(Instant now) {
        return new Privacy(env.config(POLICY), env.db(), store, new TwilioRecordings(env.config().twilio()), Clock.fixed(now, ZoneOffset.UTC));
    }

    private Retention retention(Instant now) {
        return privacy(now).retention();
    }

    private RecordingRow row(String recordingSid) {
        return new RecordingRepository(env.db().jdbi()).findByRecordingSid(recordingSid).orElseThrow();
    }

    @Test
    void exactlyTheCallsPastTheirPolicyGoEverywhereAndNothingBringsThemBack() throws Exception {
        ArchivedCalls calls = new ArchivedCalls(env, store, Clock.fixed(DAY, ZoneOffset.UTC));
        ArchivedCalls.Call old = calls.add("+14155550102", "+18005550199", "support", DAY);
        ArchivedCalls.Call held = calls.add("+14155550177", "+18005550199", "support", DAY);
        ArchivedCalls.Call billing = calls.add("+14155550133", "+18005550100", "billing", DAY);       // 90 days: kept
        ArchivedCalls.Call recent = calls.add("+14155550144", "+18005550199", "support", DAY.plus(java.time.Duration.ofDays(20)));
        String oldKey = row(old.recordingSid()).s3Key();
        assertThat(store.list("")).contains(oldKey, oldKey + ".peaks.json");
        Instant now = DAY.plus(java.time.Duration.ofDays(35));
        privacy(now).holds().place(new CallRepository(env.db().jdbi()).findBySid(held.callSid()).orElseThrow(),
                null, "dispute 4411", "alice", null);

        Retention.Report first = retention(now).apply(false);

        assertThat(first.due()).extracting(d -> d.call().callSid()).containsExactlyInAnyOrder(old.callSid(), held.callSid());
        assertThat(first.held()).singleElement().asString().contains(held.callSid()).contains("dispute 4411").contains("alice");
        assertThat(first.recordingsDeleted()).isEqualTo(1);
        assertThat(first.failed()).isZero();
        assertThat(store.list("")).as("the bucket's listing").doesNotContain(oldKey, oldKey + ".peaks.json")
                .contains(row(held.recordingSid()).s3Key(), row(billing.recordingSid()).s3Key(), row(recent.recordingSid()).s3Key());
        assertThat(env.twilio().has(old.recordingSid())).as("Twilio's copy of the expired call").isFalse();
        assertThat(env.twilio().has(held.recordingSid()) && env.twilio().has(billing.recordingSid()) && env.twilio().has(recent.recordingSid())).isTrue();
        RecordingRow tomb = row(old.recordingSid());
        assertThat(tomb.status()).isEqualTo("expired");
        assertThat(tomb.s3Key()).isNull();
        var oldCall = new CallRepository(env.db().jdbi()).findBySid(old.callSid()).orElseThrow();
        assertThat(oldCall.fromNumber()).as("the expired call's number").isNull();
        assertThat(new DeletionLog(env.db().jdbi()).since(null, 100)).filteredOn(e -> e.kind() == DeletionLog.Kind.RETENTION)
                .allSatisfy(e -> assertThat(e.actor()).isEqualTo("retention policy"))
                .anySatisfy(e -> assertThat(e.objectKey()).isEqualTo(oldKey))
                .anySatisfy(e -> assertThat(e.place()).isEqualTo(DeletionLog.Place.TWILIO));

        Retention.Report second = retention(now).apply(false);
        assertThat(second.recordingsDeleted()).as("a second run").isZero();

        // Twilio still lists the expired recording (a deletion that did not reach it, say): backfill never fetches it again
        env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, old.callSid(), old.recordingSid(), DAY.plusSeconds(187), 24 * 1024));
        int downloads = env.twilio().mediaDownloads();
        Archiver archiver = new Archiver(new TwilioRecordings(env.config().twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC(), DerivedWork.none());
        Backfill.Summary backfill = new Backfill(new TwilioRecordings(env.config().twilio()), archiver, env.db()).run(
                new Backfill.Options(TwilioStandIn.ACCOUNT_SID, DAY.minusSeconds(3600), now, null, 2, false, false, false, "retention-test"),
                new Backfill.Listener() {
                    @Override
                    public void found(int recordings) {
                    }

                    @Override
                    public void done(dev.callvault.twilio.TwilioRecording recording, Backfill.Outcome outcome, String detail) {
                    }
                });
        assertThat(backfill.archived()).isZero();
        assertThat(env.twilio().mediaDownloads()).as("media downloaded by the backfill").isEqualTo(downloads);
        assertThat(row(old.recordingSid()).status()).isEqualTo("expired");
        assertThat(store.list("")).doesNotContain(oldKey);
    }

    @Test
    void aCallStoredWithoutItsAssistantIsKeptByThePolicyOfTheAssistantWhoseNumberItCalled() {
        ArchivedCalls calls = new ArchivedCalls(env, store, Clock.fixed(DAY, ZoneOffset.UTC));
        ArchivedCalls.Call legacy = calls.add("+14155550133", "+18005550100", null, DAY); // stored before calls kept the assistant their number reached
        Instant now = DAY.plus(java.time.Duration.ofDays(35));

        Retention.Report run = retention(now).apply(false);

        assertThat(run.due()).as("due after 35 days").isEmpty();
        assertThat(row(legacy.recordingSid()).status()).isEqualTo("completed");
        assertThat(retention(now).schedule(new CallRepository(env.db().jdbi()).findBySid(legacy.callSid()).orElseThrow()).whole().orElseThrow().policy())
                .isEqualTo("assistant.billing.retention.days = 90");
        assertThat(retention(DAY.plus(java.time.Duration.ofDays(95))).apply(false).recordingsDeleted()).as("after 95 days").isEqualTo(1);
    }

    @Test
    void showSaysWhenAndByWhichPolicy() {
        ArchivedCalls calls = new ArchivedCalls(env, store, Clock.fixed(DAY, ZoneOffset.UTC));
        ArchivedCalls.Call billing = calls.add("+14155550133", "+18005550100", "billing", DAY);
        var call = new CallRepository(env.db().jdbi()).findBySid(billing.callSid()).orElseThrow();

        Retention.Schedule s = retention(DAY).schedule(call);

        assertThat(s.whole()).hasValueSatisfying(d -> assertThat(d.policy()).isEqualTo("assistant.billing.retention.days = 90"));
        assertThat(s.whole().get().at()).isAfter(DAY.plus(java.time.Duration.ofDays(90)));
    }
}
