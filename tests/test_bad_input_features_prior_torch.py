"""Features given as a pyarrow Table keep their names, nullable feature columns name the missing cell, a class
prior given as a pandas Series is aligned on its class index, and a torch model without torch names the extra."""
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from weaksup._validation import check_class_balance, check_features, feature_names
from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import MatrixCompletion


def _xy(n=60):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return pd.DataFrame(X, columns=["a", "b", "c"]), (X[:, 0] > 0).astype(int)


def _table(df):
    return pa.Table.from_pandas(df, preserve_index=False)


def test_arrow_table_features_record_names_and_refuse_reordered_columns():
    df, y = _xy()
    assert feature_names(_table(df)).tolist() == ["a", "b", "c"]
    model = LogisticRegression().fit(_table(df), y)
    assert model.feature_names_in_.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(model.predict_proba(_table(df)), LogisticRegression().fit(df, y).predict_proba(df),
                               rtol=0, atol=1e-12)  # same features; the arrays differ only in memory layout
    with pytest.raises(ValueError, match=r"another order \(fit: \['a', 'b', 'c'\]; now: \['c', 'b', 'a'\]"):
        model.predict_proba(_table(df[["c", "b", "a"]]))


@pytest.mark.parametrize("dtype", ["Float64", "double[pyarrow]"])
def test_missing_value_in_nullable_feature_column_names_row_and_column(dtype):
    df, y = _xy()
    df.iloc[7, 1] = np.nan
    nullable = df.astype(dtype)
    assert nullable.isna().iloc[7, 1]
    with pytest.raises(ValueError, match=r"NaN or inf at row 7, column 1; 1 non-finite"):
        LogisticRegression().fit(nullable, y)
    with pytest.raises(ValueError, match=r"X_valid contains .*row 7, column 1"):
        check_features(nullable, "X_valid")
    ints = pd.DataFrame({"a": [1, 2, None, 4], "b": [0, 1, 1, 0]}, dtype="Int64")
    with pytest.raises(ValueError, match=r"NaN or inf at row 2, column 0"):
        check_features(ints)
    # without missing values a nullable frame reads as the float64 one
    full, _ = _xy()
    np.testing.assert_array_equal(check_features(full.astype(dtype)), check_features(full))


def test_class_balance_series_is_aligned_on_its_class_index():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.8).astype(int)
    L = np.where(rng.random((2000, 3)) < 0.5, np.where(rng.random((2000, 3)) < 0.65, y[:, None], 1 - y[:, None]), -1)
    prior = pd.Series(y).value_counts(normalize=True)  # index [1, 0]: the majority class first
    assert prior.index.tolist() == [1, 0]
    want = prior.sort_index().to_numpy()
    np.testing.assert_allclose(check_class_balance(prior, 2), want / want.sum())
    a = MatrixCompletion().fit(L, class_balance=prior, seed=0)
    b = MatrixCompletion().fit(L, class_balance=want, seed=0)
    np.testing.assert_array_equal(a.class_balance_, b.class_balance_)
    np.testing.assert_array_equal(a.predict_proba(L), b.predict_proba(L))
    # a positional Series (index 0..k-1) reads as before
    np.testing.assert_array_equal(check_class_balance(pd.Series([0.3, 0.7]), 2), [0.3, 0.7])


@pytest.mark.parametrize("index", [["neg", "pos"], [1, 2], [0, 0]])
def test_class_balance_series_with_other_index_is_refused_naming_it(index):
    with pytest.raises(ValueError, match=r"class_balance is a pandas Series indexed by .*class ids 0\.\.1"):
        check_class_balance(pd.Series([0.4, 0.6], index=index), 2)


def test_class_balance_series_missing_a_class_is_refused():
    with pytest.raises(ValueError, match=r"indexed by \[1\]"):
        check_class_balance(pd.Series([1.0], index=[1]), 2)


def test_torch_device_check_without_torch_names_the_extra():
    code = textwrap.dedent("""
        import sys
        sys.modules["torch"] = None  # import torch fails, as on an install without the extra
        import numpy as np
        from weaksup.labelmodel import HyperLabelModel
        try:
            HyperLabelModel().fit(np.array([[0, 1], [1, -1], [0, 0]]))
        except ImportError as exc:
            print("ImportError:", exc)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert 'pip install "weaksup[hyperlm]"' in out.stdout, out.stdout + out.stderr
    assert "torch==2.13.0" in out.stdout


@pytest.mark.parametrize("other", [pd.array([True, False, True, False]), pd.array([True, False, None, True],
                                                                                   dtype="boolean"),
                                   pd.Categorical([1, 2, 1, 2])], ids=["bool", "nullable-boolean", "category"])
def test_missing_nullable_feature_beside_bool_or_category_column_names_row_and_column(other):
    df = pd.DataFrame({"a": pd.array([1, None, 3, 4], dtype="Int64"), "b": other})
    with pytest.raises(ValueError, match=r"NaN or inf at row 1, column 0"):
        check_features(df)
    full = pd.DataFrame({"a": pd.array([1, 2, 3, 4], dtype="Int64"), "b": pd.array([True, False, True, False])})
    np.testing.assert_array_equal(check_features(full), [[1, 1], [2, 0], [3, 1], [4, 0]])


def test_class_balance_series_with_integral_float_index_is_aligned():
    import pandas as pd

    y = pd.Series([1.0, 1.0, 1.0, 0.0])  # labels read as floats
    p = check_class_balance(y.value_counts(normalize=True), 2)  # index [1.0, 0.0]
    np.testing.assert_allclose(p, [0.25, 0.75])
    with pytest.raises(ValueError, match="indexed by"):
        check_class_balance(pd.Series([0.5, 0.5], index=[0.5, 1.5]), 2)
