#!/bin/sh
# Regenerates the app and tray icons with ImageMagick. Run from any directory.
set -eu
cd "$(dirname "$0")"
mkdir -p tray

# App icon: a blue rounded square with a white check mark, drawn at 512 px.
convert -size 512x512 xc:none \
  -fill '#1f6feb' -draw 'roundrectangle 16,16 496,496 96,96' \
  -stroke white -strokewidth 64 -fill none -draw 'stroke-linecap round stroke-linejoin round polyline 128,270 220,362 392,170' \
  icon.png
convert icon.png -resize 32x32 32x32.png
convert icon.png -resize 128x128 128x128.png
convert icon.png -resize 256x256 128x128@2x.png
convert icon.png -define icon:auto-resize=256,128,64,48,32,16 icon.ico

# Tray icons, drawn at 64 px with thick strokes so they stay legible when
# the panel scales them to 22 px.
circle() { # colour, output, extra draw arguments...
  colour=$1; out=$2; shift 2
  convert -size 64x64 xc:none -fill "$colour" -draw 'circle 32,32 32,3' "$@" "$out"
}
circle '#2da44e' tray/checked-in.png \
  -stroke white -strokewidth 8 -fill none -draw 'stroke-linecap round stroke-linejoin round polyline 17,33 28,44 47,22'
circle '#d97706' tray/check-in-open.png \
  -fill white -draw 'roundrectangle 27,12 37,40 4,4' -draw 'circle 32,50 32,44'
circle '#cf222e' tray/error.png \
  -stroke white -strokewidth 8 -draw 'line 20,20 44,44' -draw 'line 44,20 20,44'
# Nothing booked today: a grey ring with a short dash.
convert -size 64x64 xc:none -stroke '#6e7781' -strokewidth 7 -fill none \
  -draw 'circle 32,32 32,6' -fill '#6e7781' -stroke none \
  -draw 'roundrectangle 18,28 46,36 3,3' tray/idle.png
# Signed out: a grey ring with a diagonal bar.
convert -size 64x64 xc:none -stroke '#6e7781' -strokewidth 7 -fill none \
  -draw 'circle 32,32 32,6' -draw 'line 14,50 50,14' tray/signed-out.png

# Preview strip of the tray icons at 22 px, for checking legibility.
convert -background '#2b2b2b' tray/signed-out.png tray/idle.png \
  tray/check-in-open.png tray/checked-in.png tray/error.png \
  -resize 22x22 +append -bordercolor '#2b2b2b' -border 4 tray/preview-22px.png
