package dev.callvault.daemon;

import dev.callvault.db.CallRepository;
import dev.callvault.db.CallbackRepository;
import dev.callvault.db.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Twilio's acknowledgements made durable together (group commit). Call starts and status callbacks wait here; a writer
 * takes everything waiting and stores it in one transaction, so one flush of PostgreSQL's log makes hundreds durable
 * where one each made it four at a time. Two writers: while one waits on its commit the next batch forms and goes. A
 * request is answered only when its batch has committed (or, the database being unreachable, when the batch is forced
 * to the local journal): nothing is acknowledged before it is on disk.
 *
 * <p>Why the database and not the local journal as the first durable step: the queue in PostgreSQL is what every replica
 * archives from, and a callback acknowledged into one machine's local file is lost with that machine's disk.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final int WRITERS = 2;
    /** Enough for a burst in one flush, small enough that one transaction stays short. */
    private static final int MAX_BATCH = 1000;

    /** More requests wait than {@code http.ack-queue-limit}: answered at once rather than queued without bound. */
    static final class Full extends RuntimeException {
        Full(int limit) {
            super(limit + " call starts and callbacks are already waiting to be stored");
        }
    }

    /** Runs inside each batch's transaction before its commit: where a test holds a flush to see that nothing is answered early. */
    interface BeforeCommit {
        void run(int batchSize);
    }

    private record Waiting(Object entry, CompletableFuture<Boolean> stored) {
    }

    private final Database db;
    private final DatabaseOutage outage;
    private final CallRepository calls;
    private final CallbackRepository callbacks;
    private final LinkedBlockingQueue<Waiting> queue;
    private final int limit;
    private final LongConsumer flushed;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closing;
    private volatile BeforeCommit beforeCommit = size -> { };

    /** {@code flushed} is told each batch's size after it is durable (for the metrics). */
    GroupCommit(Database db, DatabaseOutage outage, int limit, LongConsumer flushed) {
        this.db = db;
        this.outage = outage;
        this.calls = new CallRepository(db.jdbi());
        this.callbacks = new CallbackRepository(db.jdbi());
        this.limit = limit;
        this.queue = new LinkedBlockingQueue<>(limit);
        this.flushed = flushed;
        for (int i = 0; i < WRITERS; i++) {
            Thread t = new Thread(this::write, "ack-writer-" + i);
            t.setDaemon(true);
            writers.add(t);
            t.start();
        }
    }

    /** Completes with true once the start is durable (false: it was stored before); fails with {@link Full} at once when too many wait. */
    CompletableFuture<Boolean> submit(CallRepository.Start start) {
        return enqueue(start);
    }

    /** Completes with true once the callback is durable, false when it had been stored before. */
    CompletableFuture<Boolean> submit(CallbackRepository.Received callback) {
        return enqueue(callback);
    }

    int waiting() {
        return queue.size();
    }

    void beforeCommit(BeforeCommit hook) {
        this.beforeCommit = hook;
    }

    private CompletableFuture<Boolean> enqueue(Object entry) {
        CompletableFuture<Boolean> stored = new CompletableFuture<>();
        if (closing || !queue.offer(new Waiting(entry, stored))) {
            stored.completeExceptionally(new Full(limit));
        }
        return stored;
    }

    private void write() {
        List<Waiting> batch = new ArrayList<>();
        while (!(closing && queue.isEmpty())) {
            try {
                Waiting first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("the acknowledgement writer failed; its batch was answered with the error", e);
            } finally {
                batch.forEach(w -> w.stored.completeExceptionally(new IllegalStateException("the acknowledgement writer stopped")));
                batch.clear();
            }
        }
    }

    /** Stores one batch and answers every request in it. */
    private void write(List<Waiting> batch) {
        List<Waiting> starts = new ArrayList<>();
        List<Waiting> received = new ArrayList<>();
        for (Waiting w : batch) {
            (w.entry instanceof CallRepository.Start ? starts : received).add(w);
        }
        // one order for every writer, so two batches that share a key wait for each other instead of deadlocking
        starts.sort(Comparator.comparing(w -> ((CallRepository.Start) w.entry).callSid()));
        received.sort(Comparator.comparing((Waiting w) -> ((CallbackRepository.Received) w.entry).recordingSid())
                .thenComparing(w -> ((CallbackRepository.Received) w.entry).status()));
        Optional<boolean[]> fresh;
        try {
            fresh = outage.attempt(() -> db.jdbi().inTransaction(h -> {
                calls.recordStarts(h, starts.stream().map(w -> (CallRepository.Start) w.entry).toList());
                boolean[] stored = callbacks.store(h, received.stream().map(w -> (CallbackRepository.Received) w.entry).toList());
                beforeCommit.run(batch.size());
                return stored;
            }));
        } catch (RuntimeException e) {
            if (batch.size() > 1) {
                // one refused entry must not fail the others: each again on its own
                for (Waiting w : batch) {
                    write(new ArrayList<>(List.of(w)));
                }
            } else {
                batch.get(0).stored.completeExceptionally(e);
            }
            return;
        }
        if (fresh.isEmpty()) {
            journal(batch);
            return;
        }
        flushed.accept(batch.size());
        starts.forEach(w -> w.stored.complete(true));
        for (int i = 0; i < received.size(); i++) {
            received.get(i).stored.complete(fresh.get()[i]);
        }
    }

    /** The database is unreachable: the whole batch forced to the local journal at once, drained into the queue later. */
    private void journal(List<Waiting> batch) {
        try {
            outage.journal(batch.stream().map(Waiting::entry).toList());
            flushed.accept(batch.size());
            batch.forEach(w -> w.stored.complete(true));
        } catch (java.io.IOException | RuntimeException e) {
            log.error("could not journal {} call starts and callbacks while the database is unreachable: {}", batch.size(), e.toString());
            batch.forEach(w -> w.stored.completeExceptionally(e));
        }
    }

    /** Stores what waits, then stops the writers; a request that comes after is refused. */
    @Override
    public void close() {
        closing = true;
        for (Thread t : writers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
