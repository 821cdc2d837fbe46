#!/usr/bin/env bash
# The 300 MiB archive under -Xmx64m (the same test CI runs), printing throughput and peak heap of the archiving JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests install
mvn -B -pl shared surefire:test -Dtest=ArchiveMemoryTest | grep -E "300 MiB|Tests run"
