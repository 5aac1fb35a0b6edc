#!/usr/bin/env bash
# Headless Chromium and its WebDriver for the browser tests of the web-chat widget (tests/e2e/test_widget_browser.py).
# Installs the Debian packages `chromium` and `chromium-driver` when /usr/bin/chromium is missing.
set -euo pipefail

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "ERROR: chromium is missing and I am not root (and there is no sudo): apt-get install chromium chromium-driver" >&2
      exit 1
    fi
  fi
  echo "Installing chromium and chromium-driver (apt-get) …"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null  # (Debian's launcher script warns about a memory check on stderr)
/usr/bin/chromedriver --version
