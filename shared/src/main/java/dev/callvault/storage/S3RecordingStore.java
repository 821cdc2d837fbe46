package dev.callvault.storage;

import dev.callvault.CallvaultException;
import dev.callvault.config.ConfigException;
import dev.callvault.config.StorageTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recordings in an S3 bucket. Uploads stream through one buffer of at most a part's size: an object that fits in one part is
 * a single PUT, a larger one a multipart upload that is aborted if anything fails, so no parts are left behind.
 */
public final class S3RecordingStore implements RecordingStore {
    private static final Logger log = LoggerFactory.getLogger(S3RecordingStore.class);

    private static final int FIRST_BUFFER = 256 * 1024;

    private final S3Client s3;
    private final S3Presigner presigner;
    private final StorageTarget.S3 target;

    public S3RecordingStore(StorageTarget.S3 target) {
        this.target = target;
        Region region = region(target);
        AwsCredentialsProvider credentials = target.accessKeyId() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(target.accessKeyId(), target.secretAccessKey().reveal()))
                : DefaultCredentialsProvider.builder().build();
        S3Configuration s3Config = S3Configuration.builder().pathStyleAccessEnabled(target.pathStyle())
                .chunkedEncodingEnabled(target.chunkedEncoding()).build();
        var builder = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(s3Config)
                // S3-compatible stores (s3proxy, MinIO, R2) reject the SDK's default flexible checksums;
                // we compute SHA-256 ourselves, so ask for checksums only where the API demands them.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        var presignerBuilder = S3Presigner.builder().region(region).credentialsProvider(credentials).serviceConfiguration(s3Config);
        if (target.endpoint() != null) {
            builder.endpointOverride(target.endpoint());
            presignerBuilder.endpointOverride(target.endpoint());
        }
        this.s3 = builder.build();
        this.presigner = presignerBuilder.build();
    }

    private static Region region(StorageTarget.S3 target) {
        if (target.region() != null) {
            return Region.of(target.region());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkException e) {
            if (target.endpoint() != null) {
                return Region.US_EAST_1; // S3-compatible stores ignore the region but the signer needs one
            }
            throw new ConfigException("s3.region: no AWS region configured; set s3.region or AWS_REGION");
        }
    }

    @Override
    public StoredObject put(String key, InputStream content, String contentType, Map<String, String> metadata) {
        FirstPart first = firstPart(content);
        byte[] part = first.buffer();
        int n = first.length();
        MessageDigest sha = Hex.sha256();
        if (n < part.length) {
            sha.update(part, 0, n);
            Map<String, String> meta = withSha(metadata, Hex.of(sha.digest()));
            call("uploading", key, () -> s3.putObject(b -> b.bucket(target.bucket()).key(key).contentType(contentType).metadata(meta)
                    .serverSideEncryption(sse()).ssekmsKeyId(target.sseKmsKeyId()), body(part, n)));
            return new StoredObject(key, n, meta.get(SHA256), meta, null, null, contentType);
        }
        return putMultipart(key, content, contentType, metadata, part, n, sha);
    }

    private record FirstPart(byte[] buffer, int length) {
    }

    /**
     * Reads the first part into a buffer as large as the content needs, at most a part: it grows from 256 KiB by
     * fours while the content fills it, so a 160 KB call does not zero 8 MiB. A full buffer is a whole part.
     */
    private FirstPart firstPart(InputStream content) {
        byte[] buffer = new byte[Math.min(FIRST_BUFFER, target.partSizeBytes())];
        int n = readFully(content, buffer, 0);
        while (n == buffer.length && buffer.length < target.partSizeBytes()) {
            buffer = Arrays.copyOf(buffer, (int) Math.min(target.partSizeBytes(), buffer.length * 4L));
            n += readFully(content, buffer, n);
        }
        return new FirstPart(buffer, n);
    }

    private StoredObject putMultipart(String key, InputStream content, String contentType, Map<String, String> metadata,
                                      byte[] part, int firstLength, MessageDigest sha) {
        abortStaleUploads(key);
        String uploadId = call("starting upload of", key, () -> s3.createMultipartUpload(b -> b.bucket(target.bucket()).key(key)
                .contentType(contentType).metadata(metadata).serverSideEncryption(sse()).ssekmsKeyId(target.sseKmsKeyId()))).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long size = 0;
            int n = firstLength;
            while (n > 0) {
                sha.update(part, 0, n);
                size += n;
                int number = parts.size() + 1;
                int length = n;
                String etag = call("uploading part " + number + " of", key, () -> s3.uploadPart(b -> b.bucket(target.bucket()).key(key)
                        .uploadId(uploadId).partNumber(number).contentLength((long) length), body(part, length))).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                n = readFully(content, part, 0);
            }
            call("completing upload of", key, () -> s3.completeMultipartUpload(b -> b.bucket(target.bucket()).key(key)
                    .uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
            // The hash is known only now; a server-side self-copy stores it beside the other metadata.
            Map<String, String> meta = withSha(metadata, Hex.of(sha.digest()));
            call("recording the checksum of", key, () -> s3.copyObject(b -> b.sourceBucket(target.bucket()).sourceKey(key)
                    .destinationBucket(target.bucket()).destinationKey(key)
                    .metadataDirective(MetadataDirective.REPLACE).metadata(meta).contentType(contentType)
                    .serverSideEncryption(sse()).ssekmsKeyId(target.sseKmsKeyId())));
            return new StoredObject(key, size, meta.get(SHA256), meta, null, null, contentType);
        } catch (RuntimeException e) {
            abort(key, uploadId);
            throw e;
        }
    }

    /** Aborts uploads to {@code key} that an earlier, crashed attempt left unfinished. */
    private void abortStaleUploads(String key) {
        try {
            for (MultipartUpload u : s3.listMultipartUploads(b -> b.bucket(target.bucket()).prefix(key)).uploads()) {
                if (u.key().equals(key)) {
                    abort(key, u.uploadId());
                }
            }
        } catch (SdkException e) {
            log.warn("could not list unfinished uploads of {}: {}", key, e.getMessage());
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(target.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            log.warn("could not abort upload {} of {} (the next attempt for this key aborts it): {}", uploadId, key, e.getMessage());
        }
    }

    /** Unfinished multipart uploads under {@code prefix}: what a failed put must never leave behind. */
    public List<String> unfinishedUploads(String prefix) {
        return call("listing uploads under", prefix, () -> s3.listMultipartUploads(b -> b.bucket(target.bucket()).prefix(prefix)))
                .uploads().stream().map(MultipartUpload::key).toList();
    }

    private static RequestBody body(byte[] buffer, int length) {
        // a content provider re-reads the same buffer on SDK retries without copying it
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length, "application/octet-stream");
    }

    private static Map<String, String> withSha(Map<String, String> metadata, String sha) {
        Map<String, String> m = new HashMap<>(metadata);
        m.put(SHA256, sha);
        return m;
    }

    @Override
    public Optional<StoredObject> head(String key) {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(target.bucket()).key(key));
            return Optional.of(new StoredObject(key, r.contentLength(), r.metadata().get(SHA256), r.metadata(), r.lastModified(),
                    r.eTag(), r.contentType(), r.versionId()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw translate("reading", key, e);
        } catch (SdkException e) {
            throw translate("reading", key, e);
        }
    }

    @Override
    public InputStream get(String key, long offset, long length) {
        String range = length < 0 ? "bytes=" + offset + "-" : "bytes=" + offset + "-" + (offset + length - 1);
        ResponseInputStream<GetObjectResponse> in = call("downloading", key,
                () -> s3.getObject(b -> b.bucket(target.bucket()).key(key).range(offset == 0 && length < 0 ? null : range)));
        return in;
    }

    /**
     * A GET that names the object's ETag (If-Match): S3 answers 412 rather than another object's bytes. Not its version
     * id: that would need s3:GetObjectVersion, and the ETag already tells other bytes apart.
     */
    @Override
    public InputStream getExactly(StoredObject object, long offset, long length) {
        if (object.etag() == null) {
            return get(object.key(), offset, length); // a store that names no object by its bytes: nothing to hold it to
        }
        String range = length < 0 ? "bytes=" + offset + "-" : "bytes=" + offset + "-" + (offset + length - 1);
        try {
            return s3.getObject(b -> b.bucket(target.bucket()).key(object.key()).ifMatch(object.etag())
                    .range(offset == 0 && length < 0 ? null : range));
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) {
                throw new ObjectChangedException(object.key(), object.etag(), e);
            }
            throw translate("downloading", object.key(), e);
        } catch (SdkException e) {
            throw translate("downloading", object.key(), e);
        }
    }

    @Override
    public Optional<URI> presignedGet(String key, Duration ttl, String downloadName) {
        var request = presigner.presignGetObject(p -> p.signatureDuration(ttl).getObjectRequest(g -> {
            g.bucket(target.bucket()).key(key);
            if (downloadName != null) {
                g.responseContentDisposition("attachment; filename=\"" + downloadName + "\"");
            }
        }));
        try {
            return Optional.of(request.url().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("the SDK presigned an invalid URL for " + key, e);
        }
    }

    @Override
    public void delete(String key) {
        call("deleting", key, () -> s3.deleteObject(b -> b.bucket(target.bucket()).key(key)));
    }

    /** The encryption at rest asked for on every write (s3.sse), or null for the bucket's default. */
    private ServerSideEncryption sse() {
        return target.sse() == null ? null : ServerSideEncryption.fromValue(target.sse());
    }

    /**
     * What the bucket does to objects written without asking: its default encryption ("AES256", "aws:kms ..."), "none",
     * or empty when the store does not say (many S3-compatible stores do not implement the question).
     */
    public Optional<String> bucketDefaultEncryption() {
        try {
            var rules = s3.getBucketEncryption(b -> b.bucket(target.bucket())).serverSideEncryptionConfiguration().rules();
            return Optional.of(rules.isEmpty() ? "none" : rules.stream().map(r -> r.applyServerSideEncryptionByDefault().sseAlgorithmAsString()
                    + (r.applyServerSideEncryptionByDefault().kmsMasterKeyID() == null ? "" : " (key " + r.applyServerSideEncryptionByDefault().kmsMasterKeyID() + ")"))
                    .collect(java.util.stream.Collectors.joining(", ")));
        } catch (S3Exception e) {
            if ("ServerSideEncryptionConfigurationNotFoundError".equals(e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode())) {
                return Optional.of("none");
            }
            return Optional.empty();
        } catch (SdkException e) {
            return Optional.empty();
        }
    }

    /** Whether the bucket keeps versions of objects, as its GetBucketVersioning says. */
    public enum Versioning {
        /** Versioning was never turned on: a deletion removes an object for good. */
        NEVER("the bucket has never had versioning, so a deletion removes an object for good"),
        ENABLED("the bucket keeps versions: every version and delete marker is deleted by its id"),
        SUSPENDED("versioning is suspended on the bucket but it may keep versions from before: every version and delete marker is deleted by its id"),
        /** The store does not implement versioning at all (GetBucketVersioning answers 501 or 405): it keeps one copy. */
        NOT_IMPLEMENTED("the store does not implement versioning (it keeps one copy of an object), so a deletion removes an object for good");

        public final String words;

        Versioning(String words) {
            this.words = words;
        }

        boolean keepsVersions() {
            return this == ENABLED || this == SUSPENDED;
        }
    }

    private volatile Versioning versioning;
    private volatile long versioningAsked;

    /**
     * What the bucket does with versions, asked once a minute at most. Throws {@link StorageException} naming the
     * permission when the store refuses to say (then nobody can know whether a deletion leaves a version behind).
     */
    public Versioning versioning() {
        Versioning known = versioning;
        if (known != null && System.nanoTime() - versioningAsked < 60_000_000_000L) {
            return known;
        }
        Versioning v;
        try {
            var status = s3.getBucketVersioning(b -> b.bucket(target.bucket())).status();
            v = status == null ? Versioning.NEVER : switch (status) {
                case ENABLED -> Versioning.ENABLED;
                case SUSPENDED -> Versioning.SUSPENDED;
                default -> Versioning.NEVER;
            };
        } catch (S3Exception e) {
            if (notImplemented(e)) {
                v = Versioning.NOT_IMPLEMENTED;
            } else if (e.statusCode() == 403) {
                throw new dev.callvault.PermanentException("the store refused to say whether bucket " + target.bucket() + " keeps versions (GetBucketVersioning: "
                        + errorOf(e) + "): callvault's credentials need s3:GetBucketVersioning, or it cannot know that a deletion leaves no version behind", e);
            } else {
                throw translate("asking whether it keeps versions:", target.bucket(), e);
            }
        } catch (SdkException e) {
            throw translate("asking whether it keeps versions:", target.bucket(), e);
        }
        versioning = v;
        versioningAsked = System.nanoTime();
        return v;
    }

    @Override
    public Inventory inventory(String prefix) {
        Versioning v = versioning();
        List<Piece> pieces = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        notes.add(v.words);
        if (v.keepsVersions()) {
            try {
                for (var page : s3.listObjectVersionsPaginator(b -> b.bucket(target.bucket()).prefix(prefix))) {
                    page.versions().forEach(o -> pieces.add(new Piece(o.key(), o.versionId(), o.size() == null ? 0 : o.size(), Piece.Kind.VERSION)));
                    page.deleteMarkers().forEach(m -> pieces.add(new Piece(m.key(), m.versionId(), 0, Piece.Kind.DELETE_MARKER)));
                }
            } catch (S3Exception e) {
                if (e.statusCode() >= 500 && !notImplemented(e) || e.statusCode() == 429) {
                    throw translate("listing the versions under", prefix, e); // the store is down or busy: try again
                }
                throw new dev.callvault.PermanentException("the bucket " + target.bucket() + " keeps versions (" + v.name().toLowerCase()
                        + ") but listing them under " + prefix + " was refused (ListObjectVersions: " + errorOf(e) + "): callvault's credentials need "
                        + "s3:ListBucketVersions (and s3:DeleteObjectVersion) to delete every version; nothing was deleted", e);
            } catch (SdkException e) {
                throw translate("listing the versions under", prefix, e);
            }
        } else {
            call("listing", prefix, () -> {
                s3.listObjectsV2Paginator(b -> b.bucket(target.bucket()).prefix(prefix)).contents()
                        .forEach(o -> pieces.add(new Piece(o.key(), null, o.size() == null ? 0 : o.size(), Piece.Kind.OBJECT)));
                return null;
            });
        }
        try {
            for (var page : s3.listMultipartUploadsPaginator(b -> b.bucket(target.bucket()).prefix(prefix))) {
                page.uploads().forEach(u -> pieces.add(new Piece(u.key(), u.uploadId(), 0, Piece.Kind.UPLOAD)));
            }
        } catch (S3Exception e) {
            if (e.statusCode() >= 500 && !notImplemented(e) || e.statusCode() == 429) {
                throw translate("listing the unfinished uploads under", prefix, e);
            }
            if (!notImplemented(e)) {
                throw new dev.callvault.PermanentException("listing the unfinished uploads under " + prefix + " was refused (ListMultipartUploads: "
                        + errorOf(e) + "): callvault's credentials need s3:ListBucketMultipartUploads (and s3:AbortMultipartUpload); nothing was deleted", e);
            }
            notes.add("the store does not list unfinished uploads (ListMultipartUploads is not implemented): callvault aborts its own when an upload fails");
        } catch (SdkException e) {
            throw translate("listing the unfinished uploads under", prefix, e);
        }
        return new Inventory(pieces, notes);
    }

    @Override
    public void erase(Piece p) {
        switch (p.kind()) {
            // by version id: the version itself goes, and no delete marker is added
            case VERSION, DELETE_MARKER -> call("erasing a version of", p.key(),
                    () -> s3.deleteObject(b -> b.bucket(target.bucket()).key(p.key()).versionId(p.version())));
            case UPLOAD -> call("aborting an unfinished upload of", p.key(),
                    () -> s3.abortMultipartUpload(b -> b.bucket(target.bucket()).key(p.key()).uploadId(p.version())));
            case OBJECT -> delete(p.key());
        }
    }

    /** A store that does not implement the operation: 501 Not Implemented, or 405 as some answer for a subresource they lack. */
    private static boolean notImplemented(S3Exception e) {
        return e.statusCode() == 501 || e.statusCode() == 405;
    }

    private static String errorOf(S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return "HTTP " + e.statusCode() + (code == null ? "" : " " + code);
    }

    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        call("listing", prefix, () -> {
            s3.listObjectsV2Paginator(b -> b.bucket(target.bucket()).prefix(prefix)).contents().forEach(o -> keys.add(o.key()));
            return null;
        });
        return keys;
    }

    @Override
    public void move(String from, String to) {
        call("copying", from, () -> s3.copyObject(b -> b.sourceBucket(target.bucket()).sourceKey(from)
                .destinationBucket(target.bucket()).destinationKey(to).metadataDirective(MetadataDirective.COPY)
                .serverSideEncryption(sse()).ssekmsKeyId(target.sseKmsKeyId())));
        delete(from);
    }

    @Override
    public String url(String key) {
        return s3.utilities().getUrl(b -> b.bucket(target.bucket()).key(key)).toString();
    }

    @Override
    public String prefix() {
        return target.prefix();
    }

    @Override
    public boolean reachable() {
        try {
            s3.headBucket(b -> b.bucket(target.bucket()));
            return true;
        } catch (SdkException e) {
            return false;
        }
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }

    private static int readFully(InputStream in, byte[] buffer, int offset) {
        try {
            return in.readNBytes(buffer, offset, buffer.length - offset);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the recording to upload failed", e);
        }
    }

    private static <T> T call(String what, String key, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            throw translate(what, key, e);
        }
    }

    private static CallvaultException translate(String what, String key, SdkException e) {
        if (e instanceof S3Exception s && s.statusCode() >= 400 && s.statusCode() < 500 && s.statusCode() != 408 && s.statusCode() != 429) {
            return StorageException.refused(what, key, e);
        }
        return StorageException.unavailable(what, key, e);
    }
}
