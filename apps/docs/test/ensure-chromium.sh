#!/usr/bin/env bash
# Installs Debian's chromium for the docs browser test when it is missing (a fresh CI machine has none).
# Idempotent and quick when it is already there. Needs root or passwordless sudo for apt-get.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: installing chromium with apt-get"
start=$(date +%s)
# apt may be locked briefly by another installer: retry a few times within the budget
for attempt in 1 2 3; do
  if timeout 180 $SUDO apt-get update -qq && timeout 300 $SUDO apt-get install -y -qq chromium >/dev/null; then
    break
  fi
  if [ "$attempt" = 3 ]; then
    echo "ensure-chromium: apt-get failed 3 times" >&2
    exit 1
  fi
  sleep 5
done
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is missing" >&2
  exit 1
fi
echo "ensure-chromium: installed in $(( $(date +%s) - start ))s"
