#!/usr/bin/env bash
# The programs the test suite drives as processes (Chromium and its driver for the console, lintian and dpkg for the
# package, systemd-analyze for the units, GNU time and python3/curl for the benchmark's smoke, psql, man, chattr): the
# README's test command runs this first. As root with apt-get it installs what is missing from Debian's packages;
# otherwise it names the packages and stops the build at once, not twenty minutes in.
set -euo pipefail
missing=()
need() { # a command (or an absolute path) and the Debian package that has it
  local path=$1
  [[ $path == /* ]] || path=$(command -v "$1" 2>/dev/null) || path=
  [ -n "$path" ] && [ -f "$path" ] && [ -x "$path" ] || missing+=("$2")
}
check() {
  missing=()
  need /usr/bin/chromium chromium
  need /usr/bin/chromedriver chromium-driver
  need chattr e2fsprogs
  need systemd-analyze systemd
  need lintian lintian
  need man man-db
  need psql postgresql-client
  need /usr/bin/time time
  need python3 python3
  need curl curl
}
check
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | xargs)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "callvault's tests need Debian packages this machine lacks; installing: $packages"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $packages
  check
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "installed, yet still missing where the tests look: $(printf '%s\n' "${missing[@]}" | sort -u | xargs)" >&2
  exit 1
fi
echo "callvault's tests need Debian packages this machine lacks: $packages" >&2
echo "install them (sudo apt-get install $packages) and run the tests again; to build without the tests: mvn -DskipTests install" >&2
exit 1
