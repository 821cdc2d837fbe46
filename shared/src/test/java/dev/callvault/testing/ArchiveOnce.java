package dev.callvault.testing;

import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.Archiver;
import dev.callvault.config.Config;
import dev.callvault.config.ConfigLoader;
import dev.callvault.db.Database;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Archives one recording in a JVM of its own, so a test can cap that JVM's heap. Arguments: {@code key=value}
 * settings, then {@code AccountSid:RecordingSid:CallSid}. Prints "size sha256 seconds MB/s peak-heap-bytes".
 */
public final class ArchiveOnce {
    private ArchiveOnce() {
    }

    public static void main(String[] args) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.length - 1; i++) {
            String[] kv = args[i].split("=", 2);
            settings.put(kv[0], kv[1]);
        }
        String[] ref = args[args.length - 1].split(":");
        Config config = ConfigLoader.of(settings);
        try (Database db = Database.open(config); RecordingStore store = RecordingStores.open(config.storage())) {
            Archiver archiver = new Archiver(new TwilioRecordings(config.twilio()), store, db, MediaFormat.MP3, Clock.systemUTC());
            ArchiveResult r = archiver.archive(Archiver.Request.of(new RecordingRef(ref[0], ref[1], ref[2])));
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("%d %s %.3f %.1f %d%n", r.size(), r.sha256(), r.took().toMillis() / 1000.0, r.megabytesPerSecond(), peak);
        }
    }
}
