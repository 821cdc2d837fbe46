package dev.callvault.cli;

import dev.callvault.archive.Archiver;
import dev.callvault.archive.CallbackProcessor;
import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.daemon.DaemonHarness;
import dev.callvault.daemon.TwilioSigner;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.RecordingKeyPair;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Twilio's encrypted recordings (Voice Recording Encryption): archived as the ciphertext Twilio serves (asked for as WAV,
 * never MP3), played back decrypted as it streams (the whole WAV bit for bit, a range in the middle exactly those bytes),
 * and a byte changed in storage found by {@code verify --deep} ("authentication failed", CRITICAL) and refused by /play;
 * downloaded decrypted and authenticated as /play serves it, or refused with nothing written; a private key of another
 * pair told apart from altered bytes by {@code verify --deep} (and left alone by {@code --fix}) and by {@code doctor};
 * Twilio's encryption errors (16105, 16107) shown with their meaning by {@code call show}.
 */
class EncryptedRecordingTest {
    private static final String KEY_SID = "CR" + "0123456789abcdef".repeat(2);
    private static final String API_TOKEN = "encrypted-test-api-token-0123";

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    private final Cli cli = new Cli(env);
    private final HttpClient http = HttpClient.newHttpClient();

    /** Four seconds of a two-channel 8 kHz 16-bit WAV, a tone on each channel: what Twilio's dual-channel recording holds. */
    private static byte[] wav() {
        int frames = 4 * 8000;
        ByteBuffer b = ByteBuffer.allocate(44 + frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + frames * 4).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) 2).putInt(8000).putInt(8000 * 4).putShort((short) 4).putShort((short) 16).put("data".getBytes()).putInt(frames * 4);
        for (int i = 0; i < frames; i++) {
            b.putShort((short) (6000 * Math.sin(2 * Math.PI * 440 * i / 8000.0))).putShort((short) (6000 * Math.sin(2 * Math.PI * 660 * i / 8000.0)));
        }
        return b.array();
    }

    private HttpResponse<byte[]> play(Daemon d, String callSid, RecordingRow row, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/calls/" + callSid + "/recording/" + row.id() + "/play"))
                .header("Authorization", "Bearer " + API_TOKEN);
        if (range != null) {
            b.header("Range", range);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void anEncryptedRecordingIsKeptEncryptedPlaysDecryptedSeeksAndAChangedByteIsCaught() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        Path pem = dir.resolve("recordings-key.pem");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Map<String, String> keys = Map.of("twilio.encryption.private-key." + KEY_SID, pem.toString());
        byte[] wav = wav();
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        Instant created = Instant.now().minusSeconds(600);
        env.twilio().addEncrypted(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, created, 0), wav, pair.getPublic(), KEY_SID);

        Map<String, String> s = new HashMap<>(env.settings());
        s.putAll(keys);
        s.putAll(Map.of("http.port", "0", "http.management-address", "127.0.0.1:0", "worker.poll-ms", "50", "http.api-token", API_TOKEN,
                "state-dir", dir.resolve("state").toString()));
        try (Daemon d = Daemon.start(ConfigLoader.of(s))) {
            Map<String, String> p = DaemonHarness.callback(callSid, recordingSid, "completed");
            HttpResponse<String> ack = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/recording/status"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, "https://calls.example.com/recording/status", p))
                    .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(p))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ack.statusCode()).isEqualTo(204);
            DaemonHarness.await("the encrypted recording archived", Duration.ofSeconds(60), () -> new RecordingRepository(env.db().jdbi())
                    .findByRecordingSid(recordingSid).map(RecordingRow::completed).orElse(false));
            RecordingRow row = new RecordingRepository(env.db().jdbi()).findByRecordingSid(recordingSid).orElseThrow();

            assertThat(row.format()).isEqualTo("wav");
            assertThat(env.twilio().requests()).as("requests made to Twilio").noneMatch(r -> r.contains(".mp3"));
            try (RecordingStore store = RecordingStores.open(env.config().storage()); InputStream in = store.get(row.s3Key(), 0, -1)) {
                assertThat(in.readAllBytes()).as("what is kept: the ciphertext, as Twilio served it").isEqualTo(env.twilio().ciphertext(recordingSid));
            }

            HttpResponse<byte[]> whole = play(d, callSid, row, null);
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.body()).as("the WAV, bit for bit").isEqualTo(wav);
            HttpResponse<byte[]> middle = play(d, callSid, row, "bytes=12345-23456");
            assertThat(middle.statusCode()).isEqualTo(206);
            assertThat(middle.headers().firstValue("Content-Range")).contains("bytes 12345-23456/" + wav.length);
            assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(wav, 12345, 23457));

            env.s3().overwriteInPlace(env.bucket(), row.s3Key(), 20000, new byte[]{(byte) (env.twilio().ciphertext(recordingSid)[20000] ^ 0x01)});

            Cli.Result deep = cli.run(List.of("verify"), keys, "--since", created.minusSeconds(3600).toString(), "--deep");
            assertThat(deep.exit()).as(deep.out() + deep.err()).isEqualTo(2);
            assertThat(deep.out()).contains("CRITICAL").contains("authentication failed");
            HttpResponse<byte[]> refused = play(d, callSid, row, null);
            assertThat(refused.statusCode()).isEqualTo(500);
            assertThat(new String(refused.body())).contains("failed authentication");
            assertThat(play(d, callSid, row, "bytes=0-").statusCode()).as("a player's first request").isEqualTo(500);
        }
        assertThat(cli.run(List.of("doctor"), Map.of()).out()).as("doctor without the key").contains("FAIL encryption keys").contains(KEY_SID);
        assertThat(cli.run(List.of("doctor"), keys).out()).as("doctor with it").contains("PASS encryption keys");
    }

    /** A recording Twilio encrypted for {@code pair}, archived here (by an archiver without the private key, as a backfill may). */
    private RecordingRow archive(RecordingKeyPair pair, byte[] wav, Instant created) {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        env.twilio().addEncrypted(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, created, 0), wav, pair.publicKey(), pair.sid());
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            new Archiver(new TwilioRecordings(env.config().twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC())
                    .archive(Archiver.Request.of(new RecordingRef(TwilioStandIn.ACCOUNT_SID, recordingSid, callSid)));
        }
        return new RecordingRepository(env.db().jdbi()).findByRecordingSid(recordingSid).orElseThrow();
    }

    private static List<Path> files(Path dir) throws java.io.IOException {
        try (var listing = Files.list(dir)) {
            return listing.toList();
        }
    }

    @Test
    void downloadWritesTheWavDecryptedAndAuthenticatedAsPlayServesIt() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        byte[] wav = RecordingKeyPair.wav(4);
        RecordingRow row = archive(pair, wav, Instant.now().minusSeconds(600));
        Path out = Files.createDirectory(dir.resolve("out"));

        Cli.Result r = cli.run(List.of("download"), pair.setting(), "--recording-sid", row.recordingSid(), "-o", out + "/");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(files(out)).as("one file, nothing partial").hasSize(1);
        Path file = files(out).get(0);
        assertThat(file.getFileName().toString()).endsWith(".wav");
        assertThat(Files.readAllBytes(file)).as("the WAV Twilio recorded, not its ciphertext").isEqualTo(wav);
        assertThat(r.out()).contains("decrypted").contains("authenticated");
    }

    @Test
    void downloadWithoutThePrivateKeyRefusesAndWritesNothing() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        RecordingRow row = archive(pair, RecordingKeyPair.wav(4), Instant.now().minusSeconds(600));
        Path out = Files.createDirectory(dir.resolve("out"));

        Cli.Result r = cli.run(List.of("download"), Map.of(), "--recording-sid", row.recordingSid(), "-o", out.resolve("call.wav").toString());

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("twilio.encryption.private-key." + KEY_SID);
        assertThat(files(out)).as("no ciphertext under a plaintext name, nothing partial").isEmpty();
    }

    @Test
    void downloadOfAnEncryptedRecordingWhoseStoredBytesChangedFailsAndLeavesNoFile() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        RecordingRow row = archive(pair, RecordingKeyPair.wav(4), Instant.now().minusSeconds(600));
        env.s3().overwriteInPlace(env.bucket(), row.s3Key(), 70_000, new byte[]{(byte) (env.twilio().ciphertext(row.recordingSid())[70_000] ^ 0x40)});
        Path out = Files.createDirectory(dir.resolve("out"));

        Cli.Result r = cli.run(List.of("download"), pair.setting(), "--recording-sid", row.recordingSid(), "-o", out.resolve("call.wav").toString());

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("failed authentication");
        assertThat(files(out)).as("no unverified file left behind").isEmpty();
    }

    @Test
    void verifyDeepSaysAKeyOfAnotherPairDoesNotOpenTheRecordingAndFixMovesNothing() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        RecordingKeyPair other = RecordingKeyPair.generate("CR" + "0".repeat(32), dir);
        Instant created = Instant.now().minusSeconds(600);
        RecordingRow row = archive(pair, RecordingKeyPair.wav(4), created);
        int downloads = env.twilio().mediaDownloads();

        Cli.Result deep = cli.run(List.of("verify"), pair.settingWithKeyOf(other), "--since", created.minusSeconds(3600).toString(), "--deep");
        Cli.Result fix = cli.run(List.of("verify"), pair.settingWithKeyOf(other), "--since", created.minusSeconds(3600).toString(), "--deep", "--fix");

        assertThat(deep.out()).as(deep.out() + deep.err()).contains("key does not open this recording").contains(KEY_SID)
                .doesNotContain("authentication failed");
        assertThat(deep.lines()).as("nothing called corrupt").noneMatch(l -> l.startsWith("corrupt"));
        assertThat(fix.out()).doesNotContain("damaged/").doesNotContain("re-archived");
        assertThat(env.s3().countObjects(env.bucket(), "damaged/")).as("nothing set aside").isZero();
        try (RecordingStore store = RecordingStores.open(env.config().storage()); InputStream in = store.get(row.s3Key(), 0, -1)) {
            assertThat(in.readAllBytes()).as("the intact object, where it was").isEqualTo(env.twilio().ciphertext(row.recordingSid()));
        }
        assertThat(env.twilio().mediaDownloads()).as("nothing fetched again from Twilio").isEqualTo(downloads);
    }

    @Test
    void doctorProvesEachConfiguredKeyOpensARecordingThatNamesIt() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        RecordingKeyPair other = RecordingKeyPair.generate("CR" + "0".repeat(32), dir);
        RecordingRow row = archive(pair, RecordingKeyPair.wav(2), Instant.now().minusSeconds(600));

        String wrong = cli.run(List.of("doctor"), pair.settingWithKeyOf(other)).out();
        String right = cli.run(List.of("doctor"), pair.setting()).out();

        assertThat(wrong).as("a valid key of another pair").contains("FAIL encryption keys").contains(KEY_SID).contains("does not open");
        assertThat(right).contains("PASS encryption keys").contains(KEY_SID + " opens recording " + row.recordingSid());
    }

    @Test
    void callShowSaysWhatTwilio16105And16107Mean() throws Exception {
        RecordingKeyPair alternate = RecordingKeyPair.generate("CR" + "a1".repeat(16), dir);
        String notStored = Sids.call();
        String otherKey = Sids.call();
        String encrypted = Sids.recording();
        env.twilio().addEncrypted(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, otherKey, encrypted, Instant.now().minusSeconds(600), 0),
                RecordingKeyPair.wav(2), alternate.publicKey(), alternate.sid());
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            CallbackProcessor callbacks = new CallbackProcessor(new Archiver(new TwilioRecordings(env.config().twilio()), store, env.db(),
                    MediaFormat.MP3, Clock.systemUTC()));
            Map<String, String> failed = DaemonHarness.callback(notStored, Sids.recording(), "failed");
            failed.put("ErrorCode", "16105");
            callbacks.process(failed);
            Map<String, String> completed = DaemonHarness.callback(otherKey, encrypted, "completed");
            completed.put("ErrorCode", "16107");
            callbacks.process(completed);
        }

        Cli.Result first = cli.run(List.of("call", "show"), Map.of(), notStored);
        Cli.Result second = cli.run(List.of("call", "show"), Map.of(), otherKey);

        assertThat(first.out()).as(first.err()).contains("16105: ").contains("no valid public key");
        assertThat(second.out()).as(second.err()).contains("16107: ").contains("alternate public key");
    }
}
