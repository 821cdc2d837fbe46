package dev.callvault.storage;

import dev.callvault.testing.SyntheticAudio;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
    void whatRootStoresInAnotherUsersStoreIsThatUsers(@TempDir Path dir) throws Exception {
        // `sudo callvault backfill` into the daemon's store: a day's folder made root:root 0750, with objects 0600, would
        // refuse the daemon every later recording of that day and the playback of these
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "giving files away needs root");
        var lookup = dir.getFileSystem().getUserPrincipalLookupService();
        var view = Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName("nobody"));
        view.setGroup(lookup.lookupPrincipalByGroupName("nogroup"));
        var store = new DirectoryRecordingStore(dir.resolve("recordings"));

        store.put("recordings/2026/11/24/CA1/RE1.wav", new ByteArrayInputStream(new byte[1000]), "audio/wav", Map.of());
        store.putDerived("peaks/2026/11/24/CA1/RE1.json", new byte[10], "application/json", Map.of());
        store.move("recordings/2026/11/24/CA1/RE1.wav", "damaged/2026/11/24/CA1/RE1.wav");

        try (var files = Files.walk(dir)) {
            List<String> notTheirs = files.filter(p -> {
                try {
                    var a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class);
                    return !a.owner().getName().equals("nobody") || !a.group().getName().equals("nogroup");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
            assertThat(notTheirs).isEmpty();
        }
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).count()).as("the objects and their metadata").isEqualTo(4);
        }
    }

    @Test
    void storesAFinishedFileByLinkingItAndKeepsItWhenTheFileIsDeleted(@TempDir Path dir) throws Exception {
        var store = new DirectoryRecordingStore(dir.resolve("store"));
        byte[] audio = SyntheticAudio.bytes(SyntheticAudio.Kind.WAV, 8, 300_000);
        Path spool = Files.createDirectories(dir.resolve("spool")).resolve("caller.wav");
        Files.write(spool, audio);

        StoredObject put = store.putFile("recordings/CA1/caller.wav", spool, "audio/wav", Map.of("call-sid", "CA1"));
        Files.delete(spool);

        assertThat(put.size()).isEqualTo(300_000);
        assertThat(put.sha256()).isEqualTo(SyntheticAudio.sha256(SyntheticAudio.Kind.WAV, 8, 300_000));
        assertThat(store.head("recordings/CA1/caller.wav")).get().matches(o -> o.matches(300_000, put.sha256()), "size and hash");
        try (InputStream in = store.get("recordings/CA1/caller.wav", 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(audio);
        }
        assertThat(Files.getPosixFilePermissions(dir.resolve("store/recordings/CA1/caller.wav")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(store.list("")).containsExactly("recordings/CA1/caller.wav");
    }

    @Test
    void storesAFileFromAnotherFileSystemByCopyingIt(@TempDir Path dir) throws Exception {
        Path otherFileSystem = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(otherFileSystem)
                && !Files.getFileStore(otherFileSystem).equals(Files.getFileStore(dir)), "/dev/shm is another, writable file system");
        var store = new DirectoryRecordingStore(dir);
        byte[] audio = SyntheticAudio.bytes(SyntheticAudio.Kind.WAV, 9, 50_000);
        Path elsewhere = Files.createTempFile(otherFileSystem, "callvault-test", ".wav");
        try {
            Files.write(elsewhere, audio);

            StoredObject put = store.putFile("recordings/CA2/caller.wav", elsewhere, "audio/wav", Map.of());

            assertThat(put.sha256()).isEqualTo(SyntheticAudio.sha256(SyntheticAudio.Kind.WAV, 9, 50_000));
            Files.write(elsewhere, new byte[]{1, 2, 3});
            try (InputStream in = store.get("recordings/CA2/caller.wav", 0, -1)) {
                assertThat(in.readAllBytes()).as("a copy: the source changing later does not change it").isEqualTo(audio);
            }
        } finally {
            Files.deleteIfExists(elsewhere);
        }
        assertThat(store.list("")).containsExactly("recordings/CA2/caller.wav");
    }

    @Test
    void refusesKeysOutsideItsDirectory(@TempDir Path dir) {
        var store = new DirectoryRecordingStore(dir.resolve("store"));

        assertThatThrownBy(() -> store.put("../escape.wav", new ByteArrayInputStream(new byte[1]), "audio/wav", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
