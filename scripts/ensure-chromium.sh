#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (tests/web).
# Playwright's own browser downloads are not used: the project installs Debian's package.
# Quiet when all is well; exits non-zero with a clear message when it cannot install it.
set -u

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

fail() {
  echo "ensure-chromium: $*" >&2
  echo "ensure-chromium: the browser tests in tests/web will be skipped until Chromium is installed." >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  fail "$CHROMIUM is missing and this is not root; install it with: sudo apt-get install -y chromium"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  fail "$CHROMIUM is missing and apt-get is not available; install Chromium with your system's package manager"
fi

echo "ensure-chromium: installing Debian's chromium package (once)..." >&2
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq chromium; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  fail "apt-get could not install chromium (see the lines above)"
fi
rm -f "$log"
[ -x "$CHROMIUM" ] || fail "chromium was installed but $CHROMIUM is still missing"
exit 0
