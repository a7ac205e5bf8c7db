"""WRENCH sequence-tagging loader (BC5CDR, NCBI-Disease, LaptopReview, CoNLL, ...).

A WRENCH tagging folder holds ``meta.json`` (``lf``: LF names, ``lf_rec``: the
recommended LF subset WRENCH's benchmarks use, ``entity_types``, ``num_lf``)
and ``train/valid/test.json`` mapping an example id to::

    {"label": ["B-Disease", "I-Disease", "O", ...],          # gold BIO tag per token
     "data": {"text": ["Famotidine", "-", "associated", ...]},
     "weak_labels": [["O", "B-Chemical", ...], ...]}         # per token, one BIO tag per LF

>>> ds = load_wrench_sequence("ncbi-disease", lfs="rec")  # doctest: +SKIP
>>> ds.train.votes                                         # doctest: +SKIP
SequenceVotes(n_sentences=592, n_tokens=128280, m=5, scheme='BIO', entity_types=['Disease'])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from weaksup.data._wrench_io import SPLITS, WrenchFormatError, find_wrench_dir, read_json
from weaksup.sequence.tags import bio_tag_names, bio_to_spans, check_entity_types
from weaksup.sequence.votes import SequenceVotes

__all__ = ["SequenceSplit", "SequenceDataset", "load_wrench_sequence"]


@dataclass
class SequenceSplit:
    """One split: sentences (token lists), gold BIO tags, LF votes and example ids."""

    name: str
    ids: list[str]
    sentences: list[list[str]] = field(repr=False)
    tags: list[list[str]] = field(repr=False)
    votes: SequenceVotes

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_tokens(self) -> int:
        return self.votes.n_tokens

    @property
    def gold_spans(self) -> list[list[tuple[int, int, str]]]:
        return [bio_to_spans(t, "drop") for t in self.tags]

    def gold_ids(self) -> np.ndarray:
        """Flat gold BIO tag ids aligned with ``votes.data`` rows."""
        t2i = {t: i for i, t in enumerate(self.votes.tag_names)}
        return np.fromiter((t2i[t] for s in self.tags for t in s), dtype=np.int64, count=self.n_tokens)


@dataclass
class SequenceDataset:
    """A WRENCH tagging dataset."""

    name: str
    path: Path
    entity_types: list[str]
    splits: dict[str, SequenceSplit]
    lf_names: list[str]
    meta: dict[str, Any] = field(repr=False)
    scheme: str = "BIO"
    task: str = "sequence"
    metric: str = "span_f1"

    @property
    def train(self) -> SequenceSplit:
        return self.splits["train"]

    @property
    def valid(self) -> SequenceSplit:
        return self.splits["valid"]

    @property
    def test(self) -> SequenceSplit:
        return self.splits["test"]

    @property
    def tag_names(self) -> list[str]:
        return bio_tag_names(self.entity_types)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.splits.items())
        return f"SequenceDataset({self.name!r}, types={self.entity_types}, m={len(self.lf_names)}, {sizes})"


def _check_lf_count(meta: dict[str, Any], path: Path) -> None:
    """``meta["lf"]`` is a list of LF names, one per column of the weak labels (``num_lf`` columns)."""
    if not isinstance(meta["lf"], list):
        raise WrenchFormatError(f"{path}: 'lf' must be a list of LF names, got {type(meta['lf']).__name__}")
    if "num_lf" in meta:
        n = meta["num_lf"]
        if not isinstance(n, int) or isinstance(n, bool) or n != len(meta["lf"]):
            raise WrenchFormatError(f"{path}: 'lf' names {len(meta['lf'])} LFs but num_lf is {n!r}; each token "
                                    "row of weak_labels holds one tag per LF, so the two must agree")


def _meta_entity_types(meta: dict[str, Any], path: Path) -> list[str]:
    """``meta["entity_types"]`` checked as ``SequenceVotes`` checks entity types, the error naming meta.json."""
    try:
        return check_entity_types(meta["entity_types"], "'entity_types'")
    except (TypeError, ValueError) as exc:
        raise WrenchFormatError(f"{path}: {exc}") from None


def _select(meta: dict[str, Any], lfs: Any, path: Path) -> list[int]:
    all_lfs = [str(x) for x in meta["lf"]]
    if isinstance(lfs, str) and lfs == "all":
        return list(range(len(all_lfs)))
    if isinstance(lfs, str) and lfs == "rec":
        names = meta.get("lf_rec") or all_lfs
    elif isinstance(lfs, str):
        raise ValueError(f"lfs must be 'all', 'rec' or a list of LF names, got {lfs!r}")
    else:
        names = list(lfs)
    out = []
    for n in names:
        if isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)):
            # an index must name a column: -1 would silently mean the last LF, 5 of 5 a raw IndexError
            if not 0 <= n < len(all_lfs):
                raise ValueError(f"{path}: LF index {int(n)} is out of range; meta.json 'lf' has {len(all_lfs)} "
                                 f"LFs (indices 0..{len(all_lfs) - 1})")
            out.append(int(n))
            continue
        try:
            out.append(all_lfs.index(n))
        except ValueError:
            raise WrenchFormatError(f"{path}: LF {n!r} is not in meta.json 'lf' {all_lfs}") from None
    return out


def _parse_split(path: Path, split: str, meta: dict[str, Any], cols: list[int]) -> SequenceSplit:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise WrenchFormatError(f"{path}: expected a JSON object {{id: example}}")
    if not raw and split == "train":  # as the classification loader: a label model cannot fit on no sentences
        raise WrenchFormatError(f"{path}: the train split has no examples ({{}}); a WRENCH train split needs at "
                                "least one")
    ents = _meta_entity_types(meta, path.parent / "meta.json")
    names = bio_tag_names(ents)
    t2i = {t: i for i, t in enumerate(names)}
    n_lf = int(meta.get("num_lf", len(meta["lf"])))
    lf_all = [str(x) for x in meta["lf"]]
    ids: list[str] = []
    sentences: list[list[str]] = []
    tags: list[list[str]] = []
    flat: list[int] = []
    lengths: list[int] = []
    for ex_id, ex in raw.items():
        where = f"{path}: example {ex_id!r}"
        if not isinstance(ex, dict) or not {"label", "weak_labels", "data"} <= set(ex):
            raise WrenchFormatError(f"{where} lacks 'label', 'weak_labels' or 'data'")
        data = ex["data"]
        toks = data.get("text") if isinstance(data, dict) else None
        if not isinstance(toks, list):
            raise WrenchFormatError(f"{where}: data.text must be a list of tokens")
        bad = next((i for i, t in enumerate(toks) if not isinstance(t, str)), None)
        if bad is not None:  # an int token used to load, then fail later in features or LFs
            raise WrenchFormatError(f"{where}: token {bad} of data.text is {type(toks[bad]).__name__} "
                                    f"{toks[bad]!r}; tokens must be strings")
        lab, wl = ex["label"], ex["weak_labels"]
        n = len(toks)
        if not isinstance(lab, list) or len(lab) != n:
            raise WrenchFormatError(f"{where}: {len(lab) if isinstance(lab, list) else lab!r} gold tags for {n} tokens")
        if not isinstance(wl, list) or len(wl) != n:
            raise WrenchFormatError(
                f"{where}: weak_labels has {len(wl) if isinstance(wl, list) else wl!r} rows for {n} tokens "
                "(expected one row of LF tags per token)"
            )
        for i, t in enumerate(lab):
            if not isinstance(t, str) or t not in t2i:  # a list here was a bare "unhashable type" TypeError
                raise WrenchFormatError(f"{where}: gold tag {t!r} at token {i} is not one of {names}")
        try:
            for row in wl:
                if len(row) != n_lf:
                    raise IndexError
                flat.extend(t2i[row[j]] for j in cols)
        except (KeyError, IndexError, TypeError):
            for i, row in enumerate(wl):
                if not isinstance(row, list) or len(row) != n_lf:
                    got = len(row) if isinstance(row, list) else type(row).__name__
                    raise WrenchFormatError(
                        f"{where}: token {i} has {got} LF tags, expected num_lf={n_lf}") from None
                for j, t in enumerate(row):
                    if not isinstance(t, str) or t not in t2i:  # a nested list was a bare "unhashable" TypeError
                        raise WrenchFormatError(
                            f"{where}: LF {lf_all[j] if j < len(lf_all) else j!r} gives tag {t!r} at token {i}; "
                            f"allowed {names}") from None
            raise
        ids.append(str(ex_id))
        sentences.append(toks)
        tags.append(lab)
        lengths.append(n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    # tag ids: int8 holds 63 entity types in BIO (2·E + 1 tags); more need a wider type
    dtype = np.int8 if len(names) <= np.iinfo(np.int8).max else np.int16 if len(names) <= np.iinfo(np.int16).max \
        else np.int32
    arr = np.asarray(flat, dtype=dtype).reshape(int(offsets[-1]), len(cols))
    votes = SequenceVotes(arr, offsets, ents, [lf_all[j] for j in cols], "BIO")
    return SequenceSplit(split, ids, sentences, tags, votes)


def load_wrench_sequence(folder: str | os.PathLike[str], name: str | None = None,
                         lfs: str | Sequence[str] = "rec",
                         splits: Sequence[str] = SPLITS) -> SequenceDataset:
    """Load a WRENCH sequence-tagging folder.

    Parameters
    ----------
    folder : path or dataset name
        The folder holding ``meta.json`` and the split files, or a dataset
        name looked up like :func:`weaksup.data.load_wrench` does.
    name : str, optional
        Dataset name (default: the folder name).
    lfs : {"rec", "all"} or list of LF names (or 0-based indices into meta["lf"])
        ``"rec"`` (default) keeps ``meta["lf_rec"]``, the subset WRENCH's
        published label-model numbers use; ``"all"`` keeps all ``num_lf`` LFs.
        A ``meta.json`` without ``lf_rec`` gives all LFs under ``"rec"`` too,
        as WRENCH's own loader does (``wrench/dataset/seqdataset.py``).
    splits : which split files to read (default all three).

    Raises
    ------
    WrenchFormatError
        Malformed input; the message names the file, example id, token and LF.
    """
    path = Path(folder)
    if not path.is_dir():
        found = find_wrench_dir(str(folder))
        if found is None:
            raise FileNotFoundError(f"WRENCH tagging dataset {str(folder)!r} not found (set WEAKSUP_DATA)")
        path = found
    meta = read_json(path / "meta.json")
    for key in ("lf", "entity_types"):
        if key not in meta:
            raise WrenchFormatError(f"{path / 'meta.json'}: missing key {key!r}")
    _check_lf_count(meta, path / "meta.json")
    ents = _meta_entity_types(meta, path / "meta.json")
    cols = _select(meta, lfs, path / "meta.json")
    out: dict[str, SequenceSplit] = {}
    for split in splits:
        f = path / f"{split}.json"
        if not f.exists():
            raise FileNotFoundError(f"WRENCH tagging dataset {path.name!r}: missing split file {f}")
        out[split] = _parse_split(f, split, meta, cols)
    lf_names = [str(meta["lf"][j]) for j in cols]
    return SequenceDataset(name or path.name, path, ents, out, lf_names, meta)
