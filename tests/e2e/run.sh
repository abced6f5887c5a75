#!/usr/bin/env bash
# Runs the end-to-end tests of the real app: Xvfb, a private D-Bus session with gnome-keyring as
# the Secret Service, tauri-driver + WebKitWebDriver, and a real portal server on loopback.
# Expects target/debug/portal-app and target/debug/portal-server to be built.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -z "${E2E_INSIDE:-}" ]; then
  export E2E_INSIDE=1
  exec xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- "$0" "$@"
fi

export WEBKIT_DISABLE_COMPOSITING_MODE=1
scratch="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT

# The Secret Service, unlocked, inside this D-Bus session only, with a keyring of its own (not the
# user's): run as a job of this script, so that its log is kept and its end is noticed.
mkdir -p "$scratch/keyring-data"
echo -n e2e-keyring-password |
  XDG_DATA_HOME="$scratch/keyring-data" gnome-keyring-daemon --foreground --unlock --components=secrets \
    > "$scratch/keyring.env" 2> "$scratch/keyring.log" &
keyring_pid=$!
for _ in $(seq 100); do grep -q GNOME_KEYRING_CONTROL "$scratch/keyring.env" 2>/dev/null && break; sleep 0.1; done
eval "$(cat "$scratch/keyring.env")"
export GNOME_KEYRING_CONTROL
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PORTAL_APP_BIN="$root/target/debug/portal-app"
export PORTAL_SERVER_BIN="$root/target/debug/portal-server"
export PORTAL_SERVER_URL="http://127.0.0.1:$port"
export PORTAL_APP_DATA_DIR="$scratch/app"
export E2E_SERVER_DIR="$scratch/server"
export PORTAL_LOG="${PORTAL_LOG:-warn}"
mkdir -p "$PORTAL_APP_DATA_DIR" "$E2E_SERVER_DIR"

driver_bin="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
"$driver_bin" --port 4444 > "$scratch/tauri-driver.log" 2>&1 &

status=0
# E2E_ONLY=path/to/one.e2e.mjs runs just that one.
for test in ${E2E_ONLY:-"$root"/tests/e2e/*.e2e.mjs}; do
  node "$test" || status=1
done
if ! kill -0 "$keyring_pid" 2>/dev/null; then
  echo "the Secret Service (gnome-keyring-daemon) ended during the tests; its log:"
  cat "$scratch/keyring.log" || true
  status=1
fi
if [ $status -ne 0 ]; then
  [ -f "$scratch/failure.png" ] && cp "$scratch/failure.png" "$root/target/e2e-failure.png" && echo "screenshot: target/e2e-failure.png"
  tail -20 "$scratch/tauri-driver.log" || true
  tail -20 "$scratch/keyring.log" || true
fi
exit $status
