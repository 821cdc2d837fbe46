package dev.callvault.daemon.console;

/** The console's HTML: small documents that the script fills from /api/v1; everything shown is escaped. */
final class Pages {
    private static final String NAV = "<nav aria-label=\"Main\"><a href=\"/ui\">Calls</a> <a href=\"/ui?state=live\">Live calls</a></nav>";

    private Pages() {
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String head(Assets assets, String title) {
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s · callvault</title>
                <link rel="stylesheet" href="%s">
                <script src="%s" defer></script>
                </head>
                """.formatted(esc(title), assets.url("console.css"), assets.url("console.js"));
    }

    static String signIn(Assets assets, String csrf, String next, String error, String user) {
        return head(assets, "Sign in") + """
                <body data-page="sign-in">
                <main class="sign-in">
                <h1>callvault</h1>
                <form method="post" action="/ui/sign-in">
                %s
                <label for="user">User name</label>
                <input id="user" name="user" autocomplete="username" required autofocus value="%s">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="next" value="%s">
                <button type="submit">Sign in</button>
                </form>
                </main>
                </body>
                </html>
                """.formatted(error == null ? "" : "<p class=\"error\" role=\"alert\" id=\"sign-in-error\">" + esc(error) + "</p>",
                esc(user), esc(csrf), esc(next));
    }

    private static String header(String user, String csrf) {
        if (csrf == null) { // signed in by the reverse proxy, which also signs out
            return """
                    <header class="top">
                    <a class="brand" href="/ui">callvault</a>
                    %s
                    <span id="signed-in-as">%s</span>
                    </header>
                    """.formatted(NAV, esc(user));
        }
        return """
                <header class="top">
                <a class="brand" href="/ui">callvault</a>
                %s
                <form method="post" action="/ui/sign-out" class="sign-out">
                <span id="signed-in-as">%s</span>
                <input type="hidden" name="csrf" value="%s">
                <button type="submit">Sign out</button>
                </form>
                </header>
                """.formatted(NAV, esc(user), esc(csrf));
    }

    static String calls(Assets assets, String user, String csrf) {
        return head(assets, "Calls") + "<body data-page=\"calls\">\n" + header(user, csrf) + """
                <main>
                <h1>Calls</h1>
                <form id="filters" method="get" action="/ui" role="search" aria-label="Filter calls">
                <div><label for="f-number">Number</label><input id="f-number" name="number" inputmode="tel" placeholder="part of From or To"></div>
                <div><label for="f-call">Call SID</label><input id="f-call" name="call_sid" placeholder="CA…" spellcheck="false"></div>
                <div><label for="f-assistant">Assistant</label><input id="f-assistant" name="assistant"></div>
                <div><label for="f-since">From date</label><input id="f-since" name="since" type="date"></div>
                <div><label for="f-until">To date</label><input id="f-until" name="until" type="date"></div>
                <div><label for="f-state">State</label><select id="f-state" name="state">
                <option value="">any</option>
                <option value="live">live</option>
                <option value="archived">archived</option>
                <option value="missing_twilio">missing Twilio's recording</option>
                <option value="realtime_failed">failed real-time recording</option>
                </select></div>
                <div class="actions"><button type="submit">Filter</button> <a href="/ui">Clear</a></div>
                </form>
                <p id="status" role="status" aria-live="polite">Loading…</p>
                <div class="scroll">
                <table id="calls">
                <caption>Calls, newest first</caption>
                <thead><tr><th scope="col">Started</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Assistant</th><th scope="col">State</th><th scope="col">Call</th></tr></thead>
                <tbody></tbody>
                </table>
                </div>
                <nav aria-label="Pages" class="pager"><a id="newest" href="/ui" hidden>Newest calls</a> <a id="older" href="/ui" hidden>Older calls</a></nav>
                </main>
                </body>
                </html>
                """;
    }

    static String call(Assets assets, String user, String csrf, String callId) {
        return head(assets, "Call") + "<body data-page=\"call\" data-call=\"" + esc(callId) + "\">\n" + header(user, csrf) + """
                <main>
                <p><a href="/ui">← All calls</a></p>
                <h1 id="call-title">Call</h1>
                <p id="status" role="status" aria-live="polite">Loading…</p>
                <dl id="facts" class="facts"></dl>
                <section aria-labelledby="waveforms-title">
                <h2 id="waveforms-title">Who spoke when</h2>
                <p class="hint">Click a waveform (or focus it and press ← →) to move the main player there.</p>
                <div id="waveforms"></div>
                </section>
                <section aria-labelledby="recordings-title">
                <h2 id="recordings-title">Recordings</h2>
                <div id="recordings"></div>
                </section>
                <section aria-labelledby="audit-title">
                <h2 id="audit-title">Who listened</h2>
                <div class="scroll">
                <table id="audit">
                <caption>Plays and downloads of this call's recordings, newest first</caption>
                <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Recording</th><th scope="col">From</th></tr></thead>
                <tbody></tbody>
                </table>
                </div>
                </section>
                </main>
                </body>
                </html>
                """;
    }
}
