#!/usr/bin/env bash
# Installs what building deskcheck and running its tests need on Debian 12
# or Ubuntu 22.04+: the WebKitGTK and tray libraries Tauri links against,
# the virtual display, D-Bus and notification server the tray tests drive,
# iproute2 for the network-namespace tests, and the MinGW linker for the
# Windows check. Run as root (or through sudo).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo "$0" "$@"
fi

packages=(
  # Tauri 2 on Linux
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libdbus-1-dev
  # Tray, notification and window tests
  xvfb trayer xdotool imagemagick dbus dbus-x11 python3-dbusmock python3-dbus
  webkit2gtk-driver
  # Network detection tests
  iproute2
  # cargo check for Windows
  gcc-mingw-w64-x86-64
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${packages[@]}"

# The Rust parts are installed for the user who asked, not for root.
user_home=$(getent passwd "${SUDO_USER:-root}" | cut -d: -f6)
as_user() {
  if [[ -n "${SUDO_USER:-}" ]]; then sudo -u "$SUDO_USER" -H "$@"; else "$@"; fi
}
export PATH="$user_home/.cargo/bin:$PATH"
as_user rustup target add x86_64-pc-windows-gnu
if ! as_user cargo nextest --version >/dev/null 2>&1; then
  as_user cargo install cargo-nextest --locked
fi
if ! command -v tauri-driver >/dev/null 2>&1; then
  as_user cargo install tauri-driver --version '^2' --locked
fi
