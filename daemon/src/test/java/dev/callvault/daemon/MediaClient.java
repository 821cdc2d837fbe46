package dev.callvault.daemon;

import dev.callvault.testing.TwilioStandIn;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Twilio's side of a Media Stream: opens /media with a signed upgrade and sends messages in order. */
public final class MediaClient implements AutoCloseable {
    private final WebSocket socket;

    private MediaClient(WebSocket socket) {
        this.socket = socket;
    }

    /** Opens the stream signed for {@code signedUrl} (null: no signature); fails with the HTTP status when refused. */
    public static MediaClient open(int port, String signedUrl) throws Exception {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
        if (signedUrl != null) {
            b.header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, signedUrl, java.util.Map.of()));
        }
        WebSocket ws = b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/media"), new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
        return new MediaClient(ws);
    }

    public static MediaClient open(int port) throws Exception {
        return open(port, "wss://calls.example.com/media");
    }

    public void send(String message) throws Exception {
        socket.sendText(message, true).get(10, TimeUnit.SECONDS);
    }

    public void send(List<String> messages) throws Exception {
        CompletableFuture<WebSocket> last = null;
        for (String m : messages) {
            last = socket.sendText(m, true);
            last.get(10, TimeUnit.SECONDS);
        }
    }

    /** Drops the connection without a stop message or a close handshake, as a network failure would. */
    public void drop() {
        socket.abort();
    }

    @Override
    public void close() throws Exception {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }
}
