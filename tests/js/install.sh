#!/bin/sh
# Installs the pinned matrix-js-sdk (package-lock.json) once per lock file
# into a cache outside the checkout, and links tests/js/node_modules to it,
# so that a test run does not download it again.  Prints nothing when the
# cache is already there.  CAUCUS_NPM_CACHE overrides the cache folder.
set -e
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v npm >/dev/null 2>&1; then
	echo "tests/js: npm is missing (Debian: apt-get install nodejs npm)" >&2
	exit 1
fi
base=${CAUCUS_NPM_CACHE:-/var/cache/caucus-npm}
[ "$(id -u)" = 0 ] || base=${CAUCUS_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/caucus-npm}
hash=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
dir="$base/$hash"
if [ ! -f "$dir/.done" ]; then
	echo "tests/js: npm ci into $dir"
	mkdir -p "$dir"
	cp "$here/package.json" "$here/package-lock.json" "$dir/"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	touch "$dir/.done"
fi
if [ "$(readlink "$here/node_modules" 2>/dev/null)" != "$dir/node_modules" ]; then
	rm -rf "$here/node_modules"
	ln -s "$dir/node_modules" "$here/node_modules"
fi
