package dev.callvault.twilio;

import dev.callvault.accounts.TwilioCredentials;
import dev.callvault.RetryableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP to Twilio's REST API for one account: base URL, basic auth, and retries of 429, 5xx and network errors
 * with jittered exponential backoff (or the server's Retry-After). Redirects are followed by hand so that the
 * credentials never go to another host.
 */
final class TwilioHttp {
    private static final Logger log = LoggerFactory.getLogger(TwilioHttp.class);
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient client;
    private final URI baseUrl;
    private final TwilioCredentials credentials;
    private final RetryPolicy retry;
    private final AtomicLong retries;
    private final Duration timeout;

    TwilioHttp(HttpClient client, URI baseUrl, TwilioCredentials credentials, RetryPolicy retry, AtomicLong retries, Duration timeout) {
        this.timeout = timeout;
        this.client = client;
        this.baseUrl = baseUrl;
        this.credentials = credentials;
        this.retry = retry;
        this.retries = retries;
    }

    /** {@code pathAndQuery} starts with "/2010-04-01/..."; the base URL is ours, whatever host the caller had in mind. */
    URI resolve(String pathAndQuery) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + pathAndQuery);
    }

    /**
     * Sends {@code method} to {@code uri}, retrying transient failures, following redirects (without credentials
     * to other hosts). Returns the final response, which may still be an error status once retries are spent.
     */
    HttpResponse<InputStream> send(String method, URI uri, String what) {
        return send(method, uri, what, null);
    }

    /** As {@link #send(String, URI, String)}, with a form body (a POST that changes something: pausing a recording). */
    HttpResponse<InputStream> send(String method, URI uri, String what, String form) {
        URI target = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            boolean sameHost = sameOrigin(target, baseUrl);
            HttpResponse<InputStream> r = sendWithRetries(method, target, sameHost, what, form);
            int status = r.statusCode();
            if (status < 300 || status >= 400 || status == 304) {
                return r;
            }
            Optional<String> location = r.headers().firstValue("Location");
            drain(r);
            if (location.isEmpty()) {
                throw new RetryableException("Twilio redirected " + what + " (HTTP " + status + ") without a Location header");
            }
            target = target.resolve(location.get());
            if (!sameOrigin(target, baseUrl)) {
                // short-lived media URLs on other hosts carry their own authorization; ours must not go there
                log.debug("following redirect for {} to host {} without credentials", what, target.getHost());
            }
        }
        throw new RetryableException("Twilio redirected " + what + " more than " + MAX_REDIRECTS + " times");
    }

    private HttpResponse<InputStream> sendWithRetries(String method, URI uri, boolean withCredentials, String what, String form) {
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Accept", "application/json, audio/*")
                    .header("User-Agent", "callvault")
                    .method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
            if (form != null) {
                b.header("Content-Type", "application/x-www-form-urlencoded");
            }
            if (withCredentials) {
                b.header("Authorization", basicAuth());
            }
            HttpResponse<InputStream> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw new RetryableException("Twilio unreachable while " + TwilioErrors.doing(method) + " " + what + " after " + attempt + " attempts: " + e, e);
                }
                pause(attempt, null, what, e.toString());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetryableException("interrupted while " + TwilioErrors.doing(method) + " " + what + " at Twilio", e);
            }
            int status = r.statusCode();
            if ((status == 429 || status >= 500) && attempt < retry.maxAttempts()) {
                Duration retryAfter = retryAfter(r).orElse(null);
                drain(r);
                pause(attempt, retryAfter, what, "HTTP " + status);
                continue;
            }
            return r;
        }
    }

    private void pause(int attempt, Duration retryAfter, String what, String reason) {
        Duration d = retry.delay(attempt, retryAfter);
        retries.incrementAndGet();
        log.info("Twilio: {} for {}, retry {} of {} in {} ms", reason, what, attempt, retry.maxAttempts() - 1, d.toMillis());
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableException("interrupted while waiting to retry " + what, e);
        }
    }

    static Optional<Duration> retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration d = Duration.between(ZonedDateTime.now(), at);
                    return Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (DateTimeParseException e2) {
                    return Optional.empty();
                }
            }
        });
    }

    private String basicAuth() {
        String pair = credentials.username() + ":" + credentials.password().reveal();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : ("https".equalsIgnoreCase(u.getScheme()) ? 443 : 80);
    }

    static void drain(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.skip(Long.MAX_VALUE);
        } catch (IOException ignored) {
            // the body of a response we are discarding
        }
    }

    static String readSmall(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    TwilioCredentials credentials() {
        return credentials;
    }
}
