package dev.callvault.daemon.console;

/** The console's HTML: small documents that the script fills from /api/v1; everything shown is escaped. */
final class Pages {
    private static final String NAV = "<nav aria-label=\"Main\"><a href=\"/ui\">Calls</a> <a href=\"/ui?state=live\">Live calls</a> "
            + "<a href=\"/ui/deletions\">Deletions</a></nav>";

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
                <link rel="icon" href="%s" type="image/svg+xml">
                <link rel="stylesheet" href="%s">
                <script src="%s" defer></script>
                </head>
                """.formatted(esc(title), assets.url("favicon.svg"), assets.url("console.css"), assets.url("console.js"));
    }

    /**
     * The sign-in page: {@code error} (the last attempt's), {@code note} (why the page is shown: signed out, session
     * ended) and {@code notice} (this page cannot sign anyone in as reached, and where to go) are sentences; null: none.
     */
    static String signIn(Assets assets, String csrf, String next, String error, String user, String note, String notice) {
        return head(assets, "Sign in") + """
                <body data-page="sign-in">
                <main class="sign-in">
                <h1>callvault</h1>
                %s%s<form method="post" action="/ui/sign-in">
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
                """.formatted(notice == null ? "" : "<p class=\"error\" role=\"alert\" id=\"sign-in-notice\">" + esc(notice) + "</p>\n",
                note == null ? "" : "<p class=\"note\" role=\"status\" id=\"sign-in-note\">" + esc(note) + "</p>\n",
                error == null ? "" : "<p class=\"error\" role=\"alert\" id=\"sign-in-error\">" + esc(error) + "</p>",
                esc(user), esc(csrf), esc(next));
    }

    /** A page that says one thing and offers one way on: errors of the console are pages, never JSON. */
    static String message(Assets assets, String title, String sentence, String href, String linkText) {
        return head(assets, title) + """
                <body data-page="message">
                <main class="sign-in">
                <h1>%s</h1>
                <p id="message">%s</p>
                <p><a href="%s">%s</a></p>
                </main>
                </body>
                </html>
                """.formatted(esc(title), esc(sentence), esc(href), esc(linkText));
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
                <div><label for="f-number">Number</label><input id="f-number" name="number" inputmode="tel" placeholder="415 555 0102, or a part"></div>
                <div><label for="f-call">Call SID</label><input id="f-call" name="call_sid" placeholder="CA… (the first characters)" spellcheck="false" autocapitalize="off"></div>
                <div><label for="f-assistant">Assistant</label><input id="f-assistant" name="assistant"></div>
                <div><label for="f-since">From date</label><input id="f-since" name="since" type="date"></div>
                <div><label for="f-until">To date</label><input id="f-until" name="until" type="date"></div>
                <div><label for="f-state">Archive</label><select id="f-state" name="state">
                <option value="">any</option>
                <option value="live">live now</option>
                <option value="archived">ended, Twilio's recording archived</option>
                <option value="missing_twilio">ended, Twilio's recording missing</option>
                <option value="erased">erased on request</option>
                <option value="expired">deleted by retention</option>
                </select></div>
                <div><label for="f-realtime">Real-time recording</label><select id="f-realtime" name="realtime">
                <option value="">any</option>
                <option value="failed">failed</option>
                </select></div>
                <div class="actions"><button type="submit">Filter</button> <a href="/ui">Clear</a></div>
                </form>
                <p class="hint" id="zone-note">Dates and times are in your time zone.</p>
                <p id="status" class="status" role="status" aria-live="polite">Loading…</p>
                <table id="calls" class="calls">
                <caption>Calls, newest first</caption>
                <thead><tr><th scope="col">Started</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Assistant</th>
                <th scope="col">Duration</th><th scope="col">Archive</th><th scope="col">Real-time</th></tr></thead>
                <tbody></tbody>
                </table>
                <nav aria-label="Pages" class="pager"><a id="newest" href="/ui" hidden>Newest calls</a> <a id="older" href="/ui" hidden>Older calls</a></nav>
                </main>
                </body>
                </html>
                """;
    }

    static String deletions(Assets assets, String user, String csrf) {
        return head(assets, "Deletions") + "<body data-page=\"deletions\">\n" + header(user, csrf) + """
                <main>
                <h1>Deletions</h1>
                <p class="hint">Every deletion: by retention policy, by erasure on a person's request, holds placed and removed, and backfill's
                deletions at Twilio; who, when, why, what and where, newest first.</p>
                <p id="status" class="status" role="status" aria-live="polite">Loading…</p>
                <div class="scroll">
                <table id="deletions">
                <caption>The record of deletions</caption>
                <thead><tr><th scope="col">When</th><th scope="col">What for</th><th scope="col">Who</th><th scope="col">Why</th>
                <th scope="col">Call</th><th scope="col">What</th><th scope="col">Where</th><th scope="col">Outcome</th></tr></thead>
                <tbody></tbody>
                </table>
                </div>
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
                <p id="status" class="status" role="status" aria-live="polite">Loading…</p>
                <div id="content" hidden>
                <dl id="facts" class="facts"></dl>
                <section aria-labelledby="waveforms-title">
                <h2 id="waveforms-title">Who spoke when</h2>
                <div id="player-bar" class="player-bar">
                <p id="now-playing" class="now-playing"></p>
                <audio id="main-player" controls preload="metadata" aria-label="Player"></audio>
                </div>
                <p class="hint">Click a waveform (or focus it: ← → move 5 s, Home and End go to the start and the end, Enter or
                space plays and pauses) to play that moment of the recording that covers it.</p>
                <div id="marks-legend" class="hint"></div>
                <div id="waveforms"></div>
                </section>
                <section aria-labelledby="recordings-title">
                <h2 id="recordings-title">Recordings</h2>
                <div id="recordings"></div>
                </section>
                <section aria-labelledby="privacy-title">
                <h2 id="privacy-title">Retention and holds</h2>
                <div id="privacy"></div>
                </section>
                <section aria-labelledby="audit-title">
                <h2 id="audit-title">Who listened</h2>
                <ul id="audit-words" class="audit-words"></ul>
                <div class="scroll">
                <table id="audit">
                <caption>Listens and downloads of this call's recordings, newest first</caption>
                <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Recording</th><th scope="col">From</th></tr></thead>
                <tbody></tbody>
                </table>
                </div>
                </section>
                </div>
                </main>
                </body>
                </html>
                """;
    }
}
