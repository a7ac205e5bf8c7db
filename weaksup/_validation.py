"""THE input-validation module of weaksup: every stage checks its inputs here.

Errors say what is wrong and where: the argument, the LF name and column, the
row, the offending value and how many offenders there are.  Each check
returns the coerced value so callers write ``L = check_votes(votes)``.

Contents
--------
* :class:`NotFittedError`, :func:`check_is_fitted`: the one "not fitted" error of every family.
* :func:`vote_bound`, :func:`check_vote_range`: the ``-1..k-1`` vote range (votes, applier).
* :func:`check_fit_votes`: label-model training votes (coercion: :func:`weaksup.votes.check_votes`).
* :func:`check_labels`: gold/hard integer class labels (read by :func:`label_array`, as metrics and end
  models read them; :func:`check_label_size` before the int64 cast).
* :func:`check_valid`: a held-out ``valid = (inputs, y)`` pair (label models: ``(votes, y)``;
  end models: ``(X, y)`` with their own input checker).
* :func:`check_class_balance`: a class prior.
* :func:`check_features`: numeric ``n × d`` features (dense or CSR); :func:`feature_names`,
  :func:`check_feature_names`: a frame's column names (``feature_names_in_``) at fit and predict time.
* :func:`check_params`: declarative hyper-parameter constraints (``_parameter_constraints``).
* :func:`check_count`: a row count a caller passes (``n_rows``), an int.
* :func:`check_prob_rows`: an ``n × k`` matrix of class-probability rows (finite, >= 0, summing to 1).
* :func:`check_seed`: the ``seed`` of a ``fit``: None or an int in ``[0, 2**32 - 1]``.

Examples
--------
>>> import numpy as np
>>> from weaksup._validation import check_labels, check_vote_range
>>> check_vote_range(np.array([[0, 1], [3, -1]]), 2, ["a", "b"])
Traceback (most recent call last):
...
ValueError: vote 3 out of range (-1..1) from LF 'a' (column 0) at row 1; 1 offending vote(s) in total
>>> check_labels([0, 1, 1], 2).tolist()
[0, 1, 1]
"""

from __future__ import annotations

import os
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from weaksup.votes import VoteMatrix

__all__ = [
    "NotFittedError",
    "checked_probs",
    "lookalike_hint",
    "check_is_fitted",
    "vote_bound",
    "check_vote_range",
    "check_fit_votes",
    "warn_silent_lfs",
    "check_labels",
    "label_array",
    "check_label_size",
    "check_valid",
    "check_class_balance",
    "check_features",
    "feature_names",
    "check_feature_names",
    "class_frame_array",
    "check_params",
    "check_count",
    "check_prob_rows",
    "check_seed",
    "declared_constraints",
    "Interval",
    "OneOf",
    "NumberOrVector",
    "TorchDevice",
]

_ABSTAIN = -1  # == weaksup.votes.ABSTAIN (kept here so votes.py can import this module)


# ------------------------------------------------------------------ fitted state
class NotFittedError(ValueError, AttributeError):
    """A model was used before ``fit`` (a ``ValueError`` and an ``AttributeError``, as in sklearn).

    When scikit-learn is already imported, the error raised is also an instance of
    ``sklearn.exceptions.NotFittedError``, so code written for scikit-learn
    (``except sklearn.exceptions.NotFittedError``) catches it.  weaksup does not
    import scikit-learn for this: importing it costs about a second, and code that
    names scikit-learn's class has imported it already.

    >>> import sklearn.exceptions
    >>> from weaksup._validation import NotFittedError
    >>> try:
    ...     raise NotFittedError("M is not fitted yet")
    ... except sklearn.exceptions.NotFittedError as exc:
    ...     print(type(exc).__name__, isinstance(exc, NotFittedError))
    NotFittedError True
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> NotFittedError:
        if cls is NotFittedError:
            cls = _with_sklearn_base() or cls
        return super().__new__(cls, *args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt through the public class, which picks the scikit-learn-based subclass again if needed.
        return NotFittedError, self.args, self.__dict__ or None


def _with_sklearn_base() -> type | None:
    """The subclass of :class:`NotFittedError` and scikit-learn's, once scikit-learn is imported."""
    global _SklearnNotFittedError
    if _SklearnNotFittedError is None:
        import sys

        sk = sys.modules.get("sklearn.exceptions")
        if sk is None:
            return None
        # Same name and module as the base, so tracebacks read "weaksup._validation.NotFittedError"
        # (pickling goes through NotFittedError.__reduce__, not this class's name).
        _SklearnNotFittedError = type("NotFittedError", (NotFittedError, sk.NotFittedError),
                                      {"__module__": __name__, "__doc__": NotFittedError.__doc__})
    return _SklearnNotFittedError


_SklearnNotFittedError: type | None = None


def check_is_fitted(obj: Any, attrs: str | Iterable[str] | None = None, *, msg: str | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``obj`` has every fitted attribute in ``attrs``.

    Without ``attrs``, any attribute ending in ``_`` (not ``__``) set on the
    instance counts as fitted state.

    >>> from weaksup._validation import check_is_fitted
    >>> class M: pass
    >>> check_is_fitted(M(), "coef_")
    Traceback (most recent call last):
    ...
    weaksup._validation.NotFittedError: M is not fitted yet; call fit(...) before using it
    """
    if attrs is None:
        fitted = any(k.endswith("_") and not k.endswith("__") for k in vars(obj))
    else:
        names = [attrs] if isinstance(attrs, str) else list(attrs)
        fitted = all(hasattr(obj, a) for a in names)
    if not fitted:
        raise NotFittedError(msg or f"{type(obj).__name__} is not fitted yet; call fit(...) before using it")


# ------------------------------------------------------------------ counts and probability rows
def check_prob_rows(probs: Any, what: str, *, shape: tuple[int, int] | None = None,
                    sum_tol: float = 1e-6) -> np.ndarray:
    """``probs`` as an ``n × k`` float64 array of class-probability rows: finite, >= 0, each summing to 1
    within ``sum_tol``; ``shape``: the ``(n, k)`` it must have.  Otherwise a ValueError naming ``what`` and
    the first bad entry or row.

    >>> from weaksup._validation import check_prob_rows
    >>> check_prob_rows([[0.5, 0.5], [3.0, 0.0]], "probs")
    Traceback (most recent call last):
    ...
    ValueError: probs: row 1 sums to 3.0, not 1; each row must be class probabilities over the 2 classes (1 such row(s))
    """
    try:
        P = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a numeric n × k array of class probabilities: {exc}") from None
    if shape is not None and P.shape != tuple(shape):
        raise ValueError(f"{what} have shape {P.shape}; expected {tuple(shape)}")
    if P.ndim != 2:
        raise ValueError(f"{what} must be n × k (one row per example, one column per class), got shape {P.shape}")
    bad = ~np.isfinite(P)
    if bad.any():
        r, c = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(f"{what}[{r}, {c}] = {P[r, c]} is not finite; {int(bad.sum())} non-finite value(s) in total")
    if (P < 0).any():
        r, c = (int(v[0]) for v in np.nonzero(P < 0))
        raise ValueError(f"{what}[{r}, {c}] = {P[r, c]} is negative; each row must be class probabilities "
                         f"(>= 0, summing to 1)")
    off = np.abs(P.sum(axis=1) - 1.0) > sum_tol
    if off.any():
        r = int(np.nonzero(off)[0][0])
        raise ValueError(f"{what}: row {r} sums to {float(P[r].sum())!r}, not 1; each row must be class "
                         f"probabilities over the {P.shape[1]} classes ({int(off.sum())} such row(s))")
    return P


def check_count(value: Any, what: str, *, least: int = 0, none: bool = False) -> int | None:
    """A count a caller passes (``n_rows``, ``n``, ``limit``) as an int ``>= least`` (numpy ints too; ``None`` where
    ``none``), else scikit-learn's split: a TypeError for a value that is not an int, a ValueError for one out of range.

    A count given as a string would otherwise be compared with a shape and fail with a message such as
    "X has 300 rows but the votes have 300"; a negative ``limit`` silently dropped the last row of a slice.

    >>> import numpy as np
    >>> from weaksup._validation import check_count
    >>> check_count(np.int64(3), "n_rows")
    3
    >>> check_count("300", "n_rows")
    Traceback (most recent call last):
    ...
    TypeError: n_rows must be an int >= 0 (a count), got the str '300'
    >>> check_count(-1, "lf_mistakes: limit", none=True)
    Traceback (most recent call last):
    ...
    ValueError: lf_mistakes: limit must be None or an int >= 0 (a count), got -1
    """
    if value is None and none:
        return None
    must = f"{what} must be {'None or ' if none else ''}an int >= {least} (a count)"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{must}, got the {type(value).__name__} {value!r}")
    if value < least:
        raise ValueError(f"{must}, got {value!r}")
    return int(value)


#: The largest seed every model takes (numpy's ``RandomState`` and scikit-learn's ``random_state`` range).
MAX_SEED = 2**32 - 1


def check_seed(seed: Any, where: str) -> int | None:
    """The ``seed`` of a fit: None or an int in ``[0, 2**32 - 1]`` (numpy ints too), else a TypeError or ValueError
    naming ``where`` (the model and method) and the value.

    Without it a string seed was taken silently by models that draw nothing at random and failed deep in numpy in
    the others ("SeedSequence expects int ..."); the range is the one numpy's ``RandomState`` and
    scikit-learn's ``random_state`` accept, so a seed one model takes every model takes.  Valid seeds are
    returned unchanged in value (as a Python int).

    >>> import numpy as np
    >>> from weaksup._validation import check_seed
    >>> check_seed(np.int64(7), "DawidSkene.fit")
    7
    >>> check_seed("a", "DawidSkene.fit")
    Traceback (most recent call last):
    ...
    TypeError: DawidSkene.fit: seed must be None or an int in [0, 4294967295], got the str 'a'
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{where}: seed must be None or an int in [0, {MAX_SEED}], got the {type(seed).__name__} "
                        f"{seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{where}: seed must be None or an int in [0, {MAX_SEED}], got {int(seed)}")
    return int(seed)


# ------------------------------------------------------------------ vote range
def vote_bound(cardinality: int | None) -> str:
    """The legal vote range as text: ``"-1..k-1"``, or ``">= -1"`` when ``k`` is unknown."""
    return f"-1..{cardinality - 1}" if cardinality is not None else ">= -1"


def check_vote_range(votes: Any, cardinality: int | None, lf_names: Sequence[str] | str | None = None, *,
                     rows: Sequence[Any] | None = None, error: type[Exception] = ValueError) -> np.ndarray:
    """Raise ``error`` unless every vote is in ``-1..cardinality-1``; return the array.

    * 2-D ``n × m`` votes: the message names the first offending LF (from
      ``lf_names``), its column, the row and the number of offending votes.
    * 1-D votes or a scalar (one LF's output): ``lf_names`` is that LF's name
      and ``rows`` (optional) the row labels, e.g. a DataFrame index.

    >>> import numpy as np
    >>> from weaksup._validation import check_vote_range
    >>> check_vote_range(np.array([0, 5]), 2, "kw", rows=["r0", "r1"])
    Traceback (most recent call last):
    ...
    ValueError: LF 'kw' returned 5 on row 'r1': outside -1..1
    """
    arr = np.asarray(votes)
    bad = arr < _ABSTAIN
    if cardinality is not None:
        bad |= arr >= cardinality
    if not bad.any():
        return arr
    bound = vote_bound(cardinality)
    if arr.ndim <= 1:
        flat, fbad = arr.reshape(-1), bad.reshape(-1)
        i = int(np.nonzero(fbad)[0][0])
        name = lf_names if isinstance(lf_names, str) or lf_names is None else lf_names[0]
        row = rows[i] if rows is not None else i
        raise error(f"LF {name!r} returned {int(flat[i])} on row {row!r}: outside {bound}")
    r_idx, c_idx = np.nonzero(bad)
    r, c = int(r_idx[0]), int(c_idx[0])
    if isinstance(lf_names, str):
        lf_names = [lf_names]
    name = lf_names[c] if lf_names is not None and c < len(lf_names) else f"lf_{c}"
    row = rows[r] if rows is not None else r
    raise error(f"vote {int(arr[r, c])} out of range ({bound}) from LF {name!r} "
                f"(column {c}) at row {row}; {int(bad.sum())} offending vote(s) in total")


# ------------------------------------------------------------------ votes
#: How far a row of ``_predict_proba`` may sum from 1 (or an entry fall below 0): rounding, not a bug.
_PROBA_TOL = 1e-6


def checked_probs(probs: Any, n: int, k: int, name: str, offset: int = 0) -> Any:
    """``probs``, unchanged, once it is what ``predict_proba`` promises: ``n × k``, finite, every row in
    ``[0, 1]`` summing to 1 (within :data:`_PROBA_TOL`); else a ``ValueError`` naming the model's
    ``_predict_proba``, the first bad row and what to fix.  A model of one's own that drops a column or does
    not normalise its rows was scored silently.  ``offset``: the position of ``probs``' first row in the data
    (a Dask partition's), so the row named is the data's.

    Cheap: the row sums are added column by column (numpy's ``sum(axis=1)`` over a few columns is ~50x
    slower), then a min and a max, which NaN reaches; the rows are only searched when something is wrong.
    """
    P = np.asarray(probs)
    where = f"{name}._predict_proba"
    if P.shape != (n, k):
        raise ValueError(f"{where} returned an array of shape {P.shape}; predict_proba must give ({n}, {k}): one "
                         f"row per row of votes, one column per class (cardinality_={k})")
    if P.dtype.kind not in "fiub":
        raise ValueError(f"{where} returned {P.dtype} values; class probabilities must be numbers")
    if k <= 8:
        sums = P[:, 0].astype(np.float64)  # a copy
        for j in range(1, k):
            sums += P[:, j]
    else:
        sums = P.sum(axis=1, dtype=np.float64)
    tol = _PROBA_TOL
    if (sums.min() >= 1.0 - tol and sums.max() <= 1.0 + tol and P.min() >= -tol
            and P.max() <= 1.0 + tol):  # False for NaN, which every comparison is
        return probs
    bad = ~np.isfinite(sums)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{where} returned NaN or inf in {int(bad.sum())} row(s), first at row {row + offset}: "
                         f"{P[row].tolist()[:8]}; class probabilities must be finite")
    off = (np.abs(sums - 1.0) > tol) | (P.min(axis=1) < -tol) | (P.max(axis=1) > 1.0 + tol)
    row = int(np.flatnonzero(off)[0])
    raise ValueError(f"{where} returned {int(off.sum())} row(s) that are not class probabilities, first row {row + offset} "
                     f"= {P[row].tolist()[:8]} (sum {float(sums[row])!r}); each row must lie in [0, 1] and sum to 1: "
                     "normalise them, e.g. P / P.sum(axis=1, keepdims=True)")


def lookalike_hint(name: str, names: Sequence[Any], what: str = "class", fix: str = "label_names") -> str:
    """For an unknown ``name`` that equals one of ``names`` in Unicode NFC and without surrounding spaces: what
    differs, shown with ``ascii()`` (printed as they are, the two look the same); else ``""``.

    Appended to "unknown name" errors (class names, LF names), where a decomposed accent or a trailing
    no-break space from a spreadsheet would otherwise print as the very name it fails to match.

    >>> from weaksup._validation import lookalike_hint
    >>> print(lookalike_hint("positif\u00a0", ["positif"]).split(": ")[1])
    'positif\xa0' is not 'positif' (fix the cell or label_names)
    >>> lookalike_hint("negatif", ["positif"])
    ''
    """
    if not isinstance(name, str):
        return ""
    key = unicodedata.normalize("NFC", name).strip()
    same = [c for c in names if isinstance(c, str) and c != name and unicodedata.normalize("NFC", c).strip() == key]
    if not same:
        return ""
    return (f"; it differs from the {what} {same[0]!r} only in Unicode form or surrounding spaces: {ascii(name)} is "
            f"not {ascii(same[0])} (fix the cell or {fix})")


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside weaksup (the user's call),
    however many weaksup frames (wrappers, Dask paths) lie between: count from the caller of ``warnings.warn``."""
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the folder holding weaksup/
    package = os.path.join(root, "weaksup") + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def warn_silent_lfs(lf_names: Sequence[str], fired: np.ndarray, n_rows: int, what: str = "votes",
                    votes_type: str = "VoteMatrix", units: str | None = None) -> None:
    """Warn (UserWarning, pointing at the user's call) naming the LFs that never fire on the ``n_rows`` rows.

    ``units`` replaces "``n_rows`` training rows" in the message where the votes count something else
    (a corpus: "1200 training tokens (40 sentences)").

    Normal while LFs are being written (snorkel fits too): a model learns nothing for such an LF,
    and weaksup's label, value and sequence models give the probabilities they would give without
    it (``weaksup.estimator_checks.check_silent_lf``).
    """
    silent = np.nonzero(np.asarray(fired) == 0)[0]
    if silent.size:
        names = [lf_names[j] for j in silent[:5]]
        warnings.warn(
            f"{what}: LF {names[0]!r} (column {int(silent[0])}) never fires on the {units or f'{n_rows} training rows'}"
            + (f" ({silent.size} silent LFs in total: {names}...)" if silent.size > 1 else "")
            + f"; it carries no information (drop it with {votes_type}.select_lfs to silence this warning)",
            UserWarning, stacklevel=user_stacklevel(),
        )


def check_fit_classes(class_votes: np.ndarray, n_rows: int, what: str = "votes") -> None:
    """Reject votes of fewer than two classes; warn naming the classes no LF votes.

    ``class_votes``: the number of votes of each class ``0..k-1``.  A class no LF votes can
    only be placed by the class balance: a generative model (Dawid–Skene) may give it mass on
    rows whose votes are mixed, and nothing in the votes tells it apart.
    """
    class_votes = np.asarray(class_votes)
    k = class_votes.size
    seen = np.nonzero(class_votes)[0]
    if k >= 2 and seen.size < 2:
        found = f"every vote is class {int(seen[0])}" if seen.size else f"all {n_rows} rows abstain on every LF"
        raise ValueError(f"{what}: {found}; a label model needs votes for at least two of the {k} classes "
                         "to tell them apart")
    unvoted = np.nonzero(class_votes == 0)[0]
    if k >= 2 and unvoted.size:
        many = unvoted.size > 1
        them = "them" if many else "it"
        warnings.warn(
            f"{what}: no LF votes class{'es' if many else ''} {unvoted.tolist()[:10]} of cardinality {k}; a label "
            f"model can place {them} only by the class balance, and Dawid-Skene-type models may give {them} "
            f"probability on rows with votes. Write LFs for {them}, or fit with the classes the LFs vote",
            UserWarning, stacklevel=user_stacklevel())


def check_fit_counts(counts: np.ndarray, lf_names: Sequence[str], n_rows: int, what: str = "votes",
                     votes_type: str = "VoteMatrix") -> None:
    """:func:`check_fit_votes` from the ``m × k`` per-LF class counts (Dask votes count them on the workers)."""
    counts = np.asarray(counts)
    warn_silent_lfs(lf_names, counts.sum(1), n_rows, what, votes_type=votes_type)
    check_fit_classes(counts.sum(0), n_rows, what)


def check_fit_votes(L: VoteMatrix, what: str = "votes", fired: np.ndarray | None = None) -> None:
    """Reject training votes a label model cannot learn from.

    Warns (UserWarning) naming the LF when an LF never fires, and naming the classes no LF votes;
    raises ValueError when there are no rows and when the votes contain fewer than two distinct
    classes (nothing to tell classes apart).  ``fired``: the votes per LF when the caller has counted
    them (label models, with a compiled kernel for many votes); None counts them here.
    """
    if L.n == 0:
        raise ValueError(f"{what} have no rows; a label model needs at least one example")
    if fired is None:
        if L.is_sparse:
            fired = np.bincount(L._csr().indices, minlength=L.m)
        else:
            fired = (L.to_dense() != _ABSTAIN).sum(axis=0)
    warn_silent_lfs(L.lf_names, fired, L.n, what)
    k = L.cardinality
    if k >= 2:
        if L.is_sparse:
            data = L._csr().data  # class + 1
            if k == 2 and data.size and 0 < data.min() < data.max():  # both classes seen: no count pass needed
                return
            class_votes = np.bincount(data.astype(np.int64), minlength=k + 1)[1:]
        else:
            d = L.to_dense()
            class_votes = np.bincount(d[d != _ABSTAIN].astype(np.int64), minlength=k)
        check_fit_classes(class_votes, L.n, what)


# ------------------------------------------------------------------ labels
#: The largest magnitude a label may have before the int64 cast: a float label beyond it (1e20, a junk sentinel)
#: would wrap to -9223372036854775808 and be reported as that; every real class id is far below it.
_MAX_LABEL = 2**53


def _missing_label(value: Any) -> bool:
    """``None``, ``pd.NA`` or ``pd.NaT`` in an object array of labels: a missing label, not a label name."""
    if value is None:
        return True
    pd = sys.modules.get("pandas")  # a pd.NA can only come from an imported pandas
    return pd is not None and (value is pd.NA or value is pd.NaT)


def label_array(y: Any, what: str, *, unknown: bool, at: str = "row", kind: str = "class ids 0..k-1",
                strings: bool = True) -> np.ndarray:
    """``y`` as a numpy array of labels, read as every check of gold or hard labels reads it (:func:`check_labels`,
    :mod:`weaksup.metrics`, the end models' targets); the caller checks its shape and values.

    * a masked array (``numpy.ma``): a masked entry is a label that is not there, read as ``-1`` where ``unknown``
      (``-1`` means unlabelled or abstain there), else a ValueError naming the first masked ``at`` (row): the
      mask was dropped, and the hidden values read as labels;
    * an object array (a pandas ``object`` column, a list mixing ints and None): numbers are read as the numbers
      they are (as float64: the caller's float checks name a non-integer); ``None``, ``pd.NA`` (a missing label) or
      any other value (a label name) is a ValueError naming the ``at`` and the value; so is a string array's first
      value (``strings=False``: a string array is returned for the caller to refuse);
    * booleans read as 0 and 1 (scikit-learn's reading of a binary ``y``).

    ``kind`` says what the labels must be, for the messages.

    >>> import numpy as np
    >>> from weaksup._validation import label_array
    >>> label_array(np.ma.masked_array([0, 1, 1], mask=[0, 0, 1]), "y", unknown=True).tolist()
    [0, 1, -1]
    >>> label_array(np.array([0, None], dtype=object), "y", unknown=False)
    Traceback (most recent call last):
    ...
    ValueError: y must hold class ids 0..k-1 (integers), got None at row 1; map label names to class ids and drop \
the rows whose label is missing (None, NA) first
    """
    if np.ma.isMaskedArray(y):
        mask = np.ma.getmaskarray(y)
        if mask.any():
            if not unknown:
                i = int(np.nonzero(np.atleast_1d(mask))[0][0])
                raise ValueError(f"{what}: the label at {at} {i} is masked (missing; {int(mask.sum())} masked in "
                                 f"total); {what} must be {kind} here, where a missing label is not allowed: drop the "
                                 "rows whose label is missing (e.g. y.compressed() and the same rows of the other "
                                 "inputs) first")
            data = np.ma.getdata(y)
            if data.dtype.kind in "bu":  # -1 fits neither
                data = data.astype(np.int64)
            elif data.dtype.kind in "USV":
                data = data.astype(object)
            y = np.where(mask, _ABSTAIN, data)
        else:
            y = np.ma.getdata(y)
    arr = np.asarray(y)
    if arr.dtype.kind == "b":
        return arr.astype(np.int64)
    if arr.dtype.kind in ("OUS" if strings else "O") and arr.size:
        cells = arr.ravel().tolist()
        for i, v in enumerate(cells):
            if isinstance(v, (int, float, np.integer, np.floating, np.bool_)):  # bool is an int
                continue
            r = int(np.unravel_index(i, arr.shape)[0])
            if _missing_label(v):
                fix = ("missing labels (None, NA) to -1 (unlabelled)" if unknown
                       else "drop the rows whose label is missing (None, NA)")
                raise ValueError(f"{what} must hold {kind} (integers), got {v!r} at {at} {r}; map label names to "
                                 f"class ids and {fix} first")
            raise ValueError(f"{what} must hold {kind} (integers), got {v!r} at {at} {r}; map label names to class "
                             "ids first (e.g. with pandas.factorize)")
        arr = np.asarray(cells, dtype=np.float64).reshape(arr.shape)
    return arr


def check_label_size(arr: np.ndarray, what: str, at: str = "row", kind: str = "class ids 0..k-1") -> None:
    """Raise for a label far beyond any class id (``|label| > 2**53``) before the int64 cast wraps it, naming the
    value the caller passed (``1e20``, not ``-9223372036854775808``); ``arr`` is finite and integral."""
    if arr.dtype.kind == "f" or (arr.dtype.kind == "u" and arr.dtype.itemsize == 8):
        big = np.abs(arr) > _MAX_LABEL if arr.dtype.kind == "f" else arr > _MAX_LABEL
        if big.any():
            i = int(np.nonzero(big)[0][0])
            value = float(arr[i]) if arr.dtype.kind == "f" else int(arr[i])
            raise ValueError(f"{what}: value {value!r} at {at} {i} is not one of the {kind} (far too large for a "
                             f"class id; {int(big.sum())} such value(s))")


def check_labels(y: Any, cardinality: int | None = None, what: str = "labels", *,
                 ravel_column: bool = False, unknown: bool | None = None) -> np.ndarray:
    """Integer class labels as int64; in ``0..cardinality-1`` when ``cardinality`` is given.

    Labels are read by :func:`label_array` (the rule of :mod:`weaksup.metrics` and the end models): booleans as
    0/1, an object array of numbers as those numbers, a masked entry as ``-1`` where ``unknown`` (default: when
    ``cardinality`` is None, where the caller decides what ``-1`` means, e.g. "unlabelled" in LFAnalysis),
    else refused.  An ``n × 1`` column is raveled; ``ravel_column=True`` also accepts a ``1 × n`` row.  A bad
    label is named by its row (its 0-based index), as the end models name it.
    """
    unknown = cardinality is None if unknown is None else unknown
    kind = "class ids 0..k-1" + (" or -1 (unlabelled)" if unknown else "")
    if ravel_column and isinstance(y, np.ndarray) and y.ndim == 2 and y.shape[0] == 1:
        y = y.reshape(-1)  # a 1 x n row: raveled first, so a bad label is named by its column (its row)
    arr = label_array(y, what, unknown=unknown, kind=kind, strings=False)
    if arr.ndim == 2 and (arr.shape[1] == 1 or (ravel_column and 1 in arr.shape)):
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{what} must be a 1-D array of integer labels, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            i = int(np.nonzero(~np.isfinite(arr))[0][0])
            raise ValueError(f"{what}: {'NaN' if np.isnan(arr[i]) else arr[i]} at row {i}; labels are class "
                             f"ids (a missing label: -1 where unknown labels are allowed, e.g. LFAnalysis; "
                             f"otherwise drop the row)")
        if not np.all(arr == np.round(arr)):
            i = int(np.nonzero(arr != np.round(arr))[0][0])
            raise ValueError(f"{what} must be integer labels (classes), got {arr[i]} at row {i}")
    elif arr.dtype.kind not in "iu" and len(arr):
        hint = (" (label names? map them to class ids 0..k-1 first, e.g. with pandas.factorize)"
                if arr.dtype.kind in "US" else "")
        raise ValueError(f"{what} must hold integer labels (classes), got dtype {arr.dtype}{hint}")
    if cardinality is not None:  # before the cast, so a huge label is reported as it was given
        bad = (arr < 0) | (arr >= cardinality)
        if bad.any():
            i = int(np.nonzero(bad)[0][0])
            value = float(arr[i]) if arr.dtype.kind == "f" else int(arr[i])
            shown = repr(value) if abs(value) > _MAX_LABEL else int(value)
            raise ValueError(f"{what}: value {shown} at row {i} is outside 0..{cardinality - 1}")
    check_label_size(arr, what, "row", kind)
    return arr.astype(np.int64, copy=False)


def check_valid(valid: Any, cardinality: int, checker: Callable[[Any, str], Any], *,
                n_lfs: int | None = None, what: str = "valid", kind: str = "X",
                read_y: Callable[[Any, str], Any] | None = None) -> tuple[Any, np.ndarray] | None:
    """Validate a held-out pair ``valid = (inputs, y)`` with gold hard labels in ``0..cardinality-1``.

    ``checker(inputs, name)`` checks and coerces the inputs (votes for label
    models: :func:`weaksup.votes.check_votes`; features or texts for end
    models).  ``kind="votes"`` names the parts ``"<what> votes"`` /
    ``"<what> labels"`` and checks ``n_lfs`` LF columns; otherwise they are
    ``"X_<what>"`` / ``"y_<what>"``, and a masked label is named by its row
    (its 0-based index), as an end model's ``score`` names it.

    ``read_y(y, name)``, where given, reads ``y`` before the checks as the caller's ``fit`` and ``score`` read it
    (the end models: an ``n × 1`` column raveled with scikit-learn's ``DataConversionWarning``, by their
    ``_ravel_column``), so ``valid=`` takes what they take.
    """
    if valid is None:
        return None
    votes = kind == "votes"
    xname, yname = (f"{what} votes", f"{what} labels") if votes else (f"X_{what}", f"y_{what}")
    if not (isinstance(valid, (tuple, list)) and len(valid) == 2):
        raise ValueError(f"{what} must be a (votes, y) pair" if votes else f"{what} must be a ({xname}, {yname}) pair")
    inputs = checker(valid[0], xname)
    y = valid[1]  # not np.asarray: a masked array's mask would be dropped
    if not votes and np.ma.isMaskedArray(y):
        # a masked label named by its row, as EndModel.score names it (here: read_y may drop the mask)
        y = label_array(y, yname, unknown=False, at="row")
    if read_y is not None:
        y = read_y(y, yname)
    if not votes and np.ndim(y) != 1:
        raise ValueError(f"{yname} must be gold hard labels (n,), got shape {np.shape(y)}")
    if votes:
        y = check_labels(y, cardinality, what=yname)
    else:
        y = check_labels(y, None, yname, unknown=False)
        if (y < 0).any() or (y >= cardinality).any():
            i = int(np.nonzero((y < 0) | (y >= cardinality))[0][0])
            raise ValueError(f"{yname}: class {y[i]} at row {i} is outside 0..{cardinality - 1}")
    nx = int(inputs.shape[0]) if hasattr(inputs, "shape") else len(inputs)
    if nx != len(y):
        if votes:
            raise ValueError(f"{xname} have {nx} rows but {yname} have {len(y)} ({what} = (votes, y) "
                             f"must describe the same examples)")
        raise ValueError(f"{xname} has {nx} rows but {yname} has {len(y)}")
    if votes and n_lfs is not None and inputs.shape[1] != n_lfs:
        raise ValueError(f"{xname} have {inputs.shape[1]} LFs but the training votes have {n_lfs}")
    if not votes and len(y) == 0:
        raise ValueError(f"{what} has 0 rows")
    return inputs, y


def check_class_balance(class_balance: Any, cardinality: int) -> np.ndarray | None:
    """A class prior of shape ``(k,)``, positive and finite, normalised to sum 1 (None passes).

    A pandas Series indexed by class (``y.value_counts(normalize=True)``, most frequent class first) is aligned
    on its index ``0..k-1``, not read by position; another index is refused, naming it.

    >>> import pandas as pd
    >>> from weaksup._validation import check_class_balance
    >>> check_class_balance(pd.Series([0.8, 0.2], index=[1, 0]), 2).tolist()
    [0.2, 0.8]
    """
    if class_balance is None:
        return None
    class_balance = _class_balance_by_index(class_balance, cardinality)
    try:
        p = np.asarray(class_balance, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"class_balance must be a sequence of {cardinality} numbers: {exc}") from exc
    if p.shape != (cardinality,):
        hint = ""
        if p.ndim == 1 and p.size > cardinality:
            # a class no LF votes is not counted when the cardinality is inferred (largest vote + 1)
            hint = (f" If the task has {p.size} classes, pass cardinality={p.size} (to the model, e.g. "
                    f"DawidSkene(cardinality={p.size})): without it the {cardinality} classes are inferred from "
                    "the largest class the votes hold (+1), so a class no LF votes is not counted.")
        raise ValueError(f"class_balance has shape {p.shape}; expected ({cardinality},): one prior per class of the "
                         f"{cardinality} classes.{hint}")
    if np.any(~np.isfinite(p)) or np.any(p <= 0):
        raise ValueError(f"class_balance must be positive and finite, got {p.tolist()}")
    return p / p.sum()


def _class_balance_by_index(class_balance: Any, cardinality: int) -> Any:
    """A pandas Series prior in class order ``0..k-1`` by its index (read by position, the prior of class 1 given
    first by ``value_counts`` went to class 0, silently); anything else as is."""
    if not (type(class_balance).__module__.startswith("pandas") and getattr(class_balance, "ndim", None) == 1
            and hasattr(class_balance, "index")):
        return class_balance
    labels = list(class_balance.index)
    if labels and all(isinstance(c, (float, np.floating)) and float(c).is_integer() for c in labels):
        # value_counts of float labels (y read as float64): ids 0.0, 1.0, ... are the class ids
        labels = [int(c) for c in labels]
        class_balance = class_balance.set_axis(labels)
    ints = all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_)) for c in labels)
    if ints and len(labels) == cardinality and set(labels) == set(range(cardinality)):
        return class_balance.reindex(range(cardinality))
    if ints and labels == list(range(len(labels))):
        return class_balance  # positions already: the shape check names a length other than k
    shown = labels[:10] + (["..."] if len(labels) > 10 else [])
    raise ValueError(f"class_balance is a pandas Series indexed by {shown}; a Series prior is aligned on its index, "
                     f"which must be the class ids 0..{cardinality - 1}, each once (every class needs a prior > 0). "
                     f"Map class labels to ids first (e.g. prior.rename(index=label_to_id)), or pass a list of "
                     f"{cardinality} numbers in class order")


# ------------------------------------------------------------------ features
def check_features(X: Any, what: str = "X", n_features: int | None = None, *, n_rows: int | None = None,
                   dense: bool = False) -> Any:
    """Numeric ``n × d`` features without NaN/inf: a float64 array, or CSR unless ``dense=True``.

    ``n_rows`` (when given) is the number of vote rows the features must align
    with; ``n_features`` the width the model was fitted on.

    >>> from weaksup._validation import check_features
    >>> check_features([[1, 2], [3, 4]]).dtype
    dtype('float64')
    >>> check_features([[1.0, float("nan")]], "X_valid")
    Traceback (most recent call last):
    ...
    ValueError: X_valid contains a non-finite value (nan): NaN or inf at row 0, column 1; 1 non-finite value(s) in total
    """
    import scipy.sparse as sp

    if n_rows is not None:
        n_rows = check_count(n_rows, "n_rows")
    if n_features is not None:
        n_features = check_count(n_features, "n_features")
    if X is None:
        aligned = f" aligned with the votes ({n_rows} rows)" if n_rows is not None else ""
        raise ValueError(f"{what} is None; this model needs features: pass an n×d feature matrix{aligned}")
    if sp.issparse(X) and not dense:
        X = sp.csr_matrix(X, dtype=np.float64)
        if X.nnz and not np.all(np.isfinite(X.data)):
            bad_data = ~np.isfinite(X.data)
            i = int(np.nonzero(bad_data)[0][0])
            r = int(np.searchsorted(X.indptr, i, side="right") - 1)
            c = int(X.indices[i])
            _raise_non_finite(what, X.data[i], r, c, int(bad_data.sum()))
    else:
        if sp.issparse(X):
            X = X.toarray()
        if isinstance(X, (list, tuple)) and X and isinstance(X[0], str):
            raise ValueError(f"{what} is a list of texts; this model needs a numeric feature matrix "
                             "(use weaksup.data.features.text_features or TransformerClassifier)")
        if type(X).__module__.startswith("pandas") and hasattr(X, "dtypes") and getattr(X, "ndim", 0) == 2:
            # nullable columns (Float64, Int64, double[pyarrow]): pd.NA as NaN, which the check below names by row
            # and column, not float()'s "argument must be ... 'NAType'"
            frame, X = X, frame_values(X)
            if X.dtype == object:  # nullable columns beside bool or category ones: their pd.NA as NaN too
                try:
                    X = frame.to_numpy(dtype=np.float64, na_value=np.nan)
                except (TypeError, ValueError):
                    pass  # not numeric: refused below
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} must be a numeric n×d array: {exc}") from exc
        if X.ndim != 2:
            raise ValueError(f"{what} must be a 2-D n×d feature matrix, got shape {X.shape}")
        bad = ~np.isfinite(X)
        if bad.any():
            r, c = (int(v[0]) for v in np.nonzero(bad))
            _raise_non_finite(what, X[r, c], r, c, int(bad.sum()))
    if n_rows is not None and X.shape[0] != n_rows:
        raise ValueError(f"{what} has {X.shape[0]} rows but the votes have {n_rows}; "
                         "they must be aligned row for row")
    if X.shape[1] == 0 and X.shape[0]:
        raise ValueError(f"{what} has no feature columns")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{what} has {X.shape[1]} features; the model was fitted on {n_features}")
    return X


def feature_names(X: Any) -> np.ndarray | None:
    """The column names of a frame ``X`` (pandas or polars ``DataFrame``, pyarrow ``Table``) when every one is a
    string, else None
    (scikit-learn's rule for ``feature_names_in_``: an array or a frame with other names is read by position).

    >>> import pandas as pd
    >>> from weaksup._validation import feature_names
    >>> feature_names(pd.DataFrame({"length": [1.0], "n_links": [0.0]})).tolist(), feature_names([[1.0, 0.0]])
    (['length', 'n_links'], None)
    """
    import scipy.sparse as sp

    columns = getattr(X, "columns", None)
    if type(X).__module__.startswith("pyarrow") and hasattr(X, "column_names"):
        columns = X.column_names  # a Table's .columns are its ChunkedArrays (scikit-learn records these names too)
    if columns is None or isinstance(X, np.ndarray) or sp.issparse(X):
        return None
    names = np.asarray(columns, dtype=object)
    if names.ndim != 1 or not names.size or not all(isinstance(c, str) for c in names):
        return None
    return names


def check_feature_names(X: Any, fitted: np.ndarray | None, what: str = "X", model: str = "the model") -> None:
    """The columns of ``X`` against the names ``fitted`` (``feature_names_in_``) of a fitted model, as
    scikit-learn checks them: other names or another order is a ``ValueError`` (a frame is read by
    position, so reordered columns would be read as other features); names on one side only warn.

    >>> import pandas as pd
    >>> import numpy as np
    >>> from weaksup._validation import check_feature_names
    >>> check_feature_names(pd.DataFrame({"b": [0.0], "a": [1.0]}), np.array(["a", "b"], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: X: the feature names should match those that were passed during fit; they are the same names \
in another order (fit: ['a', 'b']; now: ['b', 'a']). Feature names must be in the same order as they were in fit
    """
    names = feature_names(X)
    if names is None and fitted is None:
        return
    if names is None:
        warnings.warn(f"{what} does not have valid feature names, but {model} was fitted with feature names",
                      UserWarning, stacklevel=user_stacklevel())
        return
    if fitted is None:
        warnings.warn(f"{what} has feature names, but {model} was fitted without feature names",
                      UserWarning, stacklevel=user_stacklevel())
        return
    if len(names) == len(fitted) and all(a == b for a, b in zip(names, fitted)):
        return
    seen, now = set(fitted), set(names)
    unseen = [c for c in names if c not in seen]
    missing = [c for c in fitted if c not in now]

    def listed(cols: list[Any]) -> str:
        return f"{cols[:5]}" + (f" and {len(cols) - 5} more" if len(cols) > 5 else "")

    if unseen or missing:
        detail = "; ".join([f"feature names unseen at fit time: {listed(unseen)}"] * bool(unseen)
                           + [f"feature names seen at fit time, yet now missing: {listed(missing)}"] * bool(missing))
    else:
        detail = f"they are the same names in another order (fit: {list(fitted)[:10]}; now: {list(names)[:10]})"
    raise ValueError(f"{what}: the feature names should match those that were passed during fit; {detail}. "
                     "Feature names must be in the same order as they were in fit")


def frame_values(df: Any) -> np.ndarray:
    """A pandas DataFrame's values; nullable numeric columns (``Int64``, ``Float64``) as float64 with NaN for
    ``pd.NA`` (the vote checks then name it), not as an object array read cell by cell."""
    import pandas as pd

    dtypes = list(df.dtypes)
    if dtypes and any(isinstance(d, pd.api.extensions.ExtensionDtype) for d in dtypes) and all(
            pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d) for d in dtypes):
        return df.to_numpy(dtype=np.float64, na_value=np.nan)
    return df.to_numpy()


def _column_class(label: Any) -> int | None:
    """The class id a probability frame's column label names: ``j``, ``"j"`` or ``"pj"`` (the columns weaksup writes
    probabilities under, ``weaksup apply --probs``); None for any other label."""
    if isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_)):
        return int(label)
    if isinstance(label, str):
        digits = label[1:] if label.startswith("p") else label
        if digits.isascii() and digits.isdigit():
            return int(digits)
    return None


def class_frame_array(y: Any, what: str) -> Any:
    """``y`` as an array with column ``j`` holding ``P(class j)`` when ``y`` is a frame (pandas, polars) of ``k >= 2``
    class-probability columns; any other ``y`` unchanged.  The one reading of a probability frame: end models'
    soft labels (:func:`weaksup.endmodel.base.soft_frame_array`) and :mod:`weaksup.metrics`' ``probs``.

    A frame's columns are matched by label, not position (as votes frames are): labels ``0..k-1`` (or ``"0"``,
    ``"p0"``...) in any order are put in class order; other labels are refused naming them and ``what`` (a frame
    read by position would train on, or score, swapped classes without a word).  A pandas frame of nullable
    columns (``Float64``, ``pd.DataFrame(P).convert_dtypes()``) is read as float64, ``pd.NA`` as NaN (which the
    caller's finiteness check names by row and column).

    >>> import pandas as pd
    >>> from weaksup._validation import class_frame_array
    >>> class_frame_array(pd.DataFrame({"p1": [0.8, 0.3], "p0": [0.2, 0.7]}), "probs").tolist()
    [[0.2, 0.8], [0.7, 0.3]]
    """
    columns = getattr(y, "columns", None)
    if columns is None or len(getattr(y, "shape", ())) != 2 or len(columns) < 2:
        return y
    labels = list(getattr(y, "column_names", None) or columns)  # a pyarrow Table's .columns hold its data
    ids = [_column_class(c) for c in labels]
    k = len(labels)
    if sorted(i for i in ids if i is not None) != list(range(k)):
        shown = labels[:10] + (["..."] if k > 10 else [])
        raise ValueError(f"{what}: a frame's columns are matched to classes by label (column 'j' holds "
                         f"P(class j)), but its columns are {shown}, not the class ids 0..{k - 1}; name them "
                         f"0..{k - 1} (e.g. frame.columns = range({k})) or pass frame.to_numpy() to read them "
                         "by position")
    arr = frame_values(y) if type(y).__module__.startswith("pandas") else np.asarray(y)
    return arr if ids == list(range(k)) else arr[:, [ids.index(j) for j in range(k)]]


def _raise_non_finite(what: str, value: Any, r: int, c: int, count: int) -> None:
    raise ValueError(f"{what} contains a non-finite value ({float(value)!r}): NaN or inf at row {r}, column {c}; "
                     f"{count} non-finite value(s) in total")


# ------------------------------------------------------------------ hyper-parameters
class Interval:
    """Constraint: a real (or ``integer=True``) number in ``[low, high]`` (``None`` = unbounded).

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``.
    """

    def __init__(self, low: float | None = None, high: float | None = None, *, integer: bool = False,
                 closed: str = "both") -> None:
        self.low, self.high, self.integer, self.closed = low, high, integer, closed

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return False
        if self.integer and not isinstance(value, (int, np.integer)):
            return False
        if not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        kind = "an int" if self.integer else "a number"
        if self.low is None and self.high is None:
            return f"a finite {kind.split()[-1]}"
        lb = "[" if self.closed in ("both", "left") else "("
        rb = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"{kind} in {lb}{lo}, {hi}{rb}"


class OneOf:
    """Constraint: one of a fixed set of values."""

    def __init__(self, *options: Any) -> None:
        self.options = options

    def accepts(self, value: Any) -> bool:
        return any(value == o and type(value) is type(o) or value is o for o in self.options)

    def __str__(self) -> str:
        return f"one of {list(self.options)}"


class NumberOrVector:
    """Constraint: a number that ``interval`` accepts, or a non-empty 1-D array of them.

    ``each`` says what one entry stands for (``"one per LF"``).

    >>> from weaksup._validation import Interval, NumberOrVector
    >>> c = NumberOrVector(Interval(0, 1), "one per LF")
    >>> c.accepts(0.7), c.accepts([0.7, 0.9]), c.accepts(1.5), c.accepts([[0.5]]), str(c)
    (True, True, False, False, 'a number in [0, 1] or a 1-D array of them (one per LF)')
    """

    def __init__(self, interval: Interval, each: str = "") -> None:
        self.interval, self.each = interval, each

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)):
            return False
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return arr.ndim <= 1 and arr.size > 0 and all(self.interval.accepts(float(v)) for v in arr.ravel())

    def __str__(self) -> str:
        return f"{self.interval} or a 1-D array of them" + (f" ({self.each})" if self.each else "")


class TorchDevice:
    """Constraint: a torch device this machine has (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).

    Checked when ``fit`` starts, so ``device="cuda"`` on a CPU-only machine is a ``ValueError`` naming
    the parameter, not torch's ``AssertionError`` deep in training.  Imports torch lazily.
    """

    def accepts(self, value: Any) -> bool:
        try:
            import torch
        except ImportError as exc:
            # checked before the model's own import: a bare "No module named 'torch'" named no extra
            raise ImportError(f"this model runs on torch (device={value!r}), which is not installed ({exc}): "
                              f"pip install torch==2.13.0 first on a CPU machine (a bare torch pulls a CUDA build), "
                              f'then pip install "weaksup[hyperlm]" for HyperLabelModel ("weaksup[torch]" for the '
                              f"torch end models)") from exc

        if not isinstance(value, (str, torch.device)):
            return False
        try:
            dev = torch.device(value)
        except (RuntimeError, ValueError, TypeError):
            return False
        if dev.type == "cuda":
            return torch.cuda.is_available() and (dev.index is None or dev.index < torch.cuda.device_count())
        if dev.type == "mps":
            return bool(torch.backends.mps.is_available())
        return True

    def __str__(self) -> str:
        import torch

        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        have = ["'cpu'"] + ([f"'cuda' ('cuda:0'..'cuda:{n - 1}')"] if n else []) + (
            ["'mps'"] if torch.backends.mps.is_available() else [])
        cuda = "" if n else (f"; torch {torch.__version__} sees no CUDA device"
                             + ("" if torch.version.cuda else " (a CPU-only build)"))
        return f"a torch device this machine has: {', '.join(have)}{cuda}"


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        if constraint is float:
            return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if constraint is int:
            return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
        if constraint is bool:  # numpy's bool too, as a grid built with numpy hands over (scikit-learn: "boolean")
            return isinstance(value, (bool, np.bool_))
        return isinstance(value, constraint)
    if callable(getattr(constraint, "accepts", None)):
        return bool(constraint.accepts(value))
    if callable(constraint):
        return bool(constraint(value))
    raise TypeError(f"unknown parameter constraint {constraint!r}")


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"a {constraint.__name__}"
    if callable(constraint) and not hasattr(constraint, "accepts"):
        # a plain function says what it accepts in ``description``, else its docstring; python -OO strips
        # docstrings, which must not turn the message into "must be None"
        text = getattr(constraint, "description", None) or constraint.__doc__
        return str(text).strip() if text else f"a value {getattr(constraint, '__qualname__', constraint)!s}() accepts"
    return str(constraint)


def declared_constraints(cls: type) -> dict[str, list[Any]]:
    """``_parameter_constraints`` of ``cls`` merged over its bases (a subclass's entry wins).

    >>> from weaksup._validation import Interval, declared_constraints
    >>> class A:
    ...     _parameter_constraints = {"alpha": [float], "seed": [None, int]}
    >>> class B(A):
    ...     _parameter_constraints = {"alpha": [Interval(0, 1)]}
    >>> sorted(declared_constraints(B)), str(declared_constraints(B)["alpha"][0])
    (['alpha', 'seed'], 'a number in [0, 1]')
    """
    merged: dict[str, list[Any]] = {}
    for klass in reversed(cls.__mro__):
        merged.update(vars(klass).get("_parameter_constraints", {}))
    return merged


def check_params(obj: Any, constraints: Mapping[str, Sequence[Any]] | None = None) -> None:
    """Check ``obj``'s hyper-parameters against declarative constraints.

    ``constraints`` (default: :func:`declared_constraints` of ``type(obj)``) maps a
    parameter name to a list of accepted forms: a type, ``None``, an
    :class:`Interval`, a :class:`OneOf` or a predicate.  The first parameter
    that matches none raises ``ValueError`` naming the class, the parameter
    and the value.  Called at the top of ``fit``, before any pass over the data.

    >>> from weaksup._validation import Interval, check_params
    >>> class M:
    ...     _parameter_constraints = {"alpha": [Interval(0, None)]}
    ...     alpha = -1.0
    >>> check_params(M())
    Traceback (most recent call last):
    ...
    ValueError: M: parameter 'alpha' must be a number in [0, inf]; got -1.0
    """
    table = declared_constraints(type(obj)) if constraints is None else constraints
    for name, accepted in table.items():
        value = getattr(obj, name)
        if any(_accepts(c, value) for c in accepted):
            continue
        wanted = " or ".join(_describe(c) for c in accepted)
        raise ValueError(f"{type(obj).__name__}: parameter {name!r} must be {wanted}; got {value!r}")


def check_sample_weight(sample_weight: Any, n: int, unit: str = "row", match: str = "X") -> np.ndarray | None:
    """One finite, non-negative weight per ``unit`` (row, sentence), not all zero; None passes.

    >>> from weaksup._validation import check_sample_weight
    >>> check_sample_weight([1, 0, 2], 3).tolist()
    [1.0, 0.0, 2.0]
    >>> check_sample_weight([1, -1], 2, unit="sentence")
    Traceback (most recent call last):
    ...
    ValueError: sample_weight must be finite and >= 0; sentence 1 has -1.0
    """
    if sample_weight is None:
        return None
    n = check_count(n, "n")
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sample_weight must be numeric, one weight per {unit}: {exc}") from None
    if w.shape != (n,):
        got = "a scalar" if w.ndim == 0 else f"shape {w.shape}"
        raise ValueError(f"sample_weight has {got}; expected ({n},), one weight per {unit} of {match}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"sample_weight must be finite and >= 0; {unit} {i} has {float(w[i])!r}")
    if w.sum() <= 0:
        raise ValueError("sample_weight sums to 0")
    return w
