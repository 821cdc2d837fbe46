#!/usr/bin/env python3
"""Makes the noisy-line fixtures for the voice-activity detector: two-party calls of real speech (espeak-ng), 8 kHz
mu-law as a Twilio Media Stream carries it, white noise under the speech at a given SNR, and the truth the script
placed.

Needs espeak-ng and sox (Debian packages) and nothing else (no numpy). Deterministic: the same espeak-ng gives the
same files. Usage:

    make-fixtures.py OUT_DIR            the whole set (bench/vad/analyze-accuracy.sh reads it)
    make-fixtures.py --subset OUT_DIR   the small set committed in shared/src/test/resources/analysis/noisy

Each call is a folder OUT_DIR/<name> with caller.ulaw and assistant.ulaw (raw G.711 mu-law, 8000 bytes a second)
and truth.json. The truth of a party's speech is where its clean signal (before noise) is audible: the 10 ms frames
whose peak is above -40 dBFS, frames less than 0.45 s apart joined into one segment (the README's definition: a
pause shorter than that is inside a turn). The speech is levelled to -26 dBFS RMS while it sounds; the noise is
white, SNR dB below that. What the set holds, for each of three voice pairs (a female voice in each):

- talk:   four questions and replies; each reply is two or three sentences with 330-400 ms of exact digital
          silence between them (what a TTS engine or an assistant's player sends); one barge-in.
- long:   four questions and replies, two barge-ins, and 20 s in which nobody speaks.
- step:   three questions and replies; the caller's noise rises by 10 dB (to the SNR) while nobody speaks.
- quiet:  (once for the set) both tracks noise only, the caller's with a 10 dB step: no speech at all.

each at 30, 20, 10 and 5 dB SNR.
"""
import importlib.util
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import wave

RATE = 8000
FRAME = RATE // 100
LEVEL = 1642.0  # -26 dBFS RMS while speaking: ITU-T P.56 active speech level for telephony
AUDIBLE = 328  # -40 dBFS: the truth's edge in the clean signal
JOIN_S = 0.45
SNRS = [30, 20, 10, 5]
PAIRS = [("en-gb", "en-us+f3"), ("en-us+f3", "en-us"), ("en-us+m3", "en-gb+f4")]

QUESTIONS = [
    "Hi, I am calling about my last invoice.",
    "It is four four seven one.",
    "Can you move my appointment to Friday?",
    "I would like to cancel my subscription please.",
    "Why was I charged twice this month?",
    "My package never arrived.",
    "Yes, that is my address.",
    "Great, thanks.",
    "Could you check the balance on my account?",
    "No, the other card.",
]
REPLIES = [
    ["Sure, I can help with that.", "Can you tell me the invoice number?"],
    ["Thank you.", "I see a charge of forty dollars for the premium plan.", "It renews every month."],
    ["Of course.", "Friday at ten in the morning is free.", "Shall I book it?"],
    ["I am sorry to hear that.", "I can cancel it today, and you keep access until the end of the month."],
    ["Let me look into it.", "I see two payments on the third, and I will refund one of them."],
    ["I understand.", "The courier shows it as delayed, and a new one can ship tomorrow."],
    ["Thank you for confirming.", "Your order is on its way."],
    ["You are welcome.", "Is there anything else I can do for you today?"],
    ["One moment please.", "Your balance is one hundred and twelve dollars.", "The next payment is due on the first."],
    ["Got it.", "I have switched the payment to your other card."],
]


def speak(text, voice, cache):
    key = (text, voice)
    if key in cache:
        return cache[key]
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "raw.wav")
        out = os.path.join(d, "8k.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", raw, text], check=True)
        subprocess.run(["sox", "-D", raw, "-r", str(RATE), "-b", "16", "-c", "1", out], check=True)
        with wave.open(out) as w:
            frames = w.readframes(w.getnframes())
    samples = list(struct.unpack("<%dh" % (len(frames) // 2), frames))
    # level the voice: -26 dBFS RMS over its audible frames
    audible = [s for f in range(len(samples) // FRAME) for s in samples[f * FRAME:(f + 1) * FRAME]
               if max(abs(x) for x in samples[f * FRAME:(f + 1) * FRAME]) > AUDIBLE]
    gain = LEVEL / math.sqrt(sum(s * s for s in audible) / len(audible))
    samples = [max(-32767, min(32767, round(s * gain))) for s in samples]
    loud = [i for i, s in enumerate(samples) if abs(s) > AUDIBLE]
    clip = samples[loud[0]:loud[-1] + 1]
    cache[key] = clip
    return clip


def mulaw_table():
    """ITU-T G.711 mu-law, as Twilio encodes, for every 16-bit sample: the first fixtures' encoder, tabulated."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "src", "test", "resources", "analysis",
                        "make-fixtures.py")
    spec = importlib.util.spec_from_file_location("first_fixtures", path)
    first = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(first)
    table = bytearray(65536)
    for v in range(-32768, 32768):
        table[v & 0xFFFF] = first.mulaw(v)
    return table


MULAW = mulaw_table()


class Track:
    """One party's line: clean speech placed in time, spans of exact digital silence, a noise level that may step."""

    def __init__(self, seconds):
        self.n = int(seconds * RATE)
        self.clean = [0] * self.n
        self.zeros = []  # [from, to) sample spans of exact digital silence
        self.steps = []  # (second, dB) the noise rises by from then on

    def place(self, at_s, samples):
        at = int(round(at_s * RATE))
        for i, s in enumerate(samples):
            if at + i < self.n:
                self.clean[at + i] = s
        return at + len(samples)

    def truth(self):
        loud = [f for f in range(self.n // FRAME) if max(abs(s) for s in self.clean[f * FRAME:(f + 1) * FRAME]) > AUDIBLE]
        segments = []
        for f in loud:
            if segments and f - segments[-1][1] < JOIN_S * 100:
                segments[-1][1] = f + 1
            else:
                segments.append([f, f + 1])
        return [[round(a / 100, 2), round(b / 100, 2)] for a, b in segments]

    def render(self, snr_db, rng):
        noise_rms = LEVEL / 10 ** (snr_db / 20)
        out = bytearray(self.n)
        zero = bytearray(self.n)
        for a, b in self.zeros:
            for i in range(a, min(b, self.n)):
                zero[i] = 1
        # a step ends at the nominal level: the speech after it is at the SNR, before it 10 dB clearer
        start = 10 ** (-sum(db for _, db in self.steps) / 20)
        gain = [start] * self.n
        for at_s, db in self.steps:
            g = 10 ** (db / 20)
            for i in range(int(at_s * RATE), self.n):
                gain[i] *= g
        gauss = rng.gauss
        for i in range(self.n):
            if zero[i]:
                out[i] = MULAW[0]
                continue
            v = self.clean[i] + gauss(0, noise_rms) * gain[i]
            out[i] = MULAW[int(max(-32768, min(32767, round(v)))) & 0xFFFF]
        return bytes(out)


def conversation(pair, kind, rng, cache):
    """Places a call's speech: returns (seconds, caller Track, assistant Track, notes)."""
    caller_voice, assistant_voice = pair
    questions = rng.sample(range(len(QUESTIONS)), 4)
    script = [(QUESTIONS[q], REPLIES[q]) for q in questions]
    if kind == "step":
        script = script[:3]
    barge_at = {"talk": {1}, "long": {0, 2}, "step": set()}[kind]
    events = []  # (party, start_s, samples, zero_spans)
    t = 0.5 + rng.uniform(0, 0.4)
    for i, (question, reply) in enumerate(script):
        q = speak(question, caller_voice, cache)
        events.append(("caller", t, q, []))
        t += len(q) / RATE + rng.uniform(0.3, 1.5)
        # the reply: its sentences with exact digital silence between them
        samples, zeros = [], []
        for k, sentence in enumerate(reply):
            if k:
                gap = int(rng.uniform(0.33, 0.40) * RATE)
                zeros.append((len(samples), len(samples) + gap))
                samples += [0] * gap
            samples += speak(sentence, assistant_voice, cache)
        if i in barge_at:
            # the caller breaks in 1.0-2.0 s into the reply; the assistant stops 0.3-0.6 s later
            into = min(rng.uniform(1.0, 2.0), len(samples) / RATE - 0.8)
            stop = into + rng.uniform(0.3, 0.6)
            samples = samples[:int(stop * RATE)]
            zeros = [(a, min(b, len(samples))) for a, b in zeros if a < len(samples)]
            events.append(("assistant", t, samples, zeros))
            t += into
            interruption = speak(rng.choice(["Wait, that is not right.", "No, sorry, hold on.", "Sorry, one question."]), caller_voice, cache)
            events.append(("caller", t, interruption, []))
            t += len(interruption) / RATE + rng.uniform(0.3, 1.2)
            follow = speak(rng.choice(["Of course, go ahead.", "Sorry, please go on.", "Yes, tell me."]), assistant_voice, cache)
            events.append(("assistant", t, follow, []))
            t += len(follow) / RATE + rng.uniform(0.4, 1.2)
        else:
            events.append(("assistant", t, samples, zeros))
            t += len(samples) / RATE + rng.uniform(0.4, 1.2)
        if kind == "long" and i == 1:
            t += 20.0
    seconds = math.ceil(t + 1.0)
    caller, assistant = Track(seconds), Track(seconds)
    notes = {}
    for party, start, samples, zeros in events:
        track = caller if party == "caller" else assistant
        track.place(start, samples)
        at = int(round(start * RATE))
        track.zeros += [(at + a, at + b) for a, b in zeros]
    if kind == "step":
        # the noise rises 10 dB in a pause of the caller (while the assistant answers the second question)
        second_reply = [e for e in events if e[0] == "assistant"][1]
        step = round(second_reply[1] + 0.5, 2)
        caller.steps.append((step, 10.0))
        notes["noise_step_s"] = step
    return seconds, caller, assistant, notes


def write(out, name, seconds, caller, assistant, snr, rng, meta):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "caller.ulaw"), "wb") as f:
        f.write(caller.render(snr, rng))
    with open(os.path.join(d, "assistant.ulaw"), "wb") as f:
        f.write(assistant.render(snr, rng))
    truth = dict(meta, seconds=seconds, snr_db=snr, caller=caller.truth(), assistant=assistant.truth())
    with open(os.path.join(d, "truth.json"), "w") as f:
        json.dump(truth, f)
        f.write("\n")
    print(name, "caller", len(truth["caller"]), "assistant", len(truth["assistant"]), flush=True)


# the committed subset (2.6 MB): an SNR each, every voice pair, digital-silence pauses, a barge-in, a noise step
SUBSET = {"talk-2-30db", "talk-1-20db", "talk-1-10db", "step-3-10db", "talk-3-5db"}


def main():
    args = sys.argv[1:]
    subset = args[:1] == ["--subset"]
    if subset:
        args = args[1:]
    if len(args) != 1:
        sys.exit("usage: make-fixtures.py [--subset] OUT_DIR")
    out = args[0]
    cache = {}
    kinds = ["talk", "long", "step"]
    for p, pair in enumerate(PAIRS):
        for kind in kinds:
            for snr in SNRS:
                name = "%s-%d-%ddb" % (kind, p + 1, snr)
                if subset and name not in SUBSET:
                    continue
                seed = 1000 * p + 10 * kinds.index(kind)
                placed = conversation(pair, kind, random.Random(seed), cache)
                seconds, caller, assistant, notes = placed
                meta = dict(notes, kind=kind, caller_voice=pair[0], assistant_voice=pair[1])
                write(out, name, seconds, caller, assistant, snr, random.Random(seed + snr), meta)
    quiet_c, quiet_a = Track(40), Track(40)
    quiet_c.steps.append((20.0, 10.0))
    write(out, "quiet", 40, quiet_c, quiet_a, 20, random.Random(7), {"kind": "quiet", "noise_step_s": 20.0})


if __name__ == "__main__":
    main()
