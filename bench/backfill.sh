#!/usr/bin/env bash
# callvault backfill throughput at several concurrencies against the Twilio stand-in with 100 ms latency, and the
# CLI's peak RSS. Usage: bench/backfill.sh [recordings=200] [MiB each=1] [concurrency...=1 8 32]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}; mib=${2:-1}; shift $(( $# > 2 ? 2 : $# )) || true
levels=${*:-1 8 32}
mvn -B -q -DskipTests install
mvn -B -q -pl cli dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xmx8g -cp "cli/target/test-classes:$(cat cli/target/bench.classpath)" dev.callvault.cli.bench.BackfillBench "$n" "$mib" $levels \
  2>&1 | grep -E "^concurrency"
