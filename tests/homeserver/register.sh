#!/bin/sh
# Register a user on a homeserver started by start.sh, through Synapse's
# shared-secret admin API (/_synapse/admin/v1/register), and print its user
# ID. A user that already exists (M_USER_IN_USE) is not an error, so the
# script can run before every test.
#
#   tests/homeserver/register.sh BASE_URL USER PASSWORD [admin]
#
# The shared secret is read from the server's data directory: $HS_DATA_DIR if
# set, else the one start.sh recorded for BASE_URL's port. $HS_SHARED_SECRET,
# if set, is used as is (then the server name is $HS_SERVER_NAME, localhost).
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/common.sh"

[ $# -ge 3 ] && [ $# -le 4 ] || hs_die "usage: $0 BASE_URL USER PASSWORD [admin]"
base=${1%/}
user=$2
password=$3
admin=${4:-}
case $admin in
'' | admin) ;;
*) hs_die "the fourth argument may only be 'admin' (got '$admin')" ;;
esac

if [ -n "${HS_SHARED_SECRET-}" ]; then
	secret=$HS_SHARED_SECRET
	server_name=${HS_SERVER_NAME:-localhost}
else
	data=${HS_DATA_DIR-}
	if [ -z "$data" ]; then
		port=$(printf '%s\n' "$base" | sed -n 's|^https\{0,1\}://[^/]*:\([0-9][0-9]*\)$|\1|p')
		[ -n "$port" ] || hs_die "cannot tell the port from '$base'; set HS_DATA_DIR"
		[ -r "$HS_INSTANCES/$port" ] ||
			hs_die "no homeserver recorded for port $port by start.sh; set HS_DATA_DIR"
		data=$(cat "$HS_INSTANCES/$port")
	fi
	[ -r "$data/registration_shared_secret" ] ||
		hs_die "$data/registration_shared_secret missing or unreadable (was the server started by start.sh?)"
	secret=$(cat "$data/registration_shared_secret")
	server_name=$(cat "$data/server_name" 2>/dev/null || echo localhost)
fi

py=$(command -v python3 || true)
[ -n "$py" ] || hs_die "python3 is needed on the host"

# Values go through the environment, not the command line or JSON built by
# the shell, so any password is safe.
HS_BASE=$base HS_USER=$user HS_PASSWORD=$password HS_ADMIN=$admin \
	HS_SECRET=$secret HS_NAME=$server_name "$py" - <<'EOF'
import hashlib, hmac, json, os, sys, urllib.error, urllib.request

base, user, password = os.environ["HS_BASE"], os.environ["HS_USER"], os.environ["HS_PASSWORD"]
admin = os.environ["HS_ADMIN"] == "admin"
url = base + "/_synapse/admin/v1/register"
# Loopback only: ignore any proxy settings in the environment.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(req):
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"error": body.decode(errors="replace")}
    except OSError as e:
        sys.exit(f"register: cannot reach {url}: {e}")


status, body = call(urllib.request.Request(url))
if status != 200 or "nonce" not in body:
    sys.exit(f"register: GET {url} gave HTTP {status}: {body}")
nonce = body["nonce"]
mac = hmac.new(os.environ["HS_SECRET"].encode(), digestmod=hashlib.sha1)
for part in (nonce, user, password):
    mac.update(part.encode())
    mac.update(b"\x00")
mac.update(b"admin" if admin else b"notadmin")
payload = {"nonce": nonce, "username": user, "password": password,
           "admin": admin, "mac": mac.hexdigest()}
req = urllib.request.Request(url, data=json.dumps(payload).encode(),
                             headers={"Content-Type": "application/json"})
status, body = call(req)
if status == 200:
    print(body["user_id"])
elif body.get("errcode") == "M_USER_IN_USE":
    print(f"register: {user} already exists", file=sys.stderr)
    print(f"@{user.lower()}:{os.environ['HS_NAME']}")
else:
    sys.exit(f"register: POST {url} gave HTTP {status}: {body}")
EOF
