"use strict";
// The callvault console: fills the pages from /api/v1 (same origin, the session cookie). No framework, no build step.
(function () {
  const page = document.body.dataset.page;

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
  const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }) : "unknown");
  function duration(seconds) {
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
  function status(text) {
    const s = document.getElementById("status");
    s.textContent = text;
    s.hidden = !text;
  }

  async function api(path) {
    const r = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) {
      location.href = "/ui/sign-in?next=" + encodeURIComponent(location.pathname + location.search);
      throw new Error("signed out");
    }
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || r.statusText);
    return body;
  }

  // ---- calls list -------------------------------------------------------------------------------------------
  function callsPage() {
    const params = new URLSearchParams(location.search);
    const form = document.getElementById("filters");
    for (const [k, v] of params) {
      const field = form.elements.namedItem(k);
      if (field) field.value = v;
    }
    form.addEventListener("submit", () => {
      for (const f of form.elements) if (f.name && !f.value) f.disabled = true; // no empty parameters in the URL
    });
    const q = new URLSearchParams();
    for (const k of ["number", "call_sid", "assistant", "state", "cursor", "limit"]) if (params.get(k)) q.set(k, params.get(k));
    if (params.get("since")) q.set("since", params.get("since") + "T00:00:00Z");
    if (params.get("until")) {
      const d = new Date(params.get("until") + "T00:00:00Z");
      d.setUTCDate(d.getUTCDate() + 1);
      q.set("until", d.toISOString());
    }
    api("/api/v1/calls?" + q).then((body) => {
      const tbody = document.querySelector("#calls tbody");
      for (const c of body.calls) {
        const state = c.live ? el("span", { class: "badge live", "data-started": c.started_at }, "live") : "ended";
        tbody.append(el("tr", { "data-call-sid": c.call_sid },
          el("td", {}, when(c.started_at)), el("td", {}, known(c.from)), el("td", {}, known(c.to)),
          el("td", {}, known(c.assistant)), el("td", {}, state),
          el("td", {}, el("a", { href: "/ui/calls/" + encodeURIComponent(c.call_sid) }, c.call_sid))));
      }
      status(body.calls.length ? "" : "No calls match.");
      if (body.next_cursor) {
        const next = new URLSearchParams(params);
        next.set("cursor", body.next_cursor);
        const older = document.getElementById("older");
        older.href = "/ui?" + next;
        older.hidden = false;
      }
      if (params.get("cursor")) {
        const first = new URLSearchParams(params);
        first.delete("cursor");
        const newest = document.getElementById("newest");
        newest.href = "/ui" + (String(first) ? "?" + first : "");
        newest.hidden = false;
      }
      tickLive();
    }).catch((e) => status("Could not load the calls: " + e.message));
  }

  // live calls: their duration grows on the page
  function tickLive() {
    const update = () => {
      for (const b of document.querySelectorAll("[data-started]")) {
        const started = Date.parse(b.dataset.started);
        if (!isNaN(started)) b.textContent = "live, " + duration((Date.now() - started) / 1000);
      }
    };
    update();
    setInterval(update, 1000);
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
    status("");
    document.title = "Call " + call.call_sid + " · callvault";
    document.getElementById("call-title").textContent = "Call from " + known(call.from) + " to " + known(call.to);
    const facts = document.getElementById("facts");
    const fact = (name, value) => facts.append(el("dt", {}, name), el("dd", {}, value));
    fact("Call SID", call.call_sid);
    fact("From", known(call.from));
    fact("To", known(call.to));
    fact("Assistant", known(call.assistant));
    fact("Started", when(call.started_at));
    fact("State", call.live ? el("span", { class: "badge live", "data-started": call.started_at }, "live") : "ended");
    if (call.live) tickLive();

    const recordings = document.getElementById("recordings");
    const players = new Map();
    for (const r of call.recordings) {
      const playUrl = "/calls/" + encodeURIComponent(call.id) + "/recording/" + encodeURIComponent(r.id) + "/play";
      const title = r.type + " — " + r.origin;
      const card = el("article", { class: "recording", "data-recording-id": r.id, "data-type": r.type, "aria-label": r.type + " recording" });
      card.append(el("h3", {}, title));
      const dl = el("dl", { class: "facts" });
      const row = (k, v) => dl.append(el("dt", {}, k), el("dd", {}, v));
      row("Status", r.status);
      row("Source", r.recording_sid ? "Twilio (" + r.recording_sid + ")" : r.stream_sid ? "real-time stream " + r.stream_sid : known(r.source));
      row("Format", r.format ? r.format + (r.channels ? ", " + r.channels + " channel" + (r.channels > 1 ? "s" : "") : "") : "unknown");
      row("Duration", duration(r.duration_seconds));
      row("Size", size(r.file_size));
      row("SHA-256", el("code", {}, known(r.sha256)));
      row("Upgraded from", r.upgraded_from ? el("code", {}, r.upgraded_from) : r.recording_sid ? "no real-time recording" : "not upgraded");
      card.append(dl);
      if (r.status === "completed" || r.status === "in-progress") {
        const audio = el("audio", { controls: true, preload: "metadata", src: playUrl, "aria-label": "Play the " + r.type + " recording" });
        card.append(audio);
        players.set(r.id, audio);
        if (r.status === "in-progress") {
          fetch(playUrl, { method: "HEAD", credentials: "same-origin" }).then(async (resp) => {
            if (resp.status === 409) {
              const body = await fetch(playUrl, { credentials: "same-origin" }).then((x) => x.json()).catch(() => ({}));
              audio.replaceWith(el("p", { class: "note" }, body.detail || "recorded on another replica"));
            }
          });
        }
        card.append(el("p", {}, el("a", { href: playUrl.replace(/\/play$/, ""), download: "" }, "Download")));
      }
      recordings.append(card);
    }
    if (!call.recordings.length) recordings.append(el("p", {}, "No recordings."));

    // the main player: Twilio's mixed recording when archived, else the real-time mixed one
    const mixed = call.recordings.filter((r) => r.type === "mixed" && players.has(r.id));
    mixed.sort((a, b) => (b.recording_sid ? 1 : 0) - (a.recording_sid ? 1 : 0));
    const main = mixed.length ? players.get(mixed[0].id) : players.values().next().value;
    if (main) main.id = "main-player";

    await waveforms(call, main);
    audit(call);
  }

  async function waveforms(call, main) {
    const box = document.getElementById("waveforms");
    const tracks = [];
    const order = { user: 0, assistant: 1, mixed: 2 };
    const completed = call.recordings.slice().sort((a, b) => order[a.type] - order[b.type]);
    for (const r of completed) {
      if (r.status !== "completed") continue;
      if (r.stream_sid && !r.recording_sid && (r.type === "user" || r.type === "assistant")) {
        tracks.push({ r, channel: 0, label: r.type === "user" ? "Caller (real-time track)" : "Assistant (real-time track)", name: r.type });
      } else if (r.recording_sid && r.channels === 2) {
        tracks.push({ r, channel: 0, label: "Caller (Twilio's recording, channel 1)", name: "twilio-caller" });
        tracks.push({ r, channel: 1, label: "Assistant (Twilio's recording, channel 2)", name: "twilio-assistant" });
      }
    }
    if (!tracks.length) {
      const mixed = call.recordings.find((r) => r.type === "mixed" && r.status === "completed");
      if (mixed) tracks.push({ r: mixed, channel: 0, label: "Both (mixed)", name: "mixed" });
    }
    if (!tracks.length) {
      box.append(el("p", {}, "No completed recording to draw."));
      return;
    }
    const peaks = new Map();
    await Promise.all([...new Set(tracks.map((t) => t.r.id))].map(async (rid) => {
      try {
        peaks.set(rid, await api("/api/v1/calls/" + encodeURIComponent(call.id) + "/recordings/" + encodeURIComponent(rid) + "/peaks"));
      } catch (e) {
        peaks.set(rid, { error: e.message });
      }
    }));
    const seconds = Math.max(...[...peaks.values()].filter((p) => !p.error).map((p) => (p.length * p.samples_per_pixel) / p.sample_rate), 1);
    const canvases = [];
    for (const t of tracks) {
      const p = peaks.get(t.r.id);
      const fig = el("figure", { class: "waveform" });
      fig.append(el("figcaption", {}, t.label));
      if (p.error) {
        fig.append(el("p", { class: "note" }, "No waveform: " + p.error));
        box.append(fig);
        continue;
      }
      const canvas = el("canvas", {
        width: 1200, height: 90, tabindex: 0, role: "slider", "aria-label": t.label + ": waveform; click or use arrow keys to seek",
        "aria-valuemin": 0, "aria-valuemax": Math.round(seconds), "aria-valuenow": 0, "data-track": t.name, "data-seconds": seconds,
      });
      fig.append(canvas);
      box.append(fig);
      canvases.push({ canvas, p, channel: t.channel });
      const seek = (to) => {
        if (!main) return;
        main.currentTime = Math.max(0, Math.min(to, seconds));
      };
      canvas.addEventListener("click", (e) => {
        const rect = canvas.getBoundingClientRect();
        seek(((e.clientX - rect.left) / rect.width) * seconds);
      });
      canvas.addEventListener("keydown", (e) => {
        if (!main) return;
        if (e.key === "ArrowRight") { seek(main.currentTime + 5); e.preventDefault(); }
        if (e.key === "ArrowLeft") { seek(main.currentTime - 5); e.preventDefault(); }
        if (e.key === " ") { main.paused ? main.play() : main.pause(); e.preventDefault(); }
      });
    }
    const draw = () => {
      const at = main ? main.currentTime : 0;
      for (const c of canvases) drawWave(c.canvas, c.p, c.channel, seconds, at);
    };
    draw();
    if (main) {
      for (const ev of ["timeupdate", "seeked", "play"]) main.addEventListener(ev, draw);
      const frame = () => { if (!main.paused) draw(); requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    }
  }

  // one channel of audiowaveform JSON (version 2, 8 bits) on a shared time axis, with the playhead
  function drawWave(canvas, p, channel, seconds, at) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, mid = h / 2;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#f4f6f8";
    ctx.fillRect(0, 0, w, h);
    const perPixel = p.samples_per_pixel / p.sample_rate; // seconds per waveform point
    const channels = p.channels || 1;
    ctx.fillStyle = channel === 0 ? "#1f5fa8" : "#a8461f";
    for (let x = 0; x < w; x++) {
      const from = Math.floor(((x / w) * seconds) / perPixel), to = Math.max(from + 1, Math.floor((((x + 1) / w) * seconds) / perPixel));
      let lo = 0, hi = 0;
      for (let i = from; i < to && i < p.length; i++) {
        lo = Math.min(lo, p.data[(i * channels + channel) * 2]);
        hi = Math.max(hi, p.data[(i * channels + channel) * 2 + 1]);
      }
      if (hi > lo) ctx.fillRect(x, mid - (hi / 128) * mid, 1, Math.max(1, ((hi - lo) / 128) * mid));
    }
    const px = (at / seconds) * w;
    ctx.fillStyle = "#000";
    ctx.fillRect(Math.round(px), 0, 2, h);
    canvas.setAttribute("aria-valuenow", Math.round(at));
    canvas.setAttribute("aria-valuetext", duration(at) + " of " + duration(seconds));
  }

  function audit(call) {
    const tbody = document.querySelector("#audit tbody");
    for (const a of call.audit) {
      tbody.append(el("tr", {}, el("td", {}, when(a.at)), el("td", {}, a.who), el("td", {}, a.action),
        el("td", {}, el("code", {}, a.recording_id)), el("td", {}, known(a.remote))));
    }
    if (!call.audit.length) tbody.append(el("tr", {}, el("td", { colspan: 5 }, "Nobody has played or downloaded a recording of this call.")));
  }

  if (page === "calls") callsPage();
  if (page === "call") callPage();
})();
