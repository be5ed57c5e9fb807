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

cargo test --locked --no-fail-fast "$@"
