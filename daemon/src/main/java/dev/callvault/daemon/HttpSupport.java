package dev.callvault.daemon;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Small pieces every handler needs: problem responses, bounded body reading, form parsing, path parameters. */
public final class HttpSupport {
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private HttpSupport() {
    }

    /** A client error the handler answers with {@code status} and a one-line reason. */
    public static final class Problem extends RuntimeException {
        final int status;

        public Problem(int status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }
    }

    /** Answers an RFC 9457 problem document; the detail never carries secrets. */
    public static void problem(HttpServerExchange ex, int status, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("title", io.undertow.util.StatusCodes.getReason(status));
        body.put("detail", detail);
        json(ex, status, "application/problem+json", body);
    }

    /** Answers {@code body} as JSON. */
    public static void json(HttpServerExchange ex, int status, String contentType, Object body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        try {
            ex.getResponseSender().send(JSON.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always JSON", e);
        }
    }

    /** Reads a form POST body of at most {@code max} bytes; 413 when larger, 415 when not form-encoded. */
    public static Map<String, String> readForm(HttpServerExchange ex, int max) throws IOException {
        checkForm(ex, max);
        InputStream in = ex.getInputStream();
        byte[] body = in.readNBytes(max + 1);
        if (body.length > max) {
            throw new Problem(413, "body larger than " + max + " bytes");
        }
        return parseForm(new String(body, StandardCharsets.UTF_8));
    }

    /** What can be said of a form POST before its body is read: 413 when it says it is larger than {@code max}, 415 when not a form. */
    public static void checkForm(HttpServerExchange ex, int max) {
        String length = ex.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length) > max) {
                    throw new Problem(413, "body larger than " + max + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new Problem(400, "invalid Content-Length");
            }
        }
        String type = ex.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            throw new Problem(415, "expected application/x-www-form-urlencoded, as Twilio sends");
        }
    }

    public static Map<String, String> parseForm(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return params;
        }
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.putIfAbsent(k, v);
            } catch (IllegalArgumentException e) {
                throw new Problem(400, "malformed form encoding");
            }
        }
        return params;
    }

    /** True when the request carries {@code Authorization: Bearer <token>} with this token (compared in constant time). */
    public static boolean bearer(HttpServerExchange ex, dev.callvault.accounts.Secret token) {
        String auth = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        return auth != null && auth.startsWith("Bearer ") && token != null
                && java.security.MessageDigest.isEqual(auth.substring(7).trim().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                token.reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static Optional<String> param(HttpServerExchange ex, String name) {
        String p = ex.getPathParameters().containsKey(name) ? ex.getPathParameters().get(name).peekFirst() : null;
        if (p == null) {
            Deque<String> q = ex.getQueryParameters().get(name);
            p = q == null ? null : q.peekFirst();
        }
        return Optional.ofNullable(p);
    }
}
