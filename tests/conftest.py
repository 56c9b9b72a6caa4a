import os

# Tests never touch the network: dataset loads go to the bundled digits unless a test mocks tfds or
# names a folder (the course-mode test asks for real data on disk itself: tools/run_course.py --offline).
os.environ.setdefault("VAE_COURSE_OFFLINE", "1")
os.environ.setdefault("VAE_COURSE_FALLBACK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# The course's process-wide settings (compilation cache, CPU memory reuse), as every notebook's
# setup cell applies them: `import vae_lib` alone changes nothing (tests/test_packaging.py).
import vae_lib.course  # noqa: E402

vae_lib.course.use_course_settings(verbose=False)
