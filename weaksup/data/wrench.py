"""WRENCH benchmark loader.

WRENCH classification folders hold ``train.json``, ``valid.json``,
``test.json`` (``{id: {"label": y, "weak_labels": [...], "data": {...}}}``),
``label.json`` (``{class_id: name}``) and optionally ``labeled_ids.json``.
Sequence-tagging folders hold ``meta.json`` instead of ``label.json``; they
load as :class:`weaksup.data.wrench_sequence.SequenceDataset`.

Where the data is looked for: the ``data_dir`` argument when given (only
there: a ``data_dir`` that lacks the set is an error, never a fall-back to
another copy); else ``$WEAKSUP_DATA``, then the user cache
(``$WEAKSUP_CACHE/wrench``, else ``$XDG_CACHE_HOME/weaksup/wrench``, default ``~/.cache/weaksup/wrench``), into
which :func:`download_wrench` fetches, and last the copy shipped inside the
package (WRENCH ``youtube`` only, xz-compressed, byte-identical content). The loaded dataset says which copy it is
(``ds.source``, ``ds.path``) and the ``weaksup.data`` logger records it at INFO level.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from weaksup.data._wrench_io import (
    SPLITS,
    WrenchFormatError,
    bundled_dir,
    cache_dir,
    check_link,
    data_file_exists,
    find_wrench_dir,
    read_json,
)
from weaksup.votes import VoteMatrix

if TYPE_CHECKING:  # load_wrench's return type for a tagging set (imported lazily at run time)
    from weaksup.data.wrench_sequence import SequenceDataset

_log = logging.getLogger("weaksup.data")

__all__ = [
    "WrenchSplit",
    "WrenchDataset",
    "WrenchFormatError",
    "load_wrench",
    "load_wrench_folder",
    "find_wrench_dir",
    "cache_dir",
    "bundled_dir",
    "read_json",
    "SPLITS",
]


@dataclass
class WrenchSplit:
    """One split of a classification dataset.

    Examples
    --------
    >>> from weaksup.data import load_wrench
    >>> train = load_wrench("youtube").train
    >>> train.name, train.votes.shape, train.labels.shape, list(train.data.columns)
    ('train', (1686, 10), (1686,), ['text'])
    """

    name: str
    ids: list[str]
    votes: VoteMatrix
    labels: np.ndarray
    data: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class WrenchDataset:
    """A WRENCH classification dataset: splits, label names and metadata.

    Examples
    --------
    >>> from weaksup.data import load_wrench
    >>> ds = load_wrench("youtube")  # $WEAKSUP_DATA, the cache, or the copy shipped in the package
    >>> ds.name, ds.label_names, ds.cardinality
    ('youtube', ['HAM', 'SPAM'], 2)
    >>> {name: len(split) for name, split in ds.splits.items()}
    {'train': 1686, 'valid': 120, 'test': 250}
    """

    name: str
    path: Path
    label_names: list[str]
    splits: dict[str, WrenchSplit]
    labeled_ids: list[str] = field(default_factory=list)
    labels_only: bool = False
    task: str = "classification"
    #: ``lf_exemplar_ids`` of ``labeled_ids.json`` (train ids an LF was written from), as stored.
    lf_exemplar_ids: Any = None
    #: which copy was loaded: ``"data_dir"``, ``"WEAKSUP_DATA"``, ``"cache"``, ``"bundled"`` (the copy
    #: shipped in the package), ``"path"`` (:func:`load_wrench` given a folder path as its name) or
    #: ``"folder"`` (:func:`load_wrench_folder` on an explicit path).
    source: str = "folder"
    #: the metric passed to the loader (``metric=``); None: the registry's, else the guess (see :attr:`metric`)
    metric_given: str | None = field(default=None, repr=False)

    @property
    def train(self) -> WrenchSplit:
        return self.splits["train"]

    @property
    def valid(self) -> WrenchSplit:
        return self.splits["valid"]

    @property
    def test(self) -> WrenchSplit:
        return self.splits["test"]

    @property
    def cardinality(self) -> int:
        return len(self.label_names)

    @property
    def metric(self) -> str:
        """The metric the set is scored by: ``metric=`` of the loader, else the registry's, else a guess.

        The guess, for a name the registry does not know (a copy under another
        folder name, a set of one's own): ``"f1_binary"`` (F1 of class 1) with 2
        classes, else ``"accuracy"``.  WRENCH scores its binary sets sms, spouse,
        cdr, tennis, basketball and commercial by F1 but youtube, imdb and yelp by
        accuracy, so reading a guessed metric warns (once); pass ``metric=``.
        """
        if self.metric_given is not None:
            return self.metric_given
        registered = _registered_metric(self.name)
        if registered:
            return registered
        guess = guess_metric(self.cardinality)
        if not getattr(self, "_metric_warned", False):  # once per dataset: the guess is read many times
            import warnings

            from weaksup._validation import user_stacklevel

            self._metric_warned = True
            warnings.warn(
                f"WRENCH dataset {self.name!r} ({self.path}) is not in the task registry and no metric= was given: "
                f"its metric is guessed as {guess!r} ({self.cardinality} classes; unregistered sets get f1_binary "
                f"with 2 classes, else accuracy). WRENCH scores youtube, imdb and yelp by accuracy; pass metric= "
                f"to the loader (weaksup bench --metric {self.name}=METRIC) to choose", UserWarning,
                stacklevel=user_stacklevel())
        return guess

    @property
    def metric_source(self) -> str:
        """Where :attr:`metric` comes from: ``"argument"``, ``"registry"`` or ``"guessed"``."""
        if self.metric_given is not None:
            return "argument"
        return "registry" if _registered_metric(self.name) else "guessed"

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.splits.items())
        lo = ", labels-only" if self.labels_only else ""
        return (f"WrenchDataset({self.name!r}, k={self.cardinality}, m={self.train.votes.m}, {sizes}{lo}, "
                f"source={self.source!r})")


def _registered_metric(name: str) -> str | None:
    from weaksup.data.registry import task_info

    info = task_info(name)
    return info["metric"] if info else None


def guess_metric(cardinality: int) -> str:
    """The metric of a set the registry does not know: ``"f1_binary"`` with 2 classes, else ``"accuracy"``.

    >>> from weaksup.data.wrench import guess_metric
    >>> guess_metric(2), guess_metric(6)
    ('f1_binary', 'accuracy')
    """
    return "f1_binary" if cardinality == 2 else "accuracy"


def check_metric(metric: str, cardinality: int, where: str) -> str:
    """``metric`` if it can score a ``cardinality``-class set, else a ``ValueError`` naming ``where``."""
    from weaksup.metrics import METRICS

    if not isinstance(metric, str) or metric not in METRICS or metric == "span_f1":
        raise ValueError(f"{where}: unknown metric {metric!r}; choose from "
                         f"{[m for m in METRICS if m != 'span_f1']}")
    if metric in ("f1_binary", "f1", "precision", "recall", "auc") and cardinality != 2:
        raise ValueError(f"{where}: metric {metric!r} scores class 1 of a binary set, and this set has "
                         f"{cardinality} classes; use accuracy or f1_macro")
    return metric


def _load_label_names(folder: Path) -> list[str]:
    raw = read_json(folder / "label.json")
    if not isinstance(raw, dict) or not raw:
        raise WrenchFormatError(f"{folder / 'label.json'}: expected a non-empty {{id: name}} object")
    try:
        ids = sorted(int(k) for k in raw)
    except ValueError:
        raise WrenchFormatError(f"{folder / 'label.json'}: class ids must be integers, got {list(raw)}") from None
    odd = [k for k in raw if k != str(int(k))]
    if odd:
        raise WrenchFormatError(f"{folder / 'label.json'}: class id {odd[0]!r} is not written as a plain integer "
                                f"(expected {str(int(odd[0]))!r}); ids must be '0'..'{len(raw) - 1}'")
    if ids != list(range(len(ids))):
        raise WrenchFormatError(f"{folder / 'label.json'}: class ids must be 0..{len(ids) - 1}, got {ids}")
    names = [str(raw[str(i)]) for i in ids]
    dup = next((nm for i, nm in enumerate(names) if nm in names[:i]), None)
    if dup is not None:
        same = [str(i) for i, nm in enumerate(names) if nm == dup]
        raise WrenchFormatError(f"{folder / 'label.json'}: class ids {', '.join(same)} are all named {dup!r}; "
                                "each class needs its own name")
    return names


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_int_labels(path: Path | str, ids: list[str], labels: list[Any]) -> None:
    """Every gold ``label`` of a WRENCH split a JSON int, else a :class:`WrenchFormatError` naming the file and
    the first example that holds something else (``"1"``, ``1.0``, ``true``, ``null``); shared by the loader and
    the CLI, which reads split files given directly."""
    bad = next((i for i, y in enumerate(labels) if not _is_int(y)), None)
    if bad is not None:
        raise WrenchFormatError(f"{path}: example {ids[bad]!r}: label {labels[bad]!r} is not an integer class id")


def _parse_split(path: Path, split: str, k: int, lf_names: list[str] | None,
                 n_lfs: int | None = None, gaps: dict[str, Any] | None = None) -> WrenchSplit:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise WrenchFormatError(f"{path}: expected a JSON object {{id: example}}, got {type(raw).__name__}")
    ids = list(raw)
    n = len(ids)
    if n == 0 and n_lfs is None:  # an empty valid/test split loads (a set without gold labels); the bench,
        # which scores on test and selects on valid, refuses it there
        raise WrenchFormatError(f"{path}: the {split} split has no examples ({{}}); a WRENCH {split} split "
                                f"needs at least one")
    labels_list: list[Any] = []
    rows: list[list[Any]] = []
    records: list[dict[str, Any]] = []
    for ex_id in ids:
        ex = raw[ex_id]
        if not isinstance(ex, dict) or "label" not in ex or "weak_labels" not in ex:
            raise WrenchFormatError(f"{path}: example {ex_id!r} lacks 'label' or 'weak_labels'")
        wl = ex["weak_labels"]
        if not isinstance(wl, list):
            raise WrenchFormatError(f"{path}: example {ex_id!r}: 'weak_labels' must be a list, "
                                    f"got {type(wl).__name__}")
        labels_list.append(ex["label"])
        rows.append(wl)
        data = ex.get("data")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise WrenchFormatError(f"{path}: example {ex_id!r}: 'data' must be an object, got {type(data).__name__}")
        if "text" in data and not isinstance(data["text"], str):
            raise WrenchFormatError(f"{path}: example {ex_id!r}: data 'text' must be a string, got "
                                    f"{data['text']!r}")
        records.append(data)
    if gaps is not None:
        gaps[split] = data_gaps(path, ids, records)
    # the LF count is the one most examples have, so a ragged row is blamed even when it is the first one
    lengths = Counter(len(wl) for wl in rows)
    m, count = lengths.most_common(1)[0] if rows else (n_lfs or 0, 0)
    if len(lengths) > 1:
        i = next(i for i, wl in enumerate(rows) if len(wl) != m)
        raise WrenchFormatError(
            f"{path}: example {ids[i]!r} has {len(rows[i])} weak labels, expected {m} as {count} of the {n} "
            f"examples have (ragged weak_labels)"
        )
    # labels: integers in 0..k-1 (vectorised check, slow path only to name the culprit)
    check_int_labels(path, ids, labels_list)
    out_of_range = [i for i, y in enumerate(labels_list) if not 0 <= y < k]
    if out_of_range:  # on Python ints: a label >= 2**63 must not overflow int64 first
        i = out_of_range[0]
        raise WrenchFormatError(
            f"{path}: example {ids[i]!r}: label {labels_list[i]} outside 0..{k - 1} "
            f"(label.json defines {k} classes; label.json inconsistent with the labels?)"
        )
    labels = np.asarray(labels_list, dtype=np.int64).reshape(n)
    bad = (labels < 0) | (labels >= k)
    if bad.any():
        i = int(np.argmax(bad))
        raise WrenchFormatError(
            f"{path}: example {ids[i]!r}: label {int(labels[i])} outside 0..{k - 1} "
            f"(label.json defines {k} classes; label.json inconsistent with the labels?)"
        )
    try:
        arr = np.asarray(rows, dtype=object).reshape(n, m)
    except ValueError:  # pragma: no cover - ragged rows are caught above
        raise WrenchFormatError(f"{path}: weak_labels do not form an n x m matrix") from None
    is_int = np.vectorize(_is_int, otypes=[bool])(arr) if arr.size else np.zeros(arr.shape, bool)
    if not is_int.all():
        i, j = (int(x) for x in np.argwhere(~is_int)[0])
        name = lf_names[j] if lf_names and j < len(lf_names) else f"LF {j}"
        raise WrenchFormatError(f"{path}: example {ids[i]!r}: weak label {arr[i, j]!r} from {name} is not an integer")
    big = np.vectorize(lambda v: not -1 <= v < k, otypes=[bool])(arr) if arr.size else np.zeros(arr.shape, bool)
    if big.any():  # checked on Python ints: a vote >= 2**63 must not overflow int64 first
        i, j = (int(x) for x in np.argwhere(big)[0])
        name = lf_names[j] if lf_names and j < len(lf_names) else f"LF {j}"
        raise WrenchFormatError(
            f"{path}: example {ids[i]!r}: weak label {arr[i, j]} from {name} outside -1..{k - 1} "
            f"(label.json defines {k} classes)"
        )
    arr = arr.astype(np.int64)
    bad2 = (arr < -1) | (arr >= k)
    if bad2.any():
        i, j = (int(x) for x in np.argwhere(bad2)[0])
        name = lf_names[j] if lf_names and j < len(lf_names) else f"LF {j}"
        raise WrenchFormatError(
            f"{path}: example {ids[i]!r}: weak label {int(arr[i, j])} from {name} outside -1..{k - 1} "
            f"(label.json defines {k} classes)"
        )
    # WRENCH LFs have no names: lf_0 .. are made up (placeholder_names), so label models read these votes by
    # position as those of any unnamed matrix, not as LFs someone named lf_0 ..
    votes = VoteMatrix(arr, lf_names if lf_names and len(lf_names) == m else None, k)
    index = pd.Index(ids, name="id")
    df = split_frame(path, ids, records) if any(records) else pd.DataFrame(index=index)
    return WrenchSplit(split, ids, votes, labels, df)


def split_frame(path: Path, ids: list[str], records: list[dict[str, Any]]) -> pd.DataFrame:
    """The ``data`` fields of a split's examples as a frame indexed by example id (named ``id``); a text holding a
    lone UTF-16 surrogate is a :class:`WrenchFormatError` naming the file, example and field."""
    try:
        df = pd.DataFrame.from_records(records, index=pd.Index(ids, name="id"))
    except UnicodeEncodeError:  # pandas' Arrow strings refuse a lone UTF-16 surrogate ("\ud83d", half an emoji)
        raise _surrogate_error(path, ids, records) from None
    if not _encodable_text(df):  # object strings (pandas 2.x) hold it silently: refuse it the same way
        raise _surrogate_error(path, ids, records)
    return df


def data_gaps(path: Path, ids: list[str], records: list[Any]) -> dict[str, Any]:
    """Which examples of one split file lack ``data`` / ``data["text"]`` (see :func:`check_data_gaps`)."""
    no_data = [i for i, r in zip(ids, records) if not r]
    no_text = [i for i, r in zip(ids, records) if not (isinstance(r, dict) and "text" in r)]
    return {"path": path, "n": len(ids), "no_data": no_data, "no_text": no_text,
            "fields": sorted({f for r in records if isinstance(r, dict) for f in r})}


def check_data_gaps(gaps: Sequence[dict[str, Any]]) -> None:
    """A set whose examples hold ``data`` must hold it in every example (and ``text`` in every one, if any has it).

    ``gaps``: :func:`data_gaps` of each split file.  A labels-only set (no example
    holds data) passes.  Otherwise an example without ``data`` (or with ``{}``), or
    without ``text`` where others have it, is a :class:`WrenchFormatError` naming
    the file and the example id: it would load as a text row holding NaN.
    """
    fields = sorted({f for g in gaps for f in g["fields"]})
    if not fields:
        return
    for g in gaps:
        if g["no_data"]:
            i = g["no_data"][0]
            raise WrenchFormatError(
                f"{g['path']}: example {i!r} has no 'data' while the set's examples hold {fields} "
                f"({len(g['no_data'])} example(s) of this file lack it); every example needs its data")
    if any(g["n"] > len(g["no_text"]) for g in gaps):
        for g in gaps:
            if g["no_text"]:
                i = g["no_text"][0]
                raise WrenchFormatError(
                    f"{g['path']}: example {i!r}: data has no 'text' while the set's other examples have one "
                    f"({len(g['no_text'])} example(s) of this file lack it)")


def _unencodable(value: Any) -> str | None:
    """The first string in ``value`` (nested lists / dicts too) that UTF-8 cannot encode, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for v in items:
        bad = _unencodable(v)
        if bad is not None:
            return bad
    return None


def _encodable_text(df: pd.DataFrame) -> bool:
    """Whether every str cell of ``df``'s Python-object text columns encodes as UTF-8 (one encode of the join of
    the non-ASCII ones: a lone surrogate fails it, a valid text never does; ``isascii`` costs nothing per cell).

    pandas 3 stores text as Arrow strings, which refuse such a cell when the frame is built; pandas 2.x keeps it in
    an object column, and keyword_lf / regex_lf (pyarrow) then failed on it far from the file.
    """
    for _, col in df.items():
        if col.dtype == object or (isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "python"):
            texts = [v for v in col.to_numpy(dtype=object) if isinstance(v, str) and not v.isascii()]
            try:
                "".join(texts).encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _surrogate_error(path: Path, ids: list[str], records: list[dict[str, Any]]) -> Exception:
    """A :class:`WrenchFormatError` naming the example and field whose text holds a lone surrogate."""
    for ex_id, rec in zip(ids, records):
        for key, value in rec.items():
            bad = _unencodable(value)
            if bad is not None:
                pos = next(i for i, c in enumerate(bad) if 0xD800 <= ord(c) <= 0xDFFF)
                return WrenchFormatError(
                    f"{path}: example {ex_id!r}, data field {key!r}: the text holds a lone UTF-16 surrogate "
                    f"{bad[pos]!r} at character {pos} (written as a JSON escape such as \\ud83d, e.g. half an "
                    "emoji); it is not a character and cannot be encoded as UTF-8: fix or drop it")
    return WrenchFormatError(f"{path}: an example's data cannot be encoded as UTF-8")  # pragma: no cover


def _load_labeled_ids(path: Path, train: WrenchSplit) -> tuple[list[str], Any]:
    """``labeled_ids.json``: a list of train ids, or ``{"labeled_ids": [...], "lf_exemplar_ids": ...}``."""
    if not data_file_exists(path):
        return [], None
    raw = read_json(path)
    exemplars = None
    if isinstance(raw, dict):
        if "labeled_ids" not in raw:
            raise WrenchFormatError(f"{path}: expected a list of ids or an object with 'labeled_ids'")
        ids_raw, exemplars = raw["labeled_ids"], raw.get("lf_exemplar_ids")
    else:
        ids_raw = raw
    if not isinstance(ids_raw, list):
        raise WrenchFormatError(f"{path}: 'labeled_ids' must be a list, got {type(ids_raw).__name__}")
    ids = [str(i) for i in ids_raw]
    known = set(train.ids)
    missing = [i for i in ids if i not in known]
    if missing:
        raise WrenchFormatError(f"{path}: labeled id {missing[0]!r} is not an example id of the train split "
                                f"({len(missing)} unknown id(s))")
    return ids, exemplars


def _check_path_arg(value: Any, what: str, *, optional: bool = False) -> None:
    """A folder argument must be a str or path (``None`` too when ``optional``): a TypeError naming ``what``."""
    if value is None and optional:
        return
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{what} must be a folder path (str or pathlib.Path){' or None' if optional else ''}, "
                        f"got {type(value).__name__} {value!r}")


#: The registered WRENCH names by task (``weaksup/data/wrench_tasks.json``; a test keeps them equal): a type checker
#: reads ``load_wrench("youtube")`` as a WrenchDataset and ``load_wrench("bc5cdr")`` as a SequenceDataset.  Any
#: other name (a folder of one's own, a path) is only known at run time, by the folder's files: typed Any, as the
#: union of both would make ``ds.label_names`` / ``ds.train.labels`` (classification only) type errors.
_ClassificationName = Literal["youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball",
                              "commercial", "census", "agnews", "spouse", "cdr", "chemprot"]
_TaggingName = Literal["bc5cdr", "ncbi-disease", "laptopreview", "conll", "wikigold", "ontonotes",
                       "mit-restaurants", "mit-movies"]


@overload
def load_wrench(name: _ClassificationName, data_dir: str | os.PathLike[str] | None = ..., *,
                metric: str | None = ...) -> WrenchDataset: ...


@overload
def load_wrench(name: _TaggingName, data_dir: str | os.PathLike[str] | None = ..., *,
                metric: str | None = ...) -> SequenceDataset: ...


@overload
def load_wrench(name: str, data_dir: str | os.PathLike[str] | None = ..., *, metric: str | None = ...) -> Any: ...


def load_wrench(name: str, data_dir: str | os.PathLike[str] | None = None, *, metric: str | None = None) -> Any:
    """Load WRENCH dataset ``name`` (e.g. ``"youtube"``).

    Returns a :class:`WrenchDataset` for classification folders and a
    :class:`~weaksup.data.wrench_sequence.SequenceDataset` for tagging ones.

    Given ``data_dir``, the set is read from there (``data_dir/name``, or
    ``data_dir`` itself when it is named ``name``) and nowhere else: a
    ``data_dir`` that lacks it is a ``FileNotFoundError`` naming the folder.
    Without it the lookup order is ``$WEAKSUP_DATA``, the user cache, then the
    copy bundled inside the package (``youtube`` only); ``ds.source`` says which
    copy was loaded.  A ``name`` that is a path (absolute, holding a separator, or starting with ``.``:
    ``"data/mine"``, ``"./mine"``, ``"../mine"``, relative to the working directory) is that folder, loaded as
    :func:`load_wrench_folder` loads it (named after the folder) with ``ds.source == "path"`` and ``ds.path``
    made absolute; a ``data_dir`` given with it is not looked in (a ``UserWarning`` says so).

    A set whose examples have ``"weak_labels": []`` (no LF yet: text and gold labels, the usual start for
    writing LFs: ``weaksup apply lfs.py wrench:NAME:train``) loads with ``votes.m == 0``; the bench refuses
    it, and a label model's ``fit`` says it needs at least one LF column.

    Parameters
    ----------
    name : str
        The WRENCH dataset name, as its folder is named (``"youtube"``, ``"sms"``, ``"ncbi-disease"``...),
        or the path of a dataset folder (absolute, or relative: ``"./mine"``, ``"../mine"``, ``"data/mine"``).
    data_dir : str or path-like, optional
        The folder holding WRENCH datasets (or the dataset folder itself); when given, the only place
        looked in.
    metric : str, optional
        Classification sets: the metric the set is scored by (a :data:`weaksup.metrics.METRICS` name),
        in place of the registry's (see :func:`load_wrench_folder`); a tagging set takes only
        ``"span_f1"``.

    Returns
    -------
    WrenchDataset or SequenceDataset
        The train, valid and test splits (votes, labels, data), the class names and ``source``: which
        copy was loaded (``"data_dir"``, ``"WEAKSUP_DATA"``, ``"cache"``, ``"bundled"``, or ``"path"``
        for a ``name`` that is a path).

    Examples
    --------
    >>> from weaksup import load_wrench
    >>> ds = load_wrench("youtube")
    >>> ds.train.votes.shape, ds.label_names
    ((1686, 10), ['HAM', 'SPAM'])
    >>> ds.source in ("data_dir", "WEAKSUP_DATA", "cache", "bundled")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"load_wrench: name must be a WRENCH dataset name (a str such as 'youtube'), "
                        f"got {name!r}")
    _check_path_arg(data_dir, "load_wrench: data_dir", optional=True)
    if _is_path(name):
        # a path, not a name: joined onto a lookup root it would escape it (``/abs``, ``../x``) or reach into a
        # subfolder, and the set would be recorded as read from data_dir / $WEAKSUP_DATA though it lies elsewhere
        folder = Path(os.path.abspath(name))  # absolute (links kept, for check_link): the cwd may be gone later
        if data_dir is not None:
            import warnings

            from weaksup._validation import user_stacklevel

            warnings.warn(f"load_wrench: {name!r} is a path, so data_dir {str(data_dir)!r} is not looked in: the set "
                          f"is read from {str(folder)!r}; to read it from data_dir, give the bare folder name "
                          f"({folder.name!r})", UserWarning, stacklevel=user_stacklevel())
        ds = load_wrench_folder(folder, metric=metric)
        ds.source = "path"
        _log.info("loaded WRENCH %r from %s (path)", ds.name, ds.path)
        return ds
    folder = find_wrench_dir(name, data_dir)
    if folder is None and data_dir is not None:  # an explicit folder that lacks the set: never another copy
        root = Path(data_dir)
        why = ("does not exist" if not root.exists() else "is not a folder" if not root.is_dir()
               else f"holds no folder {name!r}")
        raise FileNotFoundError(
            f"WRENCH dataset {name!r} not found in data_dir {str(root)!r}: the folder {why} (data_dir is the "
            f"folder holding WRENCH datasets, or the dataset folder itself; without data_dir the lookup is "
            f"$WEAKSUP_DATA, the user cache, then the bundled copy)")
    if folder is not None:
        source = _source_of(folder, name, data_dir)
    else:
        folder, source = bundled_dir(name), "bundled"
    if folder is None:
        where = []
        if os.environ.get("WEAKSUP_DATA"):
            where.append(os.environ["WEAKSUP_DATA"])
        where.append(str(cache_dir()))
        raise FileNotFoundError(
            f"WRENCH dataset {name!r} not found in {where}. Set WEAKSUP_DATA to the folder holding "
            f"WRENCH datasets, pass data_dir=, or run weaksup.data.download_wrench({name!r})."
        )
    ds = load_wrench_folder(folder, name, metric=metric)
    ds.source = source
    _log.info("loaded WRENCH %r from %s (%s)", name, folder,
              "the copy bundled with weaksup" if source == "bundled" else source)
    return ds


def _is_path(name: str) -> bool:
    """Whether dataset ``name`` is a folder path rather than a registered-style name: absolute, holding a
    separator (``"data/mine"``), or starting with ``"."`` (``"./mine"``, ``"../mine"``, ``"."``), which
    ``Path`` would reduce to a bare name (``Path("./mine").parts == ("mine",)``)."""
    return (Path(name).is_absolute() or "/" in name or os.sep in name or bool(os.altsep and os.altsep in name)
            or name.startswith("."))


def _source_of(folder: Path, name: str, data_dir: str | os.PathLike[str] | None) -> str:
    """Which lookup location ``folder`` (a :func:`find_wrench_dir` answer) came from."""
    roots = [("data_dir", data_dir), ("WEAKSUP_DATA", os.environ.get("WEAKSUP_DATA") or None),
             ("cache", cache_dir())]
    for label, root in roots:
        if root is not None and folder in (Path(root), Path(root) / name):
            return label
    return "folder"  # pragma: no cover - find_wrench_dir only answers these roots


def load_wrench_folder(folder: str | os.PathLike[str], name: str | None = None, *,
                       metric: str | None = None) -> Any:
    """Load a WRENCH dataset from an explicit folder (no lookup); ``name`` defaults to the folder name.

    ``metric`` (classification sets): the metric the set is scored by (a
    :data:`weaksup.metrics.METRICS` name, e.g. ``"accuracy"`` or ``"f1_binary"``).
    Without it a registered name takes the registry's metric; any other name
    (a copy of a WRENCH set under another folder name, a set of one's own)
    gets ``"f1_binary"`` when it has 2 classes, else ``"accuracy"``, with a
    ``UserWarning`` when ``ds.metric`` is first read (WRENCH scores youtube,
    imdb and yelp, binary sets, by accuracy).  ``ds.metric_source`` says which
    rule applied.

    Parameters
    ----------
    folder : str or path-like
        The dataset folder: ``label.json`` and ``train/valid/test.json`` (a classification set) or
        ``meta.json`` and the splits (a tagging set, loaded as a
        :class:`~weaksup.data.wrench_sequence.SequenceDataset`); each file may be xz-compressed
        (``train.json.xz``).
    name : str, optional
        The dataset's name; default the folder's name.  It also picks the registry's metric.
    metric : str, optional
        The metric the set is scored by (above); a tagging set takes only ``"span_f1"``.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from weaksup.data import load_wrench_folder
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "tiny"
    >>> folder.mkdir()
    >>> _ = (folder / "label.json").write_text(json.dumps({"0": "ham", "1": "spam"}))
    >>> rows = {"0": {"label": 1, "weak_labels": [1, -1], "data": {"text": "win cash"}},
    ...         "1": {"label": 0, "weak_labels": [-1, 0], "data": {"text": "see you"}}}
    >>> for split in ("train", "valid", "test"):
    ...     _ = (folder / f"{split}.json").write_text(json.dumps(rows))
    >>> ds = load_wrench_folder(folder)
    >>> ds.name, ds.label_names, ds.train.votes.to_dense().tolist(), ds.train.labels.tolist()
    ('tiny', ['ham', 'spam'], [[1, -1], [-1, 0]], [1, 0])
    """
    _check_path_arg(folder, "load_wrench_folder: folder")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"load_wrench_folder: name must be a str or None, got {name!r}")
    folder = Path(folder)
    name = name or folder.name
    check_link(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"WRENCH dataset folder {folder} does not exist")
    for f in ["label.json", "meta.json", *(f"{s}.json" for s in SPLITS)]:
        check_link(folder / f)
    if data_file_exists(folder / "meta.json") and not data_file_exists(folder / "label.json"):
        from weaksup.data.wrench_sequence import load_wrench_sequence

        if metric is not None and metric != "span_f1":
            raise ValueError(f"WRENCH dataset {name!r} ({folder}) is a sequence-tagging set, scored by span_f1; "
                             f"metric={metric!r} does not apply")
        return load_wrench_sequence(folder, name=name)
    if not data_file_exists(folder / "label.json"):
        raise FileNotFoundError(
            f"WRENCH dataset {name!r}: {folder} has neither label.json (a classification set: {{class id: name}}) "
            f"nor meta.json (a tagging set: LF names and entity types)")
    missing = [str(folder / f"{s}.json") for s in SPLITS if not data_file_exists(folder / f"{s}.json")]
    if missing:
        raise FileNotFoundError(f"WRENCH dataset {name!r}: missing split file(s) {missing}")
    label_names = _load_label_names(folder)
    k = len(label_names)
    splits: dict[str, WrenchSplit] = {}
    gaps: dict[str, Any] = {}
    for split in SPLITS:  # valid and test may be empty ({}): they take train's LF count
        splits[split] = _parse_split(folder / f"{split}.json", split, k, None,
                                     None if split == "train" else splits["train"].votes.m, gaps)
    check_data_gaps(list(gaps.values()))
    ms = {s: splits[s].votes.m for s in SPLITS}
    if len(set(ms.values())) != 1:
        raise WrenchFormatError(f"WRENCH dataset {name!r}: LF counts differ between splits: {ms}")
    labeled, exemplars = _load_labeled_ids(folder / "labeled_ids.json", splits["train"])
    labels_only = all(splits[s].data.shape[1] == 0 for s in SPLITS)
    if metric is not None:
        check_metric(metric, k, f"WRENCH dataset {name!r}, metric=")
    return WrenchDataset(name, folder, label_names, splits, labeled, labels_only, lf_exemplar_ids=exemplars,
                         metric_given=metric)
