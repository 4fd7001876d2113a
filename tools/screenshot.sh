#!/usr/bin/env bash
# Render an HTML report to PNG with headless Chromium (for reviewing reports and the README screenshots).
# usage: tools/screenshot.sh page.html out.png [width] [height]
set -euo pipefail
page=$(realpath "$1"); out=$(realpath -m "$2"); w=${3:-1280}; h=${4:-2400}
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$w,$h" --screenshot="$out" "file://$page" >/dev/null 2>&1
rm -rf "$profile"
echo "$out"
