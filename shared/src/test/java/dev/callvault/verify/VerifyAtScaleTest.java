package dev.callvault.verify;

import dev.callvault.archive.Archiver;
import dev.callvault.db.RecordingRepository;
import dev.callvault.storage.DirectoryRecordingStore;
import dev.callvault.testing.Environment;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * verify over a busy day: 40,000 objects in one day's prefix (a row names 30,000 of them, directly or as the real-time
 * original an upgraded row came from) are checked without a statement that grows with them; the rest are orphans.
 */
class VerifyAtScaleTest {
    private static final Instant DAY = Instant.parse("2026-11-24T00:00:00Z");
    private static final int OBJECTS = 40_000;
    private static final int NAMED = 30_000;

    @RegisterExtension
    static final Environment env = new Environment();

    private static String hex(long n) {
        return String.format("%032x", n);
    }

    /** The key of object {@code n}: a hundred recordings a call, all on the day. */
    private static String key(long n) {
        return "recordings/2026/11/24/CA" + hex(n / 100) + "/RE" + hex(n) + ".mp3";
    }

    @Test
    void aDayOfFortyThousandObjectsIsCheckedAndItsOrphansFound(@TempDir Path root) throws Exception {
        for (long n = 0; n < OBJECTS; n++) {
            Path f = root.resolve(key(n));
            Files.createDirectories(f.getParent());
            Files.write(f, new byte[]{1});
        }
        env.db().jdbi().useHandle(h -> {
            h.execute("""
                    INSERT INTO calls (call_sid, account_sid, started_at)
                    SELECT 'CA' || lpad(to_hex(g), 32, '0'), ?, ?::timestamptz FROM generate_series(0, ? / 100) g""",
                    TwilioStandIn.ACCOUNT_SID, DAY.toString(), NAMED);
            // half named as a row's own object, half as the real-time original an upgraded row keeps in its metadata
            h.execute("""
                    INSERT INTO recordings (call_id, recording_type, status, recording_sid, s3_key, file_size, sha256, recording_metadata)
                    SELECT (SELECT id FROM calls WHERE call_sid = 'CA' || lpad(to_hex(g / 100), 32, '0')), 'mixed', 'completed',
                           'RE' || lpad(to_hex(g), 32, '0'),
                           CASE WHEN g % 2 = 0 THEN 'recordings/2026/11/24/CA' || lpad(to_hex(g / 100), 32, '0') || '/RE' || lpad(to_hex(g), 32, '0') || '.mp3'
                                ELSE 'elsewhere/' || g || '.mp3' END,
                           1, repeat('a', 64),
                           CASE WHEN g % 2 = 1 THEN jsonb_build_object('original_s3_key',
                                'recordings/2026/11/24/CA' || lpad(to_hex(g / 100), 32, '0') || '/RE' || lpad(to_hex(g), 32, '0') || '.mp3')
                                ELSE '{}'::jsonb END
                    FROM generate_series(0, ? - 1) g""", NAMED);
        });
        try (DirectoryRecordingStore store = new DirectoryRecordingStore(root)) {
            TwilioRecordings twilio = new TwilioRecordings(env.config().twilio());
            Reconciler reconciler = new Reconciler(twilio, new RecordingRepository(env.db().jdbi()), store,
                    new Archiver(twilio, store, env.db(), MediaFormat.MP3, Clock.systemUTC()));

            Reconciler.Report report = reconciler.check(TwilioStandIn.ACCOUNT_SID, DAY, DAY.plusSeconds(3600));

            assertThat(report.counts().get(Reconciler.Status.ORPHAN)).as("objects no row names").isEqualTo(OBJECTS - NAMED);
            assertThat(report.items()).filteredOn(i -> i.status() == Reconciler.Status.ORPHAN).extracting(Reconciler.Item::key)
                    .contains(key(NAMED), key(OBJECTS - 1)).doesNotContain(key(0), key(1), key(NAMED - 1));
        }
    }
}
