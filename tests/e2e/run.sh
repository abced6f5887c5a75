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
# The Secret Service, unlocked, inside this D-Bus session only.
eval "$(echo -n e2e-keyring-password | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

scratch="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT
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
if [ $status -ne 0 ]; then
  [ -f "$scratch/failure.png" ] && cp "$scratch/failure.png" "$root/target/e2e-failure.png" && echo "screenshot: target/e2e-failure.png"
  tail -20 "$scratch/tauri-driver.log" || true
fi
exit $status
