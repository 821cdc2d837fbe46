package dev.callvault.verify;

import dev.callvault.CallvaultException;
import dev.callvault.archive.Archiver;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
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
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd");

    /** How each finding weighs for monitoring: 0 fine, 1 warning, 2 critical. */
    public enum Status {
        OK(0, "archived, mixed row upgraded, object matches"),
        TWILIO_NO_MEDIA(0, "Twilio reports absent/failed: nothing to archive (expected)"),
        NOT_UPGRADED(1, "Twilio has a completed recording that our mixed row lacks"),
        OBJECT_MISSING(2, "the row names an object that is not in the store"),
        MISMATCH(2, "the object's size or SHA-256 differs from the row"),
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

    private final java.time.Duration stale;

    public Reconciler(TwilioRecordings twilio, RecordingRepository recordings, RecordingStore store, Archiver archiver) {
        this(twilio, recordings, store, archiver, java.time.Duration.ofMinutes(10));
    }

    /** {@code stale}: how long an in-progress real-time row may go without a heartbeat before it counts as abandoned. */
    public Reconciler(TwilioRecordings twilio, RecordingRepository recordings, RecordingStore store, Archiver archiver, java.time.Duration stale) {
        this.stale = stale;
        this.twilio = twilio;
        this.recordings = recordings;
        this.store = store;
        this.archiver = archiver;
    }

    public Report check(String accountSid, Instant since, Instant until) {
        List<TwilioRecording> listed = twilio.list(accountSid, since, until, null);
        Map<String, RecordingRow> bySid = recordings.findByRecordingSids(listed.stream().map(TwilioRecording::sid).toList()).stream()
                .collect(Collectors.toMap(RecordingRow::recordingSid, Function.identity()));
        Map<String, List<RecordingRow>> mixedByCall = recordings.mixedRowsByCallSid(
                listed.stream().map(TwilioRecording::callSid).filter(java.util.Objects::nonNull).collect(Collectors.toSet()));
        List<Item> items = new ArrayList<>();
        for (TwilioRecording r : listed) {
            items.add(classify(r, bySid.get(r.sid()), mixedByCall.getOrDefault(r.callSid(), List.of())));
        }
        items.addAll(orphans(since, until));
        for (var e : recordings.realtimeProblems(since, until, stale)) {
            RecordingRow row = e.getValue();
            items.add(new Item(Status.REALTIME_FAILED, e.getKey(), null, row.s3Key(), row.recordingType() + " row " + row.id() + " is " + row.status()
                    + " (stream " + row.streamSid() + ")"));
        }
        return new Report(List.copyOf(items));
    }

    private Item classify(TwilioRecording r, RecordingRow row, List<RecordingRow> mixed) {
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
        keys.stream().filter(k -> !referenced.contains(k)).sorted().forEach(k -> {
            Matcher m = TWILIO_KEY.matcher(k);
            out.add(new Item(Status.ORPHAN, m.matches() ? m.group(1) : null, m.matches() ? m.group(2) : null, k, null));
        });
        return out;
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
            if (i.status().severity == 0 || i.status() == Status.REALTIME_FAILED) {
                continue; // a lost real-time recording cannot be made again; Twilio's own recording is the one to keep
            }
            try {
                if (i.status() == Status.ORPHAN && i.recordingSid() == null) {
                    String to = store.prefix() + "orphaned/" + i.key().substring(store.prefix().length());
                    store.move(i.key(), to);
                    out.add(new Fixed(i, true, "moved to " + to));
                } else if (i.status() == Status.ORPHAN) {
                    try {
                        archiver.archive(twilio.fetch(accountSid, i.recordingSid()));
                        out.add(new Fixed(i, true, "re-archived from Twilio"));
                    } catch (dev.callvault.twilio.RecordingNotFoundException gone) {
                        String to = store.prefix() + "orphaned/" + i.key().substring(store.prefix().length());
                        store.move(i.key(), to);
                        out.add(new Fixed(i, true, "Twilio no longer has it; moved to " + to));
                    }
                } else {
                    archiver.archive(twilio.fetch(accountSid, i.recordingSid()));
                    out.add(new Fixed(i, true, "re-archived from Twilio"));
                }
            } catch (CallvaultException e) {
                out.add(new Fixed(i, false, e.getMessage()));
            }
        }
        return out;
    }
}
