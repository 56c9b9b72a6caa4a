import pytest

from vae_lib import i18n


def test_language_choice(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", None)
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    assert i18n.language() == "en" and i18n.tr("yes", "예") == "yes"
    monkeypatch.setenv(i18n.LANG_ENV, "ko")
    assert i18n.tr("yes", "예") == "예"
    i18n.set_language("en")   # an explicit choice wins over the variable
    assert i18n.tr("yes", "예") == "yes"
    with pytest.raises(ValueError, match="en, ko"):
        i18n.set_language("fr")


def test_screen_width_counts_hangul_as_two_columns():
    from vae_lib.i18n import screen_width
    assert screen_width("") == 0 and screen_width("neg_elbo") == 8
    assert screen_width("층") == 2 and screen_width("모델 a") == 6 and screen_width("훈련 시간(초)") == 13
