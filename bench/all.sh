#!/usr/bin/env bash
# Every figure of issue 14 in one run on this machine (about 15 minutes): backfill against a one-at-a-time script and
# the copy limit, memory, webhook acknowledgement (open loop), freshness, scale-out, the real-time recorder and
# playback, each beside its baseline measured in the same run. Prints one table; writes the same rows as JSON to
# bench/results.json. The Twilio stand-in answers with 100 ms of latency; S3 is s3proxy over HTTP; PostgreSQL is the
# local one (127.0.0.1:5432) or an embedded one.
# Usage: bench/all.sh [--smoke] [PART...]   PART: backfill memory webhook freshness scale-out media playback verify-day
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests install
# a copy of every jar the run needs, so a build in this tree during the run cannot change what it runs
rm -rf cli/target/bench-lib
mvn -B -q -pl cli dependency:copy-dependencies -DincludeScope=test -DoutputDirectory=target/bench-lib
# the CLI as the package ships it: its jar, run through packaging/bin/callvault
cp cli/target/callvault.jar cli/target/bench-callvault.jar
exec java -Xmx8g -Dbench.cli-jar=cli/target/bench-callvault.jar \
  -cp "cli/target/test-classes:cli/target/classes:cli/target/bench-lib/*" dev.callvault.cli.bench.AllBench \
  --json bench/results.json "$@"
