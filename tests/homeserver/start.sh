#!/bin/sh
# Start a throwaway Synapse homeserver on 127.0.0.1 for tests and demos.
#
#   tests/homeserver/start.sh DATA_DIR [PORT]
#
# PORT defaults to $HS_PORT or 8008. Prints the base URL (http://127.0.0.1:PORT)
# on stdout once /_matrix/client/versions answers; progress goes to stderr.
#
# DATA_DIR holds everything the server keeps: generated config and keys, the
# sqlite database, media, log (homeserver.log), stdout.log and pid. On first
# use the config is generated; on a later start of the same DATA_DIR (after
# stop.sh) it is reused, so users, rooms and access tokens survive a restart.
#
# Settings are in two files Synapse merges at top level: homeserver.yaml
# (generated once: server name, keys, secrets, database) and caucus.yaml
# (written at every start from this script: port, registration, rate limits,
# logging). Environment read at each start:
#   HS_PORT            default port (8008)
#   HS_RC_MESSAGE      per_second:burst_count for rc_message (default
#                      1000:10000, i.e. effectively unlimited); e.g. "0.5:3"
#                      for a test of the bot's handling of M_LIMIT_EXCEEDED
#   HS_START_TIMEOUT   seconds to wait for the server to answer (60)
#   HS_SERVER_NAME     server name used when DATA_DIR is new (localhost)
#
# Synapse runs as root in the chroot from build-chroot.sh (built on first use),
# inside a private mount namespace where DATA_DIR is bind-mounted on /data and
# a proc filesystem on /proc. Those mounts are invisible to the rest of the
# machine and vanish with the process, so several instances (different
# DATA_DIRs and ports) can share the one chroot. Needs root.
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/common.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || hs_die "usage: $0 DATA_DIR [PORT]"
port=${2:-${HS_PORT:-8008}}
case $port in
'' | *[!0-9]*) hs_die "PORT must be a number, got '$port'" ;;
esac
[ "$port" -ge 1 ] && [ "$port" -le 65535 ] || hs_die "PORT out of range: $port"
rc_message=${HS_RC_MESSAGE:-1000:10000}
case $rc_message in
*:*) rc_ps=${rc_message%%:*} rc_burst=${rc_message#*:} ;;
*) hs_die "HS_RC_MESSAGE must be per_second:burst_count, e.g. 0.5:3 (got '$rc_message')" ;;
esac
for n in "$rc_ps" "$rc_burst"; do
	case $n in
	'' | *[!0-9.]* | *.*.*) hs_die "HS_RC_MESSAGE must be per_second:burst_count, e.g. 0.5:3 (got '$rc_message')" ;;
	esac
done
timeout=${HS_START_TIMEOUT:-60}
hs_need_root "chroot and mount need it"

t0=$(date +%s.%N)
"$here/build-chroot.sh" >/dev/null

data=$(hs_abspath "$1")
mkdir -p "$data"
data=$(cd "$data" && pwd -P)
case $data in
"$HS_CHROOT" | "$HS_CHROOT"/*) hs_die "DATA_DIR must not be inside the chroot ($HS_CHROOT)" ;;
esac

if [ -f "$data/pid" ]; then
	old=$(cat "$data/pid")
	if hs_pid_is_synapse "$old"; then
		hs_die "a homeserver is already running from $data (pid $old); stop it with tests/homeserver/stop.sh $data"
	fi
	rm -f "$data/pid"
fi

# Something already listening on the port would answer our readiness probe
# and make us report success for the wrong server. curl exits 7 on refusal.
rc=0
curl --noproxy '*' -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/" || rc=$?
[ "$rc" = 7 ] || hs_die "port $port on 127.0.0.1 is already in use (choose another PORT)"

# Replace the current (sub)shell with COMMAND run in the chroot, DATA_DIR on
# /data and /proc mounted, in a private mount namespace. unshare, sh and
# chroot all exec, so COMMAND keeps the pid of the (sub)shell that called this:
# call it as `(exec_in_chroot ...)` or `exec_in_chroot ... &`.
exec_in_chroot() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	exec unshare --mount --propagation private sh -c '
		data=$1 root=$2; shift 2
		mount --bind "$data" "$root/data" &&
		mount -t proc proc "$root/proc" &&
		exec chroot "$root" "$@"' sh "$data" "$HS_CHROOT" "$@"
}

if [ ! -f "$data/homeserver.yaml" ]; then
	server_name=${HS_SERVER_NAME:-localhost}
	echo "start: generating a new config for '$server_name' in $data" >&2
	(exec_in_chroot python3 -m synapse.app.homeserver --server-name "$server_name" \
		--config-path /data/homeserver.yaml --data-directory /data \
		--generate-config --report-stats=no) >"$data/generate.log" 2>&1 ||
		{ cat "$data/generate.log" >&2; rm -f "$data/homeserver.yaml"; hs_die "config generation failed"; }
	printf '%s\n' "$server_name" >"$data/server_name"
else
	echo "start: reusing the existing config and database in $data" >&2
fi
# Our own secret (hex, so no YAML quoting issues) for the admin register API;
# register.sh reads this file.
if [ ! -s "$data/registration_shared_secret" ]; then
	(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$data/registration_shared_secret")
fi
secret=$(cat "$data/registration_shared_secret")

cat >"$data/log.config" <<'EOF'
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: /data/homeserver.log
    encoding: utf8
root:
  level: INFO
  handlers: [file]
disable_existing_loggers: false
EOF

# Overrides of homeserver.yaml, top-level keys only (Synapse replaces whole
# top-level sections with the later file's).
hi='{per_second: 1000, burst_count: 10000}'
cat >"$data/caucus.yaml" <<EOF
# Written by tests/homeserver/start.sh at every start; edits are lost.
listeners:
  - port: $port
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client, federation]
        compress: false
log_config: /data/log.config
registration_shared_secret: "$secret"
enable_registration: true
enable_registration_without_verification: true
report_stats: false
# Nothing outside this machine: no key servers, no federation, no previews.
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
url_preview_enabled: false
presence:
  enabled: false
rc_message: {per_second: $rc_ps, burst_count: $rc_burst}
rc_registration: $hi
rc_registration_token_validity: $hi
rc_login:
  address: $hi
  account: $hi
  failed_attempts: $hi
rc_joins:
  local: $hi
  remote: $hi
rc_joins_per_room: $hi
rc_invites:
  per_room: $hi
  per_user: $hi
  per_issuer: $hi
rc_3pid_validation: $hi
rc_third_party_invite: $hi
rc_admin_redaction: $hi
rc_room_creation: $hi
rc_media_create: $hi
rc_key_requests: $hi
rc_user_directory: $hi
rc_reports: $hi
rc_delayed_event_mgmt: $hi
rc_presence:
  per_user: $hi
EOF

echo "start: starting Synapse on 127.0.0.1:$port (log: $data/homeserver.log)" >&2
: >>"$data/homeserver.log"
log_mark=$(wc -l <"$data/homeserver.log")
# setsid: detach from the caller's session so a terminal hangup or a ^C in
# the calling script does not take the server down with it. It does not fork
# here (a background job of a non-interactive shell is no group leader).
exec_in_chroot setsid python3 -m synapse.app.homeserver \
	--config-path /data/homeserver.yaml --config-path /data/caucus.yaml \
	</dev/null >>"$data/stdout.log" 2>&1 &
pid=$!
printf '%s\n' "$pid" >"$data/pid"
printf '%s\n' "$port" >"$data/port"
base=http://127.0.0.1:$port
printf '%s\n' "$base" >"$data/base_url"
mkdir -p "$HS_INSTANCES"
printf '%s\n' "$data" >"$HS_INSTANCES/$port"

fail() {
	echo "start: $1; last lines of $data/homeserver.log:" >&2
	tail -n +"$((log_mark + 1))" "$data/homeserver.log" | tail -n 40 >&2
	echo "start: last lines of $data/stdout.log:" >&2
	tail -n 20 "$data/stdout.log" >&2
	"$here/stop.sh" "$data" >&2 || true
	exit 1
}

deadline=$(($(date +%s) + timeout))
until curl --noproxy '*' -fsS -o /dev/null --max-time 2 "$base/_matrix/client/versions" 2>/dev/null; do
	kill -0 "$pid" 2>/dev/null || fail "Synapse exited during startup"
	[ "$(date +%s)" -lt "$deadline" ] || fail "Synapse did not answer $base/_matrix/client/versions within $timeout s"
	sleep 0.2
done
hs_pid_is_synapse "$pid" || fail "the process answering is not the one started (pid $pid)"
echo "start: Synapse is up at $base (pid $pid) after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
printf '%s\n' "$base"
