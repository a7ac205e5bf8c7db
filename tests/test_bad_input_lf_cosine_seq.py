"""Bad input in LF families, Cosine's public helpers and the sequence tag/inference helpers:
each is refused with an error naming what and where, instead of being silently misread."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch

from weaksup.endmodel.cosine import confidence_weights, contrastive_loss, select_confident, sharpen, weighted_kl
from weaksup.lf import keyword_lf, lfs_from_table, regex_lf
from weaksup.sequence import TagSequenceError, bio_tag_names, io_tag_names, io_to_bio, is_valid_bio, spans_to_bio
from weaksup.sequence import token_features
from weaksup.sequence.inference import forward_backward, viterbi

NAN = float("nan")


# ------------------------------------------------------------------ LF families
def test_regex_lf_refuses_the_empty_pattern():
    """regex_lf('', 1) was accepted and voted 1 on every row (keyword_lf refuses an empty keyword)."""
    with pytest.raises(ValueError, match="regex_lf 'every': pattern is empty"):
        regex_lf("", 1, name="every")
    assert regex_lf("a", 1)(pd.DataFrame({"text": ["a", "b"]})).tolist() == [1, -1]


@pytest.mark.parametrize("rows, kwargs, match", [
    # the same pattern and label twice: two LFs named keyword_good_1 (the clash surfaced only at apply time)
    ([{"pattern": "good", "label": 1}, {"pattern": "good", "label": 1}], {},
     r"rows 0 and 1 both make an LF named 'keyword_good_1'"),
    # a repeated name cell
    ([{"pattern": "a", "label": 1, "n": "z"}, {"pattern": "x", "label": 0}, {"pattern": "b", "label": 0, "n": "z"}],
     {"name_col": "n"}, r"rows 0 and 2 both make an LF named 'z'"),
    # label_names ['x', 'x']: 'x' silently meant class 0
    ([{"pattern": "a", "label": "x"}], {"label_names": ["x", "x"]}, r"label_names has 'x' twice \(positions 0 and 1\)"),
])
def test_lfs_from_table_refuses_duplicates_naming_the_rows(rows, kwargs, match):
    rows = [{"n": None, **r} for r in rows] if "name_col" in kwargs else rows
    with pytest.raises(ValueError, match=match):
        lfs_from_table(rows, **kwargs)


def test_lfs_from_table_keeps_distinct_rows():
    lfs = lfs_from_table([{"pattern": "good", "label": "pos"}, {"pattern": "good", "label": "neg"}],
                         label_names=["neg", "pos"])
    assert [lf.name for lf in lfs] == ["keyword_good_1", "keyword_good_0"]


@pytest.mark.parametrize("keywords", [None, 5])
def test_keyword_lf_refuses_keywords_that_are_no_iterable(keywords):
    """keyword_lf(None, 1) failed with "'NoneType' object is not iterable", naming neither LF nor argument."""
    with pytest.raises(TypeError, match=r"keyword_lf 'k': keywords must be a string or an iterable of strings"):
        keyword_lf(keywords, 1, name="k")


# ------------------------------------------------------------------ Cosine helpers
@pytest.mark.parametrize("call, match", [
    (lambda: confidence_weights([[NAN, 1.0]]), r"confidence_weights: probs\[0, 0\] = nan is not finite"),
    (lambda: confidence_weights([0.5, 0.5]), r"confidence_weights: probs must be n × k .* shape \(2,\)"),
    (lambda: confidence_weights([[-0.5, 1.5]]), r"probs\[0, 0\] = -0.5 is negative"),
    (lambda: confidence_weights([[0.5, 0.7]]), r"row 0 sums to 1.2"),
    (lambda: sharpen([[NAN, 1.0]]), r"sharpen: probs\[0, 0\] = nan is not finite"),
    (lambda: sharpen([[-0.5, 1.5]]), r"sharpen: probs\[0, 0\] = -0.5 is negative"),
    (lambda: sharpen([[0.5, 0.5]], power=NAN), "sharpen: power must be a finite number > 0"),
    (lambda: sharpen([[0.5, 0.5]], power=0), "sharpen: power must be a finite number > 0"),
    (lambda: sharpen([[0.5, 0.5]], power=-1), "sharpen: power must be a finite number > 0"),
    (lambda: select_confident([0.5], NAN), r"select_confident: thresh must be a number in \[0, 1\)"),
    (lambda: select_confident([0.5], 2), r"select_confident: thresh must be a number in \[0, 1\)"),
    (lambda: select_confident([0.5, NAN], 0.1), r"select_confident: weights\[1\] = nan is not finite"),
    (lambda: weighted_kl(torch.ones(3, 2) / 2, torch.zeros(2, 2), torch.ones(3)),
     r"weighted_kl: targets and log_probs must both be B × C and weights B, got targets \(3, 2\), log_probs \(2, 2\)"),
    (lambda: weighted_kl(torch.ones(2, 2) / 2, torch.zeros(2, 2), torch.ones(3)), r"weights \(3,\)"),
    (lambda: contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1])),
     r"contrastive_loss: targets must be B class ids or B × C soft labels for the B = 3 feature rows"),
])
def test_cosine_helpers_refuse_bad_input(call, match):
    """confidence_weights([[nan, 1]]) gave 1.0 (full confidence), a 1-D input an IndexError, negative probabilities
    passed; sharpen gave NaN rows, or uniform / inverted ones for power 0 / -1; select_confident(w, nan) or 2 was
    silently empty; weighted_kl / contrastive_loss with mismatched batches failed in torch's broadcasting."""
    with pytest.raises(ValueError, match=match):
        call()


def test_cosine_helpers_keep_valid_answers_and_accept_arrays():
    np.testing.assert_allclose(confidence_weights([[1.0, 0.0], [0.5, 0.5]]), [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(sharpen([[0.9, 0.1], [0.6, 0.4]], class_frequency=False),
                               [[0.81 / 0.82, 0.01 / 0.82], [0.36 / 0.52, 0.16 / 0.52]], atol=1e-9)
    assert select_confident([0.9, 0.2], 0.0).tolist() == [0, 1]
    t, logp = np.array([[1.0, 0.0], [0.0, 1.0]]), np.log(np.array([[0.5, 0.5], [0.25, 0.75]]))
    # numpy input failed with AttributeError 'clamp_min'; it is converted: (log 2 - log 0.75) / 2
    assert float(weighted_kl(t, logp, np.ones(2))) == pytest.approx((np.log(2) - np.log(0.75)) / 2)


# ------------------------------------------------------------------ sequence tags
def test_io_to_bio_refuses_b_tags():
    """io_to_bio(['B-PER', 'B-PER', 'I-LOC']) gave ['B-PER', 'I-PER', 'B-LOC']: two entities merged."""
    with pytest.raises(TagSequenceError, match=r"io_to_bio: 'B-PER' at position 1 is a BIO tag"):
        io_to_bio(["I-PER", "B-PER", "I-LOC"])
    assert io_to_bio(["I-PER", "I-PER", "O", "I-LOC"]) == ["B-PER", "I-PER", "O", "B-LOC"]


@pytest.mark.parametrize("call, exc, match", [
    (lambda: spans_to_bio([], -1), ValueError, r"n_tokens must be a number of tokens \(an int >= 0\), got -1"),
    (lambda: spans_to_bio([], 2.5), ValueError, "n_tokens must be a number of tokens"),
    (lambda: bio_tag_names(["PER", "PER"]), ValueError, r"entity_types has duplicates: \['PER'\]"),
    (lambda: bio_tag_names(["O"]), ValueError, "entity_types has 'O'"),
    (lambda: bio_tag_names(["B-X"]), ValueError, r"entity_types has 'B-X', a tag name; give the type \('X'\)"),
    (lambda: io_tag_names(["I-X"]), ValueError, "entity_types has 'I-X', a tag name"),
    (lambda: is_valid_bio(None), TypeError, "is_valid_bio: tags must be a sequence of tag strings, got NoneType"),
    (lambda: token_features(["a", None]), TypeError, r"token_features: token 1 is None \(NoneType\)"),
    (lambda: token_features([1, "a"]), TypeError, r"token_features: token 0 is 1 \(int\)"),
])
def test_sequence_tag_helpers_refuse_bad_input(call, exc, match):
    """spans_to_bio([], -1) gave []; bio_tag_names accepted duplicate, 'O' and prefixed types; is_valid_bio(None)
    and token_features([1, None]) failed with "'NoneType' object is not iterable" / "'int' object has no
    attribute 'lower'"."""
    with pytest.raises(exc, match=match):
        call()


def test_sequence_tag_helpers_keep_valid_answers():
    assert spans_to_bio([], 0) == [] and spans_to_bio([(0, 1, "X")], 2) == ["B-X", "O"]
    assert bio_tag_names(["PER", "LOC"]) == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    assert is_valid_bio(["B-PER", "I-PER"]) and not is_valid_bio(["I-PER"])


# ------------------------------------------------------------------ sequence inference
_S3, _T3 = np.full(3, 1 / 3), np.full((3, 3), 1 / 3)


@pytest.mark.parametrize("fn", [viterbi, forward_backward])
@pytest.mark.parametrize("args, match", [
    ((np.zeros((4, 3)), [2, 1], _S3, _T3), "lengths sum to 3 but log_emit has 4 rows"),  # viterbi: length-4 path
    ((np.zeros((3, 3)), [2, 2], _S3, _T3), "lengths sum to 4 but log_emit has 3 rows"),  # viterbi: IndexError
    ((np.zeros((3, 3)), [4, -1], _S3, _T3), r"lengths\[1\] = -1 is negative"),
    ((np.zeros((3, 3)), [1.5, 1.5], _S3, _T3), "lengths must be a 1-D array of sentence lengths"),
    ((np.zeros((3, 3)), [3], np.ones(2) / 2, _T3),
     r"start must have shape \(3,\) and trans \(3, 3\); got start \(2,\)"),
    ((np.zeros((3, 3)), [3], _S3, np.ones((2, 2))), r"got start \(3,\) and trans \(2, 2\)"),
    ((np.full((3, 3), NAN), [3], _S3, _T3), r"log_emit\[0, 0\] = nan; log emissions may be -inf, never NaN"),
    ((np.zeros((3, 3)), [3], np.array([NAN, 0.5, 0.5]), _T3), r"start\[0\] = nan"),
    ((np.zeros((3, 3)), [3], _S3, -_T3), r"trans\[0, 0\] = -0.33"),
])
def test_chain_inference_checks_its_arguments_against_each_other(fn, args, match):
    """viterbi(zeros((4, 3)), [2, 1], ...) returned a length-4 path; [2, 2] over 3 rows an IndexError; wrong
    start / trans shapes numpy broadcast errors; NaN emissions an all-zero path."""
    with pytest.raises(ValueError, match=re.escape(fn.__name__) + ": .*" + match):
        fn(*args)


def test_chain_inference_keeps_valid_answers():
    le = np.log(np.array([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]))
    assert viterbi(le, np.array([2, 0, 1]), _S3, _T3).tolist() == [1, 2, 0]  # an empty sentence is fine
    with np.errstate(divide="ignore"):
        masked = np.log(np.array([[0.0, 1.0, 0.0]]))  # -inf: states a token cannot emit
    gamma, _, _ = forward_backward(masked, [1], _S3, _T3)
    np.testing.assert_allclose(gamma, [[0.0, 1.0, 0.0]])
