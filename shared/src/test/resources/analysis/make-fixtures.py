#!/usr/bin/env python3
"""Makes the conversation-analytics fixtures: real speech (espeak-ng), 8 kHz mu-law like a phone line, with
background noise at about 20 dB SNR, and the true segment times placed, in truth.json.

Needs espeak-ng and sox (Debian packages). Run from this folder:  python3 make-fixtures.py
The output is committed; the tests never run this script. Deterministic: the same tools give the same files.

Each fixture is a folder with caller.ulaw and assistant.ulaw (raw G.711 mu-law, 8000 samples a second, one byte
each: what a Twilio Media Stream carries) and truth.json: each party's speech segments [start, end] in seconds,
where a segment's edges are the first and last sample of the placed utterance louder than -40 dBFS in the clean
signal (what a listener would call the start and the end of the speech).
"""
import json
import math
import os
import random
import struct
import subprocess
import tempfile
import wave

RATE = 8000


def speak(text, voice):
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "raw.wav")
        out = os.path.join(d, "8k.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", str(RATE), "-b", "16", "-c", "1", out], check=True)
        with wave.open(out) as w:
            frames = w.readframes(w.getnframes())
    samples = list(struct.unpack("<%dh" % (len(frames) // 2), frames))
    loud = [i for i, s in enumerate(samples) if abs(s) > 328]  # -40 dBFS
    return samples[loud[0]:loud[-1] + 1]


def mulaw(sample):
    """ITU-T G.711 mu-law, as Twilio encodes."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not (sample & mask):
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def track(seconds, placed, rng, speech_rms):
    """placed: [(start_seconds, samples, cut_seconds or None)] -> (mu-law bytes, [[start, end], ...])."""
    n = int(seconds * RATE)
    signal = [0.0] * n
    noise_rms = speech_rms / 10.0
    truth = []
    for start, samples, cut in placed:
        if cut is not None:
            samples = samples[:int(cut * RATE)]
            loud = [i for i, s in enumerate(samples) if abs(s) > 328]
            samples = samples[:loud[-1] + 1]
        at = int(start * RATE)
        for i, s in enumerate(samples):
            if at + i < n:
                signal[at + i] += s
        # speak() (and the cut above) trimmed the utterance to its first and last sample over -40 dBFS: its edges
        truth.append([round(at / RATE, 4), round((at + len(samples)) / RATE, 4)])
    # background noise 20 dB below the speech's RMS: white noise through a gentle low-pass, like a line's hiss and hum
    prev = 0.0
    for i in range(n):
        prev = 0.7 * prev + 0.3 * rng.gauss(0, 1)
        signal[i] += prev * noise_rms / 0.42
    data = bytes(mulaw(int(max(-32768, min(32767, round(v))))) for v in signal)
    return data, truth


def rms(samples):
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def fixture(name, seconds, caller, assistant, seed):
    rng = random.Random(seed)
    voiced = [s for _, clip, _ in caller + assistant for s in clip]
    level = rms(voiced) if voiced else 3000.0
    os.makedirs(name, exist_ok=True)
    c, ct = track(seconds, caller, rng, level)
    a, at = track(seconds, assistant, rng, level)
    open(os.path.join(name, "caller.ulaw"), "wb").write(c)
    open(os.path.join(name, "assistant.ulaw"), "wb").write(a)
    truth = {"seconds": seconds, "snr_db": 20, "caller": ct, "assistant": at}
    with open(os.path.join(name, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    print(name, json.dumps(truth))


def main():
    caller_voice, assistant_voice = "en-us+m3", "en-us+f2"
    q1 = speak("Hi, I am calling about my last invoice.", caller_voice)
    r1 = speak("Sure, I can help with that. Can you tell me the invoice number?", assistant_voice)
    q2 = speak("It is four four seven one.", caller_voice)
    r2 = speak("Thank you. I see a charge of forty dollars for the premium plan, which renews every month unless", assistant_voice)
    q3 = speak("Wait, I cancelled that plan.", caller_voice)
    r3 = speak("I am sorry about that. I will refund it today.", assistant_voice)
    q4 = speak("Great, thanks.", caller_voice)
    r4 = speak("You are welcome. Goodbye.", assistant_voice)

    # the caller speaks; each assistant reply starts after a known pause; the caller interrupts reply two at
    # 2.0 s and the assistant stops 0.45 s later (a barge-in)
    t = 0.6
    caller, assistant = [], []
    caller.append((t, q1, None)); t += len(q1) / RATE
    t += 0.62; assistant.append((t, r1, None)); t += len(r1) / RATE
    t += 0.35; caller.append((t, q2, None)); t += len(q2) / RATE
    t += 0.91; r2_start = t
    barge = r2_start + 2.0
    assistant.append((r2_start, r2, 2.45)); t = barge
    caller.append((t, q3, None)); t += len(q3) / RATE
    t += 0.48; assistant.append((t, r3, None)); t += len(r3) / RATE
    t += 0.5; caller.append((t, q4, None)); t += len(q4) / RATE
    t += 1.27; assistant.append((t, r4, None)); t += len(r4) / RATE
    fixture("conversation", math.ceil(t + 1.0), caller, assistant, 1)

    fixture("silence", 6, [], [], 2)
    fixture("caller-only", 8, [(0.8, q1, None), (4.3, q2, None)], [], 3)


if __name__ == "__main__":
    main()
