"""The one contract every end model follows (no torch import here).

``fit(X, y, *, valid=None, sample_weight=None, seed=None) -> self`` where ``y``
is either hard labels (``n``,) in ``0..k-1`` or an ``n × k`` matrix of class
probabilities (soft labels from a label model; trained with the noise-aware
cross-entropy ``-Σ_j y_ij log p_ij``).  ``valid = (X_valid, y_valid)`` (gold
hard labels) turns on early stopping on ``metric`` (any name of
:mod:`weaksup.metrics`).  Then ``predict_proba``, ``predict``,
``score(X, y, metric=...)``, sklearn ``get_params/set_params`` and estimator tags
(a classifier: ``sklearn.base.is_classifier``, ``cross_val_score``, ``make_pipeline`` work).

Hard labels equal to ``-1`` (abstain: no LF fired) are dropped from training;
if every row is ``-1`` the fit fails with a "no covered examples" error, and so
does a ``sample_weight`` that is 0 on every row left; one that is 0 on every row
but those of a single class is refused as labels of a single class are.

Example
-------
>>> import numpy as np
>>> from weaksup.endmodel import LogisticRegression
>>> X = np.array([[0.0], [0.2], [0.9], [1.1]])
>>> soft = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
>>> LogisticRegression(C=100.0).fit(X, soft).predict(X).tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Iterator
from typing import Any, Self, overload

import numpy as np
import scipy.sparse as sp

from weaksup._deprecate import renamed_kwargs
from weaksup._params import ParamsMixin
from weaksup._validation import (
    Interval,
    NotFittedError,
    check_feature_names,
    check_is_fitted,
    check_labels,
    check_params,
    MAX_SEED,
    check_count,
    check_label_size,
    check_sample_weight,
    check_seed,
    class_frame_array,
    feature_names,
    label_array,
    user_stacklevel,
)
from weaksup._validation import check_features as _check_features
from weaksup._validation import check_valid as _check_valid
from weaksup.metrics import probs_to_preds

__all__ = [
    "EndModel",
    "NotFittedError",
    "check_targets",
    "check_features",
    "check_texts",
    "check_sample_weight",
    "check_kept_weight",
    "check_weighted_classes",
    "check_valid",
    "n_rows",
    "take_rows",
    "concat_rows",
    "resolve_seed",
    "torch_missing",
]

#: Tolerance on soft-label row sums.
SUM_TOL = 1e-3
#: Fitted attributes that describe the input ``X`` a model was fitted on (checked again at predict time).
INPUT_ATTRS = ("n_features_in_", "feature_names_in_")


def torch_missing(what: str, exc: ImportError) -> ImportError:
    """The ImportError for a torch end model imported without torch: it names the ``torch`` extra (torch is
    optional; the bare ``No module named 'torch'`` said neither what needs it nor how to install it).

    >>> from weaksup.endmodel.base import torch_missing
    >>> str(torch_missing("weaksup.endmodel.MLP", ImportError("No module named 'torch'")))[:37]
    'weaksup.endmodel.MLP needs torch (No '
    """
    return ImportError(f"{what} needs torch ({exc}): pip install torch==2.13.0 first (a CPU build; a bare torch "
                       'pulls a CUDA one), then pip install "weaksup[torch]"')


def n_rows(X: Any) -> int:
    if sp.issparse(X):
        return int(X.shape[0])
    if isinstance(X, np.ndarray):
        return int(X.shape[0])
    return len(X)


def take_rows(X: Any, idx: np.ndarray) -> Any:
    """Rows at positions ``idx`` of a dense array, a scipy sparse matrix, a pandas, polars or pyarrow object or a
    list of texts.

    Rows are taken by position (``0..n-1``, aligned with the votes), never by index label: a pandas
    ``Series`` (e.g. texts after a shuffle) gives the list of its values at those positions, a
    ``DataFrame`` its rows ``.iloc[idx]`` (re-indexed ``0..len(idx)-1``).  A polars ``DataFrame`` or a pyarrow
    ``Table`` / ``RecordBatch`` gives a frame of the same kind with those rows, a polars ``Series`` or a pyarrow
    array the list of its values (``X[i]`` of a pyarrow table is its column ``i``, of a polars frame a 1-row
    frame: neither is a row).

    Examples
    --------
    >>> import pandas as pd
    >>> import numpy as np
    >>> from weaksup.endmodel.base import take_rows
    >>> take_rows(pd.Series(["a", "b", "c"], index=[2, 0, 1]), np.array([0, 1]))
    ['a', 'b']
    """
    idx = np.asarray(idx)
    if sp.issparse(X) or isinstance(X, np.ndarray):
        return X[idx]
    if hasattr(X, "iloc"):  # pandas: by position, whatever the index says
        rows = X.iloc[idx]
        return rows.tolist() if rows.ndim == 1 else rows.reset_index(drop=True)
    library = type(X).__module__.split(".")[0]
    if library == "polars":  # not imported here: X is one already
        return X[idx] if hasattr(X, "columns") else X[idx].to_list()
    if library == "pyarrow" and hasattr(X, "take"):
        rows = X.take(idx)
        return rows if hasattr(rows, "column_names") else rows.to_pylist()
    return [X[int(i)] for i in idx]


def concat_rows(a: Any, b: Any) -> Any:
    """Stack two inputs of the same kind (dense, sparse or list of texts)."""
    if sp.issparse(a) or sp.issparse(b):
        return sp.vstack([sp.csr_matrix(a), sp.csr_matrix(b)]).tocsr()
    if isinstance(a, np.ndarray):
        return np.vstack([a, np.asarray(b, dtype=a.dtype)])
    return list(a) + list(b)


def resolve_seed(seed: int | None, default: int | None, where: str = "fit") -> int:
    """The seed a fit uses: ``seed``, else the model's ``default`` (its ``seed`` parameter), else 0; each checked
    (:func:`weaksup._validation.check_seed`: None or an int in ``[0, 2**32 - 1]``), naming ``where``.

    >>> import numpy as np
    >>> from weaksup.endmodel.base import resolve_seed
    >>> resolve_seed(None, 3), resolve_seed(np.int64(5), 3)
    (3, 5)
    """
    seed = check_seed(seed, where)
    if seed is not None:
        return seed
    default = check_seed(default, f"{where} (the model's seed parameter)")
    return 0 if default is None else default


def check_features(X: Any, what: str = "X", n_features: int | None = None) -> Any:
    """Dense float 2-D array or scipy CSR matrix without NaN/inf (:func:`weaksup._validation.check_features`)."""
    return _check_features(X, what, n_features)


def check_texts(X: Any, what: str = "X") -> list[str]:
    if X is None:
        raise ValueError(f"{what} is None; pass a list of texts")
    if isinstance(X, str):
        raise ValueError(f"{what} must be a list of texts, got a single string")
    X = list(X)
    for i, t in enumerate(X):
        if not isinstance(t, str):
            raise ValueError(f"{what}[{i}] is a {type(t).__name__}, not a str")
    return X


def _check_hard(y: np.ndarray, what: str) -> np.ndarray:
    """Hard labels ``y`` (1-D) as int64 class ids or -1 (abstain), read as :mod:`weaksup.metrics` reads them
    (:func:`weaksup._validation.label_array`: booleans as 0/1, an object array of numbers as those numbers, label
    names and missing labels refused naming the row)."""
    kind = "class ids 0..k-1 or -1 (abstain)"
    y = label_array(y, what, unknown=True, kind=kind)
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            i = int(np.nonzero(~np.isfinite(y))[0][0])
            raise ValueError(f"{what}: {'NaN' if np.isnan(y[i]) else y[i]} at row {i}; labels are class ids")
        if not np.all(y == np.round(y)):
            i = int(np.nonzero(y != np.round(y))[0][0])
            raise ValueError(f"{what} must be integer classes; row {i} has {y[i]!r} "
                             "(pass soft labels as an n×k probability matrix)")
    elif y.dtype.kind not in "iu" and y.size:
        raise ValueError(f"{what} must be integer classes, got dtype {y.dtype}")
    check_label_size(y, what, kind=kind)
    y = y.astype(np.int64)
    if (y < -1).any():
        i = int(np.nonzero(y < -1)[0][0])
        raise ValueError(f"{what}: class {y[i]} at row {i} is negative (only -1 = abstain is allowed)")
    return y


def _target_array(y: Any, what: str, *, unknown: bool) -> np.ndarray:
    """``y`` (hard labels or soft labels, as ``fit`` and ``score`` take them) as a numpy array, before its checks.

    A soft-label frame's columns are matched to classes by label (:func:`soft_frame_array`; nullable ``Float64``
    columns read as float64); a scipy sparse matrix is densified (an ``n × k`` soft-label matrix is small:
    ``np.asarray`` would make it a 0-d object array); a masked array of hard labels reads a masked entry as -1
    (abstain, dropped by ``fit``) where ``unknown``, else refuses it (``score`` needs a gold label on every row);
    masked soft labels are refused (a probability row with a hole is no distribution)."""
    if sp.issparse(y):
        y = y.toarray()
    if np.ma.isMaskedArray(y):
        if np.ndim(y) == 2 and np.shape(y)[1] >= 2:
            mask = np.ma.getmaskarray(y)
            if mask.any():
                r, c = (int(v[0]) for v in np.nonzero(mask))
                raise ValueError(f"soft labels {what}: the entry at row {r}, column {c} is masked ({int(mask.sum())} "
                                 "masked in total); soft labels need a probability in every column: fill or drop "
                                 "those rows first")
            return np.ma.getdata(y)
        return label_array(y, what, unknown=unknown, kind="class ids 0..k-1" + " or -1 (abstain)" * unknown)
    return np.asarray(soft_frame_array(y, what))


def _ravel_column(arr: np.ndarray, what: str) -> np.ndarray:
    """An ``n × 1`` column (``y.reshape(-1, 1)``, a one-column DataFrame) read as the hard labels it holds, with
    scikit-learn's ``DataConversionWarning`` (one probability column is no soft-label matrix: that needs ``k >= 2``)."""
    if arr.ndim != 2 or arr.shape[1] != 1:
        return arr
    from sklearn.exceptions import DataConversionWarning

    warnings.warn(f"{what}: a column-vector y of shape {arr.shape} was passed when hard labels (n,) or an n×k "
                  "(k >= 2) probability matrix were expected; it is read as hard labels. Pass y.ravel() "
                  "to silence this warning", DataConversionWarning, stacklevel=user_stacklevel())
    return arr.ravel()


def soft_frame_array(y: Any, what: str = "y") -> Any:
    """``y`` as an array with column ``j`` holding ``P(class j)`` when ``y`` is a frame (pandas, polars) of ``k >= 2``
    soft-label columns; any other ``y`` unchanged.

    A frame's columns are matched by label, not position (as votes frames are): labels ``0..k-1`` (or ``"0"``,
    ``"p0"``...) in any order are put in class order; other labels are refused naming them (a frame read by
    position would train on swapped classes without a word).  The rule is :func:`weaksup._validation.class_frame_array`,
    which :mod:`weaksup.metrics` reads ``probs`` frames with.

    >>> import pandas as pd
    >>> from weaksup.endmodel.base import soft_frame_array
    >>> soft_frame_array(pd.DataFrame({1: [0.8, 0.3], 0: [0.2, 0.7]})).tolist()
    [[0.2, 0.8], [0.7, 0.3]]
    """
    return class_frame_array(y, f"soft labels {what}")


@renamed_kwargs(n_classes="cardinality")
def check_targets(y: Any, n: int, cardinality: int | None = None, *, what: str = "y",
                  min_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Validate training targets; return ``(P, keep)``.

    ``P`` is a float ``n_kept × k`` probability matrix (one-hot for hard labels)
    and ``keep`` the indices of the rows used (hard ``-1`` rows are dropped).  ``n`` is the number of
    rows of ``X``, an int (a string or float is a ``TypeError``).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import check_targets
    >>> P, keep = check_targets(np.array([0, -1, 1]), 3)  # hard labels; -1 rows are dropped
    >>> P.tolist(), keep.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [0, 2])
    """
    n = check_count(n, "check_targets: n (the rows of X)")
    if y is None:
        raise ValueError(f"{what} is None; pass hard labels (n,) or soft labels (n×k)")
    arr = _target_array(y, what, unknown=True)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{what} must be hard labels (n,) or an n×k probability matrix, got shape {arr.shape}")
    arr = _ravel_column(arr, what)
    if arr.shape[0] != n:
        raise ValueError(f"X has {n} rows but {what} has {arr.shape[0]}")
    if n == 0:  # not "all 0 labels are -1": there are no rows at all
        raise ValueError(f"no covered examples: X and {what} have 0 rows; an end model needs at least one "
                         "labelled row")
    if arr.ndim == 1:
        hard = _check_hard(arr, what)
        keep = np.nonzero(hard >= 0)[0]
        if keep.size == 0:
            raise ValueError(f"no covered examples: all {n} labels in {what} are -1 (abstain); "
                             "an end model needs at least one labelled row")
        hard = hard[keep]
        k = int(hard.max()) + 1 if cardinality is None else int(cardinality)
        if hard.max() >= k:
            i = int(keep[np.argmax(hard >= k)])
            raise ValueError(f"{what}: class {int(hard[np.argmax(hard >= k)])} at row {i} is outside 0..{k - 1}")
        P = np.zeros((keep.size, k))
        P[np.arange(keep.size), hard] = 1.0
    else:
        if arr.dtype.kind not in "fiu":
            raise ValueError(f"soft labels {what} must be numeric, got dtype {arr.dtype}")
        P = arr.astype(np.float64)
        if cardinality is not None and P.shape[1] != cardinality:
            raise ValueError(f"soft labels {what} have {P.shape[1]} columns; expected cardinality={cardinality}")
        bad = ~np.isfinite(P)
        if bad.any():
            i, c = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(f"soft labels {what} contain NaN or inf at row {i}, column {c} (a missing value, pd.NA, "
                             f"reads as NaN): {P[i].tolist()}")
        if (P < 0).any():
            i = int(np.nonzero((P < 0).any(axis=1))[0][0])
            raise ValueError(f"soft labels {what} have a negative probability at row {i}: {P[i].tolist()}")
        sums = P.sum(axis=1)
        off = np.abs(sums - 1.0) > SUM_TOL
        if off.any():
            i = int(np.nonzero(off)[0][0])
            raise ValueError(f"soft labels {what}: row {i} sums to {sums[i]:.6g}, not 1 "
                             f"({int(off.sum())} row(s) off by more than {SUM_TOL})")
        P = P / sums[:, None]
        keep = np.arange(n)
        k = P.shape[1]
    if k < 2:
        raise ValueError(f"{what} has {k} class(es); an end model needs at least 2")
    if arr.ndim == 2:
        _check_soft_classes(P, what, min_classes)
        return P, keep
    present = np.unique(P.argmax(axis=1))
    if present.size < min_classes:
        n_dropped = n - keep.size
        dropped = (f" ({n_dropped} row(s) labelled -1 were dropped: -1 means ABSTAIN, no label, not a class; map "
                   "labels such as {-1, +1} to class ids 0..k-1 first)") if n_dropped else ""
        raise ValueError(f"training labels {what} contain a single class ({int(present[0])}) on all "
                         f"{P.shape[0]} rows; an end model needs at least {min_classes} classes to learn{dropped}")
    return P, keep


def _check_soft_classes(P: np.ndarray, what: str, min_classes: int) -> None:
    """Soft labels must put probability on ``min_classes`` classes, uniform rows (``1/k`` everywhere, no class
    information) aside.  Not each row's argmax: ``P(class 1)`` from 0.05 to 0.45 is informative though every argmax
    is class 0, while uniform rows read by argmax would make a class of nothing."""
    if min_classes < 2:
        return
    informative = np.ptp(P, axis=1) > 1e-9
    n_uniform = int((~informative).sum())
    if not informative.any():
        raise ValueError(f"soft labels {what} are uniform (1/k on every class) on all {P.shape[0]} rows: they "
                         f"carry no class information; an end model needs at least {min_classes} classes to learn")
    classes = np.nonzero(P[informative].sum(axis=0) > 0)[0]
    if classes.size < min_classes:
        uniform = (f" ({n_uniform} uniform row(s), 1/k on every class, carry no class information)"
                   if n_uniform else "")
        raise ValueError(f"soft labels {what} put probability on a single class ({int(classes[0])}) on all "
                         f"{int(informative.sum())} rows that are not uniform{uniform}; an end model needs at "
                         f"least {min_classes} classes to learn")


def _no_positive_valid(metric: str, y_valid: Any) -> bool:
    """Whether ``metric`` scores the positive class 1 (``"f1_binary"`` / ``"f1"``, ``"precision"``, ``"recall"``)
    and ``y_valid`` has no row of class 1: then every model scores 0 (or 0/0), and the score decides nothing."""
    from weaksup.metrics import _BINARY_LABEL_FUNCS, _entry

    return _entry(metric).func in _BINARY_LABEL_FUNCS and not bool(np.any(np.asarray(y_valid) == 1))


def warn_nonfinite_valid(model: str, metric: str, score: float, where: str, y_valid: Any = None) -> None:
    """Warn (``RuntimeWarning``, at the user's call) that a validation check scored ``score`` (NaN or inf): early
    stopping skips such a check, which neither becomes the kept model nor counts toward ``patience``.  With
    ``y_valid`` the warning says why where it can (no positive example for a metric of class 1)."""
    skipped = ("early stopping skips such checks: they neither become the kept model nor count toward patience "
               "(with none finite, the last model stands)")
    if y_valid is not None and _no_positive_valid(metric, y_valid):
        warnings.warn(f"{model}: the validation metric {metric!r} is undefined at {where}: y_valid has no positive "
                      f"example (class 1) among its {len(y_valid)} rows, so every model would score 0; {skipped}. "
                      "Pass a y_valid with class-1 rows, or another metric (e.g. 'accuracy')", RuntimeWarning,
                      stacklevel=user_stacklevel())
        return
    warnings.warn(f"{model}: the validation metric {metric!r} is {score} at {where} (undefined on y_valid? 'auc' "
                  "needs both classes in y_valid); early stopping skips such checks: they neither become the kept "
                  "model nor count toward patience", RuntimeWarning, stacklevel=user_stacklevel())


def check_kept_weight(w: np.ndarray | None, n_dropped: int) -> None:
    """``sample_weight`` of the rows kept for training (after the ``-1`` rows are dropped) must not sum to 0.

    Checked after the drop: weight only on dropped rows would leave the loss weighted by nothing
    (NaN probabilities from a torch model, a constant model from L-BFGS).
    """
    if w is not None and w.size and w.sum() <= 0:
        raise ValueError(f"sample_weight sums to 0 over the {w.size} labelled rows: all the weight is on the "
                         f"{n_dropped} row(s) labelled -1 (abstain), which are dropped from training")


def check_weighted_classes(P: np.ndarray, w: np.ndarray | None, what: str = "y", min_classes: int = 2) -> None:
    """The training rows that ``sample_weight`` ``w`` keeps (weight > 0) must still hold ``min_classes`` classes.

    ``P`` is the kept rows' targets (one-hot for hard labels), checked already by :func:`check_targets`; a class
    counts as for soft labels there: probability on it in a row that is not uniform.  Weight 0 on every row of
    all classes but one would otherwise train a model of that one class without a word, where the same rows
    passed as hard labels are refused.

    >>> import numpy as np
    >>> from weaksup.endmodel.base import check_weighted_classes
    >>> check_weighted_classes(np.eye(2)[[0, 1, 0]], np.array([1.0, 0.0, 2.0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: sample_weight leaves a single class (0) in y: the 2 row(s) with weight > 0 are all of class 0 ...
    """
    if w is None or min_classes < 2:
        return
    pos = w > 0
    if pos.all():  # nothing left out: check_targets counted these rows' classes
        return
    Pw = P[pos]
    informative = np.ptp(Pw, axis=1) > 1e-9
    n_zero = int((~pos).sum())
    classes = np.nonzero(Pw[informative].sum(axis=0) > 0)[0]
    if classes.size >= min_classes:
        return
    if classes.size == 0:
        raise ValueError(f"sample_weight leaves no class information in {what}: the {int(pos.sum())} row(s) with "
                         f"weight > 0 all have uniform soft labels (1/k on every class; the {n_zero} other row(s) "
                         f"weigh 0); an end model needs at least {min_classes} classes to learn")
    c = int(classes[0])
    raise ValueError(f"sample_weight leaves a single class ({c}) in {what}: the {int(pos.sum())} row(s) with weight "
                     f"> 0 are all of class {c} (the {n_zero} other row(s) weigh 0); an end model needs at least "
                     f"{min_classes} classes to learn: give rows of another class a positive weight")


def training_class_prior(P: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """The class frequencies of the training labels: the (``sample_weight``-weighted) mean of the soft labels.

    >>> import numpy as np
    >>> from weaksup.endmodel.base import training_class_prior
    >>> training_class_prior(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.5, 0.5]]), None).tolist()
    [0.375, 0.625]
    """
    mass = P.sum(axis=0) if w is None else (P * w[:, None]).sum(axis=0)
    return mass / mass.sum()


def largest_columns(X: Any, top: int = 3) -> str:
    """The ``top`` feature columns of ``X`` (dense or scipy-sparse) with the largest magnitude, as
    ``"column 0 (max |x| = 3.45e+30), ..."``; ``""`` for texts (a list).  What a diverged or stalled fit names
    when it tells the user to scale the features.

    >>> import numpy as np
    >>> from weaksup.endmodel.base import largest_columns
    >>> largest_columns(np.array([[1.0, -2e30, 0.5], [3.0, 1.0, 0.0]]), top=2)
    'column 1 (max |x| = 2e+30), column 0 (max |x| = 3)'
    """
    if isinstance(X, list) or n_rows(X) == 0:
        return ""
    if sp.issparse(X):
        mag = np.asarray(abs(X).max(axis=0).todense()).ravel()
    else:
        mag = np.abs(np.asarray(X)).max(axis=0)
    order = np.argsort(-mag, kind="stable")[:top]
    return ", ".join(f"column {int(j)} (max |x| = {float(mag[j]):.3g})" for j in order)


#: Features whose largest magnitude is at most this need no scaling advice when a fit diverges.
UNIT_SCALE = 1e2


def _max_magnitude(X: Any) -> float:
    if sp.issparse(X):
        return float(abs(X).max()) if X.nnz else 0.0
    return float(np.abs(np.asarray(X)).max()) if np.asarray(X).size else 0.0


def scale_advice(X: Any, what: str = "X") -> str:
    """What a fit that diverged or stalled on ``X`` tells the user to do: scale the features, naming the
    largest-magnitude columns (:func:`largest_columns`); ``""`` for texts and for features already within
    :data:`UNIT_SCALE` of 1, where scaling is not the cure (a learning rate too large is)."""
    cols = largest_columns(X)
    if not cols or _max_magnitude(X) <= UNIT_SCALE:
        return ""
    return (f"scale the features (e.g. sklearn.preprocessing.StandardScaler; a column of magnitude far from 1 "
            f"makes the logits and gradients huge): the largest-magnitude columns of {what} are {cols}")


def check_valid(valid: Any, k: int, checker: Any) -> tuple[Any, np.ndarray] | None:
    """Validate ``valid = (X_valid, y_valid)`` with gold hard labels (:func:`weaksup._validation.check_valid`)."""
    # y_valid is read as fit and score read y (an n x 1 column raveled with a DataConversionWarning)
    return _check_valid(valid, k, checker,
                        read_y=lambda y, what: _ravel_column(_target_array(y, what, unknown=False), what))


#: The 0.1 names of end-model parameters / fitted attributes (deprecated aliases until 0.3).
RENAMED_PARAMS = {"n_classes": "cardinality", "random_state": "seed", "progress_bar": "progress",
                  "n_classes_": "cardinality_"}
#: For ``@renamed_kwargs(**RENAMED_KWARGS)`` on subclass constructors.
RENAMED_KWARGS = {"n_classes": "cardinality", "random_state": "seed", "progress_bar": "progress"}


class _RoutingRequests:
    """The metadata requests set on an end model (``set_fit_request(sample_weight=True)``...) as plain
    ``{method: {param: alias}}``: no scikit-learn object (a pickled or saved model needs no scikit-learn class),
    copied by ``sklearn.base.clone``, which clones an estimator's ``_metadata_request``."""

    def __init__(self, requests: dict[str, dict[str, Any]] | None = None) -> None:
        self.requests = {} if requests is None else requests

    def __sklearn_clone__(self) -> _RoutingRequests:
        return _RoutingRequests(copy.deepcopy(self.requests))


#: End-model class -> its scikit-learn metadata requester (built when scikit-learn first asks).
_REQUESTERS: dict[type, type] = {}


class EndModel(ParamsMixin):
    """Base class of end models.

    Subclasses implement ``_check_X(X, what)``, ``_fit(X, P, w, valid, seed)``
    and ``_predict_proba(X)``, and declare hyper-parameters as ``__init__``
    keyword arguments stored under the same names (sklearn convention).
    The shared vocabulary: ``cardinality`` (number of classes; ``None``:
    inferred, fitted value ``cardinality_``), ``seed`` (default seed of
    ``fit``), ``progress`` (progress bar), ``metric`` (validation metric).
    ``n_classes``, ``random_state`` and ``progress_bar`` are deprecated
    aliases.

    ``classes_`` is the class ids ``0..k-1`` (``k``: ``cardinality``, else
    ``max(y) + 1`` or the soft labels' columns), not scikit-learn's labels
    present in ``y``: with hard labels ``{0, 2}`` it is ``[0, 1, 2]``, and
    scikit-learn tools that match ``classes_`` to a fold's labels
    (``cross_val_score(scoring="roc_auc" / "neg_log_loss")``,
    ``CalibratedClassifierCV``) refuse it; map labels to consecutive ids first.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import EndModel
    >>> class NearestCentroid(EndModel):
    ...     # centroids weighted by the (soft) targets; the nearest centroid predicts
    ...     def __init__(self, cardinality=None):
    ...         self.cardinality = cardinality
    ...     def _fit(self, X, P, w, valid, seed):
    ...         self.centroids_ = (P.T @ X) / P.sum(0)[:, None]
    ...     def _predict_proba(self, X):
    ...         d = -((X[:, None, :] - self.centroids_) ** 2).sum(-1)
    ...         e = np.exp(d - d.max(1, keepdims=True))
    ...         return e / e.sum(1, keepdims=True)
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]])
    >>> model = NearestCentroid().fit(X, np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.3, 0.7]]))
    >>> model.predict(np.array([[0.0, 0.5], [6.0, 6.0]])).tolist()
    [0, 1]
    """

    metric: str = "accuracy"
    cardinality: int | None = None
    _renamed = RENAMED_PARAMS
    #: scikit-learn < 1.6 reads this (``is_classifier``); later versions read :meth:`__sklearn_tags__`.
    _estimator_type = "classifier"
    #: Hyper-parameter name -> accepted forms (:func:`weaksup._validation.check_params`), checked
    #: when ``fit`` starts, before any pass over the data.
    _parameter_constraints: dict[str, list[Any]] = {
        "metric": [str],
        "cardinality": [None, Interval(2, None, integer=True)],
    }
    #: Entries for the shared vocabulary's optional parameters, for subclasses that take them.
    _progress_and_seed: dict[str, list[Any]] = {"progress": [bool],
                                                 "seed": [None, Interval(0, MAX_SEED, integer=True)]}

    # ----------------------------------------------------------- scikit-learn
    def _input_tags(self) -> dict[str, bool]:
        """What ``X`` may be, as scikit-learn ``InputTags`` fields (feature models: dense or sparse)."""
        return {"sparse": True}

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags: a classifier, so ``is_classifier``, ``cross_val_score`` (stratified
        folds), ``GridSearchCV`` and ``make_pipeline`` treat end models as classifiers.

        scikit-learn is imported here, when it asks, never when weaksup is imported.

        >>> from sklearn.base import is_classifier
        >>> from weaksup.endmodel import LogisticRegression
        >>> is_classifier(LogisticRegression())
        True
        """
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags, TransformerTags

        # a model with transform() (MLP, Cosine: the penultimate-layer features) must say so, or scikit-learn's
        # check_estimator refuses to run on it; the features are float32 whatever X's dtype
        transformer = TransformerTags(preserves_dtype=[]) if callable(getattr(self, "transform", None)) else None
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(), transformer_tags=transformer,
                    input_tags=InputTags(**self._input_tags()))

    # ----------------------------------------------------------- metadata routing
    def _requester(self) -> Any:
        """A scikit-learn metadata requester standing in for this model: a ``_MetadataRequester`` of the same name
        whose ``fit`` and ``score`` are this model's (scikit-learn reads the metadata they take from their
        signatures), with the requests set on this model replayed.  scikit-learn is imported only here, and the
        requests are kept as plain data (:class:`_RoutingRequests`), so the model pickles without it."""
        cls = type(self)
        if cls not in _REQUESTERS:
            from sklearn.utils._metadata_requests import _MetadataRequester

            _REQUESTERS[cls] = type(cls.__name__, (_MetadataRequester,),
                                    {"fit": cls.fit, "score": cls.score, "__module__": cls.__module__})
        requester = object.__new__(_REQUESTERS[cls])
        saved = self.__dict__.get("_metadata_request")
        if isinstance(saved, _RoutingRequests) and saved.requests:
            from sklearn import config_context

            with config_context(enable_metadata_routing=True):  # set_*_request refuses to run with routing off
                for method, aliases in saved.requests.items():
                    getattr(requester, f"set_{method}_request")(**aliases)
        return requester

    def _set_request(self, method: str, aliases: dict[str, Any]) -> EndModel:
        requester = self._requester()
        getattr(requester, f"set_{method}_request")(**aliases)  # scikit-learn's checks (names, values, routing on)
        from sklearn.utils.metadata_routing import UNCHANGED

        saved = self.__dict__.get("_metadata_request")
        requests = copy.deepcopy(saved.requests) if isinstance(saved, _RoutingRequests) else {}
        requests.setdefault(method, {}).update({k: v for k, v in aliases.items() if v is not UNCHANGED})
        self._metadata_request = _RoutingRequests(requests)
        return self

    def set_fit_request(self, **aliases: Any) -> EndModel:
        """scikit-learn's metadata routing (``sklearn.set_config(enable_metadata_routing=True)``): which metadata
        ``fit`` takes when a meta-estimator routes it, e.g. ``set_fit_request(sample_weight=True)``; each of
        ``valid``, ``sample_weight``, ``seed`` (and ``unlabeled`` for ``Cosine``) may be True, False, None (an error
        if passed, the default) or an alias, as for scikit-learn's estimators.  Returns self."""
        return self._set_request("fit", aliases)

    def set_score_request(self, **aliases: Any) -> EndModel:
        """:meth:`set_fit_request` for ``score`` (``metric``, ``tie_break``, ``sample_weight``, ``seed``)."""
        return self._set_request("score", aliases)

    def get_metadata_routing(self) -> Any:
        """The metadata this model requests (scikit-learn's ``MetadataRequest``): a ``sample_weight`` routed to it
        by a scikit-learn ``Pipeline`` with routing on reaches ``fit`` only after ``set_fit_request``, and
        otherwise is an error, as with scikit-learn's own classifiers."""
        return self._requester().get_metadata_routing()

    # ----------------------------------------------------------- validation
    def _check_X(self, X: Any, what: str = "X") -> Any:
        self._check_names(X, what)
        return check_features(X, what, getattr(self, "n_features_in_", None))

    def _check_names(self, X: Any, what: str = "X") -> None:
        """A fitted feature model: the columns of a frame ``X`` against ``feature_names_in_`` (scikit-learn's
        check; a frame is read by position, so reordered columns would be read as other features)."""
        if "n_features_in_" in self.__dict__:
            check_feature_names(X, self.__dict__.get("feature_names_in_"), what, type(self).__name__)

    def _check_params(self) -> None:
        """The hyper-parameters against :attr:`_parameter_constraints` (``fit`` checks them when it starts; a
        caller such as ``Pipeline.fit`` checks them before work of its own)."""
        check_params(self)

    def _metric(self) -> str:
        """The validation / default scoring metric."""
        return self.metric

    def _check_metric(self) -> None:
        from weaksup.metrics import METRICS

        if self._metric() not in METRICS:
            raise ValueError(f"metric {self._metric()!r} is not one of {tuple(METRICS)}")

    def _check_metric_classes(self, k: int) -> None:
        """The metric can score ``k`` classes (``"auc"`` is binary): a dry run on one row of each class, checked
        when ``fit`` starts, not at the first validation check after training has run."""
        yv = np.arange(k)
        try:
            self._valid_score(np.full((k, k), 1.0 / k), yv)
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__}: metric={self._metric()!r} cannot score the {k} classes of y "
                             f"({exc}); choose a metric for {k} classes, e.g. 'accuracy' or 'f1_macro'") from None

    def _check_targets(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, np.ndarray, np.ndarray | None,
                                                                          np.ndarray]:
        """``(X, P, w, keep)``: validated inputs, soft targets, weights and the kept rows (labelled ones)."""
        X = self._check_X(X, "X")
        n = n_rows(X)
        P, keep = check_targets(y, n, self.cardinality)
        return X, P, check_sample_weight(sample_weight, n), keep

    @contextlib.contextmanager
    def _fit_inputs(self, **attrs: Any) -> Iterator[None]:
        """While a fit checks its inputs: the fitted input attributes (:data:`INPUT_ATTRS`) as the new fit
        sets them (``attrs``; none while ``X`` itself is checked), and the model's own back afterwards,
        whatever happens, so a refit refused by a check leaves the fitted model as it was (as
        scikit-learn's estimators do)."""
        saved = {a: self.__dict__.pop(a) for a in INPUT_ATTRS if a in self.__dict__}
        self.__dict__.update({a: v for a, v in attrs.items() if v is not None})
        try:
            yield
        finally:
            for a in INPUT_ATTRS:
                self.__dict__.pop(a, None)
            self.__dict__.update(saved)

    def _set_fit_inputs(self, **attrs: Any) -> None:
        """Every check of a fit has passed: the fitted input attributes become the new fit's."""
        for a in INPUT_ATTRS:
            self.__dict__.pop(a, None)
        self.__dict__.update({a: v for a, v in attrs.items() if v is not None})

    def _prepare_fit(self, X: Any, y: Any, valid: Any, sample_weight: Any
                     ) -> tuple[Any, np.ndarray, np.ndarray | None, tuple[Any, np.ndarray] | None]:
        check_params(self)
        self._check_metric()
        names = feature_names(X)
        with self._fit_inputs():
            X, P, w, keep = self._check_targets(X, y, sample_weight)
        n = n_rows(X)
        if keep.size != n:
            X = take_rows(X, keep)
            w = None if w is None else w[keep]
        check_kept_weight(w, n - keep.size)
        check_weighted_classes(P, w)
        k = P.shape[1]
        self._check_metric_classes(k)
        inputs = {} if isinstance(X, list) else {"n_features_in_": int(X.shape[1]), "feature_names_in_": names}
        with self._fit_inputs(**inputs):
            v = check_valid(valid, k, self._check_X)
        # every check passed: only now does the model take the new fit's state
        self._set_fit_inputs(**inputs)
        self.classes_ = np.arange(k)
        self.cardinality_ = k
        self.class_prior_ = training_class_prior(P, w)
        return X, P, w, v

    def _default_cardinality(self, k: int) -> None:
        """Fix ``cardinality=k`` where it is None (inferred from the labels): a caller that knows the task's
        ``k`` (``Pipeline(soft=False)``: the label model's) keeps a class no hard label names."""
        if self.cardinality is None and "cardinality" in self._param_names():
            self.set_params(cardinality=k)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "classes_", msg=f"{type(self).__name__} is not fitted; call fit(X, y) first")

    # --------------------------------------------------------------- contract
    def fit(self, X: Any, y: Any, *, valid: Any = None, sample_weight: Any = None,
            seed: int | None = None) -> Self:
        """Train on ``X`` with hard labels or an ``n × k`` soft-label matrix ``y``; returns self.

        ``seed`` (default: the model's ``seed`` parameter, else 0): None or an int in ``[0, 2**32 - 1]``."""
        where = f"{type(self).__name__}.fit"
        check_seed(seed, where)
        with self._unchanged_on_failure():  # a refit that raises or is interrupted leaves the last fit whole
            X, P, w, v = self._prepare_fit(X, y, valid, sample_weight)  # checks the seed parameter too
            self._fit(X, P, w, v, resolve_seed(seed, getattr(self, "seed", None), where))
        return self

    def _fit(self, X: Any, P: np.ndarray, w: np.ndarray | None, valid: Any, seed: int) -> None:
        raise NotImplementedError

    def predict_proba(self, X: Any) -> np.ndarray:
        """``n × k`` class probabilities; rows sum to 1."""
        self._check_fitted()
        X = self._check_X(X)
        if n_rows(X) == 0:
            return np.zeros((0, self.cardinality_))
        return self._predict_proba(X)

    def _predict_proba(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: Any, tie_break: str = "random", *, seed: int | None = None) -> np.ndarray:
        """Hard labels from :meth:`predict_proba`; ties follow :func:`weaksup.metrics.probs_to_preds`.

        The same rule as label models' ``predict`` (``"random"``: snorkel's and
        WRENCH's deterministic tie-break), so a bench score and ``score`` agree. ``"prior"`` picks the tied
        class most frequent in the training labels (``class_prior_``: the weighted mean of the soft labels
        ``fit`` trained on); ``seed`` fixes ``"true-random"``.
        """
        return probs_to_preds(self.predict_proba(X), tie_break, prior=self._tie_prior(), seed=seed)

    def _tie_prior(self) -> np.ndarray | None:
        # a model pickled before class_prior_ existed breaks "prior" ties by the lowest class, as it did then
        return getattr(self, "class_prior_", None)

    # one metric name (or None: ``self.metric``) gives its value, a list of names a dict of values: overloads say
    # so, else every result types as the union and ``model.score(X, y) > 0.5`` fails a type checker
    @overload
    def score(self, X: Any, y: Any, metric: str | None = ..., tie_break: str = ..., sample_weight: Any = ..., *,
              seed: int | None = ...) -> float: ...

    @overload
    def score(self, X: Any, y: Any, metric: list[str], tie_break: str = ..., sample_weight: Any = ..., *,
              seed: int | None = ...) -> dict[str, float]: ...

    def score(self, X: Any, y: Any, metric: str | list[str] | None = None, tie_break: str = "random",
              sample_weight: Any = None, *, seed: int | None = None) -> float | dict[str, float]:
        """Score against gold labels (one metric name or a list; default ``self.metric``).

        ``y`` holds the gold class of every row of ``X``, in ``0..k-1``: a ``-1`` (unknown) or a class the
        model does not have is refused, as ``LabelModel.score`` refuses it; score the labelled rows only.
        ``y`` may also be an ``n × k`` soft-label matrix, what ``fit`` takes (so ``GridSearchCV`` and
        ``cross_val_score`` can score the folds of soft labels): it is scored as its hard labels, each row's
        most probable class with ties broken by ``tie_break`` (as a label model's ``predict`` turns its
        probabilities into labels). Ties follow :meth:`predict`'s rule (``seed`` fixes ``"true-random"``).

        >>> import numpy as np
        >>> from weaksup.endmodel import LogisticRegression
        >>> X = np.array([[0.0], [0.2], [0.9], [1.1]])
        >>> soft = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
        >>> model = LogisticRegression(C=100.0).fit(X, soft)
        >>> model.score(X, soft), model.score(X, [0, 0, 1, 1])
        (1.0, 1.0)

        ``sample_weight`` is there for scikit-learn (a ``Pipeline``'s ``score`` passes it on): weaksup's metrics are
        unweighted, so weights are refused rather than ignored.
        """
        from weaksup.metrics import score as _score

        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}.score: sample_weight is not supported (weaksup's metrics are "
                             "unweighted); score without it, or with scikit-learn's metrics on predict_proba")
        probs = self.predict_proba(X)
        yv = _ravel_column(_target_array(y, "y", unknown=False), "y")
        if yv.ndim == 2:
            yv = self._soft_gold(yv, tie_break, seed)
        elif yv.ndim != 1:
            raise ValueError(f"y must be gold hard labels (n,) or an n×k soft-label matrix, got shape {yv.shape}")
        yv = check_labels(_check_hard(yv, "y"), self.cardinality_, what="y")
        if len(yv) != probs.shape[0]:
            raise ValueError(f"X has {probs.shape[0]} rows but y has {len(yv)}")
        preds = probs_to_preds(probs, tie_break, prior=self._tie_prior(), seed=seed)
        metric = self._metric() if metric is None else metric
        if isinstance(metric, str):
            return _score(metric, yv, preds, probs)
        return {m: _score(m, yv, preds, probs) for m in metric}

    def _soft_gold(self, P: Any, tie_break: str, seed: int | None = None) -> np.ndarray:
        """The hard labels ``score`` reads from an ``n × k`` soft-label ``y``: each row's most probable class,
        ties broken by ``tie_break`` (the rows checked as ``fit`` checks soft labels)."""
        P, _ = check_targets(P, P.shape[0], self.cardinality_, what="y", min_classes=1)
        gold = probs_to_preds(P, tie_break, prior=self._tie_prior(), seed=seed)
        if (gold < 0).any():
            i = int(np.nonzero(gold < 0)[0][0])
            raise ValueError(f"y: soft-label row {i} ties between classes ({P[i].tolist()}) and tie_break='abstain' "
                             "gives it no class to score against; pass another tie_break or drop the tied rows")
        return gold

    def _valid_score(self, probs: np.ndarray, yv: np.ndarray) -> float:
        """Validation score, larger is better (loss metrics are negated); NaN (undefined: early stopping skips the
        check) for a metric of the positive class on a ``yv`` without class 1, where every model scores 0."""
        from weaksup.metrics import score as _score

        name = self._metric()
        if _no_positive_valid(name, yv):
            return float("nan")
        s = _score(name, yv, probs.argmax(axis=1), probs)
        return -s if name in ("logloss", "brier") else s
