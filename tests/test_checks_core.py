import numpy as np

from vae_lib.course.checks import Mistake, T, grade


def ref(x):
    return np.exp(0.5 * x)


CASES = [(np.array([0.0, 1.0, -2.0]),), (np.array([[3.0]]),)]
MISTAKES = [Mistake(T("sigma = exp(log_var)", "sigma = exp(log_var): 분산"), lambda x: np.exp(x),
                     T("halve the log-variance first", "먼저 로그 분산을 절반으로 하세요"))]


def test_right_answer_passes(capsys):
    assert grade("std", lambda x: np.sqrt(np.exp(x)), ref, CASES, MISTAKES)
    assert "[correct]" in capsys.readouterr().out


def test_known_mistake_is_named(capsys):
    assert not grade("std", lambda x: np.exp(x), ref, CASES, MISTAKES)
    assert "sigma = exp(log_var)" in capsys.readouterr().out


def test_unattempted_exception_none_and_shape(capsys):
    def todo(x):
        raise NotImplementedError

    assert not grade("std", todo, ref, CASES)
    assert "[not yet]" in capsys.readouterr().out
    assert not grade("std", lambda x: 1 / 0, ref, CASES)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not grade("std", lambda x: None, ref, CASES)
    assert "forget `return`" in capsys.readouterr().out
    assert not grade("std", lambda x: ref(x).ravel()[:1], ref, CASES)
    assert "output shape" in capsys.readouterr().out
    assert not grade("std", lambda x: ref(x) + 1, ref, CASES)
    assert "off by the same constant (+1)" in capsys.readouterr().out
    assert not grade("std", lambda x: ref(x) + x**2, ref, CASES)   # the smallest failing input is shown
    out = capsys.readouterr().out
    assert "x = [[3.]]" in out and "expected [[4.4817]]" in out and "got      [[13.4817]]" in out
    assert not grade("std", lambda x: ref(x) + x**2, ref, CASES[:1])
    assert "first difference at [1]: expected 1.64872, got 2.64872" in capsys.readouterr().out
    assert not grade("std", None, ref, CASES)


def test_a_mistake_with_nan_output_is_recognised(capsys):
    nan_mistake = [Mistake(T("sigma = sqrt(log_var)", "sigma = sqrt(log_var), exp 없음"), lambda x: np.sqrt(x),
                           T("log_var can be negative", "log_var는 음수일 수 있습니다"))]
    with np.errstate(invalid="ignore"):
        assert not grade("std", lambda x: np.sqrt(x), ref, CASES, nan_mistake)
    assert "sigma = sqrt(log_var)" in capsys.readouterr().out
