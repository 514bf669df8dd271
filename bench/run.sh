#!/usr/bin/env bash
# Benchmark of the deskcheck release build next to a bare Tauri 2 tray app
# (bench/bare-tray), printed as one table with the targets. See
# docs/BENCHMARKS.md for the method and the latest figures.
#
# Usage: bench/run.sh [--short] [--build]
#   --short  seconds instead of minutes and few runs, for CI. Fails when the
#            benchmark breaks (binary missing, app does not start, a figure
#            missing), never because a target is missed.
#   --build  build both release binaries first
# Environment:
#   DESKCHECK_BIN  deskcheck binary (default: target/release/deskcheck)
#   BARE_BIN       bare app binary (default: target/bench-bare/release/bare-tray)
#   BENCH_OUT      directory for logs and results (default: target/bench)
# Needs root for the network namespaces of the join-to-claim row.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/bench"
PY=/usr/bin/python3
SHORT=0
BUILD=0
for arg in "$@"; do
  case "$arg" in
    --short) SHORT=1 ;;
    --build) BUILD=1 ;;
    *) echo "error: unknown option '$arg'; use --short and/or --build" >&2; exit 2 ;;
  esac
done

DESKCHECK_BIN="${DESKCHECK_BIN:-$ROOT/target/release/deskcheck}"
BARE_BIN="${BARE_BIN:-$ROOT/target/bench-bare/release/bare-tray}"
OUT="${BENCH_OUT:-$ROOT/target/bench}"

for tool in Xvfb dbus-run-session trayer xdotool strip ip; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 2; }
done
"$PY" -c 'import dbus, dbusmock' 2>/dev/null \
  || { echo "FAIL: python3-dbus and python3-dbusmock are required" >&2; exit 2; }

if (( BUILD )); then
  (cd "$ROOT" && cargo build --release -p deskcheck)
  (cd "$HERE/bare-tray" && CARGO_TARGET_DIR="$ROOT/target/bench-bare" cargo build --release)
fi
for bin in "$DESKCHECK_BIN" "$BARE_BIN"; do
  [[ -x "$bin" ]] || { echo "FAIL: $bin is missing; build it or pass --build" >&2; exit 2; }
done

if (( SHORT )); then
  SESSION_ARGS=(--runs 2 --settle 5 --cpu 5 --after-window 3)
  # Just over one sync period, so one sync after start-up is counted.
  GRAPH_SECONDS=70
  JOIN_ARGS=(--runs 3 --timeout 5)
else
  SESSION_ARGS=(--runs 10 --settle 60 --cpu 300 --after-window 30)
  GRAPH_SECONDS=600
  JOIN_ARGS=(--runs 50 --timeout 10)
fi
COMMON=(--out "$OUT" --deskcheck "$DESKCHECK_BIN" --bare "$BARE_BIN")

rm -rf "$OUT" && mkdir -p "$OUT/logs"
status=0

# The Graph count runs beside the desktop steps: it is one idle process
# that wakes once a minute.
echo "== Graph requests of an idle watch ($GRAPH_SECONDS s, in the background)"
"$PY" "$HERE/lib/bench.py" graph "${COMMON[@]}" --seconds "$GRAPH_SECONDS" &
GRAPH_PID=$!

echo "== cold start, idle memory and CPU (Xvfb, trayer, D-Bus session)"
exec 3< <(Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp 2>"$OUT/logs/xvfb.log")
read -r -t 20 DISPLAY_NUMBER <&3 || { echo "FAIL: Xvfb did not start" >&2; kill "$GRAPH_PID"; exit 2; }
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUMBER"
# The session bus and the services it activates write to this log.
if ! dbus-run-session -- "$PY" "$HERE/lib/bench.py" session "${COMMON[@]}" "${SESSION_ARGS[@]}" \
  2>"$OUT/logs/session.log"; then
  status=1
  echo "FAIL: the desktop steps failed; last lines of $OUT/logs/session.log:" >&2
  tail -n 30 "$OUT/logs/session.log" >&2
fi
kill "$XVFB_PID" 2>/dev/null || true
exec 3<&-

echo "== waiting for the Graph count"
wait "$GRAPH_PID" || status=1

echo "== network join to claim (network namespaces)"
"$PY" "$HERE/lib/bench.py" netjoin "${COMMON[@]}" "${JOIN_ARGS[@]}" || status=1

echo
REPORT_ARGS=("${COMMON[@]}")
(( SHORT )) && REPORT_ARGS+=(--short)
"$PY" "$HERE/lib/bench.py" report "${REPORT_ARGS[@]}" || status=1
echo "logs and JSON results in $OUT"
exit "$status"
