#!/bin/sh
# Checks config/caucus.service without running it: systemd-analyze verify
# must be silent, and systemd-analyze security must rate it 2.0 or lower
# (the score is printed).  ExecStart= points at /usr/bin/caucus, which need
# not exist on a build machine, so a copy pointing at ./caucus is checked.
#   tests/service/run.sh [CAUCUS_BINARY]
set -eu
bin=$(cd "$(dirname "${1:-./caucus}")" && pwd -P)/$(basename "${1:-./caucus}")
unit=config/caucus.service
max=2.0
[ -x "$bin" ] || { echo "service-test: no binary $bin (run make first)" >&2; exit 1; }
command -v systemd-analyze >/dev/null 2>&1 || {
	echo "service-test: systemd-analyze not found (Debian package systemd)" >&2; exit 1; }
dir=$(mktemp -d /tmp/caucus-service-XXXXXX)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/caucus|$bin|" "$unit" >"$dir/caucus.service"
grep -q "^ExecStart=$bin " "$dir/caucus.service" || {
	echo "service-test: $unit has no ExecStart=/usr/bin/caucus line" >&2; exit 1; }

# verify: any output is a finding.  The man pages of Documentation= are
# the tree's, found through MANPATH.
mkdir -p "$dir/man/man1" "$dir/man/man5"
cp man/caucus.1 "$dir/man/man1/"
cp man/caucus.toml.5 "$dir/man/man5/"
man=yes
command -v man >/dev/null 2>&1 || man=no
out=$(cd "$dir" && MANPATH="$dir/man:$(manpath 2>/dev/null)" \
	systemd-analyze verify --man=$man caucus.service 2>&1) || {
	printf '%s\n' "$out"; echo "service-test: systemd-analyze verify failed" >&2; exit 1; }
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "service-test: systemd-analyze verify is not clean" >&2
	exit 1
fi
echo "service-test: systemd-analyze verify $unit: clean (its man pages looked up: $man)"

report=$(cd "$dir" && systemd-analyze security --offline=true --no-pager caucus.service 2>&1) || true
score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for caucus.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
	printf '%s\n' "$report"
	echo "service-test: no score from systemd-analyze security" >&2
	exit 1
fi
printf '%s\n' "$report" | grep '✗' || true
echo "service-test: systemd-analyze security caucus.service: $score (at most $max)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }' || {
	echo "service-test: exposure $score is above $max" >&2; exit 1; }
