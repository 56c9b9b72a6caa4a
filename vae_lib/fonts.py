"""Korean text in matplotlib figures (the Korean edition): a font with Hangul, registered for matplotlib.

    from vae_lib.fonts import use_korean_font
    use_korean_font()            # vae_lib.i18n.set_language("ko") calls it
    plt.title("재구성 결과")       # Hangul, not empty boxes (also in Colab and in the HTML copies)

The font is NanumGothic (SIL Open Font License) as shipped in the PyPI package `koreanize-matplotlib`, a
runtime dependency of the course: Colab has no Korean font, and a package puts the font file wherever the
course is installed. Only its font files are used, found with `importlib.util.find_spec`: importing the
package would run its own setup, which imports `distutils` (removed in Python 3.12). Without the package,
the first Korean font the system has (KOREAN_FONTS) is used; without any, a warning says how to get one.

The font goes last in rcParams["font.family"], after what was there (by default 'sans-serif', i.e.
DejaVu Sans): matplotlib draws each character with the first font in that list that has it, so Latin,
Greek, digits and symbols look as in the English edition and only Hangul comes from the Korean font.
The other order (the Korean font first) makes NanumGothic draw '²' a third of a digit's height (σ² reads
as σ'), '->' and 'x̂' oddly, and it has no U+2212 MINUS SIGN. axes.unicode_minus is turned off only when
no font of the list before the Korean one has U+2212.
"""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

BUNDLE = "koreanize_matplotlib"      # the PyPI package koreanize-matplotlib; only its fonts/ folder is read
BUNDLED_FONT = "NanumGothic.ttf"
KOREAN_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Source Han Sans KR", "Malgun Gothic",
                "Apple SD Gothic Neo", "AppleGothic", "UnDotum", "Baekmuk Gulim")
MINUS_SIGN = 0x2212
_added: set[str] = set()


def bundled_font_files() -> list[Path]:
    """The .ttf files of koreanize-matplotlib's fonts/ folder (NanumGothic first); [] when it is not installed."""
    spec = importlib.util.find_spec(BUNDLE)   # not imported: see the module docstring
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    files = [p for folder in folders for p in sorted((Path(folder) / "fonts").glob("*.ttf"))]
    return sorted(files, key=lambda p: p.name != BUNDLED_FONT)


def use_korean_font() -> str | None:
    """Make matplotlib draw Korean: register the bundled NanumGothic (or find a system Korean font), put it
    last in rcParams["font.family"] (the fallback for Hangul), and turn off axes.unicode_minus when the fonts
    before it have no U+2212.

    Returns the font's family name, or None (with a warning) when no Korean font is available.
    Calling it again changes nothing more.
    """
    import matplotlib
    from matplotlib import font_manager

    files = bundled_font_files()
    for path in files:
        if str(path) not in _added:
            font_manager.fontManager.addfont(str(path))
            _added.add(str(path))
    if files:
        name, path = font_manager.FontProperties(fname=str(files[0])).get_name(), str(files[0])
    else:
        installed = {f.name: f.fname for f in font_manager.fontManager.ttflist}
        name = next((n for n in KOREAN_FONTS if n in installed), None)
        if name is None:
            warnings.warn("No Korean font found: Korean text in figures shows as empty boxes. "
                          "`pip install koreanize-matplotlib` (a dependency of the course) provides one.", stacklevel=2)
            return None
        path = installed[name]
    family = matplotlib.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    before = [f for f in family if f != name] or ["sans-serif"]
    matplotlib.rcParams["font.family"] = before + [name]   # the Korean font only for what the others lack
    first = font_manager.findfont(font_manager.FontProperties(family=before))
    if MINUS_SIGN not in font_manager.get_font(first).get_charmap():
        matplotlib.rcParams["axes.unicode_minus"] = False
    return name


__all__ = ["KOREAN_FONTS", "bundled_font_files", "use_korean_font"]
