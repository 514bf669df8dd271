#!/usr/bin/env bash
# Renders deskcheck's check-in notification with dunst, a real notification
# server, and saves a screenshot: run.sh --notification. The mock server of
# the other checks has no UI, so this is for the screenshot only.
set -euo pipefail

command -v dunst >/dev/null || { echo "FAIL: dunst is not installed (apt-get install dunst)"; exit 2; }
export NO_AT_BRIDGE=1 GTK_USE_PORTAL=0
export HOME="$OUT/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$XDG_CONFIG_HOME/dunst" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
cat >"$XDG_CONFIG_HOME/dunst/dunstrc" <<'RC'
[global]
    font = Sans 11
    width = 420
    offset = 12x44
    origin = top-right
    frame_width = 2
    frame_color = "#d97706"
    padding = 10
    horizontal_padding = 12
    format = "<b>%s</b>\n%b"
[urgency_normal]
    background = "#ffffff"
    foreground = "#1f2328"
    timeout = 0
RC

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

dunst -config "$XDG_CONFIG_HOME/dunst/dunstrc" >"$OUT/dunst.log" 2>&1 &
pids+=($!)
"$PY" "$HERE/trayctl.py" wait-name org.freedesktop.Notifications 20 >/dev/null
trayer --edge top --align right --widthtype request --height 32 --SetDockType true \
  --transparent false --tint 0x303030 >"$OUT/trayer.log" 2>&1 &
pids+=($!)

RUST_LOG=info "$DESKCHECK_BIN" --demo >"$OUT/app.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do
  grep -q 'check-in prompt shown' "$OUT/app.log" && break
  sleep 0.2
done
grep -q 'check-in prompt shown' "$OUT/app.log" || { echo "FAIL: no prompt shown"; tail -20 "$OUT/app.log"; exit 1; }
# dunst draws on its next frame; wait until its window is mapped.
xdotool search --sync --onlyvisible --class Dunst >/dev/null
import -window root "$OUT/notification-full.png"
convert "$OUT/notification-full.png" -gravity NorthEast -crop 480x220+0+0 +repage "$OUT/notification.png"
if [[ "${1:-}" == "--screenshots" ]]; then
  mkdir -p "$ROOT/docs/screenshots"
  cp "$OUT/notification.png" "$ROOT/docs/screenshots/notification.png"
fi
echo "notification screenshot in $OUT/notification.png"
