"""The first code cell of every notebook, in one place (DESIGN §8).

`tools/sync_chapters.py` stamps SETUP_CELL into the first code cell of each solutions/ notebook
(that cell must start with "# Setup:") and derives chapters/ from them; its --check fails when a
notebook's cell differs from this text.

What the cell does, in order:
1. `vae_lib` importable already (installed, or the course's .venv kernel): use it.
2. Not in Colab: find the course folder (with `vae_lib/` and `pyproject.toml`) from the notebook's
   folder or the working directory, walking up, and put it on `sys.path`.
3. In Colab: install a wheel or source archive uploaded next to the notebook
   (`bash course.sh wheel` builds `build/vae_course-<version>-py3-none-any.whl`), else the git URL
   in COURSE_GIT_URL (the cell's variable or the environment; empty by default: the course has no
   address we could guess). pip runs without --upgrade, so what Colab has stays (the runtime
   dependencies' lower bounds are old enough); if jax, numpy or TensorFlow changed anyway, the cell
   asks for a restart of the session.
4. Otherwise it stops with `CourseSetupError`, which lists these ways.
Then: `import vae_lib`, `vae_lib.use_course_settings()`, the checks and the device report (which names
the running mode: each chapter then reads its settings with `vae_lib.recipes.chapter_settings`).
"""

SETUP_CELL = '''\
# Setup: finds vae_lib (JupyterLab, a clone of the course, Colab) and applies the course's settings.
COURSE_GIT_URL = ""  # Colab without an uploaded wheel: the git URL of your copy of the course
import glob, importlib.metadata, importlib.util, os, subprocess, sys
from pathlib import Path


class CourseSetupError(RuntimeError):
    """vae_lib could not be found or installed; the message says what to do."""


def _course_root():
    """The folder with vae_lib/ and pyproject.toml, above the notebook or the working directory."""
    notebook = os.environ.get("JPY_SESSION_NAME") or globals().get("__vsc_ipynb_file__") or ""
    starts = [Path(notebook).resolve().parent] if notebook else []
    for start in starts + [Path.cwd().resolve()]:
        for folder in (start, *start.parents):
            if (folder / "vae_lib").is_dir() and (folder / "pyproject.toml").is_file():
                return folder
    return None


def _versions(names=("jax", "jaxlib", "numpy", "tensorflow")):
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def _pip_install(target):
    """pip install without --upgrade: requirements the host already meets are left as they are."""
    before = _versions()
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", target],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise CourseSetupError(f"pip could not install {target}:\\n{done.stderr[-2000:]}")
    changed = {k: f"{v} -> {_versions().get(k)}" for k, v in before.items() if _versions().get(k) != v}
    if changed:
        raise CourseSetupError(f"Installing vae_lib changed {changed}. Restart the session (Colab: "
                               "Runtime > Restart session), then run this cell again.")
    importlib.invalidate_caches()


def _in_colab():
    try:
        return "google.colab" in sys.modules or importlib.util.find_spec("google.colab") is not None
    except ModuleNotFoundError:
        return False


if importlib.util.find_spec("vae_lib") is None:
    COURSE_GIT_URL = COURSE_GIT_URL or os.environ.get("COURSE_GIT_URL", "")
    uploaded = sorted(glob.glob("vae_course-*.whl") + glob.glob("vae_course-*.tar.gz") + glob.glob("vae*course*.zip"))
    if not _in_colab() and _course_root():
        sys.path.insert(0, str(_course_root()))
    elif _in_colab() and uploaded:
        _pip_install(os.path.abspath(uploaded[-1]))
    elif _in_colab() and COURSE_GIT_URL:
        _pip_install(COURSE_GIT_URL if COURSE_GIT_URL.startswith("git+") else "git+" + COURSE_GIT_URL)
    if importlib.util.find_spec("vae_lib") is None:
        raise CourseSetupError(
            "vae_lib is not installed and the course folder was not found. Three ways:\\n"
            "  1. On your computer: in the course folder run `bash course.sh setup`, then open the notebooks\\n"
            "     with `.venv/bin/jupyter lab chapters/` (or start Jupyter anywhere inside the course folder).\\n"
            "  2. In Colab: build the wheel on a computer with `bash course.sh wheel` and upload\\n"
            "     build/vae_course-*.whl next to this notebook (Files pane), then run this cell again.\\n"
            "  3. In Colab: set COURSE_GIT_URL at the top of this cell to the git URL of your copy of the course.")
import vae_lib
vae_lib.use_course_settings()
from vae_lib import checks
print(vae_lib.device_report())'''
