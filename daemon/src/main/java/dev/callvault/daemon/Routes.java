package dev.callvault.daemon;

import dev.callvault.daemon.metrics.Metrics;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every endpoint of callvaultd in two tables (public, management), with one access log line and one latency sample per request. */
final class Routes {
    private static final Logger access = LoggerFactory.getLogger("callvault.access");

    private Routes() {
    }

    interface Endpoint {
        void handle(HttpServerExchange ex) throws Exception;
    }

    static HttpHandler table(Webhooks webhooks, dev.callvault.daemon.api.PrivacyApi privacy, dev.callvault.daemon.api.PauseApi pauses,
                             RecordingAccess recordings, dev.callvault.daemon.api.CallsApi api,
                             dev.callvault.daemon.console.Console console, Health health, Metrics metrics, HttpHandler media) {
        RoutingHandler r = Handlers.routing()
                .get("/media", media)
                // Twilio's webhooks are answered from the IO threads: they read, check and queue without blocking
                .post("/twiml", instrumented("twiml", webhooks::voice, metrics))
                .post("/recording/status", instrumented("recording_status", webhooks::recordingStatus, metrics))
                .post("/calls/{call_sid}/pause", route("pause", pauses::pause, metrics))
                .post("/calls/{call_sid}/resume", route("pause", pauses::resume, metrics))
                .get("/calls/{call_id}/recording/{recording_id}", route("download", recordings::download, metrics))
                .add("HEAD", "/calls/{call_id}/recording/{recording_id}", route("download", recordings::download, metrics))
                .get("/calls/{call_id}/recording/{recording_id}/play", route("play", recordings::play, metrics))
                .add("HEAD", "/calls/{call_id}/recording/{recording_id}/play", route("play", recordings::play, metrics))
                .get("/api/v1/calls", route("api_calls", api::list, metrics))
                .get("/api/v1/calls/{call_id}", route("api_call", api::one, metrics))
                .get("/api/v1/calls/{call_id}/recordings/{recording_id}/peaks", route("api_peaks", api::peaks, metrics))
                .post("/api/v1/calls/{call_id}/recordings/{recording_id}/listens", route("api_listens", api::listened, metrics))
                .post("/api/v1/calls/{call_id}/holds", route("api_holds", privacy::placeHold, metrics))
                .post("/api/v1/holds/{hold_id}/remove", route("api_holds", privacy::removeHold, metrics))
                .post("/api/v1/calls/{call_id}/erase", route("api_erase", privacy::erase, metrics))
                .get("/api/v1/deletions", route("api_deletions", privacy::deletions, metrics))
                .get("/ui/deletions", route("ui_deletions", console::deletions, metrics))
                .get("/favicon.ico", route("ui_asset", console::favicon, metrics))
                .get("/ui", route("ui_calls", console::calls, metrics))
                .get("/ui/", route("ui_calls", console::calls, metrics))
                .get("/ui/calls/{call_id}", route("ui_call", console::call, metrics))
                .get("/ui/sign-in", route("ui_sign_in", console::signInPage, metrics))
                .post("/ui/sign-in", route("ui_sign_in", console::signIn, metrics))
                .post("/ui/sign-out", route("ui_sign_out", console::signOut, metrics))
                .get("/ui/assets/{name}", route("ui_asset", console::asset, metrics))
                // liveness also here, for load balancers in front of the public port; readiness and metrics are not
                .get("/healthz", route("healthz", health::live, metrics))
                .setFallbackHandler(route("unknown", ex -> HttpSupport.problem(ex, 404, "no such endpoint"), metrics))
                .setInvalidMethodHandler(route("unknown", ex -> HttpSupport.problem(ex, 405, "method not allowed here"), metrics));
        return r;
    }

    /**
     * The management listener's table ({@code http.management-address}, loopback by default): what operators,
     * Prometheus and orchestrators ask, kept off the port that is forwarded to the internet for Twilio.
     */
    static HttpHandler management(Health health, Metrics metrics) {
        return Handlers.routing()
                .get("/healthz", route("healthz", health::live, metrics))
                .get("/readyz", route("readyz", health::ready, metrics))
                .get("/metrics", route("metrics", health::metrics, metrics))
                .setFallbackHandler(route("unknown", ex -> HttpSupport.problem(ex, 404, "no such endpoint"), metrics))
                .setInvalidMethodHandler(route("unknown", ex -> HttpSupport.problem(ex, 405, "method not allowed here"), metrics));
    }

    /** Runs {@code endpoint} off the IO threads; maps problems to their status and anything else to a logged 500. */
    private static HttpHandler route(String name, Endpoint endpoint, Metrics metrics) {
        return new BlockingHandler(instrumented(name, endpoint, metrics));
    }

    /** Runs {@code endpoint} where it is called, with its access log line and latency sample; problems answered with their status. */
    private static HttpHandler instrumented(String name, Endpoint endpoint, Metrics metrics) {
        return ex -> {
            long start = System.nanoTime();
            // no response of ours is to be read as anything but the type it says (recordings, JSON, pages alike)
            ex.getResponseHeaders().put(io.undertow.util.Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
            ex.addExchangeCompleteListener((done, next) -> {
                long nanos = System.nanoTime() - start;
                metrics.request(name, done.getRequestMethod().toString(), done.getStatusCode(), nanos);
                // the path only: signed links carry their signature in the query string
                String range = done.getRequestHeaders().getFirst(io.undertow.util.Headers.RANGE);
                access.info("{} {} {} {}ms{}", done.getRequestMethod(), done.getRequestPath(), done.getStatusCode(), nanos / 1_000_000,
                        range == null ? "" : " range " + range.replaceAll("[^0-9a-z=,-]", ""));
                next.proceed();
            });
            try {
                endpoint.handle(ex);
            } catch (HttpSupport.Problem p) {
                if (!ex.isResponseStarted()) {
                    HttpSupport.problem(ex, p.status, p.getMessage());
                }
            } catch (RecordingAccess.ClientGone gone) {
                // a player that seeks or a tab that closes drops its request: normal use, counted, never an ERROR
                metrics.clientGone(name);
                LoggerFactory.getLogger(Routes.class).debug("{} {}: {}", ex.getRequestMethod(), ex.getRequestPath(), gone.getMessage());
            } catch (Exception e) {
                LoggerFactory.getLogger(Routes.class).error("{} {} failed", ex.getRequestMethod(), ex.getRequestPath(), e);
                if (!ex.isResponseStarted()) {
                    boolean dependency = e instanceof dev.callvault.RetryableException;
                    HttpSupport.problem(ex, dependency ? 503 : 500,
                            dependency ? "a dependency is unavailable; try again" : "internal error; see the daemon's log");
                }
            }
        };
    }
}
