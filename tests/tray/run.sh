#!/usr/bin/env bash
# End-to-end test of the deskcheck tray app on a virtual X display.
#
# Starts Xvfb, a D-Bus session with python3-dbusmock's notification server
# (capabilities "body actions"), trayer as the tray host and
# `deskcheck --demo`, then checks through the real D-Bus interfaces:
#   1. the tray icon is embedded in trayer (xdotool, screenshot);
#   2. the exported menu (com.canonical.dbusmenu) lists the demo bookings;
#   3. a "Check in to Desk 4.12?" notification arrives with a "Check in" action;
#   4. invoking that action makes the simulated tenant create exactly one
#      `manual` claim (counted in the tenant's log);
#   5. the menu then shows the booking as checked in, and a confirmation
#      notification follows.
#
# With --webdriver it runs the WebDriver test instead (webdriver.sh): through
# tauri-driver and WebKitWebDriver it opens the window, clicks "Check in" on
# the open reservation and checks for exactly one `manual` claim.
#
# Usage: tests/tray/run.sh [--webdriver] [--screenshots]
#   --webdriver    run the WebDriver test (needs tauri-driver 2 on PATH)
#   --notification render the check-in notification with dunst (screenshot only)
#   --screenshots  also write docs/screenshots/tray-menu.png (or window.png,
#                  notification.png)
# Environment:
#   DESKCHECK_BIN  binary to test (default: target/debug/deskcheck, built first)
#   TRAY_TEST_OUT  directory for logs and screenshots (default: target/tray-test/run-PID)
# Exits non-zero on the first failed check and prints what it saw.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tests/tray"
# One directory per run, so runs in parallel do not share logs or a home.
OUT="${TRAY_TEST_OUT:-$ROOT/target/tray-test/run-$$}"
PY=/usr/bin/python3

for tool in Xvfb dbus-run-session trayer xdotool import convert; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 2; }
done
"$PY" -c 'import dbus, dbusmock' || { echo "FAIL: python3-dbus and python3-dbusmock are required" >&2; exit 2; }

if [[ -z "${DESKCHECK_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build -p deskcheck)
  DESKCHECK_BIN="$ROOT/target/debug/deskcheck"
fi
export DESKCHECK_BIN OUT HERE ROOT PY

rm -rf "$OUT" && mkdir -p "$OUT"

# Xvfb picks a free display number and writes it to the -displayfd file.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$OUT/display" 2>"$OUT/xvfb.log" &
XVFB_PID=$!
trap 'kill "$XVFB_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ -s "$OUT/display" ]] && break
  kill -0 "$XVFB_PID" 2>/dev/null || break
  sleep 0.2
done
DISPLAY_NUMBER=$(tr -d '[:space:]' <"$OUT/display")
[[ -n "$DISPLAY_NUMBER" ]] || { echo "FAIL: Xvfb did not start" >&2; cat "$OUT/xvfb.log" >&2; exit 2; }
export DISPLAY=":$DISPLAY_NUMBER"
echo "Xvfb on $DISPLAY"

CHECKS="$HERE/inner.sh"
NAME="tray test"
SCREENSHOTS=()
for arg in "$@"; do
  case "$arg" in
    --webdriver) CHECKS="$HERE/webdriver.sh" NAME="WebDriver test" ;;
    --notification) CHECKS="$HERE/notification.sh" NAME="notification screenshot" ;;
    --screenshots) SCREENSHOTS=(--screenshots) ;;
    *) echo "unknown option $arg; use --webdriver, --notification or --screenshots" >&2; exit 2 ;;
  esac
done

status=0
dbus-run-session -- "$CHECKS" "${SCREENSHOTS[@]}" || status=$?
if [[ $status -eq 0 && ${#SCREENSHOTS[@]} -gt 0 && -f "$OUT/window.png" ]]; then
  mkdir -p "$ROOT/docs/screenshots"
  cp "$OUT/window.png" "$ROOT/docs/screenshots/window.png"
fi
if [[ $status -eq 0 ]]; then echo "PASS: $NAME"; else echo "FAIL: $NAME (logs in $OUT)"; fi
exit "$status"
