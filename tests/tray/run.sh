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
# Usage: tests/tray/run.sh [--screenshots]
#   --screenshots  also write docs/screenshots/tray-menu.png
# Environment:
#   DESKCHECK_BIN  binary to test (default: target/debug/deskcheck, built first)
#   TRAY_TEST_OUT  directory for logs and screenshots (default: target/tray-test)
# Exits non-zero on the first failed check and prints what it saw.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tests/tray"
OUT="${TRAY_TEST_OUT:-$ROOT/target/tray-test}"
PY=/usr/bin/python3

for tool in Xvfb dbus-run-session trayer xdotool import; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 2; }
done
"$PY" -c 'import dbus, dbusmock' || { echo "FAIL: python3-dbus and python3-dbusmock are required" >&2; exit 2; }

if [[ -z "${DESKCHECK_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build -p deskcheck)
  DESKCHECK_BIN="$ROOT/target/debug/deskcheck"
fi
export DESKCHECK_BIN OUT HERE ROOT PY

rm -rf "$OUT" && mkdir -p "$OUT"

# A display number nobody uses: Xvfb writes it to the -displayfd pipe.
exec 3< <(Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp 2>"$OUT/xvfb.log")
read -r -t 20 DISPLAY_NUMBER <&3 || { echo "FAIL: Xvfb did not start" >&2; cat "$OUT/xvfb.log" >&2; exit 2; }
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUMBER"
echo "Xvfb on $DISPLAY"

status=0
dbus-run-session -- "$HERE/inner.sh" "$@" || status=$?
kill "$XVFB_PID" 2>/dev/null || true
exec 3<&-
if [[ $status -eq 0 ]]; then echo "PASS: tray test"; else echo "FAIL: tray test (logs in $OUT)"; fi
exit "$status"
