"""The first code cell of every notebook, in one place; what it does after finding vae_lib: vae_lib/course/setup.py.

`tools/sync_chapters.py` stamps SETUP_CELL into the first code cell of each solutions/ notebook (that cell must
start with "#@title Setup") with the metadata SETUP_METADATA, and derives chapters/ from them; its --check fails
when a notebook's cell or its metadata differ. The cell opens folded: JupyterLab hides a cell's source when its
metadata says `"jupyter": {"source_hidden": true}` (one click shows it), and Colab shows a cell that starts with
`#@title ... { display-mode: "form" }` as a form (its title and the COURSE_GIT_URL field).

Why the cell keeps the find-or-install lines and vae_lib/course/setup.py the rest. In Colab the notebook is all
there is until vae_lib is installed: the lines that find or install vae_lib, and the error that says what to do
when they cannot, must be in the cell (no file of the course can be read yet). Everything after that point is
a module, `vae_lib.course.setup`, that imports only the standard library until the requirements are in, so it
runs right after a `pip install --no-deps` of the course and before jax or numpy could be imported:
  * installing the requirements without --upgrade (what Colab has stays; the runtime dependencies' lower bounds
    are old enough) and asking for a restart if jax, jaxlib, numpy or TensorFlow changed anyway;
  * the language of vae_lib's messages, `use_course_settings()` and the device report.
The cell installs with --no-deps so that nothing but the course can change before `setup.start` has noted the
versions it watches. (The other design, a whole installer in the cell, was what this replaced: 62-70 lines, a
class and five helpers before the chapter's first idea.)

What the cell does, in order:
1. `vae_lib` importable already (installed, or the course's .venv kernel): use it.
2. Else the course folder (with vae_lib/course/setup.py), found from the notebook's folder or the working
   directory by walking up (chapters/, chapters/ko/, solutions/ ...): put it on `sys.path`.
3. Else, in Colab: `pip install --no-deps` a wheel or source archive uploaded next to the notebook
   (`bash course.sh wheel` builds `build/vae_course-<version>-py3-none-any.whl`), else the git URL in
   COURSE_GIT_URL (the form's field or the environment; empty by default: the course has no address we
   could guess). `setup.start` then installs the requirements, as said above.
4. Else it stops with `CourseSetupError`, which lists these ways.
Then `setup.start(lang)` and the names the chapters use: `sys`, `vae_lib`, `course`, `checks`.
The Korean notebooks' cell, SETUP_CELL_KO = setup_cell("ko"), is the same code with Korean comments and
messages and `setup.start("ko")` (vae_lib's messages in Korean, a Korean font for figures).
"""

# The setup cell's metadata: folded in JupyterLab (tests/test_browser.py checks it opens so), a form in Colab
# (cellView, as Colab saves a form cell; Colab cannot be tested here).
SETUP_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True}}
# How a setup cell starts (the first code cell of a notebook): SETUP_CELL's first line, or the older "# Setup:"
MARKERS = ("#@title Setup", "# Setup:")

SETUP_CELL = '''\
#@title Setup: finds vae_lib (in Colab: installs it) and applies the course's settings { display-mode: "form" }
COURSE_GIT_URL = ""  #@param {type:"string"}
import glob, importlib.util, os, subprocess, sys
from pathlib import Path

class CourseSetupError(RuntimeError):
    \"\"\"vae_lib could not be found or installed; the message says what to do.\"\"\"

if importlib.util.find_spec("vae_lib") is None:   # not installed: the course folder above this notebook, else Colab
    notebook = Path(os.environ.get("JPY_SESSION_NAME") or globals().get("__vsc_ipynb_file__") or "_").resolve()
    sys.path[:0] = [str(p) for start in (notebook.parent, Path.cwd().resolve()) for p in (start, *start.parents)
                    if (p / "vae_lib" / "course" / "setup.py").is_file()][:1]
    uploaded = sorted(glob.glob("vae_course-*.whl") + glob.glob("vae_course-*.tar.gz") + glob.glob("vae*course*.zip"))
    url = COURSE_GIT_URL or os.environ.get("COURSE_GIT_URL", "")
    target = os.path.abspath(uploaded[-1]) if uploaded else url and ("" if url.startswith("git+") else "git+") + url
    in_colab = importlib.util.find_spec("google") and importlib.util.find_spec("google.colab")
    if importlib.util.find_spec("vae_lib") is None and in_colab and target:   # the course alone: setup.start() adds the rest
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", target], capture_output=True, text=True)
        if pip.returncode != 0:
            raise CourseSetupError(f"pip could not install {target}:\\n{pip.stderr[-2000:]}")
        importlib.invalidate_caches()
    if importlib.util.find_spec("vae_lib") is None:
        raise CourseSetupError(
            "vae_lib is not installed and the course folder was not found. Three ways:\\n"
            "  1. On your computer: in the course folder run `bash course.sh setup`, then open the notebooks\\n"
            "     with `.venv/bin/jupyter lab chapters/` (or start Jupyter anywhere inside the course folder).\\n"
            "  2. In Colab: build the wheel on a computer with `bash course.sh wheel` and upload\\n"
            "     build/vae_course-*.whl next to this notebook (Files pane), then run this cell again.\\n"
            "  3. In Colab: set COURSE_GIT_URL in this cell's form to the git URL of your copy of the course.")
from vae_lib.course import setup
setup.start("en")   # Colab: vae_lib's requirements, without --upgrade; then the course's settings, the device report
import vae_lib
from vae_lib import course
from vae_lib.course import checks'''


# The Korean notebooks' setup cell: the same code, with comments and messages in Korean, and setup.start("ko")
# (vae_lib's messages in Korean, a Korean font for matplotlib).
# Built from SETUP_CELL by exact replacements: each English text must occur exactly once, so a change to the
# English cell that is not carried over here fails loudly (tests/test_translations.py also compares the code).
_KO_REPLACEMENTS = (
    ("#@title Setup: finds vae_lib (in Colab: installs it) and applies the course's settings",
     "#@title Setup: vae_lib을 찾고(Colab에서는 설치하고) 강좌의 설정을 적용합니다"),
    ('"""vae_lib could not be found or installed; the message says what to do."""',
     '"""vae_lib을 찾거나 설치하지 못했습니다. 메시지에 해결 방법이 있습니다."""'),
    ("# not installed: the course folder above this notebook, else Colab",
     "# 설치되어 있지 않으면: 이 노트북 위쪽의 강좌 폴더, 아니면 Colab"),
    ("# the course alone: setup.start() adds the rest",
     "# 강좌만 설치: 나머지는 setup.start()가 설치합니다"),
    ('f"pip could not install {target}:\\n{pip.stderr[-2000:]}"',
     'f"pip이 {target}을(를) 설치하지 못했습니다:\\n{pip.stderr[-2000:]}"'),
    ('''"vae_lib is not installed and the course folder was not found. Three ways:\\n"
            "  1. On your computer: in the course folder run `bash course.sh setup`, then open the notebooks\\n"
            "     with `.venv/bin/jupyter lab chapters/` (or start Jupyter anywhere inside the course folder).\\n"
            "  2. In Colab: build the wheel on a computer with `bash course.sh wheel` and upload\\n"
            "     build/vae_course-*.whl next to this notebook (Files pane), then run this cell again.\\n"
            "  3. In Colab: set COURSE_GIT_URL in this cell's form to the git URL of your copy of the course."''',
     '''"vae_lib이 설치되어 있지 않고 강좌 폴더도 찾지 못했습니다. 방법은 세 가지입니다:\\n"
            "  1. 내 컴퓨터에서: 강좌 폴더에서 `bash course.sh setup`을 실행한 뒤\\n"
            "     `.venv/bin/jupyter lab chapters/ko/`로 노트북을 여십시오(또는 강좌 폴더 안 어디서든 Jupyter를 시작하십시오).\\n"
            "  2. Colab에서: 컴퓨터에서 `bash course.sh wheel`로 wheel을 만들고 build/vae_course-*.whl을\\n"
            "     이 노트북 옆(파일 창)에 올린 뒤 이 셀을 다시 실행하십시오.\\n"
            "  3. Colab에서: 이 셀의 양식에서 COURSE_GIT_URL에 여러분이 가진 강좌 사본의 git URL을 넣으십시오."'''),
    ('setup.start("en")   # Colab: vae_lib\'s requirements, without --upgrade; then the course\'s settings, the device report',
     'setup.start("ko")   # Colab: vae_lib의 요구 패키지(--upgrade 없이), 그다음 강좌 설정과 장치 보고. 메시지는 한국어로'),
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
