#!/usr/bin/env bash
# Runs the end-to-end tests of the real app under one Xvfb display. Each test file gets a world of
# its own, so no test depends on what another left behind: a private D-Bus session with its own
# gnome-keyring as the Secret Service, its own tauri-driver + WebKitWebDriver, app data directory
# and real portal server (with its own database) on loopback.
#
# Everything ends by itself:
#   E2E_TEST_TIMEOUT   seconds for one test file (default 600)
#   E2E_SUITE_TIMEOUT  seconds for the whole run (default: every file's time, plus 2 minutes)
# and on the way out every process the run started is ended (found by a marker in its environment).
# E2E_ONLY="path/to/one.e2e.mjs ..." runs just those files.
#
# Each test's logs (test.log, tauri-driver.log, app.log, server.log, keyring.log) and, on failure,
# error.txt, screenshot.png (if ImageMagick's import is installed) and the page's text (page.txt,
# page.html) go to target/e2e-output/<test>/.
# Expects target/debug/portal-app and target/debug/portal-server to be built (or PORTAL_APP_BIN and
# PORTAL_SERVER_BIN to name others).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out_root="$root/target/e2e-output"
mode="${1:-}"

# The processes still running whose environment holds the line $1 (NAME=VALUE), this shell aside:
# whatever a run or a test started, even where it was re-parented, and nothing else.
marked_pids() {
  local pid
  for pid in $({ grep -lszxF "$1" /proc/[0-9]*/environ || true; } | cut -d/ -f3); do
    if [ "$pid" != "$$" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
  done
}

# Ends those processes: TERM, up to 3 s to go, then KILL.
kill_marked() {
  local pids
  pids="$(marked_pids "$1")"
  [ -n "$pids" ] || return 0
  echo "e2e: ending leftover processes: $(ps -o comm= -p "$(echo $pids | tr ' ' ,)" | tr '\n' ' ')"
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 30); do
    [ -n "$(marked_pids "$1")" ] || return 0
    sleep 0.1
  done
  kill -KILL $(marked_pids "$1") 2>/dev/null || true
}

# Three free TCP ports on loopback, held at once so that they differ.
free_ports() {
  python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))'
}

case "$mode" in
"")
  # The whole run: checks, a time limit, and the sweep on the way out.
  export PORTAL_APP_BIN="${PORTAL_APP_BIN:-$root/target/debug/portal-app}"
  export PORTAL_SERVER_BIN="${PORTAL_SERVER_BIN:-$root/target/debug/portal-server}"
  for bin in "$PORTAL_APP_BIN" "$PORTAL_SERVER_BIN"; do
    [ -x "$bin" ] || { echo "e2e: $bin is not built" >&2; exit 2; }
  done
  if [ -n "${E2E_ONLY:-}" ]; then read -ra tests <<< "$E2E_ONLY"; else tests=("$here"/*.e2e.mjs); fi
  export E2E_TEST_TIMEOUT="${E2E_TEST_TIMEOUT:-600}"
  suite_timeout="${E2E_SUITE_TIMEOUT:-$((${#tests[@]} * E2E_TEST_TIMEOUT + 120))}"
  export E2E_RUN_ID="$$-$RANDOM$RANDOM"
  rm -rf "$out_root"
  mkdir -p "$out_root"
  trap 'kill_marked "E2E_RUN_ID=$E2E_RUN_ID"' EXIT
  trap 'exit 130' INT TERM
  # In the background, so that a signal to this script is handled at once.
  timeout -k 15 "$suite_timeout" xvfb-run -a -s "-screen 0 1600x1000x24" "$0" --suite "${tests[@]}" &
  status=0
  wait $! || status=$?
  if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    echo "e2e: the suite was stopped after its time limit of $suite_timeout s (E2E_SUITE_TIMEOUT)"
  fi
  exit $status
  ;;

--suite)
  # Inside Xvfb: each test file in a D-Bus session of its own, with a time limit.
  shift
  status=0
  results=()
  for test in "$@"; do
    name="$(basename "$test" .e2e.mjs)"
    mkdir -p "$out_root/$name"
    export E2E_TEST_ID="$E2E_RUN_ID/$name"
    echo "== e2e $name"
    rc=0
    timeout -k 15 "$E2E_TEST_TIMEOUT" dbus-run-session -- "$0" --test "$test" || rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      echo "e2e $name: stopped after its time limit of $E2E_TEST_TIMEOUT s (E2E_TEST_TIMEOUT)" | tee -a "$out_root/$name/test.log"
    fi
    kill_marked "E2E_TEST_ID=$E2E_TEST_ID" # whatever the test left running, before the next starts
    if [ $rc -eq 0 ]; then
      results+=("passed  $name")
    else
      status=1
      results+=("FAILED  $name  (target/e2e-output/$name)")
      for log in tauri-driver app server keyring; do
        [ -s "$out_root/$name/$log.log" ] || continue
        echo "-- $name: last lines of $log.log"
        tail -n 20 "$out_root/$name/$log.log"
      done
    fi
  done
  printf '\n== e2e results\n'
  printf '%s\n' "${results[@]}" | tee "$out_root/results.txt"
  exit $status
  ;;

--test)
  # Inside this test's own D-Bus session: the keyring, tauri-driver, then the test itself.
  test="$2"
  name="$(basename "$test" .e2e.mjs)"
  out="$out_root/$name"
  scratch="$(mktemp -d)"
  trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT
  trap 'exit 143' TERM
  export WEBKIT_DISABLE_COMPOSITING_MODE=1

  # The Secret Service, unlocked, with a keyring of its own (not the user's): run as a job of this
  # script, so that its log is kept and its end is noticed. Ready when it owns its name on the bus.
  mkdir -p "$out" "$scratch/keyring-data"
  echo -n e2e-keyring-password |
    XDG_DATA_HOME="$scratch/keyring-data" gnome-keyring-daemon --foreground --unlock --components=secrets \
      > "$scratch/keyring.env" 2> "$out/keyring.log" &
  keyring_pid=$!
  secrets_on_bus() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"
  }
  for _ in $(seq 100); do secrets_on_bus && break; sleep 0.1; done
  secrets_on_bus || { echo "e2e $name: gnome-keyring-daemon did not start; see keyring.log" | tee "$out/test.log"; exit 1; }
  set -a # the daemon prints GNOME_KEYRING_CONTROL (unless XDG_RUNTIME_DIR says where it is)
  eval "$(cat "$scratch/keyring.env")"
  set +a

  read -r server_port driver_port native_port < <(free_ports)
  export PORTAL_SERVER_URL="http://127.0.0.1:$server_port"
  export PORTAL_APP_DATA_DIR="$scratch/app"
  export PORTAL_APP_DOWNLOADS_DIR="$scratch/downloads"
  export E2E_SERVER_DIR="$scratch/server"
  export E2E_OUTPUT_DIR="$out"
  export PORTAL_LOG="${PORTAL_LOG:-warn}"
  mkdir -p "$PORTAL_APP_DATA_DIR" "$E2E_SERVER_DIR"

  # WebKitWebDriver sends the app's stdout nowhere: WebDriver starts the app through this launcher,
  # which keeps its output in app.log.
  export E2E_APP_LAUNCHER="$scratch/portal-app"
  cat > "$E2E_APP_LAUNCHER" <<EOF
#!/bin/sh
echo "== app started \$(date -u +%FT%TZ)" >> '$out/app.log'
exec '$PORTAL_APP_BIN' "\$@" >> '$out/app.log' 2>&1
EOF
  chmod +x "$E2E_APP_LAUNCHER"

  driver_bin="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
  [ -x "$driver_bin" ] || { echo "e2e: tauri-driver is not installed (scripts/setup --tests)" >&2; exit 1; }
  "$driver_bin" --port "$driver_port" --native-port "$native_port" > "$out/tauri-driver.log" 2>&1 &
  export E2E_DRIVER_URL="http://127.0.0.1:$driver_port"

  status=0
  node "$test" 2>&1 | tee "$out/test.log" || status=$?
  if ! kill -0 "$keyring_pid" 2>/dev/null; then
    echo "e2e $name: the Secret Service (gnome-keyring-daemon) ended during the test; see keyring.log" | tee -a "$out/test.log"
    status=1
  fi
  exit $status
  ;;

*)
  echo "usage: $0 (run by itself; E2E_ONLY, E2E_TEST_TIMEOUT and E2E_SUITE_TIMEOUT tune it)" >&2
  exit 2
  ;;
esac
