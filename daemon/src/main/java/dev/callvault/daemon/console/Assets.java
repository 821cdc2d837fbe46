package dev.callvault.daemon.console;

import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.storage.Hex;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The console's script and style sheet, read from the jar once and served under names that carry their content's
 * hash ({@code console.3f2a9c01b2.js}), so a browser may keep them a year and still never runs a stale one.
 */
final class Assets {
    private record Asset(String contentType, byte[] bytes) {
    }

    private final Map<String, String> hashedNames = new LinkedHashMap<>();
    private final Map<String, Asset> byHashedName = new LinkedHashMap<>();

    Assets() {
        add("console.js", "text/javascript; charset=utf-8");
        add("console.css", "text/css; charset=utf-8");
        add("favicon.svg", "image/svg+xml");
    }

    private void add(String name, String contentType) {
        byte[] bytes;
        try (InputStream in = Assets.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks /console/" + name);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int dot = name.lastIndexOf('.');
        String hashed = name.substring(0, dot) + "." + Hex.of(Hex.sha256().digest(bytes)).substring(0, 10) + name.substring(dot);
        hashedNames.put(name, "/ui/assets/" + hashed);
        byHashedName.put(hashed, new Asset(contentType, bytes));
    }

    /** The URL of an asset by its plain name. */
    String url(String name) {
        return hashedNames.get(name);
    }

    /** An asset by its plain name, for the few URLs that cannot carry a hash ({@code /favicon.ico}). */
    void servePlain(HttpServerExchange ex, String name) {
        serve(ex, hashedNames.get(name).substring("/ui/assets/".length()));
    }

    void serve(HttpServerExchange ex, String hashedName) {
        Asset a = byHashedName.get(hashedName);
        if (a == null) {
            throw new Problem(404, "no asset " + hashedName);
        }
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, a.contentType());
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "public, max-age=31536000, immutable");
        ex.getResponseSender().send(ByteBuffer.wrap(a.bytes()));
    }
}
