"""Bad input to LF generation and the synthetic generators is answered by name.

LFGenerator read a ``numeric_fields`` column with ``pd.to_numeric(errors="coerce")`` and said nothing when values did
not parse (a text column gave no stumps; ``"1,200"`` next to ``"15"`` lost every row written with a separator), and
a fit could end with ``lfs_ == []`` without a word.  ``make_text_task`` validated none of its parameters
(``spam_rate=2.0`` was taken, ``url_rate=0.3`` was "'float' object is not subscriptable") and the generators' seeds
failed inside numpy ("SeedSequence expects int ...").  Each test failed on the code before the fix.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from weaksup.lfgen import LFGenerator
from weaksup.synthetic import make_one_sided_votes, make_text_task, make_votes

Y = np.array([1, 0] * 12)


def _priced(price: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"text": ["a b"] * len(price), "price": price})


# ------------------------------------------------------------------ LFGenerator: numeric fields
def test_numeric_field_with_no_number_is_an_error_naming_it():
    df = _priced(np.where(Y == 1, "high", "low"))
    with pytest.raises(ValueError, match=r"numeric field 'price' holds no number .*any of its 24 values .*'high'"):
        LFGenerator(families=("stump",), numeric_fields=["price"], min_coverage=2).fit(df, Y)


def test_numeric_field_partly_unparsable_warns_with_count_and_example():
    df = _priced(np.where(Y == 1, "1,200", "15"))
    with pytest.warns(UserWarning, match=r"numeric field 'price': 12 of its 24 values .* e\.g\. '1,200'") as rec:
        gen = LFGenerator(families=("stump",), numeric_fields="price", min_coverage=2).fit(df, Y)
    assert rec[0].filename == __file__  # points at the user's call
    assert [lf.name for lf in gen.lfs_] == ["stump_price_ge_15_0"]  # fitted as before, on the rows that parse


def test_numeric_field_missing_values_and_clean_numbers_do_not_warn():
    # a missing value is not an unparsable one; numbers written as strings parse: same LFs as a float column
    price = np.where(Y == 1, 1200.0, 15.0)
    price[:2] = np.nan
    as_text = np.array([None if np.isnan(v) else str(v) for v in price], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = LFGenerator(families=("stump",), numeric_fields=["price"], min_coverage=2).fit(_priced(price), Y)
        b = LFGenerator(families=("stump",), numeric_fields=["price"], min_coverage=2).fit(_priced(as_text), Y)
    assert [lf.name for lf in a.lfs_] == [lf.name for lf in b.lfs_] and a.lfs_


# ------------------------------------------------------------------ LFGenerator: no LF kept
TEXTS = ["great movie loved it", "terrible film hated it"] * 12


@pytest.mark.parametrize("data, y, kw, reason", [
    (TEXTS, np.ones(24, int), {"cardinality": 2}, r"every labelled row is class 1, .*at least 2 classes"),
    ([""] * 24, Y, {}, r"no candidate was mined.*min_coverage=2"),
    (["alpha beta"] * 24, Y, {}, r"of the \d+ candidates mined, \d+ vote on min_coverage=2 labelled rows and 0 of"),
    (TEXTS, np.array([0, 1] * 12), {"min_precision": 0.99},
     r"of the \d+ candidates mined, .* and \d+ of those beat the prior .*none reaches min_precision=0\.99"),
])
def test_fit_that_keeps_no_lf_warns_why(data, y, kw, reason):
    with pytest.warns(UserWarning, match=r"no LF kept \(lfs_ is empty\) from the 24 labelled rows: " + reason):
        gen = LFGenerator(families=("keyword", "ngram", "prefix"), min_coverage=2, **kw).fit(data, y)
    assert gen.lfs_ == []


def test_fit_that_keeps_lfs_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gen = LFGenerator(families=("keyword",), min_coverage=2).fit(TEXTS, np.array([0, 1] * 12))
    assert gen.lfs_


# ------------------------------------------------------------------ make_text_task
@pytest.mark.parametrize("kw, match", [
    ({"n": -1}, r"make_text_task: n must be an int >= 0, got -1"),
    ({"n": 2.5}, r"make_text_task: n must be an int >= 0, got 2\.5"),
    ({"spam_rate": 2.0}, r"make_text_task: spam_rate must be a number in \[0, 1\], got 2\.0"),
    ({"spam_rate": float("nan")}, r"make_text_task: spam_rate must be a number in \[0, 1\], got nan"),
    ({"spam_rate": "0.5"}, r"make_text_task: spam_rate must be a number in \[0, 1\]"),
    ({"signal": -1.0}, r"make_text_task: signal must be a number in \[0, 1\]"),
    ({"noise": True}, r"make_text_task: noise must be a number in \[0, 1\]"),
    ({"signal": 1.0, "noise": 0.5}, r"make_text_task: signal \+ noise .* must be <= 1, got 1\.0 \+ 0\.5"),
    ({"url_rate": 0.3}, r"make_text_task: url_rate must be two probabilities \(ham rate, spam rate\)"),
    ({"url_rate": (0.1, 0.2, 0.3)}, r"make_text_task: url_rate must be two probabilities"),
    ({"url_rate": (0.5, 2.0)}, r"make_text_task: url_rate\[1\] \(spam\) must be a number in \[0, 1\], got 2\.0"),
])
def test_make_text_task_refuses_bad_parameters_by_name(kw, match):
    kw = {"n": 50, **kw}
    with pytest.raises(ValueError, match=match):
        make_text_task(**kw)


def test_make_text_task_edges_still_accepted():
    df, y = make_text_task(40, spam_rate=1, signal=0.7, noise=0.3, url_rate=[0, 1], seed=np.int64(2))
    assert y.tolist() == [1] * 40 and df["text"].str.contains("http://").all()
    assert len(make_text_task(0)[0]) == 0


# ------------------------------------------------------------------ seeds
@pytest.mark.parametrize("func", [make_votes, make_one_sided_votes, make_text_task])
@pytest.mark.parametrize("seed, exc, got", [("a", TypeError, "got the str 'a'"), (1.5, TypeError, "got the float 1.5"),
                                            (-1, ValueError, "got -1"), (2**32, ValueError, "got 4294967296")])
def test_generator_seed_errors_name_function_and_parameter(func, seed, exc, got):
    args = (10,) if func is make_text_task else (10, 3)
    with pytest.raises(exc, match=rf"^{func.__name__}: seed must be None or an int in \[0, 4294967295\], {got}$"):
        func(*args, seed=seed)
