#!/usr/bin/env bash
# Render an HTML report to PNG with headless Chromium (for reviewing reports and the README screenshots).
# usage: tools/screenshot.sh [--width W] [--height H] page.html out.png [W] [H]
#   --width 390 shows the page as on a phone (390 CSS pixels wide, a real mobile viewport through Playwright);
#   the default is a 1280-pixel laptop screen. The height is how much of the page is captured (default 2400).
set -euo pipefail
w=1280; h=2400; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --width) w=$2; shift 2 ;;
    --width=*) w=${1#*=}; shift ;;
    --height) h=$2; shift 2 ;;
    --height=*) h=${1#*=}; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -ge 2 ] || { sed -n '2,5p' "$0" >&2; exit 2; }
w=${args[2]:-$w}; h=${args[3]:-$h}
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-$here/../.venv/bin/python}
exec "$python" "$here/screenshot.py" --width "$w" --height "$h" "${args[0]}" "${args[1]}"
