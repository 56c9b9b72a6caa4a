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
