package dev.callvault.config;

import dev.callvault.accounts.Secret;
import java.net.URI;
import java.nio.file.Path;

/** Where recordings are kept: an S3 bucket (production) or a local directory (a machine with no S3). */
public sealed interface StorageTarget {

    /**
     * An S3 (or S3-compatible) bucket; {@code prefix} is "" or ends with "/". {@code sse} (null, {@code AES256} or
     * {@code aws:kms}, with {@code sseKmsKeyId} for a key of one's own) is asked for on every object callvault writes.
     */
    record S3(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
              String accessKeyId, Secret secretAccessKey, int partSizeBytes, boolean chunkedEncoding, String sse, String sseKmsKeyId) implements StorageTarget {
        public S3 {
            if (sse != null && !sse.equals("AES256") && !sse.equals("aws:kms")) {
                throw new ConfigException("s3.sse: '" + sse + "' is neither AES256 (keys kept by S3) nor aws:kms (keys in AWS KMS)");
            }
            if (sseKmsKeyId != null && !"aws:kms".equals(sse)) {
                throw new ConfigException("s3.sse-kms-key-id goes with s3.sse = aws:kms");
            }
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
                throw new ConfigException("storage: '" + bucket + "' is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)");
            }
            if (partSizeBytes < 5 * 1024 * 1024) {
                throw new ConfigException("s3.part-size-mib: S3 parts must be at least 5 MiB");
            }
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint);
        }
    }

    /** A directory on local disk. */
    record Directory(Path path) implements StorageTarget {
        @Override
        public String toString() {
            return path.toString();
        }
    }
}
