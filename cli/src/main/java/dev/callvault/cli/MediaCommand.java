package dev.callvault.cli;

import dev.callvault.signature.WebhookSignatures;
import dev.callvault.accounts.TwilioCredentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code callvault media replay}: plays a captured Media Stream into a daemon's /media, as Twilio would. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "media",
        description = "Work with Twilio Media Streams.", subcommands = {MediaCommand.Replay.class})
public final class MediaCommand {
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\"\\s*:\\s*\"(\\d+)\"");
    private static final Pattern START_SIDS = Pattern.compile("\"accountSid\"\\s*:\\s*\"(AC[0-9a-f]{32})\".*?\"streamSid\"\\s*:\\s*\"(MZ[0-9a-f]{32})\""
            + ".*?\"callSid\"\\s*:\\s*\"(CA[0-9a-f]{32})\"");

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "replay",
            description = {"Replay a captured Media Stream to a recorder's WebSocket, its handshake signed as Twilio signs it. The capture is one JSON message a line, as Twilio sends them. --calls N plays N copies at once, each with its own CallSid and StreamSid: the load tool of bench/all.sh media."},
            footer = {"", "Examples:", "  callvault media replay stream.jsonl --to wss://calls.example.com/media",
                    "  callvault media replay stream.jsonl --to ws://127.0.0.1:8080/media --signed-for wss://calls.example.com/media --calls 200 --speed realtime"})
    static final class Replay implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "FILE", description = "The capture: one Twilio Media Stream message a line.")
        Path file;

        @Option(names = "--to", required = true, paramLabel = "URL", description = "The recorder's WebSocket (ws:// or wss://).")
        URI to;

        @Option(names = "--signed-for", paramLabel = "URL", description = "The URL to sign the handshake for, when it differs from --to (behind a proxy); default --to.")
        URI signedFor;

        @Option(names = "--speed", paramLabel = "realtime|max", description = "realtime paces media by its timestamps; max sends as fast as it can. Default max.")
        String speed = "max";

        @Option(names = "--calls", paramLabel = "N", description = "Concurrent copies of the stream, each with its own CallSid and StreamSid; default 1.")
        int calls = 1;

        @Override
        public Integer call() throws Exception {
            if (!speed.equals("max") && !speed.equals("realtime")) {
                throw new UsageError("--speed must be realtime or max, not '" + speed + "'");
            }
            if (calls < 1 || calls > 10_000) {
                throw new UsageError("--calls must be between 1 and 10000");
            }
            if (to.getScheme() == null || !to.getScheme().startsWith("ws")) {
                throw new UsageError("--to must be a ws:// or wss:// URL, not '" + to + "'");
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
            } catch (java.io.IOException e) {
                throw new BadInput("cannot read " + file + ": " + e.getMessage());
            }
            Matcher account = lines.stream().filter(l -> l.contains("\"start\"")).map(START_SIDS::matcher).filter(Matcher::find).findFirst()
                    .orElseThrow(() -> new BadInput(file + " has no start message with accountSid, streamSid and callSid"));
            TwilioCredentials credentials = config.load().twilio().account(account.group(1))
                    .orElseThrow(() -> new dev.callvault.config.ConfigException("no auth token for account " + account.group(1) + " to sign the handshake with"));
            String signature = WebhookSignatures.sign(credentials.authToken().reveal(), (signedFor != null ? signedFor : to).toString(), Map.of());
            Output out = output.output();
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(calls, 512));
            List<Future<Map<String, Object>>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                results.add(pool.submit(() -> play(lines, signature, account.group(3), account.group(2))));
            }
            int failed = 0;
            for (Future<Map<String, Object>> f : results) {
                Map<String, Object> r = f.get();
                if (!Boolean.TRUE.equals(r.get("ok"))) {
                    failed++;
                }
                out.json(r);
                out.text((Boolean.TRUE.equals(r.get("ok")) ? "ok     " : "FAILED ") + r.get("call_sid") + " " + r.get("stream_sid") + ": "
                        + r.get("messages") + " messages in " + r.get("seconds") + " s" + (r.containsKey("error") ? " (" + r.get("error") + ")" : ""));
            }
            pool.shutdown();
            return failed == 0 ? ExitCode.OK.code : ExitCode.FAILED.code;
        }

        private Map<String, Object> play(List<String> lines, String signature, String originalCall, String originalStream) {
            String call = "CA" + HexFormat.of().formatHex(random16());
            String stream = "MZ" + HexFormat.of().formatHex(random16());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("call_sid", call);
            r.put("stream_sid", stream);
            long started = System.nanoTime();
            int sent = 0;
            try {
                WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("X-Twilio-Signature", signature)
                        .buildAsync(to, new WebSocket.Listener() { }).get(30, TimeUnit.SECONDS);
                for (String line : lines) {
                    String m = line.replace(originalCall, call).replace(originalStream, stream);
                    if (speed.equals("realtime")) {
                        Matcher t = TIMESTAMP.matcher(m);
                        if (t.find()) {
                            long due = started + Long.parseLong(t.group(1)) * 1_000_000;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                    }
                    ws.sendText(m, true).get(30, TimeUnit.SECONDS);
                    sent++;
                }
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(30, TimeUnit.SECONDS);
                r.put("ok", true);
            } catch (Exception e) {
                r.put("ok", false);
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                r.put("error", cause instanceof java.net.http.WebSocketHandshakeException h
                        ? "handshake refused with HTTP " + h.getResponse().statusCode() : cause.toString());
            }
            r.put("messages", sent);
            r.put("seconds", Math.round((System.nanoTime() - started) / 1e6) / 1000.0);
            return r;
        }

        private static byte[] random16() {
            byte[] b = new byte[16];
            ThreadLocalRandom.current().nextBytes(b);
            return b;
        }
    }
}
