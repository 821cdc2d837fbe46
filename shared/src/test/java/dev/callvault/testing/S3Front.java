package dev.callvault.testing;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.attribute.ExchangeAttributes;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A reverse proxy in front of a real S3 server that answers chosen S3 operations with a chosen S3 error, as a store
 * that lacks them or a bucket policy that denies them would, and passes every other request through unchanged: the
 * method, the path and query as sent, the Host header, the body, so request signatures stay valid. (It adds the
 * X-Forwarded-* headers a proxy adds and drops a request to upgrade to h2c, neither of which a signature covers.)
 * Started on a free port of 127.0.0.1.
 */
public final class S3Front implements AutoCloseable {
    /** An S3 operation as the REST API tells it apart: a method and a query subresource. */
    public enum Operation {
        GET_BUCKET_VERSIONING("GetBucketVersioning", "GET", "versioning"),
        LIST_OBJECT_VERSIONS("ListObjectVersions", "GET", "versions"),
        LIST_MULTIPART_UPLOADS("ListMultipartUploads", "GET", "uploads"),
        DELETE_OBJECT_VERSION("DeleteObjectVersion", "DELETE", "versionId");

        /** The name S3's API reference gives it. */
        public final String s3Name;
        private final String method;
        private final String subresource;

        Operation(String s3Name, String method, String subresource) {
            this.s3Name = s3Name;
            this.method = method;
            this.subresource = subresource;
        }

        boolean matches(HttpServerExchange exchange) {
            return exchange.getRequestMethod().toString().equals(method) && exchange.getQueryParameters().containsKey(subresource);
        }
    }

    /**
     * An error as an S3 server answers it: the status, and an XML body with the code, the message and whatever other
     * elements the server adds (AWS: RequestId and HostId, also sent as x-amz-request-id and x-amz-id-2).
     */
    public record S3Error(int status, String code, String message, Map<String, String> elements) {
        public S3Error {
            elements = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(elements));
        }

        /** What Amazon S3 answers when the caller's policy lacks the permission an operation needs. */
        public static S3Error accessDenied() {
            byte[] host = new byte[48];
            ThreadLocalRandom.current().nextBytes(host);
            Map<String, String> ids = new LinkedHashMap<>();
            ids.put("RequestId", Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).toUpperCase(Locale.ROOT));
            ids.put("HostId", Base64.getEncoder().encodeToString(host));
            return new S3Error(403, "AccessDenied", "Access Denied", ids);
        }

        /** The body, byte for byte as S3 (and s3rver) write it: the XML declaration, a newline, the error on one line. */
        public String xml() {
            StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
            element(b, "Code", code);
            element(b, "Message", message);
            elements.forEach((name, value) -> element(b, name, value));
            return b.append("</Error>").toString();
        }

        private static void element(StringBuilder b, String name, String value) {
            b.append('<').append(name).append('>')
                    .append(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                    .append("</").append(name).append('>');
        }
    }

    private static final String NOT_IMPLEMENTED = "A parameter you provided implies functionality that is not implemented";

    private final Map<Operation, S3Error> answers;
    private final List<String> answered = new CopyOnWriteArrayList<>();
    private final Undertow server;
    private final URI endpoint;

    private S3Front(URI backend, Map<Operation, S3Error> answers) {
        this.answers = Map.copyOf(answers);
        ProxyHandler proxy = ProxyHandler.builder()
                .setProxyClient(new LoadBalancingProxyClient().addHost(backend).setConnectionsPerThread(8))
                .setMaxRequestTime(120_000)
                .setRewriteHostHeader(false) // the Host the client signed
                // hop-by-hop: java.net.http asks to upgrade to h2c, and Undertow would pass the Upgrade on without its Connection
                .addRequestHeader(Headers.UPGRADE, ExchangeAttributes.constant(""))
                .addRequestHeader(new HttpString("HTTP2-Settings"), ExchangeAttributes.constant(""))
                .setNext(ResponseCodeHandler.HANDLE_404)
                .build();
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(1).setWorkerThreads(4)
                // Undertow refuses bodies over 2 MiB by default; an upload part is 5 MiB or more
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .setHandler(exchange -> {
                    for (Operation op : Operation.values()) {
                        if (this.answers.containsKey(op) && op.matches(exchange)) {
                            answer(exchange, op, this.answers.get(op));
                            return;
                        }
                    }
                    proxy.handleRequest(exchange);
                })
                .build();
        server.start();
        InetSocketAddress address = (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
        endpoint = URI.create("http://127.0.0.1:" + address.getPort());
    }

    /** A front over {@code backend} that answers each operation in {@code answers} with its error. */
    public static S3Front answering(URI backend, Map<Operation, S3Error> answers) {
        return new S3Front(backend, answers);
    }

    /**
     * A store that keeps one copy of an object and implements none of versioning, as s3rver (jamhall/s3rver, lib/routes.js)
     * does: GET ?versioning and GET ?uploads answer 501 NotImplemented, GET ?versions 405 MethodNotAllowed with the
     * method and resource type it adds to the body. (At s3rver's latest commit the GET ?versioning case is never reached:
     * "versioning" is missing from the subresources its router recognises, so it answers with the bucket's listing, in
     * which the SDK finds no versioning status. callvault then takes the bucket for one that never had versioning: the
     * same conclusion, that a deletion is for good.)
     */
    public static S3Front s3rver(URI backend) {
        S3Error notImplemented = new S3Error(501, "NotImplemented", NOT_IMPLEMENTED, Map.of());
        return answering(backend, Map.of(
                Operation.GET_BUCKET_VERSIONING, notImplemented,
                Operation.LIST_MULTIPART_UPLOADS, notImplemented,
                Operation.LIST_OBJECT_VERSIONS, new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
                        orderedMap("Method", "GET", "ResourceType", "VERSIONS"))));
    }

    /**
     * An S3 bucket whose IAM policy grants callvault everything but s3:ListBucketVersions and s3:DeleteObjectVersion:
     * GET ?versions and DELETE with a versionId answer 403 AccessDenied; GetBucketVersioning and plain deletes work.
     */
    public static S3Front deniedVersions(URI backend) {
        return answering(backend, Map.of(
                Operation.LIST_OBJECT_VERSIONS, S3Error.accessDenied(),
                Operation.DELETE_OBJECT_VERSION, S3Error.accessDenied()));
    }

    private static Map<String, String> orderedMap(String k1, String v1, String k2, String v2) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    private void answer(HttpServerExchange exchange, Operation op, S3Error error) {
        answered.add(op.s3Name);
        exchange.setStatusCode(error.status());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/xml");
        if (error.elements().containsKey("RequestId")) {
            exchange.getResponseHeaders().put(new HttpString("x-amz-request-id"), error.elements().get("RequestId"));
            exchange.getResponseHeaders().put(new HttpString("x-amz-id-2"), error.elements().get("HostId"));
        }
        exchange.getResponseSender().send(error.xml());
    }

    /** Where to point the client: {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The operations this front answered itself so far, in order, by their S3 names. */
    public List<String> answered() {
        return List.copyOf(answered);
    }

    @Override
    public void close() {
        server.stop();
    }
}
