#!/usr/bin/env bash
# Real-time recorder load: N concurrent 30 s calls at real-time pace (callvault media replay) into callvaultd, both
# on this machine. Reports frames lost, finalize p99, CPU and heap per call. Usage: bench/media.sh FORMAT N... 
# e.g. bench/media.sh mp3 50 100 200
set -euo pipefail
cd "$(dirname "$0")/.."
format=${1:-mp3}; shift || true
levels=${*:-50 100 200}
mvn -B -q -DskipTests install
mvn -B -q -pl cli dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -cp "cli/target/test-classes:$(cat cli/target/bench.classpath)" dev.callvault.cli.bench.MediaBench "$format" $levels 2>&1 | grep --line-buffered -E "^(mp3|wav) N="
