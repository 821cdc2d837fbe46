package dev.callvault.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Adobe's S3Mock (4.x) as a process of its own: an S3 server that keeps every version of an object in a versioned
 * bucket (s3proxy keeps one), for the tests that must see nothing of an erased recording left in ListObjectVersions.
 * Its executable jar comes from Maven Central with the build (the {@code s3mock.jar} system property names it).
 */
public final class TestS3Mock implements AutoCloseable {
    private final Process process;
    private final Path root;
    private final Path log;
    public final URI endpoint;
    public final S3Client s3;

    public TestS3Mock() throws Exception {
        String jar = System.getProperty("s3mock.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Mock's executable jar is missing (" + jar + "): the build fetches it (com.adobe.testing:s3mock:exec)");
        }
        int http;
        int https;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            http = a.getLocalPort();
            https = b.getLocalPort();
        }
        root = Files.createTempDirectory("s3mock");
        log = Files.createTempFile("s3mock", ".log");
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar,
                "--com.adobe.testing.s3mock.httpPort=" + http, "--server.port=" + https, "--com.adobe.testing.s3mock.store.root=" + root,
                "--logging.level.root=WARN")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        endpoint = URI.create("http://127.0.0.1:" + http);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String seen = Files.readString(log);
                close();
                throw new IllegalStateException("S3Mock did not start: " + seen);
            }
            Thread.sleep(100);
        }
        s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("s3mock", "s3mock")))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    }

    private boolean answers() {
        try {
            HttpURLConnection c = (HttpURLConnection) endpoint.toURL().openConnection();
            c.setConnectTimeout(500);
            return c.getResponseCode() == 200;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A new bucket with versioning on. */
    public String versionedBucket() {
        String bucket = "versioned-" + Long.toHexString(System.nanoTime());
        s3.createBucket(b -> b.bucket(bucket));
        s3.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        return bucket;
    }

    /** Every version and delete marker under {@code prefix}, as "key@versionId". */
    public List<String> versions(String bucket, String prefix) {
        List<String> out = new java.util.ArrayList<>();
        for (var page : s3.listObjectVersionsPaginator(b -> b.bucket(bucket).prefix(prefix))) {
            page.versions().forEach(v -> out.add(v.key() + "@" + v.versionId()));
            page.deleteMarkers().forEach(m -> out.add(m.key() + "@" + m.versionId() + " (delete marker)"));
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        if (Files.exists(root)) { // S3Mock removes its own on a clean stop
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.deleteIfExists(log);
    }
}
