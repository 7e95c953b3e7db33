# shellcheck shell=sh disable=SC2034
# Shared settings for the throwaway-homeserver scripts. Sourced, not run.
#
# CAUCUS_SYNAPSE_CACHE  cache directory outside the clone (default
#                       /var/cache/caucus-synapse); the chroot lives in
#                       $CAUCUS_SYNAPSE_CACHE/chroot so that every clone and
#                       every CI run on the machine shares one build.

HS_CACHE=${CAUCUS_SYNAPSE_CACHE:-/var/cache/caucus-synapse}
HS_CHROOT=$HS_CACHE/chroot
# Written last by build-chroot.sh: a chroot without it is half built.
HS_MARKER=.caucus-synapse-complete
# start.sh records PORT -> DATA_DIR here so register.sh can find the secret.
HS_INSTANCES=$HS_CACHE/instances

hs_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

hs_need_root() {
	[ "$(id -u)" = 0 ] || hs_die "must run as root ($1)"
}

hs_chroot_ready() {
	[ -f "$HS_CHROOT/$HS_MARKER" ]
}

# Absolute path of an existing or to-be-created directory.
hs_abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd -P)" "$1" ;;
	esac
}

# True if PID is alive and is a Synapse homeserver (guards against pid reuse).
hs_pid_is_synapse() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] &&
		tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'synapse\.app\.homeserver'
}
