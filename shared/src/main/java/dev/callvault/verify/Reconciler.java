package dev.callvault.verify;

import dev.callvault.CallvaultException;
import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.Archiver;
import dev.callvault.archive.Leftovers;
import dev.callvault.crypto.RecordingCipher;
import dev.callvault.db.Marks;
import dev.callvault.storage.RecordingKeys;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.encrypted.EncryptedRecordings;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StoredObject;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Three-way reconciliation for a time window: Twilio's recordings list, our database rows and the objects in the
 * store. Each recording, and each object no row names, gets one {@link Status}; {@link #fix} mends what can be.
 */
public final class Reconciler {
    private static final Pattern TWILIO_KEY = Pattern.compile(".*/(CA[0-9a-f]{32})/(RE[0-9a-f]{32})\\.(mp3|wav)");
    private static final Pattern CALL_IN_KEY = Pattern.compile("/(CA[0-9a-f]{32})/");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd");

    /** How each finding weighs for monitoring: 0 fine, 1 warning, 2 critical. */
    public enum Status {
        OK(0, "archived, mixed row upgraded, object matches"),
        TWILIO_NO_MEDIA(0, "Twilio reports absent/failed: nothing to archive (expected)"),
        ERASED(0, "erased or expired here (a tombstone): never archived again; Twilio holds no audio of it"),
        LEFT_AT_TWILIO(1, "erased or expired here, but Twilio still has its audio: --fix deletes it there, on the record of the erasure or policy"),
        DELETING(1, "its call is marked for deletion (an erasure or retention under way): nothing of it is restored; the deletion's next run finishes it"),
        NOT_UPGRADED(1, "Twilio has a completed recording that our mixed row lacks"),
        OBJECT_MISSING(2, "the row names an object that is not in the store"),
        MISMATCH(2, "the object's size or SHA-256 differs from the row"),
        CORRUPT(2, "the object's bytes do not hash to the row's SHA-256, or an encrypted one fails authentication (found by --deep)"),
        WRONG_KEY(2, "an encrypted recording the private key configured for its public key does not open (another pair's key): the "
                + "recording is intact, the key is wrong; --fix leaves it (found by --deep)"),
        ORPHAN(1, "an object that no row names"),
        REALTIME_FAILED(1, "a real-time recording failed or was abandoned mid-call (its daemon is gone)");

        public final int severity;
        public final String meaning;

        Status(int severity, String meaning) {
            this.severity = severity;
            this.meaning = meaning;
        }
    }

    public record Item(Status status, String callSid, String recordingSid, String key, String detail) {
    }

    public record Report(List<Item> items) {
        public Map<Status, Long> counts() {
            Map<Status, Long> m = new java.util.EnumMap<>(Status.class);
            for (Status s : Status.values()) {
                m.put(s, 0L);
            }
            items.forEach(i -> m.merge(i.status(), 1L, Long::sum));
            return m;
        }

        public long count(int severity) {
            return items.stream().filter(i -> i.status().severity == severity).count();
        }
    }

    private final TwilioRecordings twilio;
    private final RecordingRepository recordings;
    private final RecordingStore store;
    private final Archiver archiver;
    private final Leftovers leftovers;

    private final java.time.Duration stale;
    private final dev.callvault.crypto.PrivateKeys keys;
    private final EncryptedRecordings encrypted;

    public Reconciler(TwilioRecordings twilio, RecordingRepository recordings, RecordingStore store, Archiver archiver) {
        this(twilio, recordings, store, archiver, java.time.Duration.ofMinutes(10));
    }

    /** {@code stale}: how long an in-progress real-time row may go without a heartbeat before it counts as abandoned. */
    public Reconciler(TwilioRecordings twilio, RecordingRepository recordings, RecordingStore store, Archiver archiver, java.time.Duration stale) {
        this(twilio, recordings, store, archiver, stale, new dev.callvault.crypto.PrivateKeys(java.util.Map.of()));
    }

    /** {@code keys}: the private keys that open encrypted recordings, so {@code --deep} authenticates them. */
    public Reconciler(TwilioRecordings twilio, RecordingRepository recordings, RecordingStore store, Archiver archiver, java.time.Duration stale,
                      dev.callvault.crypto.PrivateKeys keys) {
        this.keys = keys;
        this.encrypted = new EncryptedRecordings(store, keys, recordings, java.time.Clock.systemUTC());
        this.stale = stale;
        this.twilio = twilio;
        this.recordings = recordings;
        this.store = store;
        this.archiver = archiver;
        this.leftovers = archiver.leftovers();
    }

    /** How {@code --deep} reads objects: how many at once, and who hears of the bytes to read and read (a progress bar). */
    public record Deep(int concurrency, java.util.function.LongConsumer total, java.util.function.LongConsumer read) {
    }

    public Report check(String accountSid, Instant since, Instant until) {
        return check(accountSid, since, until, null);
    }

    /**
     * The report for a window; with {@code deep}, every object that passed the metadata check (Twilio's recordings and
     * the real-time ones of the window) is read back and hashed, and one whose bytes differ from its row is CORRUPT; an
     * encrypted one is authenticated where its private key is, and one that key does not open is WRONG_KEY, never CORRUPT.
     */
    public Report check(String accountSid, Instant since, Instant until, Deep deep) {
        Report report = headCheck(accountSid, since, until);
        return deep == null ? report : deepen(report, since, until, deep);
    }

    private Report deepen(Report report, Instant since, Instant until, Deep deep) {
        Map<String, RecordingRow> rows = new java.util.LinkedHashMap<>();
        recordings.findByRecordingSids(report.items().stream().filter(i -> i.status() == Status.OK).map(Item::recordingSid).toList())
                .forEach(r -> rows.put(r.s3Key(), r));
        Map<String, String> realtimeCalls = new java.util.HashMap<>();
        for (var e : recordings.completedRealtime(since, until)) {
            rows.putIfAbsent(e.getValue().s3Key(), e.getValue());
            realtimeCalls.put(e.getValue().s3Key(), e.getKey());
        }
        deep.total().accept(rows.values().stream().mapToLong(RecordingRow::fileSize).sum());
        Map<String, String> problems = new java.util.HashMap<>(new ContentCheck(store, deep.concurrency()).problems(rows.values().stream()
                .map(r -> new ContentCheck.Expected(r.s3Key(), r.fileSize(), r.sha256())).toList(), deep.read()));
        Map<String, String> wrongKey = new java.util.HashMap<>();
        authenticate(rows.values(), problems, wrongKey);
        List<Item> items = new ArrayList<>();
        for (Item i : report.items()) {
            if (i.status() == Status.OK && problems.containsKey(i.key())) {
                String alsoKey = wrongKey.containsKey(i.key()) ? "; and " + wrongKey.get(i.key()) : "";
                items.add(new Item(Status.CORRUPT, i.callSid(), i.recordingSid(), i.key(), problems.get(i.key()) + alsoKey));
            } else if (i.status() == Status.OK && wrongKey.containsKey(i.key())) {
                items.add(new Item(Status.WRONG_KEY, i.callSid(), i.recordingSid(), i.key(), wrongKey.get(i.key())));
            } else {
                items.add(i);
            }
        }
        realtimeCalls.forEach((key, callSid) -> {
            if (problems.containsKey(key)) {
                items.add(new Item(Status.CORRUPT, callSid, null, key, rows.get(key).recordingType() + " row " + rows.get(key).id() + ": " + problems.get(key)));
            }
        });
        return new Report(List.copyOf(items));
    }

    /**
     * Encrypted recordings: their tag checked with the private key where this host has it, and the verdict bound to the
     * object read ({@link dev.callvault.encrypted.Seal}); a changed byte is "authentication failed" (without the key, its
     * SHA-256 says it). A key that does not open a recording goes to {@code wrongKey}: the key is wrong, not the bytes.
     * A store that fails while read is not a verdict on the object: it is thrown, and verify says it could not check.
     */
    private void authenticate(java.util.Collection<RecordingRow> rows, Map<String, String> problems, Map<String, String> wrongKey) {
        for (RecordingRow r : rows) {
            Map<String, String> enc = EncryptedRecordings.details(r);
            if (enc == null) {
                continue;
            }
            if (!keys.has(enc.get("public_key_sid"))) {
                if (problems.containsKey(r.s3Key())) {
                    problems.put(r.s3Key(), "authentication failed (by its SHA-256: no private key for " + enc.get("public_key_sid")
                            + " here to check its tag): " + problems.get(r.s3Key()));
                }
                continue;
            }
            RecordingCipher cipher;
            try {
                cipher = encrypted.cipher(r);
            } catch (RecordingCipher.KeyDoesNotOpen e) {
                wrongKey.put(r.s3Key(), "key does not open this recording: the private key configured for " + e.publicKeySid() + " ("
                        + dev.callvault.crypto.PrivateKeys.SETTING + e.publicKeySid() + ") is another pair's" + (problems.containsKey(r.s3Key())
                        ? "" : "; the recording is intact (its SHA-256 matches its row), so --fix leaves it: configure the right key"));
                continue;
            }
            Optional<StoredObject> object = store.head(r.s3Key());
            if (object.isEmpty()) {
                problems.putIfAbsent(r.s3Key(), "the object went missing while verify read it");
            } else if (!encrypted.authenticate(r, cipher, object.get()).authentic()) {
                String hash = problems.containsKey(r.s3Key()) ? " (" + problems.get(r.s3Key()) + ")" : "";
                problems.put(r.s3Key(), "authentication failed: the stored ciphertext is not what Twilio encrypted (a byte changed in storage)" + hash);
            }
        }
    }

    /** A thread of its own for one blocking task (the common pool is for computing, not for waiting on a database). */
    private static java.util.concurrent.Executor ownThread(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        };
    }

    private Report headCheck(String accountSid, Instant since, Instant until) {
        // what the store and the database hold of the window needs nothing of Twilio's listing: it is looked at while
        // the listing is on its way (a round trip to Twilio or more; for cron's verify of a quiet window, most of it)
        java.util.concurrent.CompletableFuture<List<Item>> local = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            List<Item> found = new ArrayList<>(orphans(since, until));
            for (var e : recordings.realtimeProblems(since, until, stale)) {
                RecordingRow row = e.getValue();
                found.add(new Item(Status.REALTIME_FAILED, e.getKey(), null, row.s3Key(), row.recordingType() + " row " + row.id() + " is "
                        + row.status() + " (stream " + row.streamSid() + ")"));
            }
            return found;
        }, ownThread("callvault-verify-local"));
        List<TwilioRecording> listed;
        try {
            listed = twilio.list(accountSid, since, until, null);
        } catch (RuntimeException e) {
            local.cancel(false);
            throw e;
        }
        List<Item> items = new ArrayList<>();
        if (!listed.isEmpty()) {
            Map<String, RecordingRow> bySid = recordings.findByRecordingSids(listed.stream().map(TwilioRecording::sid).toList()).stream()
                    .collect(Collectors.toMap(RecordingRow::recordingSid, Function.identity()));
            Set<String> callSids = listed.stream().map(TwilioRecording::callSid).filter(java.util.Objects::nonNull).collect(Collectors.toSet());
            Map<String, List<RecordingRow>> mixedByCall = recordings.mixedRowsByCallSid(callSids);
            Map<String, Boolean> marked = recordings.jdbi().withHandle(h -> Marks.calls(h, callSids));
            for (TwilioRecording r : listed) {
                items.add(classify(r, bySid.get(r.sid()), mixedByCall.getOrDefault(r.callSid(), List.of()), marked.get(r.callSid())));
            }
        }
        items.addAll(dev.callvault.Futures.join(local));
        return new Report(List.copyOf(items));
    }

    /** {@code erased}: null when the call is not marked for deletion, true when its deletion is done, false while it is under way. */
    private Item classify(TwilioRecording r, RecordingRow row, List<RecordingRow> mixed, Boolean erased) {
        boolean tombstone = row != null && ("erased".equals(row.status()) || "expired".equals(row.status()));
        if (tombstone || Boolean.TRUE.equals(erased)) {
            String what = tombstone ? "row " + row.id() + " is " + row.status() : "its call was erased or expired";
            return r.hasMedia() ? new Item(Status.LEFT_AT_TWILIO, r.callSid(), r.sid(), null, what + ", but Twilio still lists its audio")
                    : new Item(Status.ERASED, r.callSid(), r.sid(), null, what);
        }
        if (Boolean.FALSE.equals(erased)) {
            return new Item(Status.DELETING, r.callSid(), r.sid(), row == null ? null : row.s3Key(), "its call is marked for deletion");
        }
        if (!r.hasMedia()) {
            return new Item(Status.TWILIO_NO_MEDIA, r.callSid(), r.sid(), null, "Twilio status " + r.status());
        }
        if (row == null || !row.completed() || row.s3Key() == null) {
            String detail = mixed.isEmpty() ? "no mixed row for the call" : "mixed row " + mixed.get(0).id() + " not upgraded";
            return new Item(Status.NOT_UPGRADED, r.callSid(), r.sid(), null, detail);
        }
        Optional<StoredObject> object = store.head(row.s3Key());
        if (object.isEmpty()) {
            return new Item(Status.OBJECT_MISSING, r.callSid(), r.sid(), row.s3Key(), "row " + row.id() + " names a missing object");
        }
        if (!object.get().matches(row.fileSize(), row.sha256())) {
            return new Item(Status.MISMATCH, r.callSid(), r.sid(), row.s3Key(), "object " + object.get().size() + " bytes sha256 "
                    + object.get().sha256() + ", row " + row.fileSize() + " bytes sha256 " + row.sha256());
        }
        return new Item(Status.OK, r.callSid(), r.sid(), row.s3Key(), null);
    }

    private List<Item> orphans(Instant since, Instant until) {
        Set<String> keys = new HashSet<>();
        LocalDate last = until.atZone(ZoneOffset.UTC).toLocalDate();
        for (LocalDate d = since.atZone(ZoneOffset.UTC).toLocalDate(); !d.isAfter(last); d = d.plusDays(1)) {
            keys.addAll(store.list(store.prefix() + "recordings/" + DAY.format(d) + "/"));
        }
        Set<String> referenced = recordings.referencedKeys(keys);
        List<Item> out = new ArrayList<>();
        // a waveform kept beside a recording's object belongs to it: an orphan only when that object is one
        java.util.function.Predicate<String> owned = k -> referenced.contains(k)
                || k.endsWith(dev.callvault.derived.Waveforms.SUFFIX) && referenced.contains(k.substring(0, k.length() - dev.callvault.derived.Waveforms.SUFFIX.length()));
        List<String> orphaned = keys.stream().filter(owned.negate()).sorted().toList();
        Map<String, Boolean> marked = recordings.jdbi().withHandle(h -> Marks.calls(h, orphaned.stream().map(k -> CALL_IN_KEY.matcher(k))
                .filter(Matcher::find).map(m -> m.group(1)).collect(Collectors.toSet())));
        for (String k : orphaned) {
            Matcher m = TWILIO_KEY.matcher(k);
            Matcher call = CALL_IN_KEY.matcher(k);
            String callSid = call.find() ? call.group(1) : null;
            out.add(callSid != null && marked.containsKey(callSid)
                    ? new Item(Status.DELETING, callSid, m.matches() ? m.group(2) : null, k, "an object of a call marked for deletion")
                    : new Item(Status.ORPHAN, m.matches() ? m.group(1) : null, m.matches() ? m.group(2) : null, k, null));
        }
        return out;
    }

    /**
     * Fetches a corrupt object's recording from Twilio again, once the damaged copy is moved aside to {@code damaged/};
     * a recording Twilio no longer has (or a real-time one, which only we ever had) keeps its damaged object in place.
     */
    private Fixed repairCorrupt(String accountSid, Item i) {
        if (i.recordingSid() == null) {
            return new Fixed(i, false, "a real-time recording cannot be fetched again; the damaged object is kept at " + i.key());
        }
        TwilioRecording again;
        try {
            again = twilio.fetch(accountSid, i.recordingSid());
        } catch (dev.callvault.twilio.RecordingNotFoundException gone) {
            return new Fixed(i, false, "Twilio no longer has it; the damaged object is kept at " + i.key());
        }
        String aside = RecordingKeys.aside(store.prefix(), "damaged/", i.key());
        store.move(i.key(), aside);
        ArchiveResult result = archiver.archive(Archiver.Request.of(again).again());
        if (result.outcome() == ArchiveResult.Outcome.ERASED) { // its call was marked meanwhile: the deletion takes the copy set aside too
            return new Fixed(i, false, "not re-archived: its call is being erased or expired; the damaged object was moved to " + aside);
        }
        return new Fixed(i, true, "re-archived from Twilio; the damaged object was moved to " + aside);
    }

    /** What archiving an item again did: re-archived, or refused because its call is being deleted (nothing downloaded). */
    private static Fixed archived(Item i, ArchiveResult r) {
        return switch (r.outcome()) {
            case ERASED -> new Fixed(i, false, "not re-archived: its call is erased, expired or being deleted here (nothing was downloaded)");
            case NO_MEDIA -> new Fixed(i, false, "not re-archived: Twilio has no audio of it (" + r.twilioStatus() + ")");
            default -> new Fixed(i, true, "re-archived from Twilio");
        };
    }

    /** What {@link #fix} did to one item. */
    public record Fixed(Item item, boolean fixed, String action) {
    }

    /**
     * Re-archives what is not upgraded, missing or mismatched; re-attaches an orphan that is a Twilio recording
     * Twilio still has, and moves any other orphan to {@code orphaned/} (nothing is deleted).
     */
    public List<Fixed> fix(String accountSid, Report report) {
        List<Fixed> out = new ArrayList<>();
        for (Item i : report.items()) {
            if (i.status().severity == 0 || i.status() == Status.REALTIME_FAILED || i.status() == Status.DELETING || i.status() == Status.WRONG_KEY) {
                // a lost real-time recording cannot be made again; a call being deleted is its deletion's to finish; an
                // intact recording the configured key does not open is mended by configuring the right key, not by moving it
                continue;
            }
            try {
                if (i.status() == Status.LEFT_AT_TWILIO) {
                    boolean deleted = leftovers.delete(new dev.callvault.twilio.RecordingRef(accountSid, i.recordingSid(), i.callSid()));
                    out.add(new Fixed(i, deleted, deleted ? "deleted at Twilio, on the record of the erasure or policy that deleted it here"
                            : "kept at Twilio: its call is held, or the record says it is gone there already"));
                } else if (i.status() == Status.ORPHAN && i.recordingSid() == null) {
                    String to = RecordingKeys.aside(store.prefix(), "orphaned/", i.key());
                    store.move(i.key(), to);
                    out.add(new Fixed(i, true, "moved to " + to));
                } else if (i.status() == Status.ORPHAN) {
                    try {
                        out.add(archived(i, archiver.archive(Archiver.Request.of(twilio.fetch(accountSid, i.recordingSid())))));
                    } catch (dev.callvault.twilio.RecordingNotFoundException gone) {
                        String to = RecordingKeys.aside(store.prefix(), "orphaned/", i.key());
                        store.move(i.key(), to);
                        out.add(new Fixed(i, true, "Twilio no longer has it; moved to " + to));
                    }
                } else if (i.status() == Status.CORRUPT) {
                    out.add(repairCorrupt(accountSid, i));
                } else {
                    out.add(archived(i, archiver.archive(Archiver.Request.of(twilio.fetch(accountSid, i.recordingSid())))));
                }
            } catch (CallvaultException e) {
                out.add(new Fixed(i, false, e.getMessage()));
            }
        }
        return out;
    }
}
