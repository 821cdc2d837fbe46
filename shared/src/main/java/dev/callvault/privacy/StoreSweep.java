package dev.callvault.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.CallvaultException;
import dev.callvault.db.RecordingRow;
import dev.callvault.derived.Waveforms;
import dev.callvault.storage.RecordingKeys;
import dev.callvault.storage.RecordingStore;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Our store's part of a purge: everything of a call found by its CallSid (each of its folders, where copies set aside go
 * too, every version, delete marker and unfinished upload), or of some of its recordings by their keys; listed whole
 * before anything is deleted, then deleted a key at a time.
 */
final class StoreSweep {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY_DAY = Pattern.compile("recordings/(\\d{4})/(\\d{2})/(\\d{2})/CA[0-9a-f]{32}/");

    /** What the store holds, by key, and what the listing knows of its completeness, in words for the record. */
    record Listing(Map<String, List<RecordingStore.Piece>> byKey, List<String> notes) {
        String why() {
            return notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")";
        }
    }

    /** One key swept: what went, in words, and how many bytes; or why it could not. */
    record Swept(String key, String words, long bytes, CallvaultException failure) {
    }

    private final RecordingStore store;

    StoreSweep(RecordingStore store) {
        this.store = store;
    }

    /**
     * Everything of call {@code callSid}: its folder of each day its recordings can have started on (a key is dated by its
     * recording's start, within the call: from an hour before it started to an hour after it ended, a day at most at
     * Twilio), and of each day in its rows' keys, under the recordings and where copies are set aside; and each row's key
     * that none of those folders holds. Throws when any part cannot be listed.
     */
    Listing ofCall(String callSid, Instant start, Instant end, List<RecordingRow> rows) {
        Instant to = end == null || end.isBefore(start) ? start : end;
        Instant longest = start.plus(Duration.ofHours(25));
        Set<String> folders = new LinkedHashSet<>(RecordingKeys.callFolders(store.prefix(), start.minus(Duration.ofHours(1)),
                (to.isAfter(longest) ? longest : to).plus(Duration.ofHours(1)), callSid));
        for (String key : keys(rows)) {
            Matcher m = KEY_DAY.matcher(key);
            if (m.find()) {
                Instant day = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)))
                        .atStartOfDay(ZoneOffset.UTC).toInstant();
                folders.addAll(RecordingKeys.callFolders(store.prefix(), day, day, callSid));
            }
        }
        List<String> prefixes = new ArrayList<>(folders);
        keys(rows).stream().filter(k -> folders.stream().noneMatch(k::startsWith)).forEach(prefixes::add);
        return list(prefixes);
    }

    /** Everything of these recordings: their keys (and so their waveforms), and where copies of them are set aside. */
    Listing ofTracks(List<RecordingRow> rows) {
        List<String> prefixes = new ArrayList<>();
        for (String key : keys(rows)) {
            prefixes.add(key);
            RecordingKeys.ASIDE.forEach(a -> prefixes.add(RecordingKeys.aside(store.prefix(), a, key)));
        }
        return list(prefixes);
    }

    private Listing list(List<String> prefixes) {
        Map<String, List<RecordingStore.Piece>> byKey = new TreeMap<>();
        Set<RecordingStore.Piece> seen = new LinkedHashSet<>();
        Set<String> notes = new LinkedHashSet<>();
        for (String prefix : prefixes) {
            RecordingStore.Inventory i = store.inventory(prefix);
            i.pieces().stream().filter(seen::add).forEach(p -> byKey.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(p));
            notes.addAll(i.notes());
        }
        return new Listing(byKey, List.copyOf(notes));
    }

    /** Deletes every piece of each key, a key at a time; {@code each} hears how each key went before the next begins. */
    void sweep(Listing listing, Consumer<Swept> each) {
        for (var e : listing.byKey().entrySet()) {
            Map<RecordingStore.Piece.Kind, Integer> counts = new EnumMap<>(RecordingStore.Piece.Kind.class);
            long bytes = 0;
            try {
                for (RecordingStore.Piece p : e.getValue()) {
                    store.erase(p);
                    counts.merge(p.kind(), 1, Integer::sum);
                    bytes += p.size();
                }
            } catch (CallvaultException failed) {
                each.accept(new Swept(e.getKey(), null, 0, failed));
                continue;
            }
            List<String> words = new ArrayList<>();
            counts.forEach((kind, n) -> words.add(n + switch (kind) {
                case OBJECT -> n == 1 ? " object deleted" : " objects deleted";
                case VERSION -> n == 1 ? " version deleted" : " versions deleted";
                case DELETE_MARKER -> n == 1 ? " delete marker deleted" : " delete markers deleted";
                case UPLOAD -> n == 1 ? " unfinished upload aborted" : " unfinished uploads aborted";
            }));
            each.accept(new Swept(e.getKey(), String.join(", ", words), bytes, null));
        }
    }

    /** Every object of these recordings: their own, their waveforms, and the real-time object an upgraded mixed row came from. */
    static List<String> keys(List<RecordingRow> rows) {
        Set<String> keys = new LinkedHashSet<>();
        for (RecordingRow row : rows) {
            if (row.s3Key() != null) {
                keys.add(row.s3Key());
                keys.add(row.s3Key() + Waveforms.SUFFIX);
            }
            try {
                JsonNode original = JSON.readTree(row.metadataJson() == null ? "{}" : row.metadataJson()).path("original_s3_key");
                if (original.isTextual()) {
                    keys.add(original.asText());
                    keys.add(original.asText() + Waveforms.SUFFIX);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("recording " + row.id() + " has metadata that is not JSON", e);
            }
        }
        return List.copyOf(keys);
    }
}
