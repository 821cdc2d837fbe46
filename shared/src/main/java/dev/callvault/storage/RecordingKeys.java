package dev.callvault.storage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The object key layout: {@code recordings/YYYY/MM/DD/{CallSid}/{name}}, dated by the recording's start in UTC. */
public final class RecordingKeys {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

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
}
