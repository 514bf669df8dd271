#!/usr/bin/env bash
# Runs every deskcheck test: the workspace's Rust tests (unit, end to end
# against the simulated tenant, network namespaces, the CLI binary), the
# tray test under Xvfb with a real tray host and notification server, the
# window test through WebDriver, a short benchmark run, and a check of the
# Windows build. Needs what scripts/install-deps.sh installs; the network
# namespace tests need root and skip themselves otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "build"
cargo build --workspace --bins --locked
export DESKCHECK_BIN="$PWD/target/debug/deskcheck"

step "tray, notifications and menu (Xvfb, trayer, dbusmock)"
tests/tray/run.sh

step "window (tauri-driver, WebKitWebDriver)"
tests/tray/run.sh --webdriver

step "benchmark, short run on debug builds (checks that it works, not the figures)"
(cd bench/bare-tray && CARGO_TARGET_DIR="$PWD/../../target" cargo build --locked)
DESKCHECK_BIN="$PWD/target/debug/deskcheck" BARE_BIN="$PWD/target/debug/bare-tray" \
  BENCH_OUT="$PWD/target/bench-short" bench/run.sh --short

step "cargo check for Windows"
cargo check --locked --target x86_64-pc-windows-gnu -p deskcheck -p deskcheck-net

step "Rust tests"
cargo nextest run --workspace --locked --no-fail-fast
