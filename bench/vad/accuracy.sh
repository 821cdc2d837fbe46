#!/usr/bin/env bash
# The voice-activity detector's accuracy on noisy lines: makes the whole fixture set (espeak-ng and sox; ~2 minutes,
# cached in target/vad-fixtures) and prints the accuracy tables by SNR for WAV, MP3 and Twilio's dual-channel MP3.
# Usage: bench/vad/accuracy.sh [-v]   (-v lists every latency off by more than 60 ms, every miscount, and every WAV/MP3
#        pair of segments more than 15 ms apart)
#        bench/vad/accuracy.sh --silero-alone   (the speech model alone on every 32 ms, scored the same way: why it
#        confirms segments and does not place their edges)
#        bench/vad/accuracy.sh --hidden-tails   (whether anything in the audio after a segment's end tells a sentence
#        whose last sounds the noise hides from one that has ended: the 10 dB misses)
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in espeak-ng sox python3; do
  command -v "$tool" >/dev/null || { echo "accuracy.sh: needs $tool (apt-get install espeak-ng sox python3)" >&2; exit 2; }
done
set_dir=target/vad-fixtures
if [ ! -f "$set_dir/quiet/truth.json" ] || [ bench/vad/make-fixtures.py -nt "$set_dir/quiet/truth.json" ]; then
  rm -rf "$set_dir"
  python3 bench/vad/make-fixtures.py "$set_dir" >/dev/null
fi
mvn -B -q -DskipTests install
mvn -B -q -pl shared dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
bench=VadAccuracyBench
case "${1:-}" in
  --silero-alone) bench=SileroAloneBench; shift ;;
  --hidden-tails) bench=HiddenTailsBench; shift ;;
esac
java -cp "shared/target/test-classes:shared/target/classes:$(cat shared/target/bench.classpath)" \
  "dev.callvault.bench.$bench" "$set_dir" "$@"
