#!/bin/sh
# Stop a homeserver started by start.sh: SIGTERM, then SIGKILL after
# $HS_STOP_TIMEOUT (10) seconds. Keeps DATA_DIR so start.sh can reuse it.
#
#   tests/homeserver/stop.sh DATA_DIR
#
# Succeeds if the server was not running. The /data and /proc mounts live in
# the server's private mount namespace, which the kernel removes when the
# process exits; this script checks that nothing of it is left behind.
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/common.sh"

[ $# -eq 1 ] || hs_die "usage: $0 DATA_DIR"
[ -d "$1" ] || hs_die "no such data directory: $1"
data=$(cd "$1" && pwd -P)
timeout=${HS_STOP_TIMEOUT:-10}

forget() {
	if [ -f "$data/port" ]; then
		rec=$HS_INSTANCES/$(cat "$data/port")
		# Only drop the record if it still points at this data dir.
		if [ -f "$rec" ] && [ "$(cat "$rec")" = "$data" ]; then rm -f "$rec"; fi
	fi
	rm -f "$data/pid"
}

if [ ! -f "$data/pid" ]; then
	echo "stop: nothing running from $data (no pid file)" >&2
	exit 0
fi
pid=$(cat "$data/pid")
if ! hs_pid_is_synapse "$pid"; then
	echo "stop: Synapse (pid $pid) from $data had already exited" >&2
	forget
	exit 0
fi

hs_need_root "the server runs as root"
t0=$(date +%s.%N)
kill -TERM "$pid" 2>/dev/null || true
how=SIGTERM
i=0
while hs_pid_is_synapse "$pid"; do
	if [ "$i" -ge $((timeout * 10)) ]; then
		echo "stop: Synapse (pid $pid) ignored SIGTERM for $timeout s; sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
		how=SIGKILL
		j=0
		while hs_pid_is_synapse "$pid" && [ "$j" -lt 50 ]; do sleep 0.1; j=$((j + 1)); done
		hs_pid_is_synapse "$pid" && hs_die "Synapse (pid $pid) survived SIGKILL"
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
forget

# Mounts made by start.sh were private to the dead process; if the host
# namespace shows any under the chroot, something else put them there.
if [ -d "$HS_CHROOT" ] &&
	awk -v p="$HS_CHROOT" 'index($5, p "/") == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
	echo "stop: warning: mounts remain under $HS_CHROOT:" >&2
	awk -v p="$HS_CHROOT" 'index($5, p "/") == 1 { print "  " $5 }' /proc/self/mountinfo >&2
fi
echo "stop: stopped Synapse (pid $pid) from $data with $how in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
