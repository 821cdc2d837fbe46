package dev.callvault.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder a test can cut (every connection through it dies, and new ones are refused), and that
 * keeps what clients sent through it, so a test can see what went over the wire.
 */
public final class TcpProxy implements AutoCloseable {
    private final java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean open = true;

    public TcpProxy(String host, int port) throws IOException {
        this(host, port, java.util.Map.of());
    }

    private final List<byte[][]> replacements = new java.util.ArrayList<>();

    /** A proxy that replaces, in what clients send, each key with its value, which has the same length. */
    public TcpProxy(String host, int port, java.util.Map<String, String> replace) throws IOException {
        replace.forEach((from, to) -> {
            if (from.length() != to.length()) {
                throw new IllegalArgumentException("a replacement must keep the length, so that no byte of the stream moves");
            }
            replacements.add(new byte[][]{from.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), to.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)});
        });
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (open) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(host, port);
                    sockets.add(client);
                    sockets.add(upstream);
                    pump(client, upstream, true);
                    pump(upstream, client, false);
                } catch (IOException e) {
                    // closed
                }
            }
        }, "tcp-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Everything clients have sent through this proxy so far, as ISO-8859-1 text (bytes kept one to one). */
    public String sent() {
        synchronized (sent) {
            return sent.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    private void pump(Socket from, Socket to, boolean keep) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buf = new byte[64 * 1024];
                byte[] held = new byte[0];
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (keep) {
                        synchronized (sent) {
                            sent.write(buf, 0, n);
                        }
                    }
                    if (!keep || replacements.isEmpty()) {
                        out.write(buf, 0, n);
                        continue;
                    }
                    byte[] data = new byte[held.length + n];
                    System.arraycopy(held, 0, data, 0, held.length);
                    System.arraycopy(buf, 0, data, held.length, n);
                    int hold = 0;
                    for (byte[][] r : replacements) {
                        replace(data, r[0], r[1]);
                        hold = Math.max(hold, partialMatchAtEnd(data, r[0])); // may be the start of one the next read completes
                    }
                    out.write(data, 0, data.length - hold);
                    out.flush();
                    held = java.util.Arrays.copyOfRange(data, data.length - hold, data.length);
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private static void replace(byte[] data, byte[] from, byte[] to) {
        for (int i = 0; i + from.length <= data.length; i++) {
            if (java.util.Arrays.equals(data, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, data, i, to.length);
            }
        }
    }

    private static int partialMatchAtEnd(byte[] data, byte[] from) {
        for (int k = Math.min(from.length - 1, data.length); k > 0; k--) {
            if (java.util.Arrays.equals(data, data.length - k, data.length, from, 0, k)) {
                return k;
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
