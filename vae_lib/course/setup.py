"""What a notebook's setup cell does once `vae_lib` can be imported (the cell itself: tools/setup_cell.py).

    from vae_lib.course import setup
    setup.start("en")   # or "ko"

In Colab, the setup cell installs only the course itself (`pip install --no-deps` of an uploaded wheel or of
COURSE_GIT_URL); `start` then installs what vae_lib needs, without --upgrade (what Colab has stays: the
runtime dependencies' lower bounds are old enough) and stops with CourseSetupError, asking for a restart of
the session, if jax, jaxlib, numpy or TensorFlow changed anyway. Then, everywhere: the language of vae_lib's
messages, the course's process-wide settings (`use_course_settings`) and the device report.

This module imports only the standard library (and vae_lib's own stdlib-only modules) until the requirements
are in: it must run right after that --no-deps install, before jax or numpy can be imported.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import subprocess
import sys

WATCHED = ("jax", "jaxlib", "numpy", "tensorflow")   # a change of these needs a restart of the session


class CourseSetupError(RuntimeError):
    """vae_lib's requirements could not be installed, or installing them needs a restart; the message says what to do."""


def in_colab() -> bool:
    """Running in Google Colab (its kernel imports google.colab; a Colab-like test puts one on the path)."""
    return "google.colab" in sys.modules or bool(importlib.util.find_spec("google")
                                                 and importlib.util.find_spec("google.colab"))


def _versions(names=WATCHED) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def requirements(distribution: str = "vae-course") -> list[str]:
    """The runtime requirements of the installed course (extras left out); [] when it is not installed (a folder)."""
    try:
        listed = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [r for r in listed if "extra ==" not in r]


def install_requirements(lang: str = "en") -> None:
    """pip install the course's requirements without --upgrade: those the host already meets stay as they are.

    Raises CourseSetupError when pip fails, or when jax, jaxlib, numpy or TensorFlow changed version (then the
    session must restart before they are imported)."""
    tr = lambda en, ko: ko if lang == "ko" else en  # noqa: E731  (vae_lib.i18n.set_language("ko") needs matplotlib)
    needed = requirements()
    if not needed:
        return
    before = _versions()
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *needed],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise CourseSetupError(tr(f"pip could not install vae_lib's requirements:\n{done.stderr[-2000:]}",
                                  f"pip이 vae_lib의 요구 패키지를 설치하지 못했습니다:\n{done.stderr[-2000:]}"))
    after = _versions()
    changed = {k: f"{v} -> {after.get(k)}" for k, v in before.items() if after.get(k) != v}
    if changed:
        raise CourseSetupError(tr(f"Installing vae_lib changed {changed}. Restart the session (Colab: "
                                  "Runtime > Restart session), then run this cell again.",
                                  f"vae_lib을 설치하면서 {changed}이(가) 바뀌었습니다. 세션을 다시 시작한 뒤(Colab: "
                                  "런타임 > 세션 다시 시작) 이 셀을 다시 실행하십시오."))
    importlib.invalidate_caches()


def start(lang: str = "en") -> None:
    """Everything the setup cell does after finding vae_lib: (Colab) its requirements, then the language of its
    messages ('en' or 'ko': also a Korean font for figures), the course's settings and the device report."""
    if in_colab():
        install_requirements(lang)
    from vae_lib import course
    from vae_lib.i18n import set_language

    set_language(lang)
    course.use_course_settings()
    print(course.device_report())
