"""Exercise checks: `checks.<exercise>(your_function)` prints a verdict and returns True/False.

Each chapter's checks live in `chNN.py`; the engine is `core.grade`. Every message is written in English
and Korean where it is made (`T(en, ko)` for names and hints, `vae_lib.i18n.tr` for verdicts built while
grading); `vae_lib.i18n.set_language("ko")` switches them all. `checks.test_case(name, i)` gives the inputs
of a test case that a verdict names.
"""
from vae_lib.course.checks.core import Mistake, T, Use, grade, test_case  # noqa: F401
from vae_lib.course.checks.ch01 import *  # noqa: F401,F403
from vae_lib.course.checks.ch02 import *  # noqa: F401,F403
from vae_lib.course.checks.ch03 import *  # noqa: F401,F403
from vae_lib.course.checks.ch04 import *  # noqa: F401,F403
from vae_lib.course.checks.ch05 import *  # noqa: F401,F403
from vae_lib.course.checks.ch06 import *  # noqa: F401,F403
from vae_lib.course.checks.ch07 import *  # noqa: F401,F403
from vae_lib.course.checks.ch08 import *  # noqa: F401,F403
