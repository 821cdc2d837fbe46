package dev.callvault.storage;

import dev.callvault.config.StorageTarget;

/** Opens the store a configuration names. */
public final class RecordingStores {
    private RecordingStores() {
    }

    public static RecordingStore open(StorageTarget target) {
        if (target instanceof StorageTarget.S3 s3) {
            return new S3RecordingStore(s3);
        }
        return new DirectoryRecordingStore(((StorageTarget.Directory) target).path());
    }
}
