#!/usr/bin/env bash
# Webhook ack latency/throughput and worker archive rate, all on this machine (PostgreSQL at 127.0.0.1:5432 or
# embedded, s3proxy and the Twilio stand-in in-process). Usage: bench/daemon.sh [callbacks] [clients] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests install
mvn -B -q -pl daemon dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx8g -cp "daemon/target/test-classes:daemon/target/classes:$(cat daemon/target/bench.classpath)" \
  dev.callvault.daemon.bench.DaemonBench "$@"
