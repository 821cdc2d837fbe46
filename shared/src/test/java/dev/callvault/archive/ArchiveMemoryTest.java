package dev.callvault.archive;

import dev.callvault.testing.ArchiveOnce;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the archive path streams: a 300 MiB recording goes from Twilio to S3 in a JVM capped at 64 MiB of heap.
 * Slow-ish (tens of seconds), so it lives in its own class; CI runs it with the rest.
 */
class ArchiveMemoryTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final long SIZE = 300L * 1024 * 1024;

    @Test
    void archives300MiBRecordingWithJvmCappedAt64MiB() throws Exception {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        StandInRecording twilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid,
                Instant.parse("2026-11-24T14:06:19Z"), SIZE));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), ArchiveOnce.class.getName()));
        env.settings().forEach((k, v) -> command.add(k + "=" + v));
        command.add(TwilioStandIn.ACCOUNT_SID + ":" + recordingSid + ":" + callSid);

        // its log goes to a file, not to this JVM's own streams (surefire reads stdout as its channel)
        Path err = Files.createTempFile("archive-once", ".log");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();

        assertThat(p.exitValue()).as("archiver JVM exit code, output: " + out + "\nlog: " + Files.readString(err)).isZero();
        Files.delete(err);
        String[] fields = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        assertThat(Long.parseLong(fields[0])).isEqualTo(SIZE);
        assertThat(fields[1]).isEqualTo(twilio.sha256("mp3"));
        System.out.printf("300 MiB archive under -Xmx64m: %s s, %s MB/s, peak heap %.1f MiB%n",
                fields[2], fields[3], Long.parseLong(fields[4]) / 1024.0 / 1024.0);
        long rowSize = env.db().jdbi().withHandle(h -> h.createQuery("SELECT file_size FROM recordings WHERE recording_sid = :s")
                .bind("s", recordingSid).mapTo(Long.class).one());
        assertThat(rowSize).isEqualTo(SIZE);
    }
}
