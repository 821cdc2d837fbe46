package dev.callvault.testing;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;
import org.jclouds.io.Payload;

/** s3proxy's blob store with an outage switch: while on, every part after the first fails as S3 does when it is down. */
final class FaultyBlobStore extends ForwardingBlobStore {
    private volatile boolean failPartsAfterFirst;

    FaultyBlobStore(BlobStore delegate) {
        super(delegate);
    }

    void failPartsAfterFirst(boolean on) {
        failPartsAfterFirst = on;
    }

    @Override
    public MultipartPart uploadMultipartPart(MultipartUpload mpu, int partNumber, Payload payload) {
        if (failPartsAfterFirst && partNumber > 1) {
            // s3proxy answers an HttpResponseException with its status: a 503, as S3 does when it sheds load
            throw new HttpResponseException("injected outage: S3 unavailable", null,
                    HttpResponse.builder().statusCode(503).message("Service Unavailable").build());
        }
        return super.uploadMultipartPart(mpu, partNumber, payload);
    }
}
