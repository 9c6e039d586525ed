#!/usr/bin/env bash
# One entry point that sets up everything barpath needs on a fresh machine, then runs it:
#   bash run.sh demo        synthesize a demo set (no camera) and show it
#   bash run.sh test        run the test suite
#   bash run.sh ARGS...     any other `barpath` command, e.g. `bash run.sh analyze recordings/x.db3`
set -euo pipefail
cd "$(dirname "$0")"

# One set-up at a time: a second run.sh started meanwhile (another terminal) waits for the first's, rather than using
# a half-made .venv (it failed with "No module named pip").
if command -v flock >/dev/null 2>&1; then
  exec 9>.venv.lock
  flock 9
fi

# pyrealsense2 cannot be imported without the system's libusb-1.0.
if ! ldconfig -p 2>/dev/null | grep -q 'libusb-1.0.so.0'; then
  echo "installing libusb-1.0 (needed by pyrealsense2)..." >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libusb-1.0-0 >/dev/null
fi

# A virtual environment with barpath installed; reinstalled when pyproject.toml changes.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.barpath-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "installing barpath and its dependencies into .venv..." >&2
  log=.venv/install.log
  if ! .venv/bin/python -m pip install -q -e '.[test]' >"$log" 2>&1; then
    tail -20 "$log" >&2; echo "barpath: installing the dependencies failed (full log: $log)" >&2; exit 2
  fi
  .venv/bin/python -c 'import pyrealsense2, cv2, filterpy, textual, numpy' && touch "$stamp"
fi
exec 9>&-  # (set up: the lock is released)

case "${1:-demo}" in
  test) shift; exec .venv/bin/python -m pytest "$@" ;;
  *) exec .venv/bin/barpath "$@" ;;
esac
