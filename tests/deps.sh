#!/bin/sh
# Installs the Debian packages caucus needs to build and test, when missing
# (the integration tests also build a Synapse chroot: tests/homeserver/).
# As root it runs apt-get itself (update once, then install); otherwise it
# prints the one command to run.
set -e
PKGS="gcc make pkg-config clang libcurl4-openssl-dev libcjson-dev libsqlite3-dev
libolm-dev libcmocka-dev tzdata python3 valgrind curl python3-matrix-nio python3-olm python3-pytest"
PKGS="$PKGS chromium fonts-dejavu-core"
PKGS="$PKGS mandoc python3-tomli systemd dpkg-dev debhelper lintian mmdebstrap"
PKGS="$PKGS libmicrohttpd-dev"
PKGS="$PKGS libsystemd-dev"
PKGS="$PKGS python3-prometheus-client prometheus"
PKGS="$PKGS nodejs"
PKGS="$PKGS libssl-dev"
PKGS="$PKGS libical-dev python3-icalendar"
PKGS="$PKGS vdirsyncer khal"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "caucus needs these packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
