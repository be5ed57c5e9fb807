#!/usr/bin/env bash
# Runs lockdown's tests: makes sure the moto emulator is installed in .venv, then cargo test.
# This is the README's test command; .ci/run calls it after installing system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.requirements"
if ! cmp -s .ci/requirements.txt "$stamp" 2>/dev/null; then
  echo "installing the AWS emulator (moto) into $venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements.txt
  cp .ci/requirements.txt "$stamp"
fi

# The HTML report tests render in headless Chromium (Debian's `chromium`). Installed here when
# this runs as root (CI, containers); otherwise install it first (`sudo apt-get install
# chromium`) or point LOCKDOWN_TEST_CHROMIUM at a Chromium binary: the test fails, never skips,
# without one.
if [ -z "${LOCKDOWN_TEST_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Chromium for the HTML report tests ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: Chromium is not installed; the HTML report test will fail until it is (sudo apt-get install chromium)" >&2
  fi
fi

cargo test --locked --no-fail-fast "$@"
