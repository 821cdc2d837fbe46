package dev.callvault.storage;

import dev.callvault.config.ConfigLoader;
import dev.callvault.config.StorageTarget;
import dev.callvault.testing.Environment;
import dev.callvault.testing.TcpProxy;
import dev.callvault.testing.TestS3;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the S3 client puts on the wire, seen by a proxy in front of s3proxy: with {@code s3.chunked-encoding = false}
 * no request carries aws-chunked framing (for stores that would keep the framing as the object's bytes), and in both
 * modes the stored bytes are exactly the source, for a single PUT and for a multipart upload.
 */
class S3WireTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @ParameterizedTest(name = "s3.chunked-encoding = {0}")
    @ValueSource(booleans = {true, false})
    void storesTheSourceBytesExactlyAndFramesThemOnlyWhenChunkedEncodingIsOn(boolean chunked) throws Exception {
        byte[] small = random(1024 * 1024, 1);
        byte[] large = random(12 * 1024 * 1024, 2); // three 5 MiB parts
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", TestS3.get().endpoint().getPort());
             RecordingStore store = RecordingStores.open(target(proxy, chunked))) {
            store.put("wire/small.wav", new ByteArrayInputStream(small), "audio/wav", Map.of());
            store.put("wire/large.wav", new ByteArrayInputStream(large), "audio/wav", Map.of());

            String wire = proxy.sent().toLowerCase();
            assertThat(wire).contains("put /");
            if (chunked) {
                assertThat(wire).as("the SDK's default frames uploads").contains("content-encoding: aws-chunked").contains("chunk-signature=");
            } else {
                assertThat(wire).doesNotContain("aws-chunked").doesNotContain("chunk-signature");
            }
            assertThat(sha256(store.get("wire/small.wav", 0, -1))).isEqualTo(sha256(new ByteArrayInputStream(small)));
            assertThat(sha256(store.get("wire/large.wav", 0, -1))).isEqualTo(sha256(new ByteArrayInputStream(large)));
        }
    }

    /** The upload buffer grows from 256 KiB by fours up to the part size (5 MiB here): every step's edge, each way. */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 1024 * 1024, 4 * 1024 * 1024 + 1,
            5 * 1024 * 1024, 5 * 1024 * 1024 + 1, 11 * 1024 * 1024})
    void storesEveryLengthAroundTheUploadBuffersSteps(int size) throws Exception {
        byte[] source = random(size, size);
        String expected = sha256(new ByteArrayInputStream(source));
        try (RecordingStore store = RecordingStores.open(ConfigLoader.of(env.settings()).storage())) {
            StoredObject put = store.put("edges/" + size + ".wav", new ByteArrayInputStream(source), "audio/wav", Map.of());

            assertThat(put.size()).isEqualTo(size);
            assertThat(put.sha256()).isEqualTo(expected);
            assertThat(sha256(store.get("edges/" + size + ".wav", 0, -1))).isEqualTo(expected);
            assertThat(store.head("edges/" + size + ".wav")).get().matches(o -> o.matches(size, expected), "size and hash");
        }
    }

    private static StorageTarget target(TcpProxy proxy, boolean chunked) {
        Map<String, String> s = new HashMap<>(env.settings());
        s.put("s3.endpoint", "http://127.0.0.1:" + proxy.port());
        s.put("s3.chunked-encoding", Boolean.toString(chunked));
        return ConfigLoader.of(s).storage();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(InputStream in) throws Exception {
        try (in) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        }
    }
}
