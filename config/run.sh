#!/bin/sh
# "make run": with a bot.toml, run the daemon on it.  Without one, a demo:
# a throwaway Synapse on 127.0.0.1 (tests/homeserver/), the bot and a demo
# user registered, the coordination room and one room per issue of
# bot.example.toml created, the daemon started, and a small chat in this
# terminal as the demo user.  Everything lives in demo/ and is reused by
# the next run; the server and the daemon stop when the chat ends.
set -e
if [ -f bot.toml ]; then
	exec ./caucus run -c bot.toml
fi
if [ "$(id -u)" != 0 ]; then
	echo "No bot.toml here, and the demo homeserver needs root (chroot)."
	echo "Run 'make run' as root, or try the commands without a server:"
	echo "  ./caucus console -c bot.example.toml --db demo/caucus.db"
	exit 1
fi
here=$(pwd)
mkdir -p demo
hs=$here/demo/hs
if [ -f "$hs/pid" ] && kill -0 "$(cat "$hs/pid")" 2>/dev/null; then
	base=$(cat "$hs/base_url")
else
	port=${HS_PORT:-8008}
	# take the next free port if 8008 is busy
	while curl --noproxy '*' -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; [ $? != 7 ]; do
		port=$((port + 1))
	done
	echo "demo: starting a throwaway homeserver (first time: builds a Debian chroot, about a minute)"
	base=$(tests/homeserver/start.sh "$hs" "$port")
fi
[ -s demo/bot.password ] || (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >demo/bot.password)
botpw=$(cat demo/bot.password)
bot=$(tests/homeserver/register.sh "$base" caucus "$botpw" 2>/dev/null)
tests/homeserver/register.sh "$base" demo demo admin >/dev/null 2>&1
server=${bot#*:}
sed -e "s|^homeserver = .*|homeserver = \"$base\"|" \
	-e "s|^password = .*|password = \"$botpw\"|" \
	-e "s|@alice:example.org|@demo:$server|g" \
	-e "s|example.org|$server|g" \
	bot.example.toml >demo/bot.toml
/usr/bin/python3 config/demo.py setup "$base" demo/bot.toml "$bot"
./caucus run -c demo/bot.toml 2>>demo/caucus.log &
daemon=$!
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; tests/homeserver/stop.sh "$hs" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
echo "demo: the bot runs as $bot (log: demo/caucus.log)"
/usr/bin/python3 config/demo.py chat "$base" demo/bot.toml "$bot"
