#!/usr/bin/env bash
# Set up a fresh machine for orgsim: system packages (Graphviz, Chromium for the pack's
# PDF and browser tests, poppler for looking at PDFs), then a virtualenv with the project.
# Idempotent: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # Another apt-get (unattended-upgrades, a parallel set-up) may hold the dpkg lock: wait
  # for it (up to APT_LOCK_TIMEOUT seconds, default 600) instead of failing at once.
  LOCK=(-o "DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT:-600}")
  $SUDO apt-get "${LOCK[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${LOCK[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[test,postgres]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import orgsim, eventsourcing, psycopg" 
echo "setup: ready (.venv)" >&2
