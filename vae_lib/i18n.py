"""The language of what vae_lib says to a learner: English ('en') or Korean ('ko').

    from vae_lib.i18n import tr
    print(tr("not yet: write the function first", "아직입니다: 먼저 함수를 작성하십시오"))

Each learner-facing message is written in both languages where it is made, so one cannot exist
without the other. The Korean notebooks' setup cell calls `set_language("ko")`; the variable
VAE_COURSE_LANG=ko does the same for a whole process (the runner's `--lang ko`).
"""
from __future__ import annotations

import os
import unicodedata

LANGUAGES = ("en", "ko")
LANG_ENV = "VAE_COURSE_LANG"
_chosen: str | None = None


def set_language(lang: str) -> None:
    """Choose the language of vae_lib's messages for this process: 'en' or 'ko' (which also registers a
    Korean font for matplotlib: `vae_lib.fonts.use_korean_font`)."""
    global _chosen
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _chosen = lang
    if lang == "ko":   # Korean figure titles and labels need a font with Hangul (vae_lib/fonts.py)
        from vae_lib.fonts import use_korean_font
        use_korean_font()


def language() -> str:
    """The language in use: the one `set_language` chose, else VAE_COURSE_LANG, else 'en'."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(LANG_ENV, "").strip().lower()
    return env if env in LANGUAGES else "en"


def tr(en: str, ko: str) -> str:
    """`en` or `ko`, whichever the current language is."""
    return ko if language() == "ko" else en


def screen_width(text: str) -> int:
    """How many columns `text` takes in a terminal: a Hangul syllable (any wide character) takes two. For
    lining up printed tables whose headers may be Korean."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


__all__ = ["LANGUAGES", "LANG_ENV", "language", "screen_width", "set_language", "tr"]
