#!/usr/bin/env python3
"""Makes the short-replies fixture: five one-word replies ("Yes.", "No.", "Okay.", "Mm-hm.", "Right."), each 2 s
apart, espeak-ng's en-us+f3 voice at 8 kHz levelled as make-fixtures.py levels it (-26 dBFS RMS while it sounds),
under white noise at 5 dB SNR, as a 16-bit WAV. What the speech model must not drop: a backchannel is short and the
line is noisy. Needs espeak-ng and sox. Usage: make-short-replies.py OUT.wav
"""
import importlib.util
import os
import random
import struct
import sys
import wave

spec = importlib.util.spec_from_file_location("fixtures", os.path.join(os.path.dirname(__file__), "make-fixtures.py"))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)

SNR = 5


def main():
    rng = random.Random(SNR)
    signal = [0.0] * (fixtures.RATE * 12)
    at = fixtures.RATE * 2
    for word in ["Yes.", "No.", "Okay.", "Mm-hm.", "Right."]:
        for i, x in enumerate(fixtures.speak(word, "en-us+f3", {})):
            signal[at + i] += x
        at += fixtures.RATE * 2
    sigma = fixtures.LEVEL / 10 ** (SNR / 20)
    out = [max(-32768, min(32767, int(round(v + rng.gauss(0, sigma))))) for v in signal]
    with wave.open(sys.argv[1], "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(fixtures.RATE)
        w.writeframes(struct.pack("<%dh" % len(out), *out))


if __name__ == "__main__":
    main()
