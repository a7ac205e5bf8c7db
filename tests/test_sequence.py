"""Sequence tagging: conversions, SequenceVotes, span LFs, span F1 (vs seqeval), bad input."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from weaksup.sequence import (
    SequenceVotes,
    SpanError,
    TagSequenceError,
    bio_to_io,
    bio_to_spans,
    check_spans,
    io_to_bio,
    io_to_spans,
    is_valid_bio,
    repair_bio,
    span_f1,
    span_prf,
    spans_to_bio,
    spans_to_io,
)
from weaksup.sequence.lf import (
    SpanLFOutputError,
    apply_span_lfs,
    gazetteer_span_lf,
    regex_span_lf,
    span_labeling_function,
)
from weaksup.sequence.tags import bio_ids_to_io_ids, io_ids_to_bio_ids

# ------------------------------------------------------------------ conversions


def test_spans_bio_io_roundtrip_hand_built():
    spans = [(0, 2, "PER"), (3, 4, "LOC"), (4, 6, "LOC")]
    bio = spans_to_bio(spans, 7)
    assert bio == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "O"]
    assert bio_to_spans(bio) == spans
    io = bio_to_io(bio)
    assert io == ["I-PER", "I-PER", "O", "I-LOC", "I-LOC", "I-LOC", "O"]
    assert spans_to_io(spans, 7) == io
    # IO cannot separate touching same-type entities: they merge
    assert io_to_spans(io) == [(0, 2, "PER"), (3, 6, "LOC")]
    assert io_to_bio(io) == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "I-LOC", "O"]
    # different types touching stay apart in IO
    assert io_to_bio(["I-A", "I-B", "I-B"]) == ["B-A", "B-B", "I-B"]
    assert spans_to_bio([], 3) == ["O", "O", "O"]
    assert bio_to_spans([]) == []


def test_bio_spans_roundtrip_exhaustive_small():
    """Every valid BIO sequence of length <= 4 over 2 types round-trips through spans."""
    tags = ["O", "B-A", "I-A", "B-B", "I-B"]
    n_valid = 0
    for n in range(5):
        for seq in itertools.product(tags, repeat=n):
            seq = list(seq)
            if is_valid_bio(seq):
                n_valid += 1
                assert spans_to_bio(bio_to_spans(seq, "error"), n) == seq
                assert io_to_bio(bio_to_io(seq)) == repair_bio(io_to_bio(bio_to_io(seq)))
            else:
                with pytest.raises(TagSequenceError):
                    bio_to_spans(seq, "error")
                assert is_valid_bio(repair_bio(seq))
                assert is_valid_bio(repair_bio(seq, "drop"))
    # valid sequences counted by the recurrence over (O, B-t, I-t) with I-t only after B-t/I-t
    assert n_valid == 1 + 3 + 11 + 41 + 153  # 1, 3, then total(n-1) + 2 * (total(n-1) + ends_in_type(n-1))


def test_invalid_bio_policies():
    seq = ["O", "I-X", "I-X", "B-Y", "I-X"]
    assert bio_to_spans(seq, "repair") == [(1, 3, "X"), (3, 4, "Y"), (4, 5, "X")]
    assert bio_to_spans(seq, "drop") == [(3, 4, "Y")]
    with pytest.raises(TagSequenceError, match=r"'I-X' at position 1 follows 'O'"):
        bio_to_spans(seq, "error")
    assert repair_bio(seq) == ["O", "B-X", "I-X", "B-Y", "B-X"]
    assert repair_bio(seq, "drop") == ["O", "O", "O", "B-Y", "O"]
    with pytest.raises(TagSequenceError, match="unknown tag 'X-Y' at position 0"):
        bio_to_spans(["X-Y"])
    with pytest.raises(ValueError, match="invalid must be"):
        bio_to_spans(["O"], "fix")


def test_spans_bad_input():
    with pytest.raises(SpanError, match="out of bounds for a sentence of 3 tokens"):
        spans_to_bio([(2, 4, "X")], 3)
    with pytest.raises(SpanError, match="out of bounds"):
        spans_to_bio([(1, 1, "X")], 3)
    with pytest.raises(SpanError, match="out of bounds"):
        check_spans([(-1, 1, "X")], 3)
    with pytest.raises(SpanError, match="overlap"):
        spans_to_bio([(0, 2, "X"), (1, 3, "Y")], 3)
    with pytest.raises(SpanError, match="not a \\(start, end, type\\) triple"):
        check_spans([(0, 1)], 3)
    with pytest.raises(SpanError, match="unknown type 'Z'"):
        check_spans([(0, 1, "Z")], 3, entity_types=["X"])
    # overlaps resolved on request: first (earliest start, then shorter) or longest
    assert spans_to_bio([(0, 2, "X"), (1, 3, "Y")], 3, on_overlap="first") == ["B-X", "I-X", "O"]
    assert spans_to_bio([(0, 1, "X"), (0, 3, "Y")], 3, on_overlap="longest") == ["B-Y", "I-Y", "I-Y"]


def test_integer_id_conversions_match_wrench():
    # WRENCH order for 2 types: O, B-A, I-A, B-B, I-B
    bio = np.array([0, 1, 2, 2, 3, 4, 1, -1, 0])
    assert bio_ids_to_io_ids(bio).tolist() == [0, 1, 1, 1, 2, 2, 1, -1, 0]
    io = np.array([1, 1, 0, 2, 2, 1, 1, 1])
    # runs restart at sentence boundaries (offsets 0, 5, 8)
    assert io_ids_to_bio_ids(io, [0, 5, 8]).tolist() == [1, 2, 0, 3, 4, 1, 2, 2]
    assert io_ids_to_bio_ids(io).tolist() == [1, 2, 0, 3, 4, 1, 2, 2]
    assert io_ids_to_bio_ids(np.array([1, 1, 1]), [0, 2, 3]).tolist() == [1, 2, 1]


# ----------------------------------------------------------------- SequenceVotes


def test_sequence_votes_container():
    sents = [
        [["B-X", "O", None], ["I-X", "B-X", "O"]],
        [["O", "O", "O"]],
        [],
        [["B-Y", "B-X", "I-Y"], ["I-Y", "I-X", "O"], ["O", "O", "B-Y"]],
    ]
    v = SequenceVotes.from_tag_lists(sents, ["X", "Y"], lf_names=["a", "b", "c"])
    assert (v.n_sentences, v.n_tokens, v.m) == (4, 6, 3)
    assert v.lengths.tolist() == [2, 1, 0, 3]
    assert v.tag_names == ["O", "B-X", "I-X", "B-Y", "I-Y"]
    assert v.sentence(0).tolist() == [[1, 0, -1], [2, 1, 0]]
    assert v.to_tag_lists() == [[list(r) for r in s] for s in sents]
    io = v.to_io()
    assert io.tag_names == ["O", "I-X", "I-Y"]
    assert io.sentence(3).tolist() == [[2, 1, 2], [2, 1, 0], [0, 0, 2]]
    back = io.to_bio()
    # LF a: B-Y I-Y O stays; LF c: I-Y then O then B-Y
    assert back.sentence(3)[:, 0].tolist() == [3, 4, 0]
    assert back.sentence(3)[:, 2].tolist() == [3, 0, 3]
    # WRENCH wrapper rule: O -> abstain where another LF votes an entity
    w = v.wrench_abstain()
    assert w.sentence(0).tolist() == [[1, -1, -1], [2, 1, -1]]
    assert w.sentence(1).tolist() == [[0, 0, 0]]
    assert v.lf_spans("b") == [[(1, 2, "X")], [], [], [(0, 2, "X")]]
    sub = v[[3, 0]]
    assert sub.lengths.tolist() == [3, 2] and np.array_equal(sub.sentence(1), v.sentence(0))
    assert v.select_lfs(["c", "a"]).lf_names == ["c", "a"]
    cat = SequenceVotes.concat([v[:2], v[2:]])
    assert cat == v
    vm = v.to_vote_matrix()
    assert vm.shape == (6, 3) and vm.cardinality == 5


def test_sequence_votes_save_load(tmp_path):
    v = SequenceVotes.from_tag_lists([[["B-X"], ["I-X"]], [["O"]]], ["X"], lf_names=["g"])
    v.save(tmp_path / "v.npz")
    assert SequenceVotes.load(tmp_path / "v.npz") == v
    from weaksup._persist import load_npz

    assert load_npz(tmp_path / "v.npz", "weaksup.SequenceVotes")[0]["lf_names"] == ["g"]  # the one format
    # a file in the 0.1 layout (JSON under "meta") still loads
    import json

    meta = {"format": "weaksup.SequenceVotes", "version": 1, "entity_types": ["X"], "lf_names": ["g"],
            "scheme": "BIO"}
    np.savez(tmp_path / "old.npz", data=v.data, offsets=v.offsets,
             meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    assert SequenceVotes.load(tmp_path / "old.npz") == v
    np.savez(tmp_path / "junk.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="junk.npz: not a weaksup file"):
        SequenceVotes.load(tmp_path / "junk.npz")


def test_sequence_votes_bad_input():
    with pytest.raises(ValueError, match="sentence 0, token 1: 1 LF tags, expected 2"):
        SequenceVotes.from_tag_lists([[["O", "O"], ["O"]]], ["X"])
    with pytest.raises(TagSequenceError, match="sentence 0, token 0: unknown tag 'B-Z'"):
        SequenceVotes.from_tag_lists([[["B-Z"]]], ["X"])
    with pytest.raises(ValueError, match="LF 'b' gave 3 tags for sentence 1 of 2 tokens"):
        SequenceVotes.from_lf_tags([[["O"], ["O", "O"]], [["O"], ["O", "O", "O"]]], ["X"], ["a", "b"])
    with pytest.raises(ValueError, match="out of range -1..2 from LF 'lf_0' at sentence 1, token 0"):
        SequenceVotes(np.array([[0], [1], [5]]), [0, 2, 3], ["X"])
    with pytest.raises(ValueError, match="offsets must"):
        SequenceVotes(np.array([[0], [1]]), [0, 3], ["X"])


# -------------------------------------------------------------------- span LFs


def test_span_lfs_and_apply():
    @span_labeling_function(entity_type="Disease")
    def itis(x):
        return [(i, i + 1) for i, t in enumerate(x.tokens) if t.endswith("itis")]

    @span_labeling_function()
    def caps(x):
        return [(i, i + 1, "Chemical") for i, t in enumerate(x.tokens) if t.isupper() and len(t) > 1]

    gaz = gazetteer_span_lf("gaz", {"Chemical": ["nitric oxide", "aspirin"], "Disease": ["renal failure"]})
    rx = regex_span_lf("rx", r"\d+ mg", "Dose")
    sents = [
        ["Nitric", "oxide", "causes", "hepatitis", "."],
        "acute renal failure after 20 mg ASA",
        {"tokens": ["no", "entity"], "doc": 7},
    ]
    assert itis.name == "itis" and itis(sents[0]) == [(3, 4, "Disease")]
    assert gaz(sents[0]) == [(0, 2, "Chemical")]
    assert gaz(sents[1].split()) == [(1, 3, "Disease")]
    assert rx(sents[1].split()) == [(4, 6, "Dose")]
    v = apply_span_lfs(sents, [itis, caps, gaz, rx])
    assert v.entity_types == ["Chemical", "Disease", "Dose"]
    tags = v.to_tag_lists()
    assert [row[2] for row in tags[0]] == ["B-Chemical", "I-Chemical", "O", "O", "O"]
    assert [row[0] for row in tags[0]] == ["O", "O", "O", "B-Disease", "O"]
    assert [row[3] for row in tags[1]] == ["O", "O", "O", "O", "B-Dose", "I-Dose", "O"]
    assert [row[1] for row in tags[1]] == ["O"] * 6 + ["B-Chemical"]
    assert tags[2] == [["O"] * 4] * 2
    # outside="abstain": tokens outside an LF's spans are abstains
    va = apply_span_lfs(sents, [itis], entity_types=["Disease"], outside="abstain")
    assert va.sentence(0)[:, 0].tolist() == [-1, -1, -1, 1, -1]
    # regex alignment: strict drops matches that cut tokens
    part = regex_span_lf("p", "trin", "X", align="strict")
    assert part(["aspirin", "trin"]) == [(1, 2, "X")]
    assert regex_span_lf("p2", "pir", "X")(["aspirin"]) == [(0, 1, "X")]
    # gazetteer longest match vs first
    g2 = gazetteer_span_lf("g2", ["renal", "renal failure"], "Disease", longest_match=True)
    assert g2(["renal", "failure"]) == [(0, 2, "Disease")]
    g3 = gazetteer_span_lf("g3", ["renal", "renal failure"], "Disease", longest_match=False)
    assert g3(["renal", "failure"]) == [(0, 1, "Disease")]


def test_span_lf_bad_outputs():
    @span_labeling_function()
    def out_of_bounds(x):
        return [(0, len(x.tokens) + 1, "X")]

    @span_labeling_function()
    def overlapping(x):
        return [(0, 2, "X"), (1, 3, "X")]

    @span_labeling_function(output="tags")
    def short_tags(x):
        return ["O"] * (len(x.tokens) - 1)

    @span_labeling_function(output="tags")
    def stray_i(x):
        return ["O", "I-X", "O"]

    @span_labeling_function()
    def crashes(x):
        raise KeyError("boom")

    s = ["a", "b", "c"]
    with pytest.raises(SpanLFOutputError, match="LF 'out_of_bounds' on sentence 0 is out of bounds"):
        apply_span_lfs([s], [out_of_bounds])
    with pytest.raises(SpanLFOutputError, match="overlap"):
        apply_span_lfs([s], [overlapping])
    with pytest.raises(SpanLFOutputError, match="LF 'short_tags' returned 1 tags for sentence 0 of 2 tokens"):
        apply_span_lfs([["x", "y"], s], [short_tags])
    with pytest.raises(SpanLFOutputError, match="'I-X' at position 1 from LF 'stray_i' on sentence 0 follows 'O'"):
        apply_span_lfs([s], [stray_i])
    with pytest.raises(SpanLFOutputError, match="LF 'crashes' raised KeyError on sentence 0"):
        apply_span_lfs([s], [crashes])
    with pytest.raises(SpanLFOutputError, match="returned type 'X' on sentence 0; entity types are \\['Y'\\]"):
        apply_span_lfs([s], [span_labeling_function(name="t")(lambda x: [(0, 1, "X")])], entity_types=["Y"])
    allowed = span_labeling_function(name="ov", allow_overlap=True)(lambda x: [(0, 2, "X"), (1, 3, "X")])
    assert apply_span_lfs([s], [allowed]).to_tag_lists()[0] == [["B-X"], ["I-X"], ["O"]]


# --------------------------------------------------------------------- metrics


def test_span_f1_hand_built():
    y_true = [["B-X", "I-X", "O", "B-Y"], ["O", "B-X"]]
    y_pred = [["B-X", "O", "O", "B-Y"], ["O", "B-X"]]
    # gold 3 entities, predicted 3, 2 match exactly
    assert span_prf(y_true, y_pred) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert span_f1(y_true, y_true) == 1.0
    assert span_f1([["O"]], [["O"]]) == 0.0
    with pytest.raises(ValueError, match="sentence 1: y_true has 2 tags but y_pred has 1"):
        span_f1(y_true, [y_pred[0], ["O"]])
    with pytest.raises(TypeError, match="list of tag sequences"):
        span_f1(["B-X"], ["B-X"])


def _random_tags(rng, n, types=("X", "Y")):
    pool = ["O", "O", "O"] + [f"{p}-{t}" for t in types for p in "BI"]
    return [pool[i] for i in rng.integers(0, len(pool), n)]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_span_f1_equals_seqeval_both_modes():
    import seqeval  # test extra
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    rng = np.random.default_rng(0)
    for trial in range(60):
        n_sent = int(rng.integers(1, 6))
        lens = rng.integers(1, 9, n_sent)
        yt = [_random_tags(rng, n) for n in lens]
        yp = [_random_tags(rng, n) for n in lens]
        if trial % 3 == 0:  # valid IOB2 on both sides
            yt, yp = [repair_bio(s) for s in yt], [repair_bio(s) for s in yp]
        p, r, f = span_prf(yt, yp, invalid="drop")
        assert f == pytest.approx(f1_score(yt, yp, mode="strict", scheme=IOB2)), (yt, yp)
        assert p == pytest.approx(precision_score(yt, yp, mode="strict", scheme=IOB2))
        assert r == pytest.approx(recall_score(yt, yp, mode="strict", scheme=IOB2))
        assert span_f1(yt, yp, invalid="repair") == pytest.approx(f1_score(yt, yp)), (yt, yp)
    assert seqeval is not None


def test_strict_and_default_differ_on_stray_i():
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    yt, yp = [["O", "I-X", "I-X"]], [["O", "B-X", "I-X"]]
    assert f1_score(yt, yp) == 1.0 and span_f1(yt, yp, invalid="repair") == 1.0
    assert f1_score(yt, yp, mode="strict", scheme=IOB2) == 0.0 and span_f1(yt, yp) == 0.0


def test_metrics_reexport():
    import weaksup.metrics as wm

    yt = [["B-X", "I-X", "O", "I-Y"], ["B-Y"]]
    yp = [["B-X", "I-X", "O", "B-Y"], ["B-Y"]]
    with pytest.warns(DeprecationWarning, match="weaksup.sequence.metrics.span_f1"):
        assert wm.span_f1(yt, yp) == span_f1(yt, yp) == pytest.approx(0.8)
    assert wm.score("span_f1", yt, yp) == pytest.approx(0.8)  # registered by weaksup.sequence.metrics


# ----------------------------------------------------------------- loader errors


def _write_seq(tmp_path, examples, meta=None):
    meta = meta or {"lf": ["a", "b"], "lf_rec": ["b"], "entity_types": ["X"], "num_lf": 2}
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    for split in ("train", "valid", "test"):
        (tmp_path / f"{split}.json").write_text(json.dumps(examples))
    return tmp_path


def test_loader_on_hand_built_folder(tmp_path):
    from weaksup.data.wrench_sequence import load_wrench_sequence

    ex = {"s1": {"label": ["B-X", "O"], "data": {"text": ["aa", "bb"]},
                 "weak_labels": [["B-X", "O"], ["O", "B-X"]]}}
    ds = load_wrench_sequence(_write_seq(tmp_path, ex), lfs="all")
    assert ds.entity_types == ["X"] and ds.lf_names == ["a", "b"]
    assert ds.train.ids == ["s1"] and ds.train.sentences == [["aa", "bb"]]
    assert ds.train.votes.sentence(0).tolist() == [[1, 0], [0, 1]]
    assert ds.train.gold_ids().tolist() == [1, 0]
    rec = load_wrench_sequence(tmp_path, lfs="rec")
    assert rec.lf_names == ["b"] and rec.train.votes.sentence(0).tolist() == [[0], [1]]
    with pytest.raises(Exception, match="LF 'zz' is not in meta.json"):
        load_wrench_sequence(tmp_path, lfs=["zz"])


@pytest.mark.parametrize("bad, msg", [
    ({"label": ["B-X"], "data": {"text": ["aa", "bb"]}, "weak_labels": [["O", "O"], ["O", "O"]]},
     r"example 'e7': 1 gold tags for 2 tokens"),
    ({"label": ["B-X", "O"], "data": {"text": ["aa", "bb"]}, "weak_labels": [["O", "O"]]},
     r"example 'e7': weak_labels has 1 rows for 2 tokens"),
    ({"label": ["B-X", "O"], "data": {"text": ["aa", "bb"]}, "weak_labels": [["O", "O"], ["O"]]},
     r"example 'e7': token 1 has 1 LF tags, expected num_lf=2"),
    ({"label": ["B-X", "O"], "data": {"text": ["aa", "bb"]}, "weak_labels": [["O", "O"], ["O", "B-Q"]]},
     r"example 'e7': LF 'b' gives tag 'B-Q' at token 1"),
    ({"label": ["B-Z", "O"], "data": {"text": ["aa", "bb"]}, "weak_labels": [["O", "O"], ["O", "O"]]},
     r"example 'e7': gold tag 'B-Z' at token 0"),
    ({"label": ["B-X", "O"], "weak_labels": [["O", "O"], ["O", "O"]]}, r"example 'e7' lacks"),
])
def test_loader_malformed(tmp_path, bad, msg):
    from weaksup.data.wrench import WrenchFormatError
    from weaksup.data.wrench_sequence import load_wrench_sequence

    good = {"label": ["O"], "data": {"text": ["z"]}, "weak_labels": [["O", "O"]]}
    _write_seq(tmp_path, {"e1": good, "e7": bad})
    with pytest.raises(WrenchFormatError, match=msg) as ei:
        load_wrench_sequence(tmp_path, lfs="all")
    assert "train.json" in str(ei.value)


def test_span_lf_fingerprints_track_content():
    a = gazetteer_span_lf("g", {"X": ["a b", "c"]})
    assert a.fingerprint() == gazetteer_span_lf("g", {"X": iter(["c", "a b"])}).fingerprint()
    assert a.fingerprint() != gazetteer_span_lf("g", {"X": ["a b", "d"]}).fingerprint()
    assert regex_span_lf("r", "x+", "X").fingerprint() != regex_span_lf("r", "y+", "X").fingerprint()


def test_a_span_lf_reading_state_it_cannot_prove_stays_volatile():
    """A random generator's state cannot be read: the LF must always re-run (the span wrapper used to hash
    the volatile marker away, so the vote cache served such an LF)."""
    from weaksup.lf.fingerprint import is_volatile
    from weaksup.sequence.lf import SpanLabelingFunction

    lf = SpanLabelingFunction("s", lambda x, rng: [], resources={"rng": np.random.default_rng(0)})
    assert is_volatile(lf.fingerprint())
    assert not is_volatile(regex_span_lf("r", "x+", "X").fingerprint())


def test_span_bounds_types_scheme_entity_types_and_gazetteer_strings_are_validated():
    """Non-integral bounds were truncated, None/''/'O' types accepted, a scheme typo gave BIO, a bare
    entity-type string was split into letters and a gazetteer string iterated its characters."""
    from weaksup.sequence import SequenceVotes, SpanError, check_spans, spans_to_bio
    from weaksup.sequence.lf import SpanLabelingFunction, SpanLFOutputError, apply_span_lfs, gazetteer_span_lf

    sent = [["a", "b", "c"]]
    flt = SpanLabelingFunction("flt", lambda x: [(0.5, 2.5, "X")])
    with pytest.raises(SpanLFOutputError, match="LF 'flt' on sentence 0 has a non-integer bound"):
        apply_span_lfs(sent, [flt])
    with pytest.raises(SpanError, match="non-integer bound"):
        spans_to_bio([(0.7, 1.9, "X")], 3)
    assert check_spans([(np.int64(0), 2.0, "X")], 3) == [(0, 2, "X")]  # integral values are fine
    for typ in (None, "", "O"):
        lf = SpanLabelingFunction("lf", lambda x, typ=typ: [(0, 1, typ)])
        with pytest.raises(SpanLFOutputError, match=f"LF 'lf' on sentence 0 has entity type {typ!r}"):
            apply_span_lfs(sent, [lf])
    ok = SpanLabelingFunction("ok", lambda x: [(0, 2, "X")])
    with pytest.raises(ValueError, match="scheme must be 'BIO' or 'IO', got 'io'"):
        apply_span_lfs(sent, [ok], scheme="io")
    assert apply_span_lfs(sent, [ok], scheme="IO").scheme == "IO"
    with pytest.raises(TypeError, match="wrap a single type in a list"):
        SequenceVotes(np.array([[1], [2]]), [0, 2], "PER")
    with pytest.raises(ValueError, match=r"duplicates: \['X'\]"):
        SequenceVotes(np.array([[1], [3]]), [0, 2], ["X", "X"])
    with pytest.raises(ValueError, match="entity_types has 'O'"):
        apply_span_lfs(sent, [ok], entity_types=["X", "O"])
    gaz = gazetteer_span_lf("gaz", {"Chem": "aspirin"})
    assert gaz(["a", "is", "aspirin", "p"]) == [(2, 3, "Chem")]
    assert gazetteer_span_lf("g", "big cat", entity_type="A")(["the", "big", "cat"]) == [(1, 3, "A")]


# ------------------------------------------------------- sentence input checks


def test_apply_span_lfs_reads_a_dataframe_row_by_row():
    """Iterating a DataFrame gives its column names: they were read as two one-token sentences."""
    import pandas as pd

    from weaksup.sequence.lf import SpanLabelingFunction

    seen = []
    lf = SpanLabelingFunction("first", lambda x: seen.append(x.doc_id) or ([(0, 1, "X")] if x.tokens else []))
    df = pd.DataFrame({"tokens": [["Ada", "Lovelace"], ["Paris"], ["a", "b", "c"]], "doc_id": [1, 2, 3]})
    v = apply_span_lfs(df, [lf])
    assert v.lengths.tolist() == [2, 1, 3] and seen == [1, 2, 3]  # other columns reach the LF as fields
    assert v.sentence(0).tolist() == [[1], [0]]
    with pytest.raises(ValueError, match=r"DataFrame without a 'tokens' column.*\['text'\]"):
        apply_span_lfs(pd.DataFrame({"text": ["a b"]}), [lf])
    for one in ("Ada Lovelace", {"tokens": ["Ada"]}):
        with pytest.raises(TypeError, match="wrap a single sentence in a list"):
            apply_span_lfs(one, [lf])


def test_a_dict_sentences_tokens_are_checked_like_a_token_list():
    """A dict's 'tokens' string was read as its characters; None / int tokens gave bare join errors."""
    from weaksup.sequence.lf import SpanLabelingFunction, as_sentence

    lf = SpanLabelingFunction("all", lambda x: [(0, len(x.tokens), "X")] if len(x.tokens) else [])
    with pytest.raises(TypeError, match=r"sentence 0: 'tokens' is a string \('hello world'\)"):
        apply_span_lfs([{"tokens": "hello world"}], [lf])
    with pytest.raises(TypeError, match="sentence 1: 'tokens' must be a list of token strings, got NoneType"):
        apply_span_lfs([{"tokens": ["a"]}, {"tokens": None}], [lf])
    for bad in ([{"tokens": ["a"]}, {"tokens": ["b", 2]}], [["a"], ["b", 2]]):
        with pytest.raises(ValueError, match="sentence 1: tokens must be strings; token 1 is int 2"):
            apply_span_lfs(bad, [lf])
    row = as_sentence({"tokens": np.array(["a", "b"]), "id": 7}, 3)
    assert row["tokens"] == ["a", "b"] and row["text"] == "a b" and row["index"] == 3 and row["id"] == 7


def test_a_gazetteer_phrase_under_two_types_is_refused_naming_both():
    """The later type used to replace the earlier one silently ('lithium' lost its Chemical entry)."""
    with pytest.raises(ValueError, match="gazetteer 'umls': phrase 'lithium' is listed under two types, "
                                         "'Chemical' and 'Disease'"):
        gazetteer_span_lf("umls", {"Chemical": ["lithium", "nitric oxide"], "Disease": ["lithium"]})
    with pytest.raises(ValueError, match=r"phrases 'Aspirin' and 'aspirin' match the same tokens \(matching "
                                         r"ignores case\) but have two types, 'Chemical' and 'Disease'"):
        gazetteer_span_lf("ci", {"Chemical": ["Aspirin"], "Disease": ["aspirin"]})
    cs = gazetteer_span_lf("cs", {"Chemical": ["Aspirin"], "Disease": ["aspirin"]}, case_sensitive=True)
    assert cs(["aspirin", "Aspirin"]) == [(0, 1, "Disease"), (1, 2, "Chemical")]
    assert gazetteer_span_lf("dup", {"X": ["a b", ("a", "b")]})(["a", "b"]) == [(0, 2, "X")]  # same type twice


def test_sequence_votes_offsets_must_be_1d_integers():
    """[0, 2.7, 4] was truncated to [0, 2, 4] and a 2-D array flattened into extra sentences, silently."""
    data = np.array([[1], [2], [0], [1]])
    with pytest.raises(ValueError, match=r"offsets must be integer token positions, got dtype float64 \(\[0.0, 2.7"):
        SequenceVotes(data, [0, 2.7, 4], ["X"])
    with pytest.raises(ValueError, match=r"offsets must be a 1-D array of sentence boundaries, got shape \(2, 2\)"):
        SequenceVotes(data, [[0, 2], [3, 4]], ["X"])
    with pytest.raises(ValueError, match="got dtype bool"):
        SequenceVotes(data, np.array([False, True, True]), ["X"])
    v = SequenceVotes(data, np.array([0, 2, 4], dtype=np.uint32), ["X"])
    assert v.offsets.dtype == np.int64 and v.lengths.tolist() == [2, 2]


def test_unknown_lf_and_on_overlap_give_clear_errors():
    """lf_tags/lf_spans('zz') said only "'zz' is not in list"; an on_overlap typo passed until an LF returned
    spans, and on_overlap='error' did not name the LF or sentence."""
    from weaksup.sequence.lf import SpanLabelingFunction

    v = SequenceVotes(np.array([[1, 0]]), [0, 1], ["X"], ["a", "b"])
    for call in (v.lf_tags, v.lf_spans):
        with pytest.raises(KeyError, match=r"no LF named 'zz'; have \['a', 'b'\]"):
            call("zz")
        with pytest.raises(IndexError, match=r"LF position 2 is out of range for 2 LFs"):
            call(2)
    assert v.lf_tags(-1) == v.lf_tags("b") == [["O"]] and v.lf_spans(0) == [[(0, 1, "X")]]
    quiet = SpanLabelingFunction("quiet", lambda x: [])
    with pytest.raises(ValueError, match="on_overlap must be 'first', 'longest' or 'error', got 'shortest'"):
        apply_span_lfs([["a"]], [quiet], on_overlap="shortest")
    ov = SpanLabelingFunction("ov", lambda x: [(0, 2, "X"), (1, 3, "X")] if x.index == 4 else [],
                              allow_overlap=True)
    with pytest.raises(SpanLFOutputError, match=r"\(0, 2, 'X'\) and \(1, 3, 'X'\) from LF 'ov' on sentence 4 "
                                                "overlap"):
        apply_span_lfs([["a", "b", "c"]] * 5, [ov], on_overlap="error")
    assert apply_span_lfs([["a", "b", "c"]] * 5, [ov]).lf_spans("ov")[4] == [(0, 2, "X")]  # "first"


def test_regex_span_lf_refuses_flags_for_a_compiled_pattern():
    """flags=re.I was ignored for a compiled pattern: 'Aspirin' silently not matched."""
    import re

    with pytest.raises(ValueError, match=r"regex_span_lf 'drug': flags=.* cannot be applied to an already compiled"):
        regex_span_lf("drug", re.compile(r"aspirin"), "Chem", flags=re.I)
    toks = ["Aspirin", "and", "aspirin"]
    assert regex_span_lf("drug", re.compile(r"aspirin", re.I), "Chem")(toks) == [(0, 1, "Chem"), (2, 3, "Chem")]
    assert regex_span_lf("drug", r"aspirin", "Chem", flags=re.I)(toks) == [(0, 1, "Chem"), (2, 3, "Chem")]


def test_span_bounds_are_integers_and_types_compare_as_strings():
    """("1", "3") and (True, 2) were accepted as bounds; an int type 5 was refused as unknown among ['5']."""
    from weaksup.sequence.lf import SpanLabelingFunction

    for sp in [("1", "3", "X"), (True, 2, "X"), (0, np.True_, "X"), (None, 1, "X")]:
        with pytest.raises(SpanError, match="has a non-integer bound; start and end are token indices"):
            check_spans([sp], 4)
    strs = SpanLabelingFunction("strs", lambda x: [("0", "1", "X")])
    with pytest.raises(SpanLFOutputError, match="LF 'strs' on sentence 0 has a non-integer bound"):
        apply_span_lfs([["a", "b"]], [strs])
    assert check_spans([(np.int64(1), np.float32(3.0), "X")], 4) == [(1, 3, "X")]
    assert check_spans([(0, 1, 5)], 2, entity_types=["5"]) == [(0, 1, "5")]
    with pytest.raises(SpanError, match=r"unknown type 5; known: \['6'\]"):
        check_spans([(0, 1, 5)], 2, entity_types=["6"])
    ids = SpanLabelingFunction("ids", lambda x: [(0, 1, 5)])
    assert apply_span_lfs([["a", "b"]], [ids], entity_types=["5"]).lf_spans("ids") == [[(0, 1, "5")]]


@pytest.mark.parametrize("edit, msg", [
    ({"weak_labels": [[["O"], "O"]]}, r"train.json: example 'e7': LF 'a' gives tag \['O'\] at token 0"),
    ({"label": [["O"]]}, r"train.json: example 'e7': gold tag \['O'\] at token 0 is not one of"),
    ({"data": {"text": [5]}}, r"train.json: example 'e7': token 0 of data.text is int 5; tokens must be strings"),
])
def test_loader_names_file_and_example_for_nested_tags_and_non_string_tokens(tmp_path, edit, msg):
    """A nested-list weak or gold tag was a bare 'unhashable type: list' TypeError; an int token loaded."""
    from weaksup.data.wrench import WrenchFormatError
    from weaksup.data.wrench_sequence import load_wrench_sequence

    ex = {"label": ["O"], "data": {"text": ["a"]}, "weak_labels": [["O", "O"]]}
    _write_seq(tmp_path, {"e1": ex, "e7": {**ex, **edit}})
    with pytest.raises(WrenchFormatError, match=msg):
        load_wrench_sequence(tmp_path, lfs="all")


@pytest.mark.parametrize("types, msg", [(["X", "X"], r"'entity_types' has duplicates: \['X'\]"),
                                        (["X", "O"], "'entity_types' has 'O'"),
                                        ("X", "'entity_types' must be a list of type names")])
def test_loader_refuses_bad_meta_entity_types_naming_meta_json(tmp_path, types, msg):
    from weaksup.data.wrench import WrenchFormatError
    from weaksup.data.wrench_sequence import load_wrench_sequence

    ex = {"e1": {"label": ["O"], "data": {"text": ["a"]}, "weak_labels": [["O", "O"]]}}
    _write_seq(tmp_path, ex, {"lf": ["a", "b"], "entity_types": types, "num_lf": 2})
    with pytest.raises(WrenchFormatError, match="meta.json: " + msg):
        load_wrench_sequence(tmp_path, lfs="all")


def test_tags_lf_with_stray_i_names_a_remedy_that_exists():
    """An output="tags" LF returning invalid BIO was told to "pass invalid='repair' or 'drop'", which neither
    SpanLabelingFunction nor apply_span_lfs accepts; the hint now names repair_bio in the LF, and the advice
    works.  bio_to_spans (which takes invalid=) keeps its hint."""
    from weaksup.sequence import TagSequenceError, bio_to_spans, repair_bio

    s = ["a", "b", "c"]
    stray = span_labeling_function(name="stray", output="tags")(lambda x: ["O", "I-X", "O"])
    with pytest.raises(SpanLFOutputError, match=r"repair them there with weaksup\.sequence\.repair_bio\(tags\)") \
            as info:
        apply_span_lfs([s], [stray])
    assert "invalid=" not in str(info.value)
    repaired = span_labeling_function(name="repaired", output="tags")(lambda x: repair_bio(["O", "I-X", "O"]))
    assert apply_span_lfs([s], [repaired]).to_tag_lists()[0] == [["O"], ["B-X"], ["O"]]
    with pytest.raises(TagSequenceError, match=r"\(pass invalid='repair' or 'drop'\)"):
        bio_to_spans(["O", "I-X"], "error")
