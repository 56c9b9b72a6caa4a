"""Korean figure text: with vae_lib.fonts (set_language("ko")), a figure with a Korean title, labels and negative
ticks renders to PNG without matplotlib's "Glyph ... missing from font(s)" warning, and the glyphs are real."""
import io
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from vae_lib import fonts, i18n  # noqa: E402


def render(title: str, xlabel: str = "", values=(-2.0, -1.0, 0.5, 1.5)) -> tuple[bytes, list[str]]:
    """PNG bytes of a small line plot with this title, and the glyph-missing warnings raised while drawing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot(values)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue(), [str(w.message) for w in caught if "missing from font" in str(w.message)]


def glyph_pixels(text: str) -> np.ndarray:
    fig = plt.figure(figsize=(1, 1), dpi=50)
    fig.text(0.1, 0.3, text, fontsize=30)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
    plt.close(fig)
    return pixels


def test_the_font_comes_from_the_dependency():
    files = fonts.bundled_font_files()
    assert files and files[0].name == "NanumGothic.ttf", "koreanize-matplotlib (a runtime dependency) is missing"


def test_korean_figure_renders_without_missing_glyphs():
    with matplotlib.rc_context({"font.family": ["sans-serif"], "axes.unicode_minus": True}):
        _, missing = render("잠재 공간의 재구성", "잠재 변수 z₁")
        assert missing, "control: DejaVu Sans alone has no Hangul, so matplotlib should warn"
    with matplotlib.rc_context():
        assert fonts.use_korean_font() == "NanumGothic"
        assert matplotlib.rcParams["font.family"] == ["sans-serif", "NanumGothic"]   # Hangul only from NanumGothic
        assert matplotlib.rcParams["axes.unicode_minus"] is True   # DejaVu Sans, first, has U+2212
        png, missing = render("잠재 공간의 재구성 (β = 2, μ, σ²)", "잠재 변수 z₁ → 픽셀")
        assert png.startswith(b"\x89PNG") and missing == []
        # real glyphs: two different syllables draw differently (empty boxes would be the same box)
        assert not np.array_equal(glyph_pixels("가"), glyph_pixels("나"))


def ink_height(text: str) -> int:
    """Height in pixels of the inked rows when `text` is drawn at 40 pt."""
    fig = plt.figure(figsize=(1, 1), dpi=100)
    fig.text(0.1, 0.3, text, fontsize=40)
    fig.canvas.draw()
    rows = np.where((np.asarray(fig.canvas.buffer_rgba())[..., 0] < 128).any(1))[0]
    plt.close(fig)
    return int(rows.max() - rows.min() + 1)


def test_superscript_two_stays_legible_in_korean_figures():
    """σ² is everywhere in the figures: the '²' must not shrink to a tick (NanumGothic's is a third of a digit)."""
    with matplotlib.rc_context():
        fonts.use_korean_font()
        assert ink_height("²") >= 0.45 * ink_height("2")
        assert ink_height("가") > 0.5 * ink_height("2")            # Hangul is drawn, by the Korean font
        with matplotlib.rc_context({"font.family": ["NanumGothic", "sans-serif"]}):   # control: the other order
            assert ink_height("²") < 0.45 * ink_height("2")


def test_set_language_ko_registers_the_font(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", None)
    with matplotlib.rc_context({"font.family": ["sans-serif"]}):
        i18n.set_language("ko")
        assert matplotlib.rcParams["font.family"][-1] == "NanumGothic"
        assert render("한국어 제목")[1] == []


def test_without_the_package_a_system_font_or_a_warning(monkeypatch):
    monkeypatch.setattr(fonts, "bundled_font_files", lambda: [])
    monkeypatch.setattr(fonts, "KOREAN_FONTS", ("No Such Font KR",))
    with matplotlib.rc_context(), pytest.warns(UserWarning, match="No Korean font found"):
        assert fonts.use_korean_font() is None
