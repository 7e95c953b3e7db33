#!/bin/sh
# "make run": with a bot.toml, run the daemon on it; without one, open the
# console on a demo database seeded from bot.example.toml, so a newcomer
# can try every command at once.
set -e
if [ -f bot.toml ]; then
	exec ./caucus run -c bot.toml
fi
mkdir -p demo
echo "No bot.toml here: starting the console on a demo database (demo/caucus.db)"
echo "seeded from bot.example.toml.  Try: !help, !issues, !cover cyber, !who-covers cybersecurity"
exec ./caucus console -c bot.example.toml --db demo/caucus.db --as @alice:example.org --room coordination
