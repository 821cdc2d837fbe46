package dev.callvault.testing;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real S3 server over loopback HTTP: s3proxy 3.0.0 in-process on an in-memory blob store, reached through the
 * production aws-sdk-java-v2 client. One per JVM; each test takes a fresh bucket.
 */
public final class TestS3 {
    public static final String ACCESS_KEY = "callvault-test";
    public static final String SECRET_KEY = "callvault-test-secret";

    private static TestS3 instance;

    private final BlobStoreContext context;
    private final FaultyBlobStore blobStore;
    private final int port;
    private S3Proxy proxy;

    private TestS3() throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        blobStore = new FaultyBlobStore(context.getBlobStore());
        proxy = start(0);
        port = proxy.getPort();
    }

    public static synchronized TestS3 get() {
        if (instance == null) {
            try {
                instance = new TestS3();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start s3proxy", e);
            }
        }
        return instance;
    }

    private S3Proxy start(int onPort) throws Exception {
        return start(onPort, AuthenticationType.AWS_V2_OR_V4);
    }

    private S3Proxy start(int onPort, AuthenticationType authentication) throws Exception {
        S3Proxy p = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:" + onPort))
                .awsAuthentication(authentication, ACCESS_KEY, SECRET_KEY)
                .build();
        p.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(p.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return p;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private URI framingKeeping;

    /**
     * An S3 server over the same buckets that, like older Ceph RGW and several S3-compatible servers, does not decode
     * aws-chunked uploads and stores the chunk framing as the object's bytes. It is a second s3proxy (without request
     * authentication) behind a proxy that renames the streaming payload marker and the decoded length, so the server
     * takes the framed body for plain data.
     */
    public synchronized URI framingKeepingEndpoint() throws Exception {
        if (framingKeeping == null) {
            S3Proxy plain = start(0, AuthenticationType.NONE);
            // same lengths, so no byte of the stream moves; the server trims the spaces off the header's value
            TcpProxy rewriting = new TcpProxy("127.0.0.1", plain.getPort(), java.util.Map.of(
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "UNSIGNED-PAYLOAD                  ",
                    "x-amz-decoded-content-length", "x-callvault-test-ignored-len"));
            framingKeeping = URI.create("http://127.0.0.1:" + rewriting.port());
        }
        return framingKeeping;
    }

    public String createBucket() {
        String name = "test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        blobStore.createContainerInLocation(null, name);
        return name;
    }

    /** How many objects the bucket holds under {@code prefix} (asked of the blob store itself, not through S3). */
    public int countObjects(String bucket, String prefix) {
        return countObjects(bucket, prefix, "");
    }

    /** Objects under {@code prefix} whose keys end with {@code suffix}. */
    public int countObjects(String bucket, String prefix, String suffix) {
        int n = 0;
        String marker = null;
        do { // a listing answers a page at a time (1000 names)
            var options = org.jclouds.blobstore.options.ListContainerOptions.Builder.prefix(prefix).recursive();
            var page = blobStore.list(bucket, marker == null ? options : options.afterMarker(marker));
            for (var m : page) {
                if (m.getType() == org.jclouds.blobstore.domain.StorageType.BLOB && m.getName().endsWith(suffix)) {
                    n++;
                }
            }
            marker = page.getNextMarker();
        } while (marker != null);
        return n;
    }

    /**
     * Overwrites bytes of a stored object in place, its metadata untouched: what bit rot or a faulty disk does under
     * the store, and what a HEAD cannot see.
     */
    public void overwriteInPlace(String bucket, String key, int offset, byte[] bytes) throws java.io.IOException {
        var blob = blobStore.getBlob(bucket, key);
        byte[] data;
        try (var in = blob.getPayload().openStream()) {
            data = in.readAllBytes();
        }
        System.arraycopy(bytes, 0, data, offset, bytes.length);
        var meta = blob.getMetadata();
        blobStore.putBlob(bucket, blobStore.blobBuilder(key).payload(data).contentLength(data.length)
                .contentType(meta.getContentMetadata().getContentType()).userMetadata(meta.getUserMetadata()).build());
    }

    /** Removes an object behind callvault's back: what a mistaken lifecycle rule or a hand in the console does. */
    public void delete(String bucket, String key) {
        blobStore.removeBlob(bucket, key);
    }

    /** Multipart uploads begun and neither completed nor aborted. */
    public int unfinishedUploads(String bucket) {
        return blobStore.listMultipartUploads(bucket).size();
    }

    /** While on, multipart uploads fail from their second part on: S3 going away mid-upload. */
    public void failPartsAfterFirst(boolean on) {
        blobStore.failPartsAfterFirst(on);
    }

    /** Stops the server: connections are refused until {@link #restart()}. The objects stay. */
    public synchronized void stop() throws Exception {
        proxy.stop();
    }

    /** Starts the stopped server again on its port; a no-op when it runs. */
    public synchronized void restart() throws Exception {
        if ("STARTED".equals(proxy.getState())) {
            return;
        }
        proxy = start(port);
    }
}
