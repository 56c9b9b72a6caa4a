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
Then: `import vae_lib` (the Korean notebooks' cell, SETUP_CELL_KO = setup_cell("ko"), then calls
`vae_lib.i18n.set_language("ko")`), `from vae_lib import course` and `course.use_course_settings()`, the checks and the device report (which names
the running mode: each chapter then reads its settings with `vae_lib.course.recipes.chapter_settings`).
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
from vae_lib import course
course.use_course_settings()
from vae_lib.course import checks
print(course.device_report())'''


# The Korean notebooks' setup cell: the same code, with comments and messages in Korean, and one more line
# after `import vae_lib` that makes vae_lib speak Korean (and registers a Korean font for matplotlib).
# Built from SETUP_CELL by exact replacements: each English text must occur exactly once, so a change to the
# English cell that is not carried over here fails loudly (tests/test_translations.py also compares the code).
_KO_REPLACEMENTS = (
    ("# Setup: finds vae_lib (JupyterLab, a clone of the course, Colab) and applies the course's settings.",
     "# Setup: vae_lib을 찾고(JupyterLab, 강좌 저장소의 복제본, Colab) 강좌의 설정을 적용합니다."),
    ("# Colab without an uploaded wheel: the git URL of your copy of the course",
     "# wheel을 올리지 않은 Colab: 여러분이 가진 강좌 사본의 git URL"),
    ('"""vae_lib could not be found or installed; the message says what to do."""',
     '"""vae_lib을 찾거나 설치하지 못했습니다. 메시지에 해결 방법이 있습니다."""'),
    ('"""The folder with vae_lib/ and pyproject.toml, above the notebook or the working directory."""',
     '"""노트북 또는 작업 디렉터리 위쪽에서 vae_lib/와 pyproject.toml이 있는 폴더를 찾습니다."""'),
    ('"""pip install without --upgrade: requirements the host already meets are left as they are."""',
     '"""--upgrade 없이 pip install: 호스트가 이미 만족하는 요구 사항은 그대로 둡니다."""'),
    ('f"pip could not install {target}:\\n{done.stderr[-2000:]}"',
     'f"pip이 {target}을(를) 설치하지 못했습니다:\\n{done.stderr[-2000:]}"'),
    ('''f"Installing vae_lib changed {changed}. Restart the session (Colab: "
                               "Runtime > Restart session), then run this cell again."''',
     '''f"vae_lib을 설치하면서 {changed}이(가) 바뀌었습니다. 세션을 다시 시작한 뒤(Colab: "
                               "런타임 > 세션 다시 시작) 이 셀을 다시 실행하세요."'''),
    ('''"vae_lib is not installed and the course folder was not found. Three ways:\\n"
            "  1. On your computer: in the course folder run `bash course.sh setup`, then open the notebooks\\n"
            "     with `.venv/bin/jupyter lab chapters/` (or start Jupyter anywhere inside the course folder).\\n"
            "  2. In Colab: build the wheel on a computer with `bash course.sh wheel` and upload\\n"
            "     build/vae_course-*.whl next to this notebook (Files pane), then run this cell again.\\n"
            "  3. In Colab: set COURSE_GIT_URL at the top of this cell to the git URL of your copy of the course."''',
     '''"vae_lib이 설치되어 있지 않고 강좌 폴더도 찾지 못했습니다. 방법은 세 가지입니다:\\n"
            "  1. 내 컴퓨터에서: 강좌 폴더에서 `bash course.sh setup`을 실행한 뒤\\n"
            "     `.venv/bin/jupyter lab chapters/ko/`로 노트북을 여세요(또는 강좌 폴더 안 어디서든 Jupyter를 시작하세요).\\n"
            "  2. Colab에서: 컴퓨터에서 `bash course.sh wheel`로 wheel을 만들고 build/vae_course-*.whl을\\n"
            "     이 노트북 옆(파일 창)에 올린 뒤 이 셀을 다시 실행하세요.\\n"
            "  3. Colab에서: 이 셀 맨 위의 COURSE_GIT_URL에 여러분이 가진 강좌 사본의 git URL을 넣으세요."'''),
    ("import vae_lib\n", 'import vae_lib\nimport vae_lib.i18n\n'
                         'vae_lib.i18n.set_language("ko")  # vae_lib의 메시지는 한국어로, 그림에는 한글 글꼴을 씁니다\n'),
)


def setup_cell(lang: str = "en") -> str:
    """The setup cell of the notebooks in `lang` ('en': SETUP_CELL; 'ko': the Korean one)."""
    if lang == "en":
        return SETUP_CELL
    if lang != "ko":
        raise ValueError(f"no setup cell for language {lang!r}")
    cell = SETUP_CELL
    for en, ko in _KO_REPLACEMENTS:
        if cell.count(en) != 1:
            raise AssertionError(f"tools/setup_cell.py: the English setup cell no longer contains exactly once {en[:60]!r}; "
                                 "update _KO_REPLACEMENTS")
        cell = cell.replace(en, ko)
    return cell


SETUP_CELL_KO = setup_cell("ko")
