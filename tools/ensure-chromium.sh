#!/usr/bin/env bash
# Make Debian's chromium available for the browser tests (tests/test_browser.py), which load every report in
# headless Chromium. `make test` runs this first. It installs chromium only as root with apt-get (CI, a fresh
# Debian machine); anywhere else it says why not, and the browser tests skip with that reason.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and there is no apt-get here (not Debian/Ubuntu):" \
       "install Chromium by hand to run the browser tests; they will be skipped."
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing and this is not root: run" \
       "'sudo apt-get install chromium' to run the browser tests; they will be skipped."
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }; then
  echo "ensure-chromium: apt-get could not install chromium; the browser tests will fail and say so." >&2
fi
exit 0
