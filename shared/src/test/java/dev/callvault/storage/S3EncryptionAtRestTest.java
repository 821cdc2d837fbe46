package dev.callvault.storage;

import dev.callvault.config.ConfigLoader;
import dev.callvault.testing.Environment;
import dev.callvault.testing.TestS3Mock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code s3.sse}: every request that writes an object asks for encryption at rest, single puts and multipart uploads
 * (and the copy that records a multipart object's checksum) alike, as a recording proxy between callvault and the S3
 * server sees them on the wire.
 */
class S3EncryptionAtRestTest {
    private static final Pattern REQUEST = Pattern.compile("(PUT|POST) (\\S+) HTTP/1\\.1\\r\\n((?:[^\\r\\n]+\\r\\n)*)\\r\\n");

    @RegisterExtension
    static final Environment env = new Environment();

    private Relay relay;

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void everyWriteAsksForEncryptionAtRest() throws Exception {
        // S3Mock, not s3proxy: s3proxy answers a request that asks for encryption at rest 501 Not Implemented
        try (TestS3Mock mock = new TestS3Mock()) {
            String bucket = "sse-" + Long.toHexString(System.nanoTime());
            mock.s3.createBucket(b -> b.bucket(bucket));
            relay = new Relay(mock.endpoint.getPort());
            Map<String, String> s = new HashMap<>(env.settings());
            s.put("storage", "s3://" + bucket + "/");
            s.put("s3.endpoint", "http://127.0.0.1:" + relay.port());
            s.put("s3.sse", "AES256");
            try (RecordingStore store = RecordingStores.open(ConfigLoader.of(s).storage())) {
                store.put("sse/small.mp3", new ByteArrayInputStream(new byte[1000]), "audio/mpeg", Map.of());
                store.put("sse/large.wav", new ByteArrayInputStream(new byte[6 * 1024 * 1024]), "audio/wav", Map.of()); // over a 5 MiB part
            }

            List<String[]> writes = relay.writes();
            assertThat(writes).as("object-writing requests seen").extracting(w -> w[0])
                    .anyMatch(r -> r.startsWith("PUT ") && r.contains("/sse/small.mp3") && !r.contains("uploadId"))
                    .anyMatch(r -> r.startsWith("POST ") && r.contains("/sse/large.wav?uploads"))
                    .anyMatch(r -> r.startsWith("PUT ") && r.contains("/sse/large.wav") && !r.contains("uploadId")); // the checksum's self-copy
            for (String[] w : writes) {
                boolean createsObject = w[0].startsWith("POST ") && w[0].contains("?uploads") || w[0].startsWith("PUT ") && !w[0].contains("uploadId");
                if (createsObject) {
                    assertThat(w[1]).as(w[0]).containsPattern("(?im)^x-amz-server-side-encryption: ?AES256$");
                }
            }
            assertThat(mock.s3.headObject(b -> b.bucket(bucket).key("sse/large.wav")).serverSideEncryptionAsString()).isEqualTo("AES256");
        }
    }

    /** A TCP relay to the S3 server that keeps what the client sent, to read the requests' heads back. */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0);
        private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        private final List<Socket> open = new ArrayList<>();

        Relay(int target) throws IOException {
            Thread accept = new Thread(() -> {
                try {
                    while (true) {
                        Socket client = server.accept();
                        Socket upstream = new Socket("127.0.0.1", target);
                        synchronized (open) {
                            open.add(client);
                            open.add(upstream);
                        }
                        pump(client.getInputStream(), upstream.getOutputStream(), true);
                        pump(upstream.getInputStream(), client.getOutputStream(), false);
                    }
                } catch (IOException closed) {
                    // the relay is closed
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void pump(InputStream in, OutputStream out, boolean keep) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        if (keep) {
                            synchronized (sent) {
                                sent.write(buf, 0, n);
                            }
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // one side closed
                } finally {
                    try {
                        out.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        /** Each PUT or POST the client sent: its request line and its headers. */
        List<String[]> writes() {
            String all;
            synchronized (sent) {
                all = sent.toString(StandardCharsets.ISO_8859_1);
            }
            List<String[]> out = new ArrayList<>();
            Matcher m = REQUEST.matcher(all);
            while (m.find()) {
                out.add(new String[]{m.group(1) + " " + m.group(2), m.group(3)});
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }
}
