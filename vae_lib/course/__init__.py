"""The course machinery: what runs the course around the teaching layer (`vae_lib`).

    from vae_lib import course
    course.use_course_settings()               # process settings, once, before JAX computes anything
    print(course.device_report())              # JAX, devices and the running mode
    course.record_result("05", data=..., ...)  # a chapter's numbers, for the course runner's summary

Submodules, imported by name where they are used (so `import vae_lib.course` loads no JAX):
env (mode, settings, device report, results; re-exported here), recipes (`chapter_settings("05")`, `fit_recipe`),
cache, judge, gates, compare, the graders in `checks`, and `setup` (what a notebook's setup cell runs once vae_lib
is found: tools/setup_cell.py). They import the teaching layer; the teaching layer
never imports them.
"""
from vae_lib.course.env import (  # noqa: F401
    MODES, current_mode, device_report, enable_compilation_cache, record_result, tune_cpu_memory,
    use_course_settings,
)
