"use strict";
// The callvault console: fills the pages from /api/v1 (same origin, the session cookie). No framework, no build step.
(function () {
  const page = document.body.dataset.page;
  const csrfInput = document.querySelector(".sign-out input[name=csrf]");
  const csrf = csrfInput ? csrfInput.value : null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = v; else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
    return e;
  }

  const known = (v) => (v === null || v === undefined || v === "" ? "unknown" : String(v));
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // every time says its zone; the UTC time is on hover
  function when(iso) {
    if (!iso) return "unknown";
    const d = new Date(iso);
    return el("time", { datetime: d.toISOString(), title: d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"), class: "when" },
      d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" }));
  }
  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "unknown";
    const s = Math.round(Number(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }
  function size(bytes) {
    if (bytes === null || bytes === undefined) return "unknown";
    const units = ["B", "KB", "MB", "GB"];
    let v = Number(bytes), i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return (i ? v.toFixed(1) : v) + " " + units[i];
  }
  /**
   * A deleted recording's tombstone in words, its time in the browser's zone: "was erased on <time> by bob (GDPR request
   * 2026-400)." or "was deleted on <time> by the retention policy (retention.days = 30)." (what the 410 of its audio says).
   */
  function deletedWords(d) {
    return [d.for === "retention" ? "was deleted" : "was erased", d.at ? " on " : "", d.at ? when(d.at) : "",
      d.for === "retention" ? " by the retention policy" : d.by ? " by " + d.by : "", (d.why ? " (" + d.why + ")" : "") + "."];
  }

  /** What a note under the privacy forms is about: the holds in force and the erasure; a note goes when this changes. */
  function privacyState(p) {
    return JSON.stringify([p.holds.map((h) => h.id), p.erased ? p.erased.at : null]);
  }

  function status(text) {
    document.getElementById("status").textContent = text; // the line keeps its height: nothing below it moves
  }

  async function api(path) {
    const r = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) {
      location.href = "/ui/sign-in?m=expired&next=" + encodeURIComponent(location.pathname + location.search);
      throw new Error("your session has ended");
    }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.detail || r.statusText);
    return body;
  }

  /** A change a person makes (holds, erasure): JSON with the session's CSRF token; the answer's detail when refused. */
  async function post(path, body) {
    const r = await fetch(path, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf || "" }, body: JSON.stringify(body) });
    const answer = await r.json().catch(() => ({}));
    return { ok: r.ok, status: r.status, body: answer };
  }

  // polls while the page is shown: a live call ends on screen, new recordings and listens appear, without a reload
  function every(ms, fn) {
    let timer = null;
    const tick = async () => {
      timer = null;
      if (document.visibilityState === "visible") {
        try { await fn(); } catch (e) { /* the next tick tries again */ }
      }
      timer = setTimeout(tick, ms);
    };
    timer = setTimeout(tick, ms);
  }

  // ---- calls list -------------------------------------------------------------------------------------------
  const ARCHIVE = { live: "live", archived: "archived", missing_twilio: "Twilio's recording missing", erased: "erased on request",
    expired: "deleted by retention" };
  const REALTIME = { recording: "recording", recorded: "recorded", failed: "failed", none: "none" };

  // a date typed in the page is a day in the browser's zone, as the list shows times
  function dayStart(yyyyMmDd, plusDays) {
    const [y, m, d] = yyyyMmDd.split("-").map(Number);
    return new Date(y, m - 1, d + (plusDays || 0)).toISOString();
  }

  function callsPage() {
    const params = new URLSearchParams(location.search);
    const form = document.getElementById("filters");
    for (const [k, v] of params) {
      const field = form.elements.namedItem(k);
      if (field) field.value = v;
    }
    document.getElementById("zone-note").textContent = "Dates and times are in your time zone, " + zone + " (the UTC time is shown on hover).";
    form.addEventListener("submit", () => {
      for (const f of form.elements) if (f.name && !f.value) f.disabled = true; // no empty parameters in the URL
    });
    const q = new URLSearchParams();
    for (const k of ["number", "call_sid", "assistant", "state", "realtime", "cursor", "limit"]) if (params.get(k)) q.set(k, params.get(k));
    if (params.get("since")) q.set("since", dayStart(params.get("since")));
    if (params.get("until")) q.set("until", dayStart(params.get("until"), 1));
    const tbody = document.querySelector("#calls tbody");

    function row(c) {
      const link = el("a", { href: "/ui/calls/" + encodeURIComponent(c.call_sid), class: "row-link", "aria-label": "Call " + c.call_sid }, when(c.started_at));
      const deleted = c.archive === "erased" || c.archive === "expired";
      const duration = c.live ? el("span", { class: "badge live", "data-started": c.started_at }, "live")
        : deleted ? el("span", { title: "no recording left" }, "—") : clock(c.duration_seconds);
      return el("tr", { "data-call-sid": c.call_sid, "data-live": c.live ? "true" : null },
        el("td", { "data-label": "Started" }, link), el("td", { "data-label": "From" }, known(c.from)), el("td", { "data-label": "To" }, known(c.to)),
        el("td", { "data-label": "Assistant" }, known(c.assistant)), el("td", { "data-label": "Duration", class: "duration" }, duration),
        el("td", { "data-label": "Archive", class: "archive " + c.archive }, ARCHIVE[c.archive] || c.archive),
        el("td", { "data-label": "Real-time", class: "realtime " + c.realtime }, REALTIME[c.realtime] || c.realtime));
    }

    async function load(first) {
      const body = await api("/api/v1/calls?" + q);
      tbody.replaceChildren(...body.calls.map(row));
      if (first) {
        status(body.calls.length ? "" : "No calls match.");
        if (body.next_cursor) {
          const next = new URLSearchParams(params);
          next.set("cursor", body.next_cursor);
          const older = document.getElementById("older");
          older.href = "/ui?" + next;
          older.hidden = false;
        }
        if (params.get("cursor")) {
          const firstPage = new URLSearchParams(params);
          firstPage.delete("cursor");
          const newest = document.getElementById("newest");
          newest.href = "/ui" + (String(firstPage) ? "?" + firstPage : "");
          newest.hidden = false;
        }
      }
      tickLive();
      return body.calls.some((c) => c.live);
    }
    load(true).then(() => every(3000, () => (tbody.querySelector("[data-live]") ? load(false) : null)))
      .catch((e) => status("Could not load the calls: " + e.message));
  }

  // live calls: their duration grows on the page
  let ticking = false;
  function tickLive() {
    const update = () => {
      for (const b of document.querySelectorAll("[data-started]")) {
        const started = Date.parse(b.dataset.started);
        if (!isNaN(started)) b.textContent = "live, " + clock((Date.now() - started) / 1000);
      }
    };
    update();
    if (!ticking) {
      ticking = true;
      setInterval(update, 1000);
    }
  }

  // ---- a call -----------------------------------------------------------------------------------------------
  async function callPage() {
    const id = document.body.dataset.call;
    let call;
    try {
      call = await api("/api/v1/calls/" + encodeURIComponent(id));
    } catch (e) {
      status("Could not load the call: " + e.message);
      return;
    }
    const view = new CallView(call);
    view.render(call);
    status("");
    document.getElementById("content").hidden = false;
    view.drawWaveforms(call);
    every(2500, async () => view.update(await api("/api/v1/calls/" + encodeURIComponent(id))));
    for (const ev of ["pagehide", "visibilitychange"]) {
      window.addEventListener(ev, () => { if (ev === "pagehide" || document.visibilityState === "hidden") view.listens.report(true); });
    }
  }

  /**
   * What the person heard, as the player played it (its `played` ranges), per recording: reported with the session's
   * CSRF token on pause, end, a change of recording, every 10 s while playing, and when the page goes away. Opening the
   * page, preloading and seeking without playing report nothing.
   */
  class Listens {
    constructor(call, audio) {
      this.call = call;
      this.audio = audio;
      this.heard = new Map(); // recording id -> merged [start, end] spans of this page view
      this.ids = new Map();   // recording id -> the listen's id (one entry per recording per page view)
      this.current = null;
      for (const ev of ["pause", "ended", "seeking"]) audio.addEventListener(ev, () => this.report(false));
      setInterval(() => { if (!audio.paused) this.report(false); }, 10000);
    }

    collect() {
      if (!this.current) return;
      const spans = this.heard.get(this.current) || [];
      for (let i = 0; i < this.audio.played.length; i++) spans.push([this.audio.played.start(i), this.audio.played.end(i)]);
      spans.sort((a, b) => a[0] - b[0]);
      const merged = [];
      for (const s of spans) {
        const last = merged[merged.length - 1];
        if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]); else merged.push([s[0], s[1]]);
      }
      this.heard.set(this.current, merged.filter((s) => s[1] - s[0] >= 0.05));
    }

    switchTo(recordingId) {
      this.report(false);
      this.current = recordingId;
    }

    report(leaving) {
      if (!this.current) return;
      this.collect();
      const spans = this.heard.get(this.current);
      if (!spans || !spans.length) return;
      const key = JSON.stringify(spans);
      if (this.sent === this.current + key) return;
      this.sent = this.current + key;
      if (!this.ids.has(this.current)) this.ids.set(this.current, crypto.randomUUID());
      const url = "/api/v1/calls/" + encodeURIComponent(this.call.id) + "/recordings/" + encodeURIComponent(this.current) + "/listens";
      const body = JSON.stringify({ listen: this.ids.get(this.current), spans, csrf });
      if (leaving && navigator.sendBeacon) {
        navigator.sendBeacon(url, new Blob([body], { type: "application/json" }));
      } else {
        fetch(url, { method: "POST", credentials: "same-origin", keepalive: true,
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf || "" }, body });
      }
    }
  }

  class CallView {
    constructor(call) {
      this.call = call;
      this.audio = document.getElementById("main-player");
      this.listens = new Listens(call, this.audio);
      this.canvases = [];
      this.drawn = null;
      // a recording that cannot be played says why (410: deleted, when, by whom), never a silently broken player
      this.audio.addEventListener("error", () => this.explainError());
    }

    playable(r) {
      return r.status === "completed" || r.status === "in-progress";
    }

    playUrl(r) {
      return "/calls/" + encodeURIComponent(this.call.id) + "/recording/" + encodeURIComponent(r.id) + "/play";
    }

    /** The main player's recording: Twilio's mixed one when archived, else the real-time mixed one, else the first. */
    choose(call) {
      const playable = call.recordings.filter((r) => this.playable(r));
      return playable.find((r) => r.type === "mixed" && r.recording_sid) || playable.find((r) => r.type === "mixed") || playable[0] || null;
    }

    load(r, at, play) {
      if (!r) return;
      if (!this.playing || this.playing.id !== r.id) {
        this.listens.switchTo(r.id);
        this.playing = r;
        this.audio.src = this.playUrl(r);
        document.getElementById("now-playing").textContent = "Playing: " + r.name + (r.offset_seconds ? ", from " + clock(r.offset_seconds) + " into the call" : "");
        this.audio.dataset.recordingId = r.id;
      }
      if (at !== undefined) {
        const go = () => { this.audio.currentTime = Math.max(0, at); if (play) this.audio.play().catch(() => {}); };
        if (this.audio.readyState >= 1) go(); else this.audio.addEventListener("loadedmetadata", go, { once: true });
      }
    }

    /**
     * The main player: the recording chosen, kept while it can be played; one deleted (or failed) meanwhile is let go.
     * When nothing is left to play, the player gives way to why: a deleted recording's when, by whom and why.
     */
    player(call) {
      if (this.playing && !call.recordings.some((r) => r.id === this.playing.id && this.playable(r))) {
        this.listens.switchTo(null);
        this.playing = null;
        this.audio.pause();
        this.audio.removeAttribute("src");
        delete this.audio.dataset.recordingId;
        this.audio.load();
      }
      if (!this.playing) this.load(this.choose(call));
      this.audio.hidden = !this.playing;
      if (!this.playing) {
        const gone = call.recordings.find((r) => r.deleted && r.type === "mixed" && r.recording_sid) || call.recordings.find((r) => r.deleted);
        document.getElementById("now-playing").replaceChildren(...(gone ? ["Nothing to play: " + gone.name + " ", ...deletedWords(gone.deleted)]
          : ["Nothing to play."]));
      }
    }

    /** Why the player failed, from the daemon's answer for its recording (its sentence: 410 deleted, 404 missing, ...). */
    async explainError() {
      const r = this.playing;
      if (!r || !this.audio.getAttribute("src")) return;
      const answer = await fetch(this.playUrl(r), { credentials: "same-origin", headers: { Range: "bytes=0-0" } }).catch(() => null);
      const body = answer && !answer.ok ? await answer.json().catch(() => ({})) : {};
      const why = body.detail || (answer && answer.ok ? "this browser cannot decode it" : "it could not be loaded; try again");
      if (this.playing === r) document.getElementById("now-playing").textContent = "Cannot play " + r.name + ": " + why;
    }

    render(call) {
      this.call = call;
      document.title = "Call " + call.call_sid + " · callvault";
      document.getElementById("call-title").textContent = "Call from " + known(call.from) + " to " + known(call.to);
      const facts = document.getElementById("facts");
      facts.replaceChildren();
      const fact = (name, value) => facts.append(el("dt", {}, name), el("dd", {}, value));
      fact("Call SID", el("code", {}, call.call_sid));
      fact("From", known(call.from));
      fact("To", known(call.to));
      fact("Assistant", known(call.assistant));
      fact("Started", when(call.started_at));
      fact("Duration", call.live ? el("span", { class: "badge live", "data-started": call.started_at }, "live") : clock(call.duration_seconds));
      fact("State", el("span", { id: "call-state" }, call.live ? "live: being recorded now" : "ended"));
      if (call.pauses && call.pauses.length) {
        fact("Paused", el("ul", { id: "pauses", class: "pauses" }, ...call.pauses.map((p) =>
          el("li", { class: p.twilio_may_hold_it ? "error" : "" }, p.words))));
      }
      if (call.live) tickLive();
      this.player(call);
      this.renderRecordings(call);
      this.renderAudit(call);
      this.renderPrivacy(call);
    }

    /** Retention, holds and erasure; an administrator's forms to hold, release and erase. */
    renderPrivacy(call) {
      const box = document.getElementById("privacy");
      const p = call.privacy;
      if (!p || box.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return; // not while someone types
      box.replaceChildren();
      if (this.note && this.note.state !== privacyState(p)) this.note = null; // about a state that no longer holds
      if (p.erased && p.erased.by === "retention policy") { // a policy's deletion is the lifecycle working, not an alarm
        box.append(el("p", { id: "erased" }, "Deleted ", when(p.erased.at), " by the retention policy (" + p.erased.why
          + "). Its recordings, numbers and analytics are gone; only this record of it stays."));
      } else if (p.erased) {
        box.append(el("p", { id: "erased", class: "error" }, "Erased ", when(p.erased.at), " by " + p.erased.by + ": " + p.erased.why
          + ". Its recordings, numbers and analytics are gone; only this record of it stays."));
      } else {
        const r = p.retention;
        box.append(el("p", { id: "retention" }, r.deleted_after ? el("span", {}, "Its recordings are deleted after ", when(r.deleted_after), " (" + r.policy + ")")
          : "Kept forever: no retention policy applies.", r.realtime_tracks_deleted_after ? el("span", {}, "; the real-time tracks after ", when(r.realtime_tracks_deleted_after)) : ""));
      }
      const list = el("ul", { id: "holds" });
      for (const h of p.holds) {
        const item = el("li", { "data-hold": h.id }, "Held: " + h.words + " ");
        if (p.administer) {
          const release = el("button", { type: "button", class: "secondary" }, "Remove hold");
          release.addEventListener("click", () => this.removeHold(h));
          item.append(release);
        }
        list.append(item);
      }
      if (!p.holds.length) list.append(el("li", {}, "No legal hold."));
      box.append(list);
      if (!p.administer || p.erased) return;
      const message = el("p", { id: "privacy-message", role: "status", class: "status" }, this.note ? this.note.text : "");
      const holdForm = el("form", { id: "hold-form", class: "inline-form" },
        el("label", { for: "hold-reason" }, "Reason for a legal hold"), el("input", { id: "hold-reason", name: "reason", required: true }),
        el("label", { for: "hold-until" }, "Until (optional)"), el("input", { id: "hold-until", name: "until", type: "date" }),
        el("button", { type: "submit" }, "Place hold"));
      holdForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const a = await post("/api/v1/calls/" + encodeURIComponent(call.id) + "/holds", { reason: holdForm.elements.reason.value, until: holdForm.elements.until.value });
        await this.tell(a.ok ? "Hold placed." : "Not placed: " + (a.body.detail || a.status));
      });
      const eraseForm = el("form", { id: "erase-form", class: "inline-form danger" },
        el("label", { for: "erase-reason" }, "Reason for erasing this call (the request, its ticket)"), el("input", { id: "erase-reason", name: "reason", required: true }),
        el("label", { for: "erase-confirm" }, "Type the call's SID to confirm: " + call.call_sid),
        el("input", { id: "erase-confirm", name: "confirm", required: true, autocomplete: "off", spellcheck: "false" }),
        el("button", { type: "submit", class: "danger" }, "Erase everywhere"));
      eraseForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const a = await post("/api/v1/calls/" + encodeURIComponent(call.id) + "/erase", { reason: eraseForm.elements.reason.value, confirm: eraseForm.elements.confirm.value });
        await this.tell(a.ok ? "Erased everywhere." : a.status === 409
          ? "Not erased: " + (a.body.calls || []).map((c) => c.detail).join("; ") : "Not erased: " + (a.body.detail || a.status));
      });
      box.append(holdForm, eraseForm, message);
    }

    async removeHold(h) {
      const reason = prompt("Why is hold " + h.id + " removed?");
      if (!reason) return;
      const a = await post("/api/v1/holds/" + h.id + "/remove", { reason });
      await this.tell(a.ok ? "Hold " + h.id + " removed." : "Hold " + h.id + " not removed: " + (a.body.detail || a.status));
    }

    /**
     * After an administrator's action: says what happened under the forms, about the state the call is in now (read
     * again), so the note goes as soon as that state changes: a hold placed or removed, here or elsewhere, an erasure.
     */
    async tell(text) {
      const now = await api("/api/v1/calls/" + encodeURIComponent(this.call.id));
      this.note = { text, state: privacyState(now.privacy) };
      const message = document.getElementById("privacy-message");
      if (message) message.textContent = text; // also while the forms are not redrawn (someone typing in them)
      this.update(now);
    }

    renderRecordings(call) {
      const box = document.getElementById("recordings");
      box.replaceChildren();
      for (const r of call.recordings) {
        const card = el("article", { class: "recording", "data-recording-id": r.id, "data-type": r.type, "aria-label": r.name });
        card.append(el("h3", {}, r.name));
        if (r.deleted) card.append(el("p", { class: "deleted" }, "This recording ", ...deletedWords(r.deleted)));
        const dl = el("dl", { class: "facts" });
        const row = (k, v) => dl.append(el("dt", {}, k), el("dd", {}, v));
        row("Status", r.status);
        if (r.twilio_error) row("Twilio's error", el("span", { class: "twilio-error error" }, r.twilio_error.meaning));
        row("Source", r.recording_sid ? "Twilio (" + r.recording_sid + ")" : r.stream_sid ? "real-time stream " + r.stream_sid : known(r.source));
        row("Starts", clock(r.offset_seconds) + " into the call");
        row("Format", r.format ? r.format + (r.channels ? ", " + r.channels + " channel" + (r.channels > 1 ? "s" : "") : "") : "unknown");
        row("Duration", clock(r.duration_seconds));
        row("Size", size(r.file_size));
        row("SHA-256", el("code", {}, known(r.sha256)));
        row("Upgraded from", r.upgraded_from ? el("code", {}, r.upgraded_from) : r.recording_sid ? "no real-time recording" : "not upgraded");
        card.append(dl);
        if (this.playable(r)) {
          const actions = el("p", { class: "actions" });
          const play = el("button", { type: "button", class: "secondary" }, "Play this one");
          play.addEventListener("click", () => this.load(r, 0, true));
          actions.append(play, " ", el("a", { href: this.playUrl(r).replace(/\/play$/, ""), download: r.file_name }, "Download " + r.file_name));
          card.append(actions);
        }
        box.append(card);
      }
      if (!call.recordings.length) box.append(el("p", {}, "No recordings."));
    }

    renderAudit(call) {
      const words = document.getElementById("audit-words");
      words.replaceChildren(...call.audit.map((a) => el("li", {}, a.words + (a.recording ? " — " + a.recording : "") + ", ", when(a.at))));
      if (!call.audit.length) words.append(el("li", {}, "Nobody has listened to or downloaded a recording of this call."));
      const tbody = document.querySelector("#audit tbody");
      tbody.replaceChildren();
      for (const a of call.audit) {
        const what = a.action === "listen" ? "listened to " + clock(a.heard_seconds) + " (" + a.spans.map((s) => clock(s[0]) + "–" + clock(s[1])).join(", ") + ")"
          : a.action === "download" ? "downloaded" : "fetched for playing";
        tbody.append(el("tr", {}, el("td", {}, when(a.at)), el("td", {}, a.who), el("td", {}, what), el("td", {}, known(a.recording)), el("td", {}, known(a.remote))));
      }
    }

    /** One signature of what would change the waveforms: the recordings and their states, the analytics. */
    shape(call) {
      return JSON.stringify([call.recordings.map((r) => [r.id, r.status, r.duration_seconds]), call.analytics && call.analytics.computed_at]);
    }

    update(call) {
      this.render(call); // a recording that can no longer be played (ended live, failed, deleted) gives way in player()
      if (this.shape(call) !== this.drawn) this.drawWaveforms(call);
    }

    /** The tracks to draw: each party's own track (real-time, or a channel of Twilio's dual-channel recording), else the mix. */
    tracks(call) {
      const tracks = [];
      for (const r of call.recordings) {
        if (r.status !== "completed") continue;
        if (r.stream_sid && !r.recording_sid && (r.type === "user" || r.type === "assistant")) {
          tracks.push({ r, channel: 0, label: r.type === "user" ? "Caller (real-time)" : "Assistant (real-time)", name: r.type });
        } else if (r.recording_sid && r.channels === 2) {
          tracks.push({ r, channel: 0, label: "Caller (Twilio's dual-channel, channel 1)", name: "twilio-caller" });
          tracks.push({ r, channel: 1, label: "Assistant (Twilio's dual-channel, channel 2)", name: "twilio-assistant" });
        }
      }
      const order = { "twilio-caller": 0, "twilio-assistant": 1, user: 2, assistant: 3 };
      tracks.sort((a, b) => order[a.name] - order[b.name]);
      if (!tracks.length) {
        const mixed = call.recordings.find((r) => r.type === "mixed" && r.status === "completed");
        if (mixed) tracks.push({ r: mixed, channel: 0, label: "Both (mixed)", name: "mixed" });
      }
      return tracks;
    }

    /** The call's timeline: from its start to the end of its last recording. */
    seconds(call) {
      return Math.max(1, ...call.recordings.map((r) => Number(r.offset_seconds || 0) + Number(r.duration_seconds || 0)));
    }

    /** The recording that covers moment `t` of the call: the one playing when it does, else the main choice, else any. */
    covering(call, t) {
      const covers = (r) => this.playable(r) && t >= r.offset_seconds && t <= r.offset_seconds + Number(r.duration_seconds || Infinity);
      if (this.playing && covers(this.playing)) return this.playing;
      const main = this.choose(call);
      if (main && covers(main)) return main;
      return call.recordings.find(covers) || null;
    }

    seekCall(t, play) {
      const r = this.covering(this.call, t);
      if (!r) return;
      this.load(r, t - r.offset_seconds, play);
      document.getElementById("player-bar").scrollIntoView({ block: "nearest" });
    }

    /** Where the player is on the call's timeline. */
    at() {
      return this.playing ? Number(this.playing.offset_seconds || 0) + (this.audio.currentTime || 0) : 0;
    }

    async drawWaveforms(call) {
      this.drawn = this.shape(call);
      const box = document.getElementById("waveforms");
      const tracks = this.tracks(call);
      const seconds = this.seconds(call);
      // every figure has its size before any peaks arrive: nothing on the page moves when they do
      box.replaceChildren();
      this.canvases = [];
      if (!tracks.length) {
        box.append(el("p", {}, call.live ? "The waveforms come when the call has ended." : "No completed recording to draw."));
        return;
      }
      this.legend(call);
      const figures = tracks.map((t) => {
        const fig = el("figure", { class: "waveform" });
        fig.append(el("figcaption", {}, t.label));
        const canvas = el("canvas", {
          width: 1200, height: 90, tabindex: 0, role: "slider", "aria-label": t.label + ": waveform; click or use the arrow keys, Home and End to seek",
          "aria-valuemin": 0, "aria-valuemax": Math.round(seconds), "aria-valuenow": 0, "data-track": t.name, "data-seconds": seconds,
        });
        fig.append(canvas);
        box.append(fig);
        canvas.addEventListener("click", (e) => {
          const rect = canvas.getBoundingClientRect();
          this.seekCall(((e.clientX - rect.left) / rect.width) * seconds, false);
        });
        canvas.addEventListener("keydown", (e) => {
          const keys = {
            ArrowRight: () => this.seekCall(this.at() + 5), ArrowLeft: () => this.seekCall(Math.max(0, this.at() - 5)),
            Home: () => this.seekCall(0), End: () => this.seekCall(Math.max(0, seconds - 0.5)),
            Enter: () => (this.audio.paused ? this.audio.play() : this.audio.pause()), " ": () => (this.audio.paused ? this.audio.play() : this.audio.pause()),
          };
          if (keys[e.key]) { keys[e.key](); e.preventDefault(); }
        });
        return { t, fig, canvas };
      });
      const peaks = new Map();
      await Promise.all([...new Set(tracks.map((t) => t.r.id))].map(async (rid) => {
        try {
          peaks.set(rid, await api("/api/v1/calls/" + encodeURIComponent(call.id) + "/recordings/" + encodeURIComponent(rid) + "/peaks"));
        } catch (e) {
          peaks.set(rid, { error: e.message });
        }
      }));
      for (const { t, fig, canvas } of figures) {
        const p = peaks.get(t.r.id);
        if (p.error) {
          fig.append(el("p", { class: "note" }, "No waveform: " + p.error));
          continue;
        }
        this.canvases.push({ canvas, p, channel: t.channel, offset: Number(t.r.offset_seconds || 0), seconds });
      }
      const draw = () => { for (const c of this.canvases) drawWave(c, this.at(), this.marks(call)); };
      draw();
      if (!this.watching) {
        this.watching = true;
        for (const ev of ["timeupdate", "seeked", "play", "loadedmetadata"]) this.audio.addEventListener(ev, () => this.redraw());
        const frame = () => { if (!this.audio.paused) this.redraw(); requestAnimationFrame(frame); };
        requestAnimationFrame(frame);
      }
    }

    redraw() {
      for (const c of this.canvases) drawWave(c, this.at(), this.marks(this.call));
    }

    /** What the analytics found, on the call's timeline: each reply's latency and each barge-in. */
    marks(call) {
      const a = call.analytics;
      const paused = (call.pauses || []).map((p) => [p.call_from, p.call_to === null ? this.seconds(call) : p.call_to]);
      if (!a) return { replies: [], bargeIns: [], paused };
      const source = call.recordings.find((r) => a.recording_ids && a.recording_ids.includes(r.id));
      const offset = source ? Number(source.offset_seconds || 0) : 0;
      return {
        replies: (a.replies || []).map((r) => [r[0] + offset, r[1] + offset]),
        bargeIns: (a.barge_ins_at || []).map((t) => t + offset),
        paused,
      };
    }

    legend(call) {
      const m = this.marks(call);
      const box = document.getElementById("marks-legend");
      box.replaceChildren();
      if (!call.analytics && !m.paused.length) return;
      box.append(el("span", { class: "key reply" }, ""), " the assistant's response latency (" + m.replies.length + " replies)  ",
        el("span", { class: "key barge-in" }, ""), " a barge-in (" + m.bargeIns.length + ")");
      if (m.paused.length) box.append("  ", el("span", { class: "key paused" }, ""), " paused for card data (" + m.paused.length + ")");
    }
  }

  // one channel of audiowaveform JSON (version 2, 8 bits) at its place on the call's timeline, the analytics' marks
  // and the playhead
  function drawWave(c, at, marks) {
    const { canvas, p, channel, offset, seconds } = c;
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, mid = h / 2;
    const x = (t) => (t / seconds) * w;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#f4f6f8";
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = "rgba(245, 158, 11, 0.25)"; // response latency: caller stopped -> assistant started
    for (const [from, to] of marks.replies) ctx.fillRect(Math.floor(x(from)), 0, Math.max(2, x(to) - x(from)), h);
    const perPixel = p.samples_per_pixel / p.sample_rate; // seconds per waveform point
    const channels = p.channels || 1;
    ctx.fillStyle = channel === 0 ? "#1f5fa8" : "#a8461f";
    for (let px = Math.floor(x(offset)); px < w; px++) {
      const from = Math.floor(((px / w) * seconds - offset) / perPixel), to = Math.max(from + 1, Math.floor((((px + 1) / w) * seconds - offset) / perPixel));
      if (from >= p.length) break;
      let lo = 0, hi = 0;
      for (let i = Math.max(0, from); i < to && i < p.length; i++) {
        lo = Math.min(lo, p.data[(i * channels + channel) * 2]);
        hi = Math.max(hi, p.data[(i * channels + channel) * 2 + 1]);
      }
      if (hi > lo) ctx.fillRect(px, mid - (hi / 128) * mid, 1, Math.max(1, ((hi - lo) / 128) * mid));
    }
    ctx.strokeStyle = "rgba(75, 85, 99, 0.7)"; // paused (card data): hatched, nothing was kept
    ctx.lineWidth = 1;
    for (const [from, to] of marks.paused || []) {
      const x0 = Math.floor(x(from)), x1 = Math.ceil(x(to));
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, 0, x1 - x0, h);
      ctx.clip();
      for (let k = x0 - h; k < x1; k += 8) { ctx.beginPath(); ctx.moveTo(k, h); ctx.lineTo(k + h, 0); ctx.stroke(); }
      ctx.restore();
    }
    ctx.fillStyle = "#b42318"; // barge-in
    for (const t of marks.bargeIns) ctx.fillRect(Math.round(x(t)) - 1, 0, 3, 12);
    ctx.fillStyle = "#000";
    ctx.fillRect(Math.round(x(at)), 0, 2, h);
    canvas.setAttribute("aria-valuenow", Math.round(at));
    canvas.setAttribute("aria-valuetext", clock(at) + " of " + clock(seconds));
  }

  // ---- the record of deletions ------------------------------------------------------------------------------
  function deletionsPage() {
    api("/api/v1/deletions").then((body) => {
      const tbody = document.querySelector("#deletions tbody");
      for (const d of body.deletions) {
        tbody.append(el("tr", {}, el("td", {}, when(d.at)), el("td", {}, d.kind.replace("_", " ")), el("td", {}, d.actor), el("td", {}, d.why),
          el("td", {}, el("code", {}, known(d.call_sid))), el("td", {}, el("code", {}, d.object_key || d.recording_sid || d.detail || "")),
          el("td", {}, d.where), el("td", { class: "outcome " + d.outcome }, d.outcome.replace("_", " "))));
      }
      status(body.deletions.length ? "" : "Nothing was deleted.");
    }).catch((e) => status("Could not load the deletions: " + e.message));
  }

  if (page === "calls") callsPage();
  if (page === "call") callPage();
  if (page === "deletions") deletionsPage();
})();
