#!/usr/bin/env bash
# The WebDriver test of tests/tray/run.sh --webdriver, run inside its Xvfb
# display and D-Bus session. Run run.sh, not this script.
set -euo pipefail

export NO_AT_BRIDGE=1 GTK_USE_PORTAL=0 WEBKIT_DISABLE_COMPOSITING_MODE=1
export RUST_LOG="${RUST_LOG:-info,deskcheck=debug}"
export HOME="$OUT/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
export DESKCHECK_OPEN_WINDOW=1

TAURI_DRIVER="${TAURI_DRIVER:-tauri-driver}"
command -v "$TAURI_DRIVER" >/dev/null || { echo "FAIL: tauri-driver not found; cargo install tauri-driver --version '^2' --locked"; exit 2; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$PY" -m dbusmock --session -t notification_daemon -p '{"capabilities": "body actions"}' \
  >"$OUT/dbusmock.log" 2>&1 &
pids+=($!)

# tauri-driver launches deskcheck; the app's log goes to the driver's output.
"$TAURI_DRIVER" --port 4444 --native-driver "$(command -v WebKitWebDriver)" >"$OUT/app.log" 2>&1 &
pids+=($!)
"$PY" - <<'PY' || { echo "FAIL: tauri-driver is not listening on 127.0.0.1:4444"; cat "$OUT/app.log"; exit 1; }
import socket, time
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", 4444), timeout=1).close()
        raise SystemExit(0)
    except OSError:
        time.sleep(0.2)
raise SystemExit(1)
PY

status=0
"$PY" "$HERE/webdriver.py" "$DESKCHECK_BIN" "$OUT/app.log" "$OUT/window.png" || status=$?
if (( status != 0 )); then
  echo "--- app log (last 40 lines) ---"; tail -n 40 "$OUT/app.log"
fi
exit "$status"
