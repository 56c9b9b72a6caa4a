#!/usr/bin/env bash
# The course's two commands (each sets everything up first, in ./.venv):
#   bash course.sh run [--full] [--solutions] [--offline] [01 05 ...]   run every chapter headless
#   bash course.sh test [pytest args]                                   run the test suite
#   bash course.sh setup                                                 only set up (then: .venv/bin/jupyter lab)
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"
VENV="${VAE_COURSE_VENV:-.venv}"

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "The course needs Python >= 3.11; '$PY' is $("$PY" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating a virtual environment in $VENV ..."
  "$PY" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"

install() {
  echo "Installing the course ($1) ..."
  python -m pip install -q --disable-pip-version-check --upgrade pip
  python -m pip install -q --disable-pip-version-check -e ".[$1]"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  run)   install "download,test"; exec python tools/run_course.py "$@" ;;
  test)  install "test"; exec python -m pytest "$@" ;;
  setup) install "download,test"; echo "Ready: $VENV/bin/jupyter lab chapters/" ;;
  *) echo "usage: bash course.sh run [--full] | test | setup" >&2; exit 2 ;;
esac
