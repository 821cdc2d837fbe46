package dev.callvault;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work started in parallel, with its failure as it was thrown, not wrapped. */
public final class Futures {
    private Futures() {
    }

    /**
     * The result of {@code future}; its failure rethrown as the exception the work threw (a RuntimeException or an
     * Error), not as the CompletionException join() wraps it in, so that callers catch what they would have caught
     * had the work run on their own thread.
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
