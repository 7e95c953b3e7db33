# shellcheck shell=sh
# debian_mirror: the Debian mirror this machine already uses, so that no
# mirror's host is ever written in the repository.  Sourced, not run, by
# tests/homeserver/build-chroot.sh and tests/deb/run.sh.  Prints the URIs
# of the deb822 stanza whose Suites include plain "bookworm" (not only
# bookworm-security/-updates), else those of a one-line
# "deb URI bookworm ..." in sources.list; CAUCUS_DEBIAN_MIRROR overrides
# both.  Returns 1 (printing nothing) when there is none.
debian_mirror() {
	if [ -n "${CAUCUS_DEBIAN_MIRROR-}" ]; then
		printf '%s\n' "$CAUCUS_DEBIAN_MIRROR"
		return 0
	fi
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
		function flush() {
			if (hit && uri != "" && !done) { print uri; done = 1 }
			hit = 0; uri = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^[ \t]*#/ { next }
		tolower($1) == "uris:" { uri = $2 }
		tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") hit = 1 }
		END { flush() }')
	if [ -z "$m" ]; then
		m=$(awk '
			$1 == "deb" {
				n = 2; if ($2 ~ /^\[/) { while (n <= NF && $n !~ /\]$/) n++; n++ }
				if ($(n + 1) == "bookworm") { print $n; exit }
			}' /etc/apt/sources.list 2>/dev/null)
	fi
	[ -n "$m" ] || return 1
	printf '%s\n' "$m"
}
