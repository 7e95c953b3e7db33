#!/bin/sh
# Build, or reuse, a Debian unstable chroot holding Synapse for the throwaway
# test homeserver. Debian 12 has no matrix-synapse package; unstable does.
#
#   tests/homeserver/build-chroot.sh [--rebuild]
#
# The chroot lives outside the clone in $CAUCUS_SYNAPSE_CACHE/chroot (default
# /var/cache/caucus-synapse/chroot) so a second run only checks it. A marker
# file is written last; a chroot without it (an interrupted build) is removed
# and built again. Needs root. Prints the chroot path on stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/common.sh"

rebuild=0
case ${1-} in
--rebuild) rebuild=1 ;;
'') ;;
*) hs_die "usage: $0 [--rebuild]" ;;
esac
hs_need_root "mmdebstrap and chroot need it"

. "$here/../debian-mirror.sh"

# Delete a chroot tree safely. A homeserver still running in it would break,
# so refuse; mounts visible here can only be left over from a killed
# mmdebstrap (start.sh mounts in private namespaces), so unmount them, deepest
# first, before rm -rf could walk into /proc or /dev.
remove_tree() {
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in
		"$1" | "$1"/*) hs_die "process ${p#/proc/} runs inside $1; stop the homeservers using it (tests/homeserver/stop.sh DATA_DIR) first" ;;
		esac
	done
	awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
			echo "build-chroot: unmounting leftover $m" >&2
			umount "$m" 2>/dev/null || umount -l "$m"
		done
	if awk -v p="$1" '$5 == p || index($5, p "/") == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		hs_die "could not unmount everything under $1; not deleting it"
	fi
	rm -rf --one-file-system "$1"
}

mkdir -p "$HS_CACHE"
# One builder at a time; a second caller waits and then reuses the result.
exec 9>"$HS_CACHE/.lock"
flock 9

if [ "$rebuild" = 1 ] && [ -d "$HS_CHROOT" ]; then
	echo "build-chroot: removing $HS_CHROOT (--rebuild)" >&2
	remove_tree "$HS_CHROOT"
fi
if hs_chroot_ready; then
	echo "build-chroot: reusing $HS_CHROOT ($(cat "$HS_CHROOT/$HS_MARKER"))" >&2
	printf '%s\n' "$HS_CHROOT"
	exit 0
fi
if [ -d "$HS_CHROOT" ]; then
	echo "build-chroot: $HS_CHROOT has no completion marker (interrupted build?); rebuilding" >&2
	remove_tree "$HS_CHROOT"
fi

if ! command -v mmdebstrap >/dev/null 2>&1; then
	echo "build-chroot: installing mmdebstrap" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q mmdebstrap >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q mmdebstrap >&2; } ||
		hs_die "could not install mmdebstrap"
fi

mirror=$(debian_mirror) || hs_die "no bookworm mirror found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (set CAUCUS_DEBIAN_MIRROR)"
new=$HS_CACHE/chroot.new
[ ! -e "$new" ] || remove_tree "$new"
echo "build-chroot: building Debian unstable + matrix-synapse in $new from $mirror (about a minute)" >&2
start=$(date +%s)
# The unstable Release file on a snapshot mirror can be past its Valid-Until.
mmdebstrap --variant=apt --mode=root \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--include=matrix-synapse,ca-certificates \
	sid "$new" "deb $mirror sid main" >&2 ||
	hs_die "mmdebstrap failed (see above); nothing was kept"

version=$(chroot "$new" python3 -c 'import synapse; print(synapse.__version__)') ||
	hs_die "the new chroot cannot import synapse"
[ -c "$new/dev/null" ] || hs_die "the new chroot has no /dev/null"
mkdir -p "$new/data"
printf 'matrix-synapse %s, built %s from %s\n' "$version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$mirror" \
	>"$new/$HS_MARKER"
mv "$new" "$HS_CHROOT"
echo "build-chroot: built $HS_CHROOT (Synapse $version) in $(($(date +%s) - start)) s" >&2
printf '%s\n' "$HS_CHROOT"
