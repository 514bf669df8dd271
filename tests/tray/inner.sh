#!/usr/bin/env bash
# The checks of tests/tray/run.sh, run inside its Xvfb display and D-Bus
# session. Run run.sh, not this script.
set -euo pipefail

CTL=("$PY" "$HERE/trayctl.py")
export TRAYCTL_CACHE="$OUT/menu-object"
SCREENSHOTS=0
[[ "${1:-}" == "--screenshots" ]] && SCREENSHOTS=1

# No accessibility bus or desktop portal exists in this session.
export NO_AT_BRIDGE=1 GTK_USE_PORTAL=0 WEBKIT_DISABLE_COMPOSITING_MODE=1
export RUST_LOG="${RUST_LOG:-info,deskcheck=debug}"
# A fresh home, so demo claims and autostart entries of earlier runs (and
# of the person running the test) play no part.
export HOME="$OUT/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- menu ---"; "${CTL[@]}" menu || true
  echo "--- notifications ---"; "${CTL[@]}" notifications || true
  echo "--- app log (last 40 lines) ---"; tail -n 40 "$OUT/app.log" || true
  exit 1
}

step() { echo "== $*"; }

"$PY" -m dbusmock --session -t notification_daemon -p '{"capabilities": "body actions"}' \
  >"$OUT/dbusmock.log" 2>&1 &
pids+=($!)
trayer --edge top --align right --widthtype request --height 32 --SetDockType true \
  --transparent false --tint 0x303030 >"$OUT/trayer.log" 2>&1 &
pids+=($!)
"${CTL[@]}" wait-name org.freedesktop.Notifications 20 >/dev/null || fail "the mock notification server did not start"

"$DESKCHECK_BIN" --demo >"$OUT/app.log" 2>&1 &
APP_PID=$!
pids+=("$APP_PID")

step "tray menu lists the demo bookings"
"${CTL[@]}" wait-menu '^Check in to Desk 4\.12 \(' 60 || fail "no 'Check in to Desk 4.12' item in the menu"
"${CTL[@]}" menu >"$OUT/menu-before.json"
for label in '^Desk 4\.12 · .*check-in open' '^Room 4\.01 · ' '^Contoso HQ 4 desk pool · ' \
  '^Simulate arriving at the office$' '^Open deskcheck$' '^Quit$'; do
  "${CTL[@]}" wait-menu "$label" 5 >/dev/null || fail "menu item matching /$label/ is missing"
done

step "tray icon is embedded in trayer"
kill -0 "$APP_PID" || fail "deskcheck exited"
TRAYER_WINDOW=$(xdotool search --onlyvisible --class trayer | tail -n 1 || true)
[[ -n "$TRAYER_WINDOW" ]] || fail "trayer has no window"
eval "$(xdotool getwindowgeometry --shell "$TRAYER_WINDOW")"
echo "trayer window $TRAYER_WINDOW at $X,$Y size ${WIDTH}x$HEIGHT"
(( WIDTH >= 16 )) || fail "trayer is ${WIDTH} px wide, so no icon is embedded"
import -window root "$OUT/tray.png"
# Share of the tray area in the orange of icons/tray/check-in-open.png.
orange=$(convert "$OUT/tray.png" -crop "${WIDTH}x${HEIGHT}+$X+$Y" +repage -fuzz 12% \
  -fill black +opaque '#d97706' -fill white -opaque '#d97706' -colorspace Gray -format '%[fx:mean]' info:)
echo "orange share of the tray area: $orange"
awk -v share="$orange" 'BEGIN { exit !(share > 0.05) }' || fail "no check-in-open (orange) icon in the tray"

if (( SCREENSHOTS )); then
  step "screenshot of the open menu"
  xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT / 2)) click 1
  xdotool search --sync --onlyvisible --class deskcheck >/dev/null
  import -window root "$OUT/tray-menu.png"
  xdotool key Escape
fi

step "notification with a Check in action"
NOTE=$("${CTL[@]}" wait-notify '^Check in to Desk 4\.12\?$' 30) || fail "no check-in notification"
echo "$NOTE"
echo "$NOTE" | grep -q '"check_in": "Check in"' || fail "the notification has no 'Check in' action"
NOTE_ID=$(echo "$NOTE" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["id"])')

manual_claims() { grep -c 'check-in claim created.*method.*"manual"' "$OUT/app.log" || true; }
[[ "$(manual_claims)" == 0 ]] || fail "a manual claim exists before the action"

step "invoking Check in posts one manual claim"
"${CTL[@]}" invoke-action "$NOTE_ID" check_in
"${CTL[@]}" wait-menu '^Desk 4\.12 · .*✓ checked in$' 30 || fail "the menu does not show Desk 4.12 as checked in"
"${CTL[@]}" wait-notify '^Checked in to Desk 4\.12$' 20 || fail "no confirmation notification"
claims=$(manual_claims)
[[ "$claims" == 1 ]] || fail "the tenant created $claims manual claims, expected 1"
"${CTL[@]}" menu >"$OUT/menu-after.json"
if grep -q '"label": "Check in to Desk 4.12' "$OUT/menu-after.json"; then
  fail "the menu still offers 'Check in to Desk 4.12' after the claim"
fi

if (( SCREENSHOTS )); then
  mkdir -p "$ROOT/docs/screenshots"
  # The top-right corner: the tray icon and the open menu.
  convert "$OUT/tray-menu.png" -gravity NorthEast -crop 520x400+0+0 +repage "$ROOT/docs/screenshots/tray-menu.png"
fi
echo "checks passed; logs and screenshots in $OUT"
