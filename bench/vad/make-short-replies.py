#!/usr/bin/env python3
"""Makes the short-replies fixture: five one-word replies ("Yes.", "No.", "Okay.", "Mm-hm.", "Right."), each 2 s
apart, espeak-ng's en-us+f3 voice at 8 kHz under white noise at 5 dB SNR (speech levelled to -28 dBFS RMS), 16-bit WAV.
What the speech model must not drop: a backchannel is short and the line is noisy. Needs espeak-ng and sox.
Usage: make-short-replies.py OUT.wav
"""
import math
import random
import struct
import subprocess
import sys
import tempfile
import os
import wave

RATE = 8000


def speak(text, voice):
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "raw.wav")
        out = os.path.join(d, "8k.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", raw, text], check=True)
        subprocess.run(["sox", "-D", raw, "-r", str(RATE), "-b", "16", "-c", "1", out], check=True)
        with wave.open(out) as w:
            data = w.readframes(w.getnframes())
    return list(struct.unpack("<%dh" % (len(data) // 2), data))


def main():
    snr = 5
    rng = random.Random(snr)
    signal = [0.0] * (RATE * 12)
    at = RATE * 2
    for word in ["Yes.", "No.", "Okay.", "Mm-hm.", "Right."]:
        s = speak(word, "en-us+f3")
        gain = 1642 / math.sqrt(sum(x * x for x in s) / len(s)) * 0.8
        for i, x in enumerate(s):
            signal[at + i] += x * gain
        at += RATE * 2
    sigma = 1642 / 10 ** (snr / 20)
    out = [max(-32768, min(32767, int(round(v + rng.gauss(0, sigma))))) for v in signal]
    with wave.open(sys.argv[1], "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack("<%dh" % len(out), *out))


if __name__ == "__main__":
    main()
