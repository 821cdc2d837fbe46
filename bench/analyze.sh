#!/usr/bin/env bash
# Conversation analytics speed: a one-hour dual-channel MP3 analysed on ONE core (taskset), five runs; the issue's
# target is >= 500x real time. Also times the waveform peaks of the same file. Usage: bench/analyze.sh [MINUTES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests install
mvn -B -q -pl shared dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cd shared
taskset -c 0 java -XX:ActiveProcessorCount=1 -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  dev.callvault.bench.AnalyzeBench "${1:-60}" "${2:-5}"
