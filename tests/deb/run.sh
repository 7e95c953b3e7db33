#!/bin/sh
# The .deb from "make deb", checked as an administrator would meet it:
# lintian (no errors; the rest is printed), then installed with dpkg into a
# fresh Debian 12 chroot (mmdebstrap, the way tests/homeserver/ builds its
# own), where caucus --version and caucus check -c /etc/caucus/caucus.toml
# must work and every installed path is checked; then purged, after which
# nothing may be left but dpkg's own records.
#
# The base chroot is built once, as a tarball cached in $CAUCUS_DEBTEST_CACHE
# (default /var/cache/caucus-debtest); each run unpacks a fresh copy.  The
# Debian mirror is the one this machine's apt already uses.  Needs root.
#   tests/deb/run.sh [DEB]
set -eu
deb=${1:-}
[ -n "$deb" ] || deb=$(ls build/deb/caucus_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && [ -f "$deb" ] || { echo "deb-test: no build/deb/caucus_*.deb (make deb)" >&2; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd -P)/$(basename "$deb")
cache=${CAUCUS_DEBTEST_CACHE:-/var/cache/caucus-debtest}
base=$cache/bookworm-base.tar
start=$(date +%s)

die() { echo "deb-test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot)"

# --- lintian -----------------------------------------------------------------
changes=${deb%.deb}.changes
[ -f "$changes" ] || changes=$deb
if command -v lintian >/dev/null 2>&1; then
	lint=$(lintian --pedantic -I --show-overrides "$changes" 2>&1 | grep -v '^running with root privileges') || true
	printf '%s\n' "$lint" | sed '/^$/d; s/^/deb-test: lintian: /'
	if printf '%s\n' "$lint" | grep -q '^E:'; then die "lintian reports errors"; fi
	echo "deb-test: lintian: no errors"
else
	die "lintian is missing (apt-get install lintian)"
fi

# --- the base chroot, cached ---------------------------------------------------
. "$(cd "$(dirname "$0")" && pwd -P)/../debian-mirror.sh"

# The package's run-time dependencies are in the base, so that dpkg -i
# needs no network; a dependency missing from it (a new library) is
# fetched with apt-get -f install, and the run says so.
BASE_PKGS=libcurl4,libcjson1,libsqlite3-0,libolm3,libmicrohttpd12,libsystemd0,libssl3,libical3,tzdata,procps,adduser
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$base" ] || [ "$(cat "$base.pkgs" 2>/dev/null)" != "$BASE_PKGS" ]; then
	command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap is missing (apt-get install mmdebstrap)"
	mirror=$(debian_mirror) || die "no bookworm mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (set CAUCUS_DEBIAN_MIRROR)"
	echo "deb-test: building the Debian 12 base chroot $base from this machine's mirror (once)"
	rm -f "$base.new"
	mmdebstrap --variant=apt --mode=root --format=tar --include="$BASE_PKGS" \
		bookworm "$base.new" "deb $mirror bookworm main" >"$cache/build.log" 2>&1 ||
		{ tail -20 "$cache/build.log" >&2; rm -f "$base.new"; die "mmdebstrap failed"; }
	mv "$base.new" "$base"
	printf '%s\n' "$BASE_PKGS" >"$base.pkgs"
fi
flock -u 9

root=$(mktemp -d /var/tmp/caucus-debtest-XXXXXX)
cleanup() {
	for m in "$root/proc" "$root/dev/pts"; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
[ -c "$root/dev/null" ] || { rm -f "$root/dev/null"; mknod -m 666 "$root/dev/null" c 1 3; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# /run, /tmp, /dev, /proc and /sys are volatile on a real system: not compared.
listing() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./tmp -o -path ./dev -o -path ./run \) \
		-prune -o -print) | sed 's|^\.||' | sort
}
listing >"$root/../$(basename "$root").before"
before=$root/../$(basename "$root").before
trap 'cleanup; rm -f "$before" "$before.after"' EXIT

# --- install -----------------------------------------------------------------
cp "$deb" "$root/tmp/caucus.deb"
if ! in_root dpkg -i /tmp/caucus.deb >"$root/tmp/dpkg.log" 2>&1; then
	if grep -q 'dependency problems' "$root/tmp/dpkg.log"; then
		echo "deb-test: a dependency is not in the base chroot; fetching it (apt-get -f install)"
		in_root apt-get update -q >/dev/null && in_root apt-get -f install -y -q >/dev/null ||
			{ cat "$root/tmp/dpkg.log"; die "apt-get -f install failed"; }
	else
		cat "$root/tmp/dpkg.log" >&2
		die "dpkg -i failed"
	fi
fi
rm -f "$root/tmp/caucus.deb" "$root/tmp/dpkg.log"
echo "deb-test: installed $(basename "$deb") into a fresh Debian 12 chroot"

v=$(in_root caucus --version) || die "caucus --version failed"
[ "$v" = "caucus $(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')" ] || die "caucus --version says '$v'"
echo "deb-test: caucus --version: $v"
out=$(in_root caucus check -c /etc/caucus/caucus.toml 2>&1) || { printf '%s\n' "$out"; die "caucus check failed"; }
printf '%s\n' "$out" | grep -q '^/etc/caucus/caucus.toml: configuration is valid$' ||
	{ printf '%s\n' "$out"; die "caucus check did not say the configuration is valid"; }
printf '%s\n' "$out" | grep -q '^database: *\/var\/lib\/caucus\/caucus.db$' ||
	{ printf '%s\n' "$out"; die "the packaged configuration's database is not in /var/lib/caucus"; }
echo "deb-test: caucus check -c /etc/caucus/caucus.toml: valid, database in /var/lib/caucus"

# Every path the package installs, with its mode and owner; nothing else.
expect='/etc/caucus 755 root:root d
/etc/caucus/caucus.toml 640 root:caucus f
/lib/systemd/system/caucus.service 644 root:root f
/usr/bin/caucus 755 root:root f
/usr/share/doc/caucus 755 root:root d
/usr/share/doc/caucus/bot.example.toml 644 root:root f
/usr/share/doc/caucus/changelog.gz 644 root:root f
/usr/share/doc/caucus/copyright 644 root:root f
/usr/share/lintian/overrides/caucus 644 root:root f
/usr/share/man/man1/caucus.1.gz 644 root:root f
/usr/share/man/man5/caucus.toml.5.gz 644 root:root f'
got=$(in_root dpkg -L caucus | while read -r p; do
	case $p in /. | /etc | /lib | /lib/systemd | /lib/systemd/system | /usr | /usr/bin | /usr/share | \
		/usr/share/doc | /usr/share/man | /usr/share/man/man1 | /usr/share/man/man5 | \
		/usr/share/lintian | /usr/share/lintian/overrides) continue ;; esac
	t=f; [ -d "$root$p" ] && t=d
	printf '%s %s %s %s\n' "$p" "$(stat -c %a "$root$p")" "$(in_root stat -c %U:%G "$p")" "$t"
done | sort)
if [ "$got" != "$expect" ]; then
	printf 'expected:\n%s\ninstalled:\n%s\n' "$expect" "$got" >&2
	die "the installed paths are not the expected ones"
fi
in_root dpkg-query -W -f='${Conffiles}\n' caucus | grep -q '^ /etc/caucus/caucus.toml [0-9a-f]\{32\}$' ||
	die "/etc/caucus/caucus.toml is not a conffile"
grep -q '^ExecStart=/usr/bin/caucus run -c /etc/caucus/caucus.toml$' "$root/lib/systemd/system/caucus.service" ||
	die "the installed unit does not run /usr/bin/caucus"
zcat "$root/usr/share/man/man5/caucus.toml.5.gz" | grep -q '^\.Dt CAUCUS.TOML 5' || die "caucus.toml(5) is not a man page"
zcat "$root/usr/share/man/man1/caucus.1.gz" | grep -q '^\.Dt CAUCUS 1' || die "caucus(1) is not a man page"
cmp -s "$root/usr/share/doc/caucus/bot.example.toml" bot.example.toml 2>/dev/null ||
	[ ! -f bot.example.toml ] || die "the installed bot.example.toml differs from the tree's"
echo "deb-test: $(printf '%s\n' "$got" | wc -l) installed paths as expected, the configuration a conffile (0640 root:caucus); installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"

# What the unit does, emulated (systemd is not needed): its dynamic user,
# a member of the group caucus, reads /etc/caucus/caucus.toml and another
# user cannot; a password credential in $CREDENTIALS_DIRECTORY stands in
# for password_file; relative paths land in $STATE_DIRECTORY.
in_root getent group caucus >/dev/null || die "no system group caucus"
cred=/run/credentials/caucus.service
mkdir -p "$root$cred" "$root/var/lib/private/caucus"
sed -i -e 's|^password = "change-me"|password_file = "/etc/credstore/caucus.password"|' \
    -e 's|^database = "/var/lib/caucus/caucus.db"|database = "caucus.db"|' \
	"$root/etc/caucus/caucus.toml"
grep -q '^password_file = ' "$root/etc/caucus/caucus.toml" || die "the packaged configuration has no password line"
echo 'from-credential' >"$root$cred/caucus.password"
chown -R 61234:61234 "$root$cred" "$root/var/lib/private/caucus"
chmod 0400 "$root$cred"/*
as_unit() {
	chroot --userspec=61234:61234 --groups="$1" "$root" /usr/bin/env -i PATH=/usr/bin:/bin \
		LANG=C.UTF-8 CREDENTIALS_DIRECTORY=$cred STATE_DIRECTORY=/var/lib/private/caucus \
		caucus check -c /etc/caucus/caucus.toml 2>&1
}
out=$(as_unit 61234) && die "a user outside the group caucus can read /etc/caucus/caucus.toml"
printf '%s\n' "$out" | grep -q 'Permission denied' || { printf '%s\n' "$out"; die "unexpected error for a user outside the group"; }
out=$(as_unit 61234,caucus) || { printf '%s\n' "$out"; die "caucus check as the unit's user failed"; }
printf '%s\n' "$out" | grep -q '^database: *\/var\/lib\/private\/caucus\/caucus.db$' ||
	{ printf '%s\n' "$out"; die "a relative database path did not resolve against STATE_DIRECTORY"; }
rm -rf "$root/run/credentials" "$root/var/lib/private"
echo "deb-test: as the unit's user: /etc/caucus/caucus.toml read through the group caucus (not without it), the password from its credential, the database in \$STATE_DIRECTORY"

# A reinstall keeps the administrator's edit of the conffile (made above)
# and the group ownership.
cp "$deb" "$root/tmp/caucus.deb"
in_root dpkg -i /tmp/caucus.deb >/dev/null 2>&1 || die "reinstalling the package failed"
rm -f "$root/tmp/caucus.deb"
grep -q '^password_file = "/etc/credstore/caucus.password"$' "$root/etc/caucus/caucus.toml" ||
	die "a reinstall overwrote the edited /etc/caucus/caucus.toml"
[ "$(in_root stat -c '%a %U:%G' /etc/caucus/caucus.toml)" = "640 root:caucus" ] ||
	die "after a reinstall /etc/caucus/caucus.toml is $(in_root stat -c '%a %U:%G' /etc/caucus/caucus.toml)"
echo "deb-test: reinstalled: the edited configuration kept, still 0640 root:caucus"

# --- purge ---------------------------------------------------------------------
# What the service would have made: its state directory under DynamicUser=.
mkdir -p "$root/var/lib/private/caucus"
chmod 0700 "$root/var/lib/private" "$root/var/lib/private/caucus"
echo x >"$root/var/lib/private/caucus/caucus.db"
ln -s private/caucus "$root/var/lib/caucus"
in_root dpkg --purge caucus >/dev/null || die "dpkg --purge failed"
listing >"$before.after"
# dpkg's own records and the system group (with the backups addgroup
# made of /etc/group) stay, as policy wants; anything else is a leftover.
in_root getent group caucus >/dev/null || die "the purge removed the system group"
left=$(comm -13 "$before" "$before.after" | grep -v -e '^/var/lib/dpkg/' -e '^/var/log/dpkg.log$' \
	-e '^/etc/group-$' -e '^/etc/gshadow-$') || true
gone=$(comm -23 "$before" "$before.after" | grep -v -e '^/var/lib/dpkg/') || true
if [ -n "$left" ] || [ -n "$gone" ]; then
	[ -z "$left" ] || printf 'left after purge:\n%s\n' "$left" >&2
	[ -z "$gone" ] || printf 'removed by purge but there before:\n%s\n' "$gone" >&2
	die "the purge did not leave the chroot as it was"
fi
echo "deb-test: purged; nothing left but dpkg's records and the group caucus (the state directory went too)"
echo "deb-test: passed in $(($(date +%s) - start)) s"
