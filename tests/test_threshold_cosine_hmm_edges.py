"""Edge cases: exact integer thresholds in threshold_lf, Cosine's stage-2 warning pointing at
the user's call, and the HMM tagger's ``outside`` option."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pytest

from weaksup.apply import apply_lfs
from weaksup.lf import Row, threshold_lf

_PY = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
       "!=": operator.ne}


def test_threshold_lf_compares_big_integers_exactly():
    """threshold_lf cast the field and the threshold to float64, where 2**53 + 1 == 2**53: 'id > 2**53' abstained
    on 2**53 + 1, and '== 9e18' voted for the int64 id 9e18 + 1.  Ints (numpy, nullable, Python ints beyond int64)
    now compare exactly, in the batch and the one-row paths alike; floats against an int threshold float64 cannot
    hold compare exactly too."""
    big = 9_000_000_000_000_000_000
    near = pd.DataFrame({"v": [2**53 + 1, 2**53, 2**53 - 1]})
    assert threshold_lf("v", 2**53, 1, op=">")(near).tolist() == [1, -1, -1]
    ids = pd.DataFrame({"id": np.array([big, big + 1, -big], dtype=np.int64)})
    assert threshold_lf("id", big, 1, op="==")(ids).tolist() == [1, -1, -1]
    assert threshold_lf("id", big, 1, op="!=")(ids).tolist() == [-1, 1, 1]
    assert [threshold_lf("id", big, 1, op="==")(Row(id=v)) for v in (np.int64(big), big + 1)] == [1, -1]
    u = pd.DataFrame({"u": np.array([2**64 - 1, 2**64 - 2], dtype=np.uint64)})
    assert threshold_lf("u", 2**64 - 2, 1, op=">")(u).tolist() == [1, -1]
    assert threshold_lf("b", 2**70, 1, op=">")(pd.DataFrame({"b": [2**70 + 1, 2**70, "x", None]})).tolist() \
        == [1, -1, -1, -1]
    assert threshold_lf("f", 2**53 + 1, 1, op="<")(pd.DataFrame({"f": [float(2**53)]})).tolist() == [1]

    # against Python's exact int/float comparison, every op, for int64, nullable Int64 (with a missing cell),
    # uint64, float64 and object columns, and thresholds inside, between and beyond them
    values = {"int64": [0, -1, 2**53 - 1, 2**53, 2**53 + 1, 2**63 - 1, -2**63, big + 1],
              "Int64": [0, 2**53 + 1, big, None],
              "uint64": [0, 2**53 + 1, 2**63, 2**64 - 1],
              "float64": [0.5, -0.5, float(2**53), 1e308, float("inf"), float("nan")],
              "object": [2**70 + 1, -2**70, 2**64, 2**53 + 1, 0.25, "7", None]}
    thresholds = [0, 0.5, -0.5, 2**53, 2**53 + 1, float(2**53), 2**63, -2**63 - 1, 2**70, np.int64(big),
                  np.float32(0.5), float("inf"), -float("inf"), 2**1100]
    for dtype, vals in values.items():
        col = pd.Series(vals, dtype=dtype)
        for t in thresholds:
            for op, cmp in _PY.items():
                lf = threshold_lf("v", t, 1, op=op)
                tt = int(t) if isinstance(t, (int, np.integer)) else float(t)
                want = [-1 if v is None or v != v else (1 if cmp(int(v) if isinstance(v, str) else v, tt) else -1)
                        for v in vals]
                assert lf(pd.DataFrame({"v": col})).tolist() == want, (dtype, t, op)
                assert [lf(Row(v=v)) for v in col.tolist()] == want, (dtype, t, op)
    # the appliers see the same votes
    lfs = [threshold_lf("id", big, 1, op=">=", name="big_id")]
    assert np.asarray(apply_lfs(lfs, ids))[:, 0].tolist() == [1, 1, -1]


def _cosine_without_confident_rows():
    from weaksup.endmodel import MLP, Cosine

    # one step at lr 1e-6: the teacher stays near uniform, no row has confidence above 0.99
    return Cosine(MLP(max_steps=1, lr=1e-6, hidden_sizes=(16,), progress=False), self_training_steps=60,
                  thresh=0.99, progress=False)


def test_cosine_stage2_warning_points_at_the_users_call():
    """Cosine's 'only 0 row(s) with confidence' warning used a fixed stacklevel=5: right for a direct fit, but
    fitted by a Pipeline it pointed at weaksup/pipeline.py.  It now points at the user's line either way."""
    from weaksup.pipeline import Pipeline

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    votes = np.where(rng.random((300, 3)) < 0.7, y[:, None], -1)
    with pytest.warns(RuntimeWarning, match="only 0 row") as direct:
        _cosine_without_confident_rows().fit(X, y, valid=(X[:40], y[:40]), seed=1)
    with pytest.warns(RuntimeWarning, match="only 0 row") as piped:
        Pipeline(end_model=_cosine_without_confident_rows()).fit(votes, X, seed=1)
    for record in (direct, piped):
        [w] = [w for w in record if "COSINE" in str(w.message)]
        assert w.filename == __file__, w.filename


def _tagging_data(seed: int, n: int = 400, length: int = 15):
    """Sentences with gold BIO tags (types X, Y; spans of 1-3 tokens) and the votes of 4 span LFs with known
    recalls (0.8, 0.6, 0.5, 0.7), right type 90 % of the time and a false-positive entity on 1 % of O tokens;
    tokens outside an LF's spans are O votes (apply_span_lfs(outside="O"))."""
    from weaksup.sequence.votes import SequenceVotes

    names = ["O", "B-X", "I-X", "B-Y", "I-Y"]
    rng = np.random.default_rng(seed)
    recalls = [0.8, 0.6, 0.5, 0.7]
    gold, blocks = [], []
    for _ in range(n):
        tags, spans, i = [], [], 0
        while i < length:
            if rng.random() < 0.12:
                t, size = int(rng.integers(2)), int(min(length - i, rng.integers(1, 4)))
                spans.append((i, i + size, t))
                tags += [2 * t + 1] + [2 * t + 2] * (size - 1)
                i += size
            else:
                tags.append(0)
                i += 1
        votes = np.zeros((length, len(recalls)), dtype=np.int64)
        for j, recall in enumerate(recalls):
            for a, b, t in spans:
                if rng.random() < recall:
                    tt = t if rng.random() < 0.9 else 1 - t
                    votes[a, j], votes[a + 1:b, j] = 2 * tt + 1, 2 * tt + 2
            for k in range(length):
                if tags[k] == 0 and votes[k, j] == 0 and rng.random() < 0.01:
                    votes[k, j] = 2 * int(rng.integers(2)) + 1
        gold.append([names[x] for x in tags])
        blocks.append(votes)
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in blocks])])
    return SequenceVotes(np.concatenate(blocks), offsets, ["X", "Y"]), gold


def test_hmm_tags_the_same_whether_outside_votes_are_o_or_abstain():
    """Fed the votes of apply_span_lfs(outside="abstain"), the HMM (default o_votes="wrench") lost recall: the
    tokens no LF votes on were no observation at all, the O state was fitted only on tokens where some LF votes
    an entity, and EM let it emit those votes (synthetic recall 0.93 -> 0.60; WRENCH valid span F1 LaptopReview
    75.17 -> 0.00, NCBI-Disease 83.45 -> 0.00, BC5CDR 84.73 -> 7.25).  A token where every LF abstains is now O
    for every LF (the token models' rule), and both encodings give the same fit."""
    from weaksup.sequence import HMM, TokenMajorityVote, span_prf

    train, _ = _tagging_data(0)
    valid, gold = _tagging_data(1)
    with_o = HMM().fit(train)
    with_abstain = HMM().fit(train.o_as_abstain())
    np.testing.assert_allclose(with_abstain.emit_, with_o.emit_)
    np.testing.assert_allclose(with_abstain.trans_, with_o.trans_)
    tags = with_o.predict(valid)
    assert with_abstain.predict(valid.o_as_abstain()) == tags
    np.testing.assert_allclose(with_abstain.predict_proba(valid.o_as_abstain()), with_o.predict_proba(valid))
    precision, recall, f1 = span_prf(gold, tags)
    assert recall > 0.9 and f1 > span_prf(gold, TokenMajorityVote().fit(train).predict(valid))[2]
    # o_votes="abstain" drops those O observations by design: its recall stays low (documented, not a fix)
    assert span_prf(gold, HMM(o_votes="abstain").fit(train).predict(valid))[1] < 0.7


def test_hmm_on_wrench_laptopreview_votes_with_outside_abstain(wrench_dir):
    """The WRENCH LaptopReview votes with every O turned into an abstain (what apply_span_lfs(outside="abstain")
    gives): the benchmark's HMM setting scored 31.03 valid span F1 on them, 75.17 on the O votes."""
    from weaksup.data.wrench_sequence import load_wrench_sequence
    from weaksup.sequence import HMM

    ds = load_wrench_sequence(wrench_dir / "laptopreview", lfs="rec", splits=("train", "valid"))
    hmm = HMM(n_iter=2).fit(ds.train.votes.o_as_abstain())
    assert round(100 * hmm.score(ds.valid.votes.o_as_abstain(), ds.valid.tags), 2) == 75.17  # 31.03 before
