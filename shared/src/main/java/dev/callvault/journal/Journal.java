package dev.callvault.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An append-only local file of JSON lines, each forced to disk before {@link #append} returns: where the daemon keeps
 * what it acknowledged while the database was unreachable, until {@link #drain} moves it into the database. A line
 * torn by a crash mid-append was never acknowledged and is skipped; a line the database refuses for good is set aside
 * in {@code rejected.jsonl}, never dropped.
 */
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CURRENT = "current.jsonl";

    /** Applies one entry; throws to say it was not applied. */
    public interface Applier {
        void apply(JsonNode entry) throws Exception;
    }

    private final Path dir;
    private final ReentrantLock draining = new ReentrantLock();
    private final AtomicLong pending = new AtomicLong();
    private FileChannel current;
    private long batches;

    public Journal(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(Journal::holdsEntries).toList()) {
                    pending.addAndGet(Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count());
                }
            }
            current = open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the journal in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code entry} as one line and forces it to disk: when this returns, the entry survives a crash. */
    public void append(Object entry) throws IOException {
        appendAll(List.of(entry));
    }

    /** Writes each of {@code entries} as a line and forces them to disk together (one flush for all). */
    public synchronized void appendAll(List<?> entries) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (Object entry : entries) {
            lines.append(JSON.writeValueAsString(entry)).append('\n');
        }
        ByteBuffer buf = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            current.write(buf);
        }
        current.force(false);
        pending.addAndGet(entries.size());
    }

    /** Entries appended and not yet drained. */
    public long pending() {
        return pending.get();
    }

    /**
     * Hands every entry to {@code applier}, oldest first. An entry whose failure {@code retryLater} accepts stops the
     * drain and stays (with every entry after it) for the next one; applying twice must therefore be harmless. Any
     * other failure sets the entry aside in {@code rejected.jsonl}. Returns how many entries were applied.
     */
    public int drain(Applier applier, Predicate<Exception> retryLater) throws IOException {
        if (!draining.tryLock()) {
            return 0; // another thread is draining already
        }
        try {
            seal();
            int applied = 0;
            for (Path batch : batches()) {
                List<String> lines = Files.readAllLines(batch);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode entry;
                    try {
                        entry = JSON.readTree(line);
                    } catch (JsonProcessingException e) {
                        log.warn("journal {}: skipping a line torn by a crash mid-write (it was never acknowledged)", batch.getFileName());
                        pending.decrementAndGet();
                        continue;
                    }
                    try {
                        applier.apply(entry);
                        applied++;
                    } catch (Exception e) {
                        if (retryLater.test(e)) {
                            Files.write(batch, lines.subList(i, lines.size()), StandardCharsets.UTF_8);
                            return applied;
                        }
                        log.error("journal {}: an entry was refused ({}); kept in {}", batch.getFileName(), e.getMessage(), dir.resolve("rejected.jsonl"));
                        Files.writeString(dir.resolve("rejected.jsonl"), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                    pending.decrementAndGet();
                }
                Files.delete(batch);
            }
            return applied;
        } finally {
            draining.unlock();
        }
    }

    /** Closes the current file as a batch to drain, so appends go on into a new one meanwhile. */
    private synchronized void seal() throws IOException {
        if (current.size() == 0) {
            return;
        }
        current.close();
        Path batch = dir.resolve(String.format("batch-%013d-%06d.jsonl", System.currentTimeMillis(), batches++));
        Files.move(dir.resolve(CURRENT), batch, StandardCopyOption.ATOMIC_MOVE);
        current = open();
    }

    private List<Path> batches() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("batch-")).sorted().toList();
        }
    }

    /** Opens the current file for appending; a last line torn by a crash is ended first, so it stays one bad line. */
    private FileChannel open() throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(CURRENT), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ch.position(ch.size()); // only this object writes, under its lock: appending is writing at the end
        if (ch.size() > 0) {
            ByteBuffer last = ByteBuffer.allocate(1);
            ch.read(last, ch.size() - 1);
            if (last.get(0) != '\n') {
                ch.write(ByteBuffer.wrap(new byte[]{'\n'}));
                ch.force(false);
            }
        }
        return ch;
    }

    private static boolean holdsEntries(Path f) {
        String name = f.getFileName().toString();
        return name.equals(CURRENT) || name.startsWith("batch-");
    }

    @Override
    public synchronized void close() throws IOException {
        current.close();
    }
}
