package dev.callvault.privacy;

import dev.callvault.CallvaultException;
import dev.callvault.archive.Archiver;
import dev.callvault.archive.CallbackProcessor;
import dev.callvault.backfill.Backfill;
import dev.callvault.calls.PhoneNumbers;
import dev.callvault.config.Config;
import dev.callvault.config.ConfigLoader;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.derived.DerivedWork;
import dev.callvault.recorder.RealtimeRecording;
import dev.callvault.recorder.Recorder;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.NumbersInDatabase;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TestPostgres;
import dev.callvault.testing.TestS3Mock;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;
import dev.callvault.verify.Reconciler;
import software.amazon.awssdk.core.sync.RequestBody;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real system (a fresh schema of the real PostgreSQL, a versioned bucket of a real S3 server, the Twilio stand-in,
 * the archiver, the real-time recorder, backfill, verify and the lifecycle itself, on a clock the test moves) beside a
 * model of what was asked of it: which calls exist, from which number, for which assistant, when they ended, which
 * requests and holds were made. {@link #check()} holds the system to the lifecycle's promises after every step.
 */
final class LifecycleWorld implements AutoCloseable {
    static final String[] CALLERS = {"+14155550101", "+14155550102", "+14155550103"};
    static final String SALES_NUMBER = "+18005550100";
    static final String OTHER_NUMBER = "+18005550199";
    static final String[][] PEOPLE = {{"alice", "ticket 1"}, {"bob", "ticket 2"}, {"alice", "ticket 3"}};
    static final int DAYS = 30;
    static final int SALES_DAYS = 90;
    static final int REALTIME_DAYS = 10;

    /** One call as the model knows it. */
    static final class Call {
        final String sid;
        final String from;
        final String to;
        final String assistant;
        final Instant start;
        Instant end;
        boolean live = true;
        boolean realtime;
        final List<String> recordings = new ArrayList<>();

        Call(String sid, String from, String to, String assistant, Instant start) {
            this.sid = sid;
            this.from = from;
            this.to = to;
            this.assistant = assistant;
            this.start = start;
        }

        @Override
        public String toString() {
            return sid.substring(0, 8);
        }
    }

    /** An erasure as the model asked for it: who, why, and the calls it names (those of the number or the call, then). */
    record Request(UUID id, String who, String reason, String selector, Set<String> calls) {
    }

    /** A hold as the model placed it, the last deletion recorded before it, and the calls erased before it (it holds nothing of them). */
    record Hold(long id, String callSid, String number, long deletionsBefore, Set<String> erasedBefore) {
    }

    /** A clock the test moves forward. */
    static final class ModelClock extends Clock {
        private volatile Instant now;

        ModelClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** Thrown by a failpoint: the erasure stops there as a kill would stop it. */
    static final class Killed extends RuntimeException {
        Killed(String step) {
            super("killed at: " + step, null, false, false);
        }
    }

    final TestS3Mock s3;
    final TwilioStandIn standIn;
    final String schema;
    final String bucket;
    final Config config;
    final Database db;
    final RecordingStore store;
    final TwilioRecordings twilio;
    final ModelClock clock = new ModelClock(Instant.parse("2026-03-02T09:00:00Z"));
    final Archiver archiver;
    final Recorder recorder;
    final Path spool;
    final Map<String, Call> calls = new LinkedHashMap<>();
    final List<Request> requests = new ArrayList<>();
    final List<Hold> holds = new ArrayList<>();
    private int runs;
    /** What the last step was, for the record's credit: an erasure request's id, or null. */
    private UUID erasing;
    private boolean erasingTimer;
    private long deletionsSeen;
    private final Map<String, Integer> versionsOfMarked = new HashMap<>();
    private final Map<String, Integer> completedOfMarked = new HashMap<>();

    LifecycleWorld(TestS3Mock s3, TwilioStandIn standIn) {
        this.s3 = s3;
        this.standIn = standIn;
        standIn.reset();
        String[] name = new String[1];
        String jdbcUrl = TestPostgres.freshSchema(name);
        this.schema = name[0];
        this.bucket = s3.versionedBucket();
        Map<String, String> s = dev.callvault.testing.Environment.settings(jdbcUrl, bucket, standIn);
        s.put("s3.endpoint", s3.endpoint.toString()); // the versioned bucket is S3Mock's
        s.put("twilio.max-attempts", "1");
        s.put("twilio.timeout-ms", "250");
        s.put("public-url", "https://calls.example.com");
        s.put("privacy.hash-secret", "lifecycle-model-secret-0123");
        s.put("retention.days", Integer.toString(DAYS));
        s.put("retention.realtime-days", Integer.toString(REALTIME_DAYS));
        s.put("assistant.sales.retention.days", Integer.toString(SALES_DAYS));
        s.put("assistant.sales.numbers", SALES_NUMBER);
        s.put("recording.enabled", "true");
        s.put("recording.format", "wav");
        this.config = ConfigLoader.of(s);
        this.db = Database.connect(jdbcUrl, TestPostgres.user(), 8);
        db.migrate();
        this.store = RecordingStores.open(config.storage());
        this.twilio = new TwilioRecordings(config.twilio());
        this.archiver = new Archiver(twilio, store, db, MediaFormat.MP3, clock, DerivedWork.inline());
        try {
            this.spool = Files.createTempDirectory("lifecycle-spool");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.recorder = new Recorder(db, store, spool, "model", clock, DerivedWork.none());
    }

    Privacy privacy() {
        return new Privacy(config, db, store, twilio, clock);
    }

    /** Every step but a move of the clock takes a few seconds of it: calls last, and steps are ordered in time. */
    private void tick() {
        clock.advance(Duration.ofSeconds(7));
        erasing = null;
        erasingTimer = false;
    }

    /** The callers some call came from: what a person would ask to erase or hold. */
    List<Integer> callers() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < CALLERS.length; i++) {
            int n = i;
            if (calls.values().stream().anyMatch(c -> c.from.equals(CALLERS[n]))) {
                out.add(i);
            }
        }
        return out;
    }

    List<Call> liveCalls() {
        return calls.values().stream().filter(c -> c.live).toList();
    }

    // --- the steps ---------------------------------------------------------------------------------------------------

    /** A call starts: by {@code ?assistant=sales}, by the number of sales, or neither. */
    void startCall(int caller, String route) {
        tick();
        String sid = Sids.call();
        String to = route.equals("number") ? SALES_NUMBER : OTHER_NUMBER;
        String param = route.equals("assistant") ? "sales" : null;
        Map<String, String> form = Map.of("CallSid", sid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", CALLERS[caller], "To", to);
        new CallRepository(db.jdbi()).recordStart(CallRepository.Start.of(form, param, config.assistants(), clock.instant()));
        standIn.call(sid, "in-progress", clock.instant());
        calls.put(sid, new Call(sid, CALLERS[caller], to, route.equals("neither") ? null : "sales", clock.instant()));
    }

    /** The call ends; Twilio finishes its recording; its completed callback is handled now or (later) never. */
    void endCall(Call c, boolean callbackNow) {
        tick();
        c.live = false;
        c.end = clock.instant();
        String rec = Sids.recording();
        int seconds = (int) Math.max(1, Duration.between(c.start, c.end).toSeconds());
        standIn.add(new StandInRecording(rec, TwilioStandIn.ACCOUNT_SID, c.sid, c.end, c.start, seconds, 2, "completed", "StartCallRecordingAPI",
                null, false, 16 * 1024, rec.hashCode()));
        standIn.call(c.sid, "completed", c.end);
        c.recordings.add(rec);
        if (callbackNow) {
            handle(c, rec);
        }
    }

    /** Twilio's completed callback for {@code rec} is handled (again, or late), as the daemon's worker does. */
    void callback(Call c, String rec) {
        tick();
        handle(c, rec);
    }

    private void handle(Call c, String rec) {
        try {
            new CallbackProcessor(archiver).process(Map.of("AccountSid", TwilioStandIn.ACCOUNT_SID, "CallSid", c.sid, "RecordingSid", rec,
                    "RecordingStatus", "completed"));
        } catch (CallvaultException retriedLater) {
            // Twilio failed or hung: the queue tries it again later, as a step of its own here
        }
    }

    /** The live call's real-time recorder: its three tracks, a second of audio each. */
    void realtime(Call c) throws Exception {
        tick();
        c.realtime = true;
        String stream = Sids.random("MZ");
        RealtimeRecording r;
        try {
            r = recorder.start(TwilioStandIn.ACCOUNT_SID, c.sid, stream, config.assistants().match(c.assistant, c.to));
        } catch (Recorder.Refused refused) {
            return;
        }
        byte[] payload = new byte[160];
        for (int frame = 0; frame < 50; frame++) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (0x10 + ((i + frame) % 64));
            }
            synchronized (r) {
                r.media("inbound", frame * 20L, payload);
                r.media("outbound", frame * 20L, payload);
            }
        }
        recorder.stop(r, 1000, false);
    }

    void backfill() throws InterruptedException {
        tick();
        try {
            new Backfill(twilio, archiver, db).run(new Backfill.Options(TwilioStandIn.ACCOUNT_SID, clock.instant().minus(Duration.ofDays(400)),
                    clock.instant().plus(Duration.ofDays(1)), null, 2, false, false, false, "model-" + runs++), new Backfill.Listener() {
                @Override
                public void found(int recordings) {
                }

                @Override
                public void done(TwilioRecording recording, Backfill.Outcome outcome, String detail) {
                }
            });
        } catch (CallvaultException twilioDown) {
            // the listing failed: cron runs it again
        }
    }

    void verifyFix(boolean deep) {
        tick();
        Reconciler reconciler = new Reconciler(twilio, new RecordingRepository(db.jdbi()), store, archiver);
        // cron's window: the days of the calls not long ended (verify lists the store a day at a time)
        Instant until = clock.instant().plus(Duration.ofDays(1));
        Instant since = calls.values().stream().map(c -> c.start).filter(t -> t.isAfter(until.minus(Duration.ofDays(40))))
                .min(Instant::compareTo).orElse(clock.instant()).minus(Duration.ofDays(1));
        try {
            Reconciler.Report report = reconciler.check(TwilioStandIn.ACCOUNT_SID, since, until,
                    deep ? new Reconciler.Deep(2, n -> { }, n -> { }) : null);
            reconciler.fix(TwilioStandIn.ACCOUNT_SID, report);
        } catch (CallvaultException twilioDown) {
            // verify says UNKNOWN and cron runs it again
        }
    }

    /**
     * A stored recording's bytes change under unchanged metadata (a new version with the row's size and SHA-256 as its
     * metadata): what a faulty disk does, found only by verify --deep, and one more version for a deletion to find.
     */
    void damage(Call c) {
        tick();
        List<String> keys = db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT r.s3_key FROM recordings r JOIN calls k ON k.id = r.call_id
                        WHERE k.call_sid = :sid AND k.marked_at IS NULL AND r.status = 'completed' AND r.s3_key IS NOT NULL ORDER BY r.s3_key""")
                .bind("sid", c.sid).mapTo(String.class).list());
        if (keys.isEmpty()) {
            return;
        }
        String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
        Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("SELECT file_size, sha256 FROM recordings WHERE s3_key = :k")
                .bind("k", key).mapToMap().one());
        byte[] junk = new byte[(int) (long) (Long) row.get("file_size")];
        ThreadLocalRandom.current().nextBytes(junk);
        s3.s3.putObject(b -> b.bucket(bucket).key(key).metadata(Map.of("sha256", (String) row.get("sha256"))), RequestBody.fromBytes(junk));
    }

    /** An object of the call that no row names (an upload whose row was never written): what verify --fix sets aside. */
    void stray(Call c) {
        tick();
        if (erasedAt(c.sid) != null || db.jdbi().withHandle(h -> h.createQuery("SELECT marked_at IS NOT NULL FROM calls WHERE call_sid = :s")
                .bind("s", c.sid).mapTo(Boolean.class).one())) {
            return; // nothing is written for a call being deleted, by anyone
        }
        String key = dev.callvault.storage.RecordingKeys.callFolder(store.prefix(), c.start, c.sid) + Sids.recording() + ".mp3";
        store.put(key, new java.io.ByteArrayInputStream(new byte[1024]), "audio/mpeg", Map.of());
    }

    /** Days go by; a call still live ends first (no call lasts a day at Twilio), its callback left for later. */
    void advance(int days) {
        for (Call c : liveCalls()) {
            endCall(c, false);
        }
        clock.advance(Duration.ofDays(days).plusHours(3));
        erasing = null;
        erasingTimer = false;
    }

    void retention() {
        tick();
        erasingTimer = true;
        privacy().retention().apply(false);
    }

    /** The daily timer: retention, then every unfinished erasure carried on. */
    void dailyTimer() {
        tick();
        erasingTimer = true;
        Privacy p = privacy();
        p.retention().apply(false);
        p.eraser().resumeOpen();
    }

    void holdCall(Call c) {
        tick();
        long before = lastDeletion();
        CallRow row = new CallRepository(db.jdbi()).findBySid(c.sid).orElseThrow();
        try {
            Holds.Hold h = privacy().holds().place(row, null, "dispute", "carol", null);
            holds.add(new Hold(h.id(), c.sid, null, before, erasedCalls()));
        } catch (Holds.NothingToHold erased) {
            assertThat(erasedAt(c.sid)).as("a hold refused for a call that is not erased: " + erased.getMessage()).isNotNull();
        }
    }

    void holdNumber(int caller) {
        tick();
        long before = lastDeletion();
        Holds.Hold h = privacy().holds().place(null, CALLERS[caller], "litigation", "carol", null);
        holds.add(new Hold(h.id(), null, CALLERS[caller], before, erasedCalls()));
    }

    void removeHold(Hold h) {
        tick();
        privacy().holds().remove(h.id(), "settled", "carol");
        holds.remove(h);
    }

    /** An erasure of a number typed as a person would, by one of the people, or of one call; killed at a step when asked. */
    void erase(String typed, String callSid, int person, int killAt) {
        tick();
        String number = typed == null ? null : PhoneNumbers.valid(typed, "US").orElseThrow();
        Eraser.Request request = new Eraser.Request(number, callSid, null, null, PEOPLE[person][1], PEOPLE[person][0]);
        Set<String> named = new HashSet<>();
        calls.values().stream().filter(c -> callSid != null ? c.sid.equals(callSid) : c.from.equals(number) || c.to.equals(number))
                .forEach(c -> named.add(c.sid));
        String selector = (number != null ? "number:" + number : "call:" + callSid);
        int[] steps = {0};
        Purge.Failpoint failpoint = killAt == 0 ? Purge.Failpoint.NONE : step -> {
            if (++steps[0] == killAt) {
                throw new Killed(step);
            }
        };
        Privacy p = new Privacy(config, db, store, twilio, clock, failpoint);
        UUID id;
        try {
            id = p.eraser().erase(request).id();
        } catch (Killed killed) {
            String kept = (number != null ? "number:" + new NumberHash(config.privacy().hashSecret()).of(number) : "call:" + callSid) + "||";
            id = db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM erasures WHERE selector = :s ORDER BY started_at DESC, id LIMIT 1")
                    .bind("s", kept).mapTo(UUID.class).one());
        }
        UUID made = id;
        Optional<Request> same = requests.stream().filter(r -> r.id().equals(made)).findFirst();
        if (same.isPresent()) {
            same.get().calls().addAll(named);
        } else {
            Set<String> all = new HashSet<>(named);
            // a request that supersedes an unfinished one of the same selector carries its calls on
            requests.stream().filter(r -> r.selector().equals(selector)).forEach(r -> all.addAll(r.calls()));
            requests.add(new Request(id, PEOPLE[person][0], PEOPLE[person][1], selector, all));
        }
        erasing = id;
    }

    void twilioRefusesDeletes(int count) {
        standIn.failNextDeletes(count, 500);
    }

    void twilioHangsOnDeletes(int count) {
        standIn.hangNextDeletes(count, Duration.ofMillis(400));
    }

    // --- the promises -------------------------------------------------------------------------------------------------

    private long lastDeletion() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT coalesce(max(id), 0) FROM deletions").mapTo(Long.class).one());
    }

    private Set<String> erasedCalls() {
        return new HashSet<>(db.jdbi().withHandle(h -> h.createQuery("SELECT call_sid FROM calls WHERE erased_at IS NOT NULL").mapTo(String.class).list()));
    }

    private Instant erasedAt(String callSid) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT erased_at FROM calls WHERE call_sid = :s").bind("s", callSid)
                .mapTo(java.time.OffsetDateTime.class).findOne().map(java.time.OffsetDateTime::toInstant).orElse(null));
    }

    /** A deletion as recorded. */
    record Deletion(long id, Instant at, String actor, String kind, String why, UUID erasure, String callSid, String recordingSid, String key,
                    String place, String outcome, String detail) {
    }

    private List<Deletion> deletionsAfter(long id) {
        return db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT id, at, actor, kind, why, erasure_id, call_sid, recording_sid, object_key, place, outcome, detail
                        FROM deletions WHERE id > :id ORDER BY id""").bind("id", id)
                .map((rs, ctx) -> new Deletion(rs.getLong("id"), rs.getObject("at", java.time.OffsetDateTime.class).toInstant(), rs.getString("actor"),
                        rs.getString("kind"), rs.getString("why"), rs.getObject("erasure_id", UUID.class), rs.getString("call_sid"),
                        rs.getString("recording_sid"), rs.getString("object_key"), rs.getString("place"), rs.getString("outcome"), rs.getString("detail")))
                .list());
    }

    /** The longest policy that applies to the call, in days, as the model knows the call; and its real-time tracks'. */
    private int policyDays(Call c) {
        return "sales".equals(c.assistant) ? SALES_DAYS : DAYS;
    }

    /**
     * The lifecycle's promises, held against the database, every version of every object in the bucket, and the
     * stand-in: nothing erased or expired exists again anywhere; nothing held is deleted; nothing is deleted before the
     * longest policy that applies; every deletion has one record naming the request that caused it; no form of an erased
     * number is stored; an erasure ends complete or names what is left and why; a call marked for deletion gains nothing.
     */
    private static final boolean TRACE = System.getProperty("lifecycle.trace") != null;
    private long lastCheck = System.nanoTime();

    private String lastStep = "start";

    /** The steps so far, as jqwik tells them: the last one is traced with its time. */
    void stepDone(List<String> steps) {
        lastStep = steps.isEmpty() ? "start" : steps.get(steps.size() - 1);
    }

    void check() {
        long started = System.nanoTime();
        checkPromises();
        if (TRACE) {
            System.err.printf("lifecycle: %5d ms + check %3d ms  %s (%s)%n", (started - lastCheck) / 1_000_000, (System.nanoTime() - started) / 1_000_000,
                    lastStep, this);
        }
        lastCheck = System.nanoTime();
    }

    private void checkPromises() {
        Map<String, Integer> versions = new HashMap<>();
        for (String v : s3.versions(bucket, "")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(CA[0-9a-f]{32})").matcher(v);
            if (m.find()) {
                versions.merge(m.group(1), 1, Integer::sum);
            }
        }
        List<Map<String, Object>> callRows = db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT c.call_sid, c.erased_at IS NOT NULL AS erased, c.marked_at IS NOT NULL AS marked, c.from_number, c.to_number,
                               (SELECT count(*) FROM recordings r WHERE r.call_id = c.id AND r.status IN ('completed', 'in-progress')) AS audio,
                               (SELECT count(*) FROM call_analytics a WHERE a.call_id = c.id) AS analytics
                        FROM calls c""").mapToMap().list());
        for (Map<String, Object> row : callRows) {
            String sid = (String) row.get("call_sid");
            int inBucket = versions.getOrDefault(sid, 0);
            if ((Boolean) row.get("erased")) {
                assertThat(inBucket).as("versions of erased call %s in the bucket", sid).isZero();
                assertThat(standIn.recordingsOf(sid)).as("Twilio's recordings of erased call %s", sid).isEmpty();
                assertThat((Long) row.get("audio")).as("rows with audio of erased call %s", sid).isZero();
                assertThat(row.get("from_number")).as("the number of erased call %s", sid).isNull();
                assertThat((Long) row.get("analytics")).as("analytics of erased call %s", sid).isZero();
            }
            if ((Boolean) row.get("marked") && !(Boolean) row.get("erased")) {
                assertThat(inBucket).as("versions of call %s, marked for deletion, may only go down", sid)
                        .isLessThanOrEqualTo(versionsOfMarked.getOrDefault(sid, inBucket));
                int completed = (int) (long) (Long) row.get("audio");
                assertThat(completed).as("rows with audio of call %s, marked for deletion, may only go down", sid)
                        .isLessThanOrEqualTo(completedOfMarked.getOrDefault(sid, completed));
                versionsOfMarked.put(sid, inBucket);
                completedOfMarked.put(sid, completed);
            } else {
                versionsOfMarked.remove(sid);
                completedOfMarked.remove(sid);
            }
        }
        List<Deletion> fresh = deletionsAfter(deletionsSeen);
        Map<UUID, Map<String, Object>> erasures = new HashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("SELECT id, requested_by, reason, state FROM erasures").mapToMap()
                .forEach(m -> erasures.put((UUID) m.get("id"), m)));
        for (Deletion d : fresh) {
            Call c = d.callSid() == null ? null : calls.get(d.callSid());
            boolean deleted = d.outcome().equals("deleted") && !d.place().equals("holds");
            if (deleted && c != null) {
                for (Hold h : holds) {
                    boolean holds = (c.sid.equals(h.callSid()) || c.from.equals(h.number()) || c.to.equals(h.number())) && !h.erasedBefore().contains(c.sid);
                    assertThat(holds && d.id() > h.deletionsBefore()).as("deletion %s of call %s, held by hold %s", d, c, h.id()).isFalse();
                }
            }
            if (d.kind().equals("retention") && deleted && c != null) {
                int days = d.why().startsWith("retention.realtime-days") ? Math.min(REALTIME_DAYS, policyDays(c)) : policyDays(c);
                Instant end = c.end == null ? c.start : c.end;
                assertThat(d.at()).as("deletion %s of call %s (ended %s): not before %d days", d, c, end, days)
                        .isAfterOrEqualTo(end.plus(Duration.ofDays(days)));
            }
            if (d.kind().equals("erasure") && c != null) {
                Map<String, Object> e = erasures.get(d.erasure());
                assertThat(e).as("the request %s names", d).isNotNull();
                assertThat(d.actor() + "/" + d.why()).as("%s names its request's person and reason", d).isEqualTo(e.get("requested_by") + "/" + e.get("reason"));
                Request asked = requests.stream().filter(r -> r.id().equals(d.erasure())).findFirst().orElseThrow(() -> new AssertionError(
                        d + " names request " + d.erasure() + " the model never made"));
                assertThat(asked.calls()).as("the calls request %s asked for", d.erasure()).contains(c.sid);
                if (erasing != null && !erasingTimer) {
                    assertThat(d.erasure()).as("%s, made while request %s ran", d, erasing).isEqualTo(erasing);
                }
            }
        }
        deletionsSeen = fresh.isEmpty() ? deletionsSeen : fresh.get(fresh.size() - 1).id();
        db.jdbi().useHandle(h -> {
            assertThat(h.createQuery("""
                            SELECT count(*) FROM (SELECT recording_sid FROM deletions WHERE place = 'twilio' AND outcome = 'deleted'
                                                  GROUP BY recording_sid HAVING count(*) > 1) twice""").mapTo(Long.class).one())
                    .as("Twilio deletions recorded twice").isZero();
            assertThat(h.createQuery("""
                            SELECT count(*) FROM (SELECT call_sid FROM deletions WHERE place = 'database' AND detail LIKE 'the call''s numbers replaced%'
                                                  GROUP BY call_sid HAVING count(*) > 1) twice""").mapTo(Long.class).one())
                    .as("numbers replaced recorded twice for a call").isZero();
            assertThat(h.createQuery("""
                            SELECT count(*) FROM recordings r
                            WHERE r.status IN ('erased', 'expired') AND r.stream_sid IS NOT NULL
                              AND (SELECT count(*) FROM deletions d WHERE d.place = 'database' AND d.detail LIKE '%recording ' || r.id || ':%') <> 1""")
                    .mapTo(Long.class).one()).as("tombstones of real-time rows without exactly one record").isZero();
            assertThat(h.createQuery("SELECT count(*) FROM legal_holds WHERE number IS NOT NULL").mapTo(Long.class).one())
                    .as("holds keeping a plain number").isZero();
            List<Map<String, Object>> outcomes = h.createQuery("""
                            SELECT e.id, e.state, ec.outcome, ec.detail, c.erased_at IS NOT NULL AS erased
                            FROM erasures e JOIN erasure_calls ec ON ec.erasure_id = e.id JOIN calls c ON c.id = ec.call_id
                            WHERE e.state IN ('partial', 'complete')""").mapToMap().list();
            for (Map<String, Object> o : outcomes) {
                if (o.get("state").equals("complete")) {
                    assertThat(o.get("outcome") + "/" + o.get("erased")).as("a call of complete erasure %s", o.get("id")).isEqualTo("erased/true");
                } else {
                    assertThat((String) o.get("outcome")).as("a call of partial erasure %s", o.get("id")).isIn("erased", "held", "pending", "failed",
                            "carried_on");
                    assertThat((String) o.get("detail")).as("why, for a call of erasure %s", o.get("id")).isNotBlank();
                }
            }
        });
        for (String number : List.of(CALLERS[0], CALLERS[1], CALLERS[2], SALES_NUMBER, OTHER_NUMBER)) {
            List<Call> with = calls.values().stream().filter(c -> c.from.equals(number) || c.to.equals(number)).toList();
            if (!with.isEmpty() && with.stream().allMatch(c -> erasedAt(c.sid) != null)) {
                assertThat(NumbersInDatabase.find(db, number)).as("columns holding %s, all of whose calls are erased or expired", number).isEmpty();
            }
        }
    }

    @Override
    public void close() {
        recorder.active().forEach(r -> {
            try {
                r.close();
            } catch (java.io.IOException ignored) {
                // the spool goes below
            }
        });
        store.close();
        db.close();
        TestPostgres.dropSchema(schema);
        try (var files = Files.walk(spool)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary directory
        }
    }

    @Override
    public String toString() {
        return calls.size() + " calls, " + requests.size() + " erasures, " + holds.size() + " holds, at " + clock.instant();
    }
}
