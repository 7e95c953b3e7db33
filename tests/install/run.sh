#!/bin/sh
# make install into a scratch DESTDIR puts exactly the files of SPEC §8 where
# PREFIX says, the unit pointing at the installed binary; make uninstall
# takes every one of them away again.
set -eu
dest=$(mktemp -d /tmp/caucus-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
die() { echo "install-test: $*" >&2; exit 1; }
prefix=/opt/caucus-test
make -s --no-print-directory install DESTDIR="$dest" PREFIX=$prefix >/dev/null
got=$(cd "$dest" && find . -type f -printf '%p %m\n' | sort)
want="./$prefix/bin/caucus 755
./$prefix/lib/systemd/system/caucus.service 644
./$prefix/share/doc/caucus/bot.example.toml 644
./$prefix/share/man/man1/caucus.1 644
./$prefix/share/man/man5/caucus.toml.5 644"
want=$(printf '%s\n' "$want" | sed 's|\./*/|./|' | sort)
[ "$got" = "$want" ] || { printf 'want:\n%s\ngot:\n%s\n' "$want" "$got" >&2; die "make install put other files"; }
grep -q "^ExecStart=$prefix/bin/caucus run " "$dest$prefix/lib/systemd/system/caucus.service" ||
	die "the installed unit does not run $prefix/bin/caucus"
"$dest$prefix/bin/caucus" --version >/dev/null || die "the installed binary does not run"
make -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=$prefix >/dev/null
left=$(cd "$dest" && find . -type f)
[ -z "$left" ] || { printf '%s\n' "$left" >&2; die "make uninstall left files"; }
echo "install-test: make install PREFIX=$prefix DESTDIR=...: $(printf '%s\n' "$got" | wc -l) files; make uninstall removed them all"
