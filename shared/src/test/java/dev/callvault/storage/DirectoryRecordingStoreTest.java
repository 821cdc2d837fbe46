package dev.callvault.storage;

import dev.callvault.testing.SyntheticAudio;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectoryRecordingStoreTest {
    @Test
    void storesReadsRangesAndDeletesWithItsHash(@TempDir Path dir) throws Exception {
        var store = new DirectoryRecordingStore(dir);
        byte[] audio = SyntheticAudio.bytes(SyntheticAudio.Kind.WAV, 7, 100_000);

        StoredObject put = store.put("recordings/2026/11/24/CA1/RE1.wav", new ByteArrayInputStream(audio), "audio/wav", Map.of("call-sid", "CA1"));

        StoredObject head = store.head("recordings/2026/11/24/CA1/RE1.wav").orElseThrow();
        assertThat(head.size()).isEqualTo(100_000);
        assertThat(head.sha256()).isEqualTo(put.sha256()).isEqualTo(SyntheticAudio.sha256(SyntheticAudio.Kind.WAV, 7, 100_000));
        assertThat(head.metadata()).containsEntry("call-sid", "CA1");
        try (InputStream in = store.get(head.key(), 1000, 1000)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(audio, 1000, 2000));
        }
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(".tmp")).count()).as("no temporary files left").isZero();
        }
        store.delete(head.key());
        assertThat(store.head(head.key())).isEmpty();
    }

    @Test
    void refusesKeysOutsideItsDirectory(@TempDir Path dir) {
        var store = new DirectoryRecordingStore(dir.resolve("store"));

        assertThatThrownBy(() -> store.put("../escape.wav", new ByteArrayInputStream(new byte[1]), "audio/wav", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
