#!/usr/bin/env bash
# The course's two commands (each sets everything up first, in ./.venv):
#   bash course.sh run [--full] [--solutions] [--offline] [01 05 ...]   run every chapter headless, build the book site
#   bash course.sh run --lang ko [...]                                  the Korean edition (chapters/ko)
#   bash course.sh test [pytest args]                                   run the test suite
#   bash course.sh setup                                                 only set up (then: .venv/bin/jupyter lab)
#   bash course.sh wheel                                                 build/vae_course-*.whl, to upload to Colab
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

mkdir -p build
LOG=build/install.log
# pip's and setuptools' messages go to build/install.log; on failure its end is shown.
pip_quiet() {
  if ! python -m pip --disable-pip-version-check "$@" >>"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    echo "pip failed (full log: $LOG)" >&2
    exit 1
  fi
}

install() {
  echo "Installing the course ($1; log: $LOG) ..."
  : >"$LOG"
  pip_quiet install --upgrade pip "setuptools>=68" wheel   # the wheel build (course.sh wheel, tests) runs without isolation
  pip_quiet install -e ".[$1]"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  run)   install "notebook,download,test"; exec python tools/run_course.py "$@" ;;
  test)  install "notebook,test"; exec python -m pytest "$@" ;;
  setup) install "notebook,download,test"; echo "Ready: $VENV/bin/jupyter lab chapters/   (한국어판: chapters/ko/)" ;;
  wheel)
    : >"$LOG"
    # setuptools also builds in build/lib: clear it before (stale files would go into the wheel) and after
    rm -rf build/vae_course-*.whl build/lib build/bdist.*
    # setuptools of this environment when it has one (works offline), else pip fetches it
    python -c 'import setuptools' 2>/dev/null && isolation=--no-build-isolation || isolation=
    pip_quiet wheel --no-deps $isolation -w build .
    rm -rf build/lib build/bdist.* vae_course.egg-info
    echo "Built $(ls "$PWD"/build/vae_course-*.whl)"
    echo "Colab: upload it next to the notebook (Files pane); the notebook's first cell installs it." ;;
  *) echo "usage: bash course.sh run [--full] [--lang ko] | test | setup | wheel" >&2; exit 2 ;;
esac
