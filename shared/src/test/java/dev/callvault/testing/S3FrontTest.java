package dev.callvault.testing;

import dev.callvault.PermanentException;
import dev.callvault.config.ConfigLoader;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.storage.S3RecordingStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3FrontTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private RecordingStore storeAt(URI endpoint, Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(env.settings());
        s.put("s3.endpoint", endpoint.toString());
        s.putAll(extra);
        return RecordingStores.open(ConfigLoader.of(s).storage());
    }

    private static S3Client client(URI endpoint, String secret) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(TestS3.ACCESS_KEY, secret)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    }

    @Test
    void passesEveryOtherRequestThroughToASignatureCheckingServerUnchanged() throws Exception {
        byte[] large = new byte[6 * 1024 * 1024 + 7]; // over one 5 MiB part: a multipart upload and the self-copy after it
        new Random(7).nextBytes(large);
        String key = "calls/2026/01/02/CA x+y ü (1).wav";
        try (S3Front front = S3Front.deniedVersions(TestS3.get().endpoint()); RecordingStore store = storeAt(front.endpoint(), Map.of())) {
            store.put("calls/small.mp3", new ByteArrayInputStream(new byte[]{1, 2, 3}), "audio/mpeg", Map.of("call", "CA1"));
            store.put(key, new ByteArrayInputStream(large), "audio/wav", Map.of());
            byte[] range;
            try (InputStream in = store.get(key, 5, 10)) {
                range = in.readAllBytes();
            }
            URI link = store.presignedGet(key, Duration.ofMinutes(5), "call.wav").orElseThrow();
            HttpResponse<byte[]> viaLink = HttpClient.newHttpClient().send(HttpRequest.newBuilder(link).build(), HttpResponse.BodyHandlers.ofByteArray());

            assertThat(range).isEqualTo(java.util.Arrays.copyOfRange(large, 5, 15));
            assertThat(store.head(key)).get().extracting(o -> o.size()).isEqualTo((long) large.length);
            assertThat(store.head("calls/small.mp3")).get().extracting(o -> o.metadata().get("call")).isEqualTo("CA1");
            assertThat(store.list("calls/")).containsExactly("calls/2026/01/02/CA x+y ü (1).wav", "calls/small.mp3");
            assertThat(viaLink.statusCode()).as(new String(viaLink.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(viaLink.body()).isEqualTo(large);
            store.delete(key);
            assertThat(store.head(key)).isEmpty();
            assertThat(front.answered()).isEmpty();
        }
    }

    @Test
    void theServerBehindItStillRefusesABadSignature() {
        try (S3Front front = S3Front.s3rver(TestS3.get().endpoint()); S3Client s3 = client(front.endpoint(), "not-the-secret")) {
            assertThatThrownBy(() -> s3.headBucket(b -> b.bucket(env.bucket())))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    @Test
    void answersAChosenOperationWithTheErrorBodyTheStoreSends() throws Exception {
        try (S3Front front = S3Front.s3rver(TestS3.get().endpoint())) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> versions = http.send(HttpRequest.newBuilder(URI.create(front.endpoint() + "/" + env.bucket() + "?versions&prefix=a")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> versioning = http.send(HttpRequest.newBuilder(URI.create(front.endpoint() + "/" + env.bucket() + "?versioning")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(versions.statusCode()).isEqualTo(405);
            assertThat(versions.headers().firstValue("Content-Type")).hasValue("application/xml");
            assertThat(versions.body()).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>MethodNotAllowed</Code>"
                    + "<Message>The specified method is not allowed against this resource.</Message><Method>GET</Method><ResourceType>VERSIONS</ResourceType></Error>");
            assertThat(versioning.statusCode()).isEqualTo(501);
            assertThat(versioning.body()).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NotImplemented</Code>"
                    + "<Message>A parameter you provided implies functionality that is not implemented</Message></Error>");
            assertThat(front.answered()).containsExactly("ListObjectVersions", "GetBucketVersioning");
        }
    }

    @Test
    void theSdkReadsTheAnswersAsS3Errors() {
        try (S3Front front = S3Front.s3rver(TestS3.get().endpoint()); S3Client s3 = client(front.endpoint(), TestS3.SECRET_KEY)) {
            assertThatThrownBy(() -> s3.listObjectVersions(b -> b.bucket(env.bucket()))).isInstanceOfSatisfying(S3Exception.class, e -> {
                assertThat(e.statusCode()).isEqualTo(405);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("MethodNotAllowed");
                assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The specified method is not allowed against this resource.");
            });
            assertThatThrownBy(() -> s3.listMultipartUploads(b -> b.bucket(env.bucket()))).isInstanceOfSatisfying(S3Exception.class, e -> {
                assertThat(e.statusCode()).isEqualTo(501);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NotImplemented");
            });
            assertThat(s3.listObjectsV2(b -> b.bucket(env.bucket())).contents()).as("a plain listing passes").isEmpty();
        }
    }

    @Test
    void inFrontOfAVersionedBucketDeniesListingAndDeletingVersionsOnly() throws Exception {
        try (TestS3Mock mock = new TestS3Mock(); S3Front front = S3Front.deniedVersions(mock.endpoint)) {
            String bucket = mock.versionedBucket();
            try (RecordingStore store = storeAt(front.endpoint(), Map.of("storage", "s3://" + bucket + "/"));
                 S3Client s3 = client(front.endpoint(), TestS3.SECRET_KEY)) {
                store.put("a/b.mp3", new ByteArrayInputStream(new byte[]{1}), "audio/mpeg", Map.of());
                store.delete("a/b.mp3");
                String version = mock.versions(bucket, "a/").get(0).replaceFirst("^[^@]*@", "").replace(" (delete marker)", "");

                assertThat(((S3RecordingStore) store).versioning()).isEqualTo(S3RecordingStore.Versioning.ENABLED);
                assertThatThrownBy(() -> store.inventory("a/")).isInstanceOf(PermanentException.class)
                        .hasMessageContaining("ListObjectVersions: HTTP 403 AccessDenied").hasMessageContaining("s3:ListBucketVersions");
                assertThatThrownBy(() -> s3.deleteObject(b -> b.bucket(bucket).key("a/b.mp3").versionId(version)))
                        .isInstanceOfSatisfying(S3Exception.class, e -> {
                            assertThat(e.statusCode()).isEqualTo(403);
                            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Access Denied");
                            assertThat(e.requestId()).isNotBlank();
                        });
                assertThat(mock.versions(bucket, "a/")).as("a version and a delete marker, both kept").hasSize(2);
                assertThat(front.answered()).containsExactly("ListObjectVersions", "DeleteObjectVersion");
            }
        }
    }
}
