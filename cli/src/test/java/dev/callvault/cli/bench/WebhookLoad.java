package dev.callvault.cli.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The webhook part's load generator: HTTP/1.1 requests, prepared in advance, over plain keep-alive sockets, one thread
 * per connection, as Twilio's many connections arrive. Far lighter than java.net.http on the same two cores, so what is
 * measured is the daemon rather than the generator.
 */
final class WebhookLoad {
    /** Each request's latency in nanoseconds (from when it was due, open loop; from when it was sent, closed loop) and status. */
    record Result(long[] nanos, int[] status, double seconds) {
        int count(int code) {
            return (int) Arrays.stream(status).filter(s -> s == code).count();
        }

        long[] sorted() {
            long[] copy = nanos.clone();
            Arrays.sort(copy);
            return copy;
        }
    }

    private WebhookLoad() {
    }

    /** A POST of a form, signed, as raw bytes. */
    static byte[] post(int port, String path, String body, String signature) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "X-Twilio-Signature: " + signature + "\r\nContent-Length: " + b.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    /**
     * Open loop: request {@code i} is due at {@code start + i * interval} whatever the answers do; its latency counts
     * from then, so a stall shows as the latency of every request due during it (including any wait for a free one of
     * the {@code connections}).
     */
    static Result openLoop(int port, List<byte[]> requests, long intervalNanos, int connections) throws Exception {
        long start = System.nanoTime() + 50_000_000;
        return run(port, requests, connections, i -> start + i * intervalNanos, Long.MAX_VALUE);
    }

    /** Closed loop: each connection sends its next request as soon as the last is answered, until {@code seconds} pass. */
    static Result closedLoop(int port, List<byte[]> requests, int connections, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        return run(port, requests, connections, i -> 0L, end);
    }

    private interface Due {
        long at(int i);
    }

    private static Result run(int port, List<byte[]> requests, int connections, Due due, long end) throws Exception {
        int n = requests.size();
        long[] nanos = new long[n];
        int[] status = new int[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> {
                Socket socket = null;
                InputStream in = null;
                try {
                    for (int i; (i = next.getAndIncrement()) < n; ) {
                        long at = due.at(i);
                        long wait;
                        while ((wait = at - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        if (System.nanoTime() > end) {
                            break;
                        }
                        long from = at == 0 ? System.nanoTime() : at;
                        if (socket == null) {
                            socket = new Socket("127.0.0.1", port);
                            socket.setTcpNoDelay(true);
                            in = new BufferedInputStream(socket.getInputStream());
                        }
                        socket.getOutputStream().write(requests.get(i));
                        int code = readResponse(in);
                        nanos[i] = System.nanoTime() - from;
                        status[i] = code;
                        sent.incrementAndGet();
                        if (code < 0) { // the server closed the connection: a new one for the next request
                            socket.close();
                            socket = null;
                        }
                    }
                } catch (IOException e) {
                    failures.add(e);
                } finally {
                    if (socket != null) {
                        try {
                            socket.close();
                        } catch (IOException ignored) {
                            // closing after the run
                        }
                    }
                }
            }, "webhook-load-" + c);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IOException(failures.size() + " connections failed, first: " + failures.get(0), failures.get(0));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int done = sent.get();
        // a closed loop stops at its time: only the requests it sent count
        long[] doneNanos = new long[done];
        int[] doneStatus = new int[done];
        int k = 0;
        for (int i = 0; i < n && k < done; i++) {
            if (status[i] != 0) {
                doneNanos[k] = nanos[i];
                doneStatus[k++] = status[i];
            }
        }
        return new Result(Arrays.copyOf(doneNanos, k), Arrays.copyOf(doneStatus, k), seconds);
    }

    /** Reads one response (status line, headers, a Content-Length body); the status, negated when the server closes the connection. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int code = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        boolean close = false;
        for (String h; !(h = line(in)).isEmpty(); ) {
            String lower = h.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        in.readNBytes(length);
        return close ? -code : code;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed mid-response");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
