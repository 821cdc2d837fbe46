package dev.callvault.twilio;

import com.twilio.http.HttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import org.apache.hc.core5.http.Header;

import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpResponse;

/**
 * Lets twilio-java's resource classes (readers, fetchers, paging) run over {@link TwilioHttp}: our base URL, our
 * retries. twilio-java's own retry loop is bypassed so that one policy governs every request.
 */
final class TwilioJavaTransport extends HttpClient {
    private final TwilioHttp http;

    TwilioJavaTransport(TwilioHttp http) {
        this.http = http;
    }

    @Override
    public Response makeRequest(Request request) {
        URL url = request.constructURL();
        String what = request.getMethod() + " " + url.getPath();
        String form = null;
        if (request.getPostParams() != null && !request.getPostParams().isEmpty()) {
            StringBuilder b = new StringBuilder();
            request.getPostParams().forEach((k, values) -> values.forEach(v -> b.append(b.length() == 0 ? "" : "&")
                    .append(java.net.URLEncoder.encode(k, java.nio.charset.StandardCharsets.UTF_8)).append('=')
                    .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8))));
            form = b.toString();
        }
        HttpResponse<InputStream> r = http.send(request.getMethod().toString(), http.resolve(url.getFile()), what, form);
        return new Response(r.body(), r.statusCode(), new Header[0]);
    }

    @Override
    public Response reliableRequest(Request request) {
        return makeRequest(request);
    }

    @Override
    public Response reliableRequest(Request request, int[] retryCodes, int retries, long delayMillis) {
        return makeRequest(request);
    }
}
