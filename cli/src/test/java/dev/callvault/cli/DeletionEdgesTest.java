package dev.callvault.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.archive.Archiver;
import dev.callvault.config.ConfigLoader;
import dev.callvault.archive.CallbackProcessor;
import dev.callvault.db.CallRepository;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.derived.DerivedWork;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.ArchivedCalls;
import dev.callvault.testing.Environment;
import dev.callvault.testing.NumbersInDatabase;
import dev.callvault.testing.S3Front;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TestS3Mock;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Erasure and retention at their edges, one test for each way they broke: a repair that brought erased audio back, a
 * live call erased as if it had ended, copies set aside that survived, the record crediting a refused request, a number
 * kept in a hold after its erasure, and the smaller ones (exit codes, a number that cannot exist, a step recorded twice).
 */
class DeletionEdgesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One try per Twilio request, so a refusal the stand-in is told to give is the answer the command sees. */
    private static final Map<String, String> SETTINGS = Map.of("privacy.hash-secret", "deletion-edges-secret-0123", "twilio.max-attempts", "1",
            "retention.days", "30");

    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    private ArchivedCalls.Call archived(String from, Instant started) {
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            return new ArchivedCalls(env, store, Clock.fixed(started, ZoneOffset.UTC)).add(from, "+18005550199", "sales", started);
        }
    }

    /** A call archived seven hours ago into the store {@code settings} name (beside the environment's). */
    private ArchivedCalls.Call archivedIn(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(env.settings());
        all.putAll(settings);
        Instant started = Instant.now().minus(Duration.ofHours(7));
        try (RecordingStore store = RecordingStores.open(ConfigLoader.of(all).storage())) {
            return new ArchivedCalls(env, store, Clock.fixed(started, ZoneOffset.UTC)).add("+14155550102", "+18005550199", "sales", started);
        }
    }

    private RecordingRow row(String recordingSid) {
        return new RecordingRepository(env.db().jdbi()).findByRecordingSid(recordingSid).orElseThrow();
    }

    private static JsonNode proof(Cli.Result r) throws Exception {
        return JSON.readTree(r.out().lines().filter(l -> l.startsWith("{\"erasure\"")).findFirst().orElseThrow(() -> new AssertionError(r.out() + r.err())));
    }

    private List<String> keysOf(String callSid) {
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            return store.list("").stream().filter(k -> k.contains(callSid)).toList();
        }
    }

    private static String day(Instant i, int plusDays) {
        return LocalDate.ofInstant(i, ZoneOffset.UTC).plusDays(plusDays).toString();
    }

    @Test
    void verifyFixNeverBringsBackTheAudioOfAnErasureTwilioRefusedToFinish() throws Exception {
        Instant started = Instant.now().minus(Duration.ofHours(2));
        ArchivedCalls.Call call = archived("+14155550102", started);
        env.twilio().failNextDeletes(1, 500);

        Cli.Result erase = cli.run(List.of("erase"), SETTINGS, "--call", call.callSid(), "--reason", "GDPR request 2026-401", "--yes", "--json");
        int downloads = env.twilio().mediaDownloads();
        Cli.Result verify = cli.run(List.of("verify"), SETTINGS, "--since", day(started, 0), "--until", day(started, 1));
        Cli.Result fix = cli.run(List.of("verify"), SETTINGS, "--since", day(started, 0), "--until", day(started, 1), "--fix");

        assertThat(erase.exit()).as(erase.out() + erase.err()).isEqualTo(1);
        assertThat(proof(erase).get("calls").get(0).get("outcome").asText()).isEqualTo("failed");
        assertThat(env.twilio().has(call.recordingSid())).as("Twilio refused: its copy is still there").isTrue();
        assertThat(verify.out()).as("the call being erased is no missing object").contains("object_missing=0").contains("deleting=1");
        assertThat(verify.exit()).as(verify.out()).isEqualTo(1);
        assertThat(fix.out()).doesNotContain("re-archived");
        assertThat(env.twilio().mediaDownloads()).as("nothing downloaded by the repair").isEqualTo(downloads);
        assertThat(keysOf(call.callSid())).as("nothing of the call back in the store").isEmpty();
        assertThat(row(call.recordingSid()).sha256()).as("the row was not written again").isNotNull();

        Cli.Result again = cli.run(List.of("erase"), SETTINGS, "--call", call.callSid(), "--reason", "GDPR request 2026-401", "--yes");
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(env.twilio().has(call.recordingSid())).isFalse();
        assertThat(row(call.recordingSid()).status()).isEqualTo("erased");
    }

    @Test
    void aLiveCallIsPendingAndTheRecordingTwilioFinishesLaterIsDeletedThereOnTheSameProof() throws Exception {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        new CallRepository(env.db().jdbi()).recordStart(new CallRepository.Start(callSid, TwilioStandIn.ACCOUNT_SID, "+14155550102", "+18005550199",
                "sales", Instant.now()));
        env.twilio().call(callSid, "in-progress");

        Cli.Result live = cli.run(List.of("erase"), SETTINGS, "--call", callSid, "--reason", "GDPR request 2026-402", "--yes", "--json");

        assertThat(live.exit()).as(live.out() + live.err()).isEqualTo(1);
        JsonNode first = proof(live);
        assertThat(first.get("state").asText()).isEqualTo("partial");
        assertThat(first.get("calls").get(0).get("outcome").asText()).isEqualTo("pending");
        assertThat(first.get("calls").get(0).get("detail").asText()).contains("Twilio says it is in-progress");

        // the call ends; Twilio finishes its recording and sends the completed callback, which the daemon's worker processes
        env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now(), 24 * 1024));
        env.twilio().call(callSid, "completed");
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            Archiver archiver = new Archiver(new TwilioRecordings(env.config(SETTINGS).twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC(),
                    DerivedWork.none());
            var result = new CallbackProcessor(archiver).process(Map.of("AccountSid", TwilioStandIn.ACCOUNT_SID, "CallSid", callSid,
                    "RecordingSid", recordingSid, "RecordingStatus", "completed"));
            assertThat(result.orElseThrow().outcome().name()).isEqualTo("ERASED");
        }
        assertThat(env.twilio().has(recordingSid)).as("deleted at Twilio when its callback came").isFalse();
        assertThat(env.twilio().mediaDownloads()).as("never downloaded").isZero();
        assertThat(keysOf(callSid)).isEmpty();

        Cli.Result ended = cli.run(List.of("erase"), SETTINGS, "--call", callSid, "--reason", "GDPR request 2026-402", "--yes", "--json");
        Cli.Result verify = cli.run(List.of("verify"), SETTINGS, "--since", day(Instant.now(), -1), "--until", day(Instant.now(), 1));
        Cli.Result fix = cli.run(List.of("verify"), SETTINGS, "--since", day(Instant.now(), -1), "--until", day(Instant.now(), 1), "--fix");

        assertThat(ended.exit()).as(ended.out() + ended.err()).isZero();
        JsonNode done = proof(ended);
        assertThat(done.get("erasure").asText()).as("the same request, carried on").isEqualTo(first.get("erasure").asText());
        assertThat(done.get("steps").toString()).contains(recordingSid).contains("\"where\":\"twilio\",\"outcome\":\"deleted\"");
        assertThat(verify.out()).as(verify.out()).contains("not_upgraded=0").contains("OK:");
        assertThat(fix.out()).doesNotContain("re-archived");
        assertThat(env.twilio().mediaDownloads()).isZero();
    }

    @Test
    void copiesVerifySetAsideAndUploadsLeftOpenAreErasedWithTheCallAndNamedInTheProof() throws Exception {
        Instant started = Instant.now().minus(Duration.ofHours(3));
        ArchivedCalls.Call call = archived("+14155550102", started);
        String key = row(call.recordingSid()).s3Key();
        String stray = key.substring(0, key.lastIndexOf('/') + 1) + Sids.recording() + ".mp3"; // an object of the call no row names
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            store.put(stray, new ByteArrayInputStream(new byte[2048]), "audio/mpeg", Map.of());
        }
        TestS3.get().overwriteInPlace(env.bucket(), key, 15_000, new byte[]{1, 2, 3, 4});
        Cli.Result repaired = cli.run(List.of("verify"), SETTINGS, "--since", day(started, 0), "--until", day(started, 1), "--deep", "--fix");
        assertThat(repaired.out()).contains("damaged/" + key).contains("orphaned/" + stray);
        assertThat(keysOf(call.callSid())).contains("damaged/" + key, "orphaned/" + stray, key);
        String unfinished = key.substring(0, key.lastIndexOf('/') + 1) + Sids.recording() + ".mp3"; // an upload a killed daemon left open
        try (S3Client s3 = S3Client.builder().endpointOverride(TestS3.get().endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(TestS3.ACCESS_KEY, TestS3.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build()) {
            String upload = s3.createMultipartUpload(b -> b.bucket(env.bucket()).key(unfinished)).uploadId();
            s3.uploadPart(b -> b.bucket(env.bucket()).key(unfinished).uploadId(upload).partNumber(1), RequestBody.fromBytes(new byte[6 * 1024 * 1024]));
        }
        assertThat(TestS3.get().unfinishedUploads(env.bucket())).isEqualTo(1);

        Cli.Result erase = cli.run(List.of("erase"), SETTINGS, "--call", call.callSid(), "--reason", "GDPR request 2026-403", "--yes", "--json");

        assertThat(erase.exit()).as(erase.out() + erase.err()).isZero();
        assertThat(keysOf(call.callSid())).as("every prefix of the bucket").isEmpty();
        assertThat(TestS3.get().unfinishedUploads(env.bucket())).as("uploads left open").isZero();
        assertThat(proof(erase).get("steps").toString()).contains("damaged/" + key).contains("orphaned/" + stray)
                .contains(unfinished).contains("1 unfinished upload aborted");
    }

    @Test
    void onAStoreWithoutVersionsAnErasureIsCompleteAndItsProofSaysWhy() throws Exception {
        try (S3Front s3rver = S3Front.s3rver(TestS3.get().endpoint())) {
            Map<String, String> plain = new HashMap<>(SETTINGS);
            plain.put("s3.endpoint", s3rver.endpoint().toString());
            ArchivedCalls.Call call = archivedIn(plain);
            assertThat(keysOf(call.callSid())).isNotEmpty();

            Cli.Result erase = cli.run(List.of("erase"), plain, "--call", call.callSid(), "--reason", "GDPR request 2026-408", "--yes", "--json");

            assertThat(erase.exit()).as(erase.out() + erase.err()).isZero();
            assertThat(keysOf(call.callSid())).as("the store's objects").isEmpty();
            assertThat(env.twilio().has(call.recordingSid())).isFalse();
            assertThat(proof(erase).get("steps").toString()).as("why a plain delete is final here")
                    .containsAnyOf("has never had versioning", "does not implement versioning");
        }
    }

    @Test
    void onAVersionedBucketWhoseVersionsCannotBeListedNothingIsDeletedAnywhereAndThePermissionIsNamed() throws Exception {
        try (TestS3Mock mock = new TestS3Mock(); S3Front denied = S3Front.deniedVersions(mock.endpoint)) {
            String bucket = mock.versionedBucket();
            Map<String, String> versioned = new HashMap<>(SETTINGS);
            versioned.put("storage", "s3://" + bucket + "/");
            versioned.put("s3.endpoint", denied.endpoint().toString());
            ArchivedCalls.Call call = archivedIn(versioned);
            List<String> before = mock.versions(bucket, "");

            Cli.Result erase = cli.run(List.of("erase"), versioned, "--call", call.callSid(), "--reason", "GDPR request 2026-409", "--yes", "--json");

            assertThat(erase.exit()).as(erase.out() + erase.err()).isEqualTo(1);
            JsonNode p = proof(erase);
            assertThat(p.get("calls").get(0).get("outcome").asText()).isEqualTo("failed");
            assertThat(p.get("calls").get(0).get("detail").asText()).contains("s3:ListBucketVersions").contains("nothing of it was deleted");
            assertThat(mock.versions(bucket, "")).as("every version is still there").isEqualTo(before);
            assertThat(env.twilio().has(call.recordingSid())).as("Twilio's copy is still there").isTrue();
            assertThat(row(call.recordingSid()).status()).isEqualTo("completed");
        }
    }

    @Test
    void eachRequestIsItsOwnRecordAndNothingIsCreditedToTheRefusedOne() throws Exception {
        ArchivedCalls.Call call = archived("+14155550102", Instant.now().minus(Duration.ofHours(4)));
        Cli.Result hold = cli.run(List.of("hold", "add"), SETTINGS, "--call", call.callSid(), "--reason", "dispute 4411", "--by", "carol");
        Cli.Result refused = cli.run(List.of("erase"), SETTINGS, "--call", call.callSid(), "--reason", "ticket 1", "--by", "alice", "--yes", "--json");
        Cli.Result released = cli.run(List.of("hold", "remove"), SETTINGS, "1", "--reason", "dispute settled", "--by", "carol");
        Cli.Result erased = cli.run(List.of("erase"), SETTINGS, "--call", call.callSid(), "--reason", "ticket 2", "--by", "bob", "--yes", "--json");
        Cli.Result record = cli.run(List.of("audit"), SETTINGS, "--deletions", "--json");

        assertThat(hold.exit()).as(hold.out() + hold.err()).isZero();
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(proof(refused).get("calls").get(0).get("outcome").asText()).isEqualTo("held");
        assertThat(released.exit()).as(released.err()).isZero();
        assertThat(erased.exit()).as(erased.out() + erased.err()).isZero();
        JsonNode bob = proof(erased);
        assertThat(bob.get("requested_by").asText()).isEqualTo("bob");
        assertThat(bob.get("reason").asText()).isEqualTo("ticket 2");
        assertThat(bob.get("continues").asText()).isEqualTo(proof(refused).get("erasure").asText());
        List<Map<String, Object>> requests = env.db().jdbi().withHandle(h -> h.createQuery(
                "SELECT requested_by, reason, state FROM erasures ORDER BY started_at").mapToMap().list());
        assertThat(requests).extracting(m -> m.get("requested_by") + "/" + m.get("reason") + "/" + m.get("state"))
                .containsExactly("alice/ticket 1/superseded", "bob/ticket 2/complete");
        var c = env.db().jdbi().withHandle(h -> h.createQuery("SELECT erased_by, erased_why FROM calls WHERE call_sid = :s")
                .bind("s", call.callSid()).mapToMap().one());
        assertThat(c).containsEntry("erased_by", "bob").containsEntry("erased_why", "ticket 2");
        List<JsonNode> deletions = new ArrayList<>();
        record.out().lines().filter(l -> l.startsWith("{")).forEach(l -> {
            try {
                deletions.add(JSON.readTree(l));
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        });
        assertThat(deletions).filteredOn(d -> d.path("kind").asText().equals("erasure")).isNotEmpty()
                .allSatisfy(d -> assertThat(d.get("actor").asText() + " " + d.get("why").asText()).isEqualTo("bob ticket 2"));
    }

    @Test
    void aNumberHeldAndErasedIsStoredNowhereInAnyForm() {
        ArchivedCalls.Call call = archived("+14155550102", Instant.now().minus(Duration.ofHours(5)));
        Cli.Result hold = cli.run(List.of("hold", "add"), SETTINGS, "--number", "415-555-0102", "--reason", "litigation 2026-118", "--by", "carol");
        assertThat(NumbersInDatabase.find(env.db(), "+14155550102")).as("while the call is kept").contains("calls.from_number")
                .doesNotContain("legal_holds.number");
        Cli.Result released = cli.run(List.of("hold", "remove"), SETTINGS, "1", "--reason", "case closed", "--by", "carol");
        Cli.Result erase = cli.run(List.of("erase"), SETTINGS, "--number", "+1 (415) 555-0102", "--reason", "GDPR request 2026-405", "--yes");

        assertThat(hold.exit() + released.exit() + erase.exit()).as(hold.err() + released.err() + erase.out() + erase.err()).isZero();
        assertThat(NumbersInDatabase.find(env.db(), "+14155550102")).as("columns holding a form of the number").isEmpty();
        assertThat(cli.run(List.of("hold", "list"), SETTINGS, "--all").out()).contains("…02");
        assertThat(env.twilio().has(call.recordingSid())).isFalse();
    }

    @Test
    void aNumberThatCannotExistIsRefusedAndOneThatMatchesNoCallIsSaid() {
        Cli.Result seven = cli.run(List.of("erase"), SETTINGS, "--number", "5550100", "--reason", "GDPR request", "--yes");
        Cli.Result nobody = cli.run(List.of("erase"), SETTINGS, "--number", "+1 415 555 0177", "--reason", "GDPR request", "--yes");
        Cli.Result holdSeven = cli.run(List.of("hold", "add"), SETTINGS, "--number", "5550100", "--reason", "case");

        assertThat(seven.exit()).isEqualTo(64);
        assertThat(seven.err()).contains("not a valid phone number").contains("phone.default-region");
        assertThat(holdSeven.exit()).isEqualTo(64);
        assertThat(nobody.exit()).as(nobody.err()).isZero();
        assertThat(nobody.err() + nobody.out()).contains("no call from or to +14155550177 was found");
    }

    @Test
    void retentionApplyFailsWhileAnErasureItCarriesOnStillFails() {
        ArchivedCalls.Call call = archived("+14155550102", Instant.now().minus(Duration.ofHours(6)));
        env.twilio().failNextDeletes(2, 500);

        Cli.Result erase = cli.run(List.of("erase"), SETTINGS, "--call", call.callSid(), "--reason", "GDPR request 2026-406", "--yes");
        Cli.Result retention = cli.run(List.of("retention", "apply"), SETTINGS);
        Cli.Result later = cli.run(List.of("retention", "apply"), SETTINGS);

        assertThat(erase.exit()).isEqualTo(1);
        assertThat(erase.out()).as("Twilio's refusal, in words that say what was done").contains("while deleting recording " + call.recordingSid());
        assertThat(retention.exit()).as(retention.out() + retention.err()).isEqualTo(1);
        assertThat(retention.err()).contains(call.callSid()).contains("not erased yet");
        assertThat(later.exit()).as("Twilio answers again: the erasure ends " + later.out() + later.err()).isZero();
        assertThat(env.twilio().has(call.recordingSid())).isFalse();
    }

    @Test
    void aResumedErasureRecordsEachCallsNumbersOnceAndCallsExpiredBeforeAreSaidToBe() throws Exception {
        Instant now = Instant.now();
        List<ArchivedCalls.Call> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(archived("+14155550102", now.minus(Duration.ofHours(8 + i))));
        }
        ArchivedCalls.Call expired = archived("+14155550102", now.minus(Duration.ofDays(40)));
        assertThat(cli.run(List.of("retention", "apply"), SETTINGS).exit()).isZero();
        assertThat(row(expired.recordingSid()).status()).isEqualTo("expired");
        env.twilio().failNextDeletes(1, 500);

        Cli.Result first = cli.run(List.of("erase"), SETTINGS, "--number", "4155550102", "--reason", "GDPR request 2026-407", "--yes", "--json");
        Cli.Result second = cli.run(List.of("erase"), SETTINGS, "--number", "4155550102", "--reason", "GDPR request 2026-407", "--yes", "--json");

        assertThat(first.exit()).isEqualTo(1);
        assertThat(second.exit()).as(second.out() + second.err()).isZero();
        JsonNode p = proof(second);
        int replaced = 0;
        for (JsonNode s : p.get("steps")) {
            replaced += s.get("detail").asText().startsWith("the call's numbers replaced") ? 1 : 0;
        }
        assertThat(replaced).as("numbers replaced, once per call erased now").isEqualTo(calls.size());
        Map<String, String> outcome = new HashMap<>();
        p.get("calls").forEach(c -> outcome.put(c.get("call_sid").asText(), c.get("detail").asText()));
        assertThat(outcome.get(expired.callSid())).startsWith("already deleted everywhere on").contains("retention policy");
        assertThat(p.get("steps").toString()).doesNotContain(expired.callSid());
    }
}
