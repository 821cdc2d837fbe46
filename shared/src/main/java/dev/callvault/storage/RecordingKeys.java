package dev.callvault.storage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The object key layout: {@code recordings/YYYY/MM/DD/{CallSid}/{name}}, dated by the recording's start in UTC. Copies
 * set aside by {@code verify --fix} keep that layout under {@code damaged/} and {@code orphaned/}, so every object of a
 * call can be found by its CallSid and its days.
 */
public final class RecordingKeys {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    /** Where verify --fix sets copies aside: a damaged object replaced from Twilio, an object no row names. */
    public static final List<String> ASIDE = List.of("damaged/", "orphaned/");

    private RecordingKeys() {
    }

    /** The key of Twilio's recording {@code recordingSid} of call {@code callSid}. */
    public static String twilio(String prefix, Instant startTime, String callSid, String recordingSid, String extension) {
        return callFolder(prefix, startTime, callSid) + recordingSid + "." + extension;
    }

    /** The folder all of one call's recordings share. */
    public static String callFolder(String prefix, Instant startTime, String callSid) {
        return prefix + "recordings/" + DAY.format(startTime) + "/" + callSid + "/";
    }

    /** Where {@code key} (a key of ours, under {@code prefix}) is set aside as {@code aside} ("damaged/", "orphaned/"). */
    public static String aside(String prefix, String aside, String key) {
        return prefix + aside + key.substring(prefix.length());
    }

    /**
     * Every folder that can hold an object of call {@code callSid} whose recordings started within {@code [from, to]}:
     * its folder of each day, under the recordings and under each place copies are set aside.
     */
    public static List<String> callFolders(String prefix, Instant from, Instant to, String callSid) {
        List<String> out = new ArrayList<>();
        LocalDate last = to.atZone(ZoneOffset.UTC).toLocalDate();
        for (LocalDate d = from.atZone(ZoneOffset.UTC).toLocalDate(); !d.isAfter(last); d = d.plusDays(1)) {
            String folder = callFolder(prefix, d.atStartOfDay(ZoneOffset.UTC).toInstant(), callSid);
            out.add(folder);
            for (String a : ASIDE) {
                out.add(aside(prefix, a, folder));
            }
        }
        return out;
    }
}
