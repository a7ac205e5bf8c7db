"""Apply-time and feature-cache warnings point at the user's call, however many weaksup frames lie between.

They used a fixed ``stacklevel`` (3 in the apply kernel and the vote cache, 2 in text_features), right for one
caller only: through ``apply_lfs`` (a wrapper around ``LFApplier.apply``) the fault="warn" warning and the
"vote cache file ... is damaged" warning pointed at weaksup/apply/applier.py, and a feature-cache warning
raised under ``wrench_features`` at weaksup/data/features.py.  ``warnings.filterwarnings(module=...)`` and the
"file:line" a user reads then named weaksup, not their code.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, apply_lfs, keyword_lf, labeling_function
from weaksup.apply import VoteCache

DF = pd.DataFrame({"text": ["nice song", "check my channel", "song again"] * 4})


@labeling_function()
def breaks_on_song(x):
    if "song" in x.text:
        raise KeyError("boom")
    return 1


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def _assert_here(caught, category, text):
    hits = [w for w in caught if issubclass(w.category, category) and text in str(w.message)]
    assert hits, f"no {category.__name__} containing {text!r}: {[str(w.message) for w in caught]}"
    for w in hits:
        assert w.filename == __file__, f"the warning points at {w.filename}:{w.lineno}, not at the caller"


@pytest.mark.parametrize("how", ["apply_lfs", "LFApplier.apply", "process engine"])
def test_fault_warn_points_at_the_call(how):
    calls = {
        "apply_lfs": lambda: apply_lfs([breaks_on_song], DF, fault="warn", progress=False, cardinality=2),
        "LFApplier.apply": lambda: LFApplier([breaks_on_song], fault="warn", progress=False,
                                             cardinality=2).apply(DF),
        "process engine": lambda: LFApplier([breaks_on_song], engine="process", n_jobs=2, fault="warn",
                                            progress=False, cardinality=2).apply(DF),
    }
    _assert_here(_caught(calls[how]), RuntimeWarning, "LFs raised and abstained instead")


@pytest.mark.parametrize("how", ["apply_lfs", "LFApplier.apply"])
def test_damaged_vote_cache_warning_points_at_the_call(tmp_path, how):
    lfs = [keyword_lf(["sub"], 1, name="k")]
    apply_lfs(lfs, DF, progress=False, cardinality=2, cache=VoteCache(tmp_path))
    files = [p for p in tmp_path.rglob("*.npz")]
    assert files
    for p in files:
        p.write_bytes(b"garbage")
    if how == "apply_lfs":
        caught = _caught(lambda: apply_lfs(lfs, DF, progress=False, cardinality=2, cache=VoteCache(tmp_path)))
    else:
        caught = _caught(lambda: LFApplier(lfs, progress=False, cardinality=2,
                                           cache=VoteCache(tmp_path)).apply(DF))
    _assert_here(caught, RuntimeWarning, "is damaged")


def test_snorkel_dropin_applier_warns_nothing_from_weaksup():
    """The drop-in applier runs without the vote cache and with fault "abstain"/"raise": none of these warnings
    is raised there (a change that made it warn would show here)."""
    from weaksup.apply import PandasLFApplier

    caught = _caught(lambda: PandasLFApplier([breaks_on_song]).apply(DF, progress_bar=False, fault_tolerant=True))
    assert [w for w in caught if "weaksup" in w.filename] == []


def test_feature_cache_warning_under_wrench_features_points_at_the_call(tmp_path, monkeypatch):
    """text_features' "feature cache entry ... recomputing" warning, raised under wrench_features."""
    import weaksup.data.features as f
    from weaksup.data import load_wrench

    try:
        ds = load_wrench("youtube")
    except Exception as exc:  # the WRENCH data is not on this machine
        pytest.skip(f"youtube (WRENCH) not available: {exc}")

    def embed(texts, **kwargs):  # a deterministic stand-in for the model: no model download needed
        rng = np.random.default_rng(len(texts))
        x = rng.normal(size=(len(texts), f.MINILM_DIM)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    monkeypatch.setattr(f, "_embed_minilm", embed)
    monkeypatch.setattr(f, "_model_identity", lambda path: "fake-model")
    monkeypatch.setattr(f, "_minilm_path", lambda: "fake-path")
    f.wrench_features(ds, "minilm", cache_dir=tmp_path, progress=False)
    for entry in tmp_path.glob("minilm-*.npy"):
        entry.write_bytes(b"")
    caught = _caught(lambda: f.wrench_features(ds, "minilm", cache_dir=tmp_path, progress=False))
    _assert_here(caught, UserWarning, "feature cache entry")
