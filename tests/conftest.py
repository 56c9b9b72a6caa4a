import os

# Tests never touch the network: dataset loads go to the bundled data unless a test mocks tfds.
os.environ.setdefault("VAE_COURSE_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
