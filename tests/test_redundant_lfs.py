"""LFs that copy one another: ``LFAnalysis.lf_redundancy`` (the table) and the label models' fit-time warning.

Known answers: a hand-counted 4-row matrix; a synthetic task (conditionally independent LFs of known
accuracy, :func:`weaksup.synthetic.make_votes`) in which one LF copied 5 times moves the models' estimates;
WRENCH's TREC, whose LF set holds two regexes written three times and twice (readme: LFs 8, 39, 63 are
``how ... much|many``, 27 and 62 ``where``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.analysis import LFAnalysis
from weaksup.labelmodel import (
    AbstainDawidSkene,
    AutoLabelModel,
    DawidSkene,
    FlyingSquid,
    MajorityVote,
    MatrixCompletion,
    WeightedMajorityVote,
)
from weaksup.labelmodel.base import redundant_groups_from_counts, redundant_lf_groups
from weaksup.synthetic import make_votes
from weaksup.votes import VoteMatrix

COPY_MODELS = [AbstainDawidSkene, DawidSkene, MatrixCompletion, FlyingSquid, WeightedMajorityVote]


def _copy_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "copies or near-copies" in str(w.message)]


def _fit(model, votes, **kw):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(votes, seed=0, **kw)
    return model, record


def _copied_task(copies: int = 5):
    """Five independent LFs of known accuracy (lf_0 the worst, 0.6), class balance 0.7 / 0.3, and the same
    votes with lf_0 copied ``copies`` times."""
    L, y, _ = make_votes(20000, 5, 2, accuracies=[0.6, 0.8, 0.8, 0.75, 0.85], propensities=0.5,
                         class_balance=[0.7, 0.3], seed=0)
    D = L.to_dense()
    Lc = VoteMatrix(np.hstack([D] + [D[:, :1]] * copies), L.lf_names + [f"lf_0_copy{i}" for i in range(copies)])
    return L, Lc, y


# ---------------------------------------------------------------- the table
def test_lf_redundancy_hand_counted():
    # a: rows 0,1,2 votes 1,1,0; a_copy: rows 0..3 votes 1,1,0,0; b: rows 0,2,3 votes 0,0,1
    V = VoteMatrix([[1, 1, 0], [1, 1, -1], [0, 0, 0], [-1, 0, 1]], ["a", "a_copy", "b"])
    r = LFAnalysis(V).lf_redundancy()
    assert r[["lf_a", "lf_b", "Both"]].values.tolist() == [["a", "a_copy", 3], ["a_copy", "b", 3], ["a", "b", 2]]
    # a/a_copy: same class on all 3 shared rows, 4 rows covered by either -> 1, 3/4, 3/4
    # a_copy/b: shared rows 0,2,3, same class on row 2 only -> 1/3, 3/4, 1/4; a/b: rows 0,2, same on 2 -> 1/2, 2/4, 1/4
    np.testing.assert_allclose(r.Agreement, [1, 1 / 3, 1 / 2])
    np.testing.assert_allclose(r.Overlap, [3 / 4, 3 / 4, 2 / 4])
    np.testing.assert_allclose(r.Identical, [3 / 4, 1 / 4, 1 / 4])
    np.testing.assert_allclose(r.Identical, r.Agreement * r.Overlap)
    assert LFAnalysis(V).lf_redundancy(min_identical=0.7)[["lf_a", "lf_b"]].values.tolist() == [["a", "a_copy"]]
    # sparse storage gives the same table; pairs that never vote on a common row are left out
    assert LFAnalysis(V.as_sparse()).lf_redundancy().equals(r)
    assert LFAnalysis(VoteMatrix([[0, -1], [-1, 1]], ["x", "y"])).lf_redundancy().empty


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.9", None, True])
def test_lf_redundancy_refuses_a_threshold_outside_0_1(bad):
    with pytest.raises(ValueError, match="min_identical"):
        LFAnalysis(VoteMatrix([[0, 0]])).lf_redundancy(min_identical=bad)


@pytest.mark.parametrize("sparse", [False, True])
def test_lf_redundancy_equals_the_label_models_pair_counts(sparse):
    from weaksup.labelmodel._kernels import lf_pair_agreement

    L, _, _ = make_votes(3000, 12, 4, seed=3, sparse=sparse)
    L = L.with_column("lf_3_copy", L.column("lf_3"))
    r = LFAnalysis(L).lf_redundancy()
    co, agree, _ = lf_pair_agreement(L)
    a = r.lf_a.map(L.lf_names.index).to_numpy()
    b = r.lf_b.map(L.lf_names.index).to_numpy()
    assert len(r) == int(np.triu(co > 0, 1).sum())
    assert (r.Both.to_numpy() == co[a, b]).all()
    np.testing.assert_allclose(r.Agreement, agree[a, b] / co[a, b])
    assert r.iloc[0][["lf_a", "lf_b", "Identical"]].tolist() == ["lf_3", "lf_3_copy", 1.0]


def test_groups_from_counts_link_pairs_that_share_an_lf():
    # 0 = 1 = 2 copies (0-1, 1-2 identical), 3 alone; rows either votes on: 200 for each pair
    co = np.array([[200, 200, 200, 10], [200, 200, 200, 10], [200, 200, 200, 10], [10, 10, 10, 300]])
    assert redundant_groups_from_counts(co, co.copy()) == [([0, 1, 2], 200, 1.0)]
    # under min_rows rows, or under the share, no group
    assert redundant_groups_from_counts(co, co.copy(), min_rows=201) == []
    agree = co.copy()
    agree[0, 1] = agree[1, 0] = agree[0, 2] = agree[2, 0] = agree[1, 2] = agree[2, 1] = 197  # 98.5%
    assert redundant_groups_from_counts(co, agree) == []


def _all_pairs_groups(L, share, min_rows):
    """The reference: every LF pair counted over every row."""
    from weaksup.labelmodel._kernels import lf_pair_agreement

    co, agree, _ = lf_pair_agreement(L)
    return redundant_groups_from_counts(co, agree, share, min_rows)


def _planted_votes(rng, n, m, k):
    """Random votes with copies and near-copies planted: a source LF on ``N`` rows and a copy that differs
    from it on ``d`` of them (flipped class, abstain, or an extra vote where the source abstains), the
    differing rows either the first it votes on or spread, so that the identical share is exactly e.g.
    0.989, 0.99 or 0.991; returns the votes and the planted pairs' (identical, either)."""
    D = np.where(rng.random((n, m)) < rng.uniform(0.02, 0.5, m), rng.integers(0, k, (n, m)), -1)
    planted = []
    for _ in range(int(rng.integers(0, 4))):
        if n < 50:
            break
        i, j = (int(x) for x in rng.choice(m, 2, replace=False))
        N = int(rng.integers(20, min(n, 1500)))
        rows = np.sort(rng.choice(n, N, replace=False))
        D[:, i] = -1
        D[rows, i] = rng.integers(0, k, N)
        D[:, j] = D[:, i]
        d = int(rng.choice([0, 1, 2, round(0.009 * N), round(0.01 * N), round(0.011 * N), int(rng.integers(0, N))]))
        d = min(d, N)
        where = rows[:d] if rng.random() < 0.5 else rng.choice(rows, d, replace=False)
        kind = rng.integers(0, 3, d)
        D[where[kind == 0], j] = (D[where[kind == 0], i] + 1) % k
        D[where[kind == 1], j] = -1
        free = np.setdiff1d(np.arange(n), rows)
        extra = rng.choice(free, min(int((kind == 2).sum()), free.size), replace=False)
        D[extra, j] = rng.integers(0, k, extra.size)
        both, same = (D[:, i] >= 0) & (D[:, j] >= 0), D[:, i] == D[:, j]
        either = int(((D[:, i] >= 0) | (D[:, j] >= 0)).sum())
        planted.append((int((both & same).sum()) / max(either, 1), either))
    return VoteMatrix(D, cardinality=k), planted


@pytest.mark.parametrize("first_rows", [16, 300, 2048])
def test_redundant_lf_groups_equal_the_all_pairs_count(first_rows, monkeypatch):
    # the pruned count against every pair counted over every row, on random votes with copies and
    # near-copies planted right at the threshold (0.989 / 0.99 / 0.991 of the rows either votes on), shares
    # equal to a planted pair's own (rounding: fl(p / q) * q can exceed p), min_rows equal to its rows, and
    # parameters outside the useful range; first_rows makes the growing blocks small enough to prune often
    import weaksup.labelmodel.base as base

    monkeypatch.setattr(base, "_REDUNDANT_FIRST_ROWS", first_rows)
    rng = np.random.default_rng(first_rows)
    checked = found = 0
    for case in range(60):
        n = int(rng.choice([0, 1, 40, 500, 3000, 6000]))
        L, planted = _planted_votes(rng, n, int(rng.integers(2, 12)), int(rng.integers(2, 5)))
        settings = [(0.99, 100), (0.989, 100), (0.991, 100), (0.99, 0), (1.0, 1), (0.0, 100), (0.0, 0),
                    (-0.5, 0), (1.5, 100), (float("nan"), 100)]
        for ident, either in planted:
            settings += [(ident, either), (ident, either + 1), (ident, 100), (np.nextafter(ident, 2), 0)]
        for votes in (L, L.as_sparse()) if case % 3 == 0 else (L,):
            for share, min_rows in settings:
                want = _all_pairs_groups(votes, share, min_rows)
                assert redundant_lf_groups(votes, share, min_rows) == want, (case, share, min_rows)
                checked += 1
                found += bool(want)
    assert checked > 1000 and found > 100
    # the vote-count bound taken in floats dropped this pair: 255 votes and the same plus 14, identical on
    # 255 / 269 of the rows, but fl(255 / 269) * 269 > 255
    a = np.full(400, -1)
    a[:255] = np.arange(255) % 2
    b = a.copy()
    b[255:269] = 0
    V = VoteMatrix(np.c_[a, b])
    assert redundant_lf_groups(V, 255 / 269) == _all_pairs_groups(V, 255 / 269, 100) == [([0, 1], 269, 255 / 269)]


def test_redundant_lf_groups_count_few_rows_when_nothing_is_copied(monkeypatch):
    # 100 independent LFs with ~20k votes each: every pair passes the vote-count bound, and every pair was
    # counted over every row (0.74 CPU s on a million rows); the growing blocks drop them after the first
    # (1/64 of the rows), so the count reads under 2% of the cells, and all of them for a planted copy
    import weaksup.labelmodel.base as base

    cells = []

    def counting(L, *args, **kw):
        cells.append(L.n * L.m)
        return lf_pair_agreement(L, *args, **kw)

    from weaksup.labelmodel._kernels import lf_pair_agreement

    monkeypatch.setattr(base, "lf_pair_agreement", counting)
    L, _, _ = make_votes(200_000, 100, 2, propensities=0.1, seed=0)
    assert redundant_lf_groups(L) == []
    assert sum(cells) < 0.02 * L.n * L.m
    cells.clear()
    V = L.with_column("lf_7_copy", L.column("lf_7"))
    assert redundant_lf_groups(V) == [([7, 100], int((L.column("lf_7") >= 0).sum()), 1.0)]
    assert sum(cells) < 0.05 * V.n * V.m and sum(cells) > V.n * 2


# ---------------------------------------------------------- the fit warning
@pytest.mark.parametrize("model", COPY_MODELS, ids=lambda m: m.__name__)
def test_copied_lf_warns_at_fit_and_names_the_lfs(model):
    L, Lc, _ = _copied_task()
    _, record = _fit(model(), L)
    assert _copy_warnings(record) == []
    _, record = _fit(model(), Lc)
    msgs = [w for w in record if "copies or near-copies" in str(w.message)]
    assert len(msgs) == 1
    msg = str(msgs[0].message)
    assert "'lf_0'" in msg and "'lf_0_copy4'" in msg and "'lf_1'" not in msg
    assert "100.0%" in msg and "MajorityVote" in msg and "lf_redundancy" in msg
    assert msgs[0].filename == __file__  # points at the user's call, not into weaksup


@pytest.mark.parametrize("model", [DawidSkene, FlyingSquid], ids=lambda m: m.__name__)
def test_five_copies_move_the_estimates_the_warning_is_about(model):
    # the harm the warning names, measured: lf_0 (true accuracy 0.6) is taken for a near-perfect LF once it
    # agrees with its 5 copies, and the other LFs (0.75-0.85) are judged against it
    L, Lc, y = _copied_task()
    a, _ = _fit(model(), L)
    b, record = _fit(model(), Lc)
    assert _copy_warnings(record)
    assert abs(a.lf_accuracies()[0] - 0.6) < 0.03
    assert b.lf_accuracies()[0] > 0.95
    assert (b.lf_accuracies()[1:5] < a.lf_accuracies()[1:5] - 0.05).all()
    assert (b.predict(Lc, seed=0) == y).mean() < (a.predict(L, seed=0) == y).mean() - 0.05


def test_near_copies_below_the_threshold_harm_as_much_and_are_only_in_the_table():
    # the limit docs/labeling_functions.md states: 5 copies of lf_0 with 20% of their votes redrawn (an LF of
    # lf_0's accuracy) are 0.90 identical to it; DawidSkene collapses as with exact copies, without a warning
    L, _, y = _copied_task(0)
    D, rng = L.to_dense(), np.random.default_rng(0)
    cols = []
    for _ in range(5):
        c = D[:, 0].copy()
        fired = np.nonzero(c >= 0)[0]
        redrawn = fired[rng.random(fired.size) < 0.2]
        c[redrawn] = np.where(rng.random(redrawn.size) < 0.6, y[redrawn], 1 - y[redrawn])
        cols.append(c)
    Lc = VoteMatrix(np.column_stack([D] + cols), L.lf_names + [f"near{i}" for i in range(5)])
    b, record = _fit(DawidSkene(), Lc)
    assert _copy_warnings(record) == []
    assert b.lf_accuracies()[0] > 0.95
    near = LFAnalysis(Lc).lf_redundancy(min_identical=0.85)
    assert sorted(zip(near.lf_a, near.lf_b)) == [("lf_0", f"near{i}") for i in range(5)]
    assert 0.85 < near.Identical.min() and near.Identical.max() < 0.95


def test_independent_lfs_do_not_warn():
    # 30 independent LFs, several with vote counts within 1% of one another (so the pairs are compared)
    L, _, _ = make_votes(20000, 30, 3, propensities=0.3, seed=1)
    for model in COPY_MODELS + [AutoLabelModel]:
        _, record = _fit(model(), L)
        assert _copy_warnings(record) == [], model.__name__
    assert redundant_lf_groups(L, share=0.99) == []
    assert LFAnalysis(L).lf_redundancy().Identical.max() < 0.5


def test_weighted_majority_vote_warns_only_when_it_estimates_accuracies_from_agreement():
    # class-prior weights and accuracies counted on gold valid labels lean towards no LF
    _, Lc, y = _copied_task()
    _, record = _fit(WeightedMajorityVote(weights="class_prior"), Lc)
    assert _copy_warnings(record) == []
    _, record = _fit(WeightedMajorityVote(accuracy_source="valid"), Lc, valid=(Lc[:2000], y[:2000]))
    assert _copy_warnings(record) == []
    _, record = _fit(WeightedMajorityVote(), Lc)
    assert len(_copy_warnings(record)) == 1


def test_majority_vote_does_not_warn_and_auto_warns_once():
    _, Lc, _ = _copied_task()
    _, record = _fit(MajorityVote(), Lc)
    assert _copy_warnings(record) == []
    # AutoLabelModel's own fit says it once; the candidates it fits inside do not repeat it
    _, record = _fit(AutoLabelModel(), Lc)
    assert len(_copy_warnings(record)) == 1


def test_partial_fit_warns_from_the_streamed_pair_counts():
    _, Lc, _ = _copied_task()
    wmv = WeightedMajorityVote()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        wmv.partial_fit(Lc[:10000], refit=False).partial_fit(Lc[10000:])
    assert len(_copy_warnings(record)) == 1


def test_a_pair_on_fewer_rows_than_min_rows_does_not_warn():
    # two LFs identical on 60 rows: 99% of 60 leaves no row to differ on; not called copies
    rng = np.random.default_rng(0)
    L, _, _ = make_votes(5000, 6, 2, seed=2)
    col = np.full(5000, -1)
    col[rng.choice(5000, 60, replace=False)] = rng.integers(0, 2, 60)
    V = L.with_column("rare", col).with_column("rare_copy", col)
    _, record = _fit(DawidSkene(), V)
    assert _copy_warnings(record) == []
    assert LFAnalysis(V).lf_redundancy(min_identical=0.99)[["lf_a", "lf_b"]].values.tolist() == [["rare", "rare_copy"]]


# ----------------------------------------------------------------- WRENCH
@pytest.mark.wrench
def test_wrench_only_trec_holds_copies(wrench_dir, monkeypatch):
    from weaksup.data import load_wrench

    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    found = {}
    for name in ["youtube", "sms", "imdb", "yelp", "trec", "semeval", "basketball", "tennis", "commercial"]:
        ds = load_wrench(name)
        for split in ("train", "valid", "test"):
            V = getattr(ds, split).votes
            groups = redundant_lf_groups(V)
            if groups:
                found[(name, split)] = [[V.lf_names[j] for j in cols] for cols, _, _ in groups]
    assert found == {("trec", "train"): [["lf_8", "lf_39", "lf_63"], ["lf_27", "lf_62"]]}
    _, record = _fit(DawidSkene(max_iter=5), load_wrench("trec").train.votes)
    (msg,) = _copy_warnings(record)
    assert "'lf_8', 'lf_39' and 'lf_63'" in msg and "'lf_27', 'lf_62'" in msg
