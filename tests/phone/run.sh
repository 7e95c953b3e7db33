#!/bin/sh
# The phone test: headless chromium renders each kind of answer (pages
# written by build/phone/answers from the real command engine) in a window
# 360 px wide with a proportional font, and each must fit: no horizontal
# overflow (scrollWidth <= clientWidth, no element past the right edge)
# and no table, which phone clients do not show.  A screenshot of each lands in
# OUTDIR (build/phone) for a person to look at.  Installs chromium through
# tests/deps.sh when it is missing.
set -e
out=${1:-build/phone}
here=$(dirname "$0")
width=360

if ! command -v chromium >/dev/null 2>&1; then
	echo "phone-test: chromium is missing; installing it (tests/deps.sh)"
	sh "$here/../deps.sh"
fi
command -v chromium >/dev/null 2>&1 || { echo "phone-test: no chromium" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/*.html "$out"/*.txt "$out"/*.png
"$out/answers" "$out" >"$out/answers.log" 2>&1 || { cat "$out/answers.log"; exit 1; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
browse() {
	# --no-sandbox: the tests may run as root, where chromium's sandbox refuses
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --user-data-dir="$profile" --force-device-scale-factor=1 \
		"$@" 2>/dev/null
}

pages="coverage positions digest sessions my prefs help feed-notice feeds"
total=$(echo $pages | wc -w)
failed=0
n=0
for page in $pages; do
	html="$out/$page.html"
	if [ ! -s "$html" ]; then
		echo "FAIL $page: $html was not written"
		failed=$((failed + 1))
		continue
	fi
	n=$((n + 1))
	# the page's script puts its verdict in the title: FITS|OVERFLOWS sw cw height
	verdict=$(browse --window-size=$width,800 --virtual-time-budget=2000 --dump-dom \
		"file://$(realpath "$html")" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
	set -- $verdict
	if [ "$1" != FITS ]; then
		echo "FAIL $page at ${width} px: ${verdict:-no verdict} (scrollWidth clientWidth height why)"
		failed=$((failed + 1))
	else
		echo "ok   $page at ${width} px: scrollWidth $2 <= clientWidth $3, $4 px tall"
	fi
	height=${4:-800}
	[ "$height" -ge 100 ] 2>/dev/null || height=800
	browse --window-size=$width,$height --screenshot="$(realpath "$out")/$page.png" \
		"file://$(realpath "$html")" >/dev/null
	[ -s "$out/$page.png" ] || { echo "FAIL $page: no screenshot"; failed=$((failed + 1)); }
done
echo "phone-test: $((n - failed)) of $total answers fit ${width} px; screenshots in $out/"
[ "$failed" -eq 0 ] && [ "$n" -eq "$total" ]
