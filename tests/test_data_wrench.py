"""WRENCH loader: every shared dataset loads; corrupted copies fail with clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from weaksup.data import WrenchFormatError, load_wrench, load_wrench_folder, task_info, tasks
from weaksup.data.wrench import find_wrench_dir

# the registered tasks whose files are in the project copy (counts verified against the files)
CLASSIFICATION = [n for n, t in tasks().items() if t["task"] == "classification" and t["counts_verified"]]
SEQUENCE = [n for n, t in tasks().items() if t["task"] == "sequence" and t["counts_verified"]]


def _present(root: Path, name: str) -> bool:
    return (root / name).is_dir()


def test_every_shared_dataset_is_registered(wrench_dir):
    on_disk = sorted(p.name for p in wrench_dir.iterdir()
                     if p.is_dir() and ((p / "label.json").exists() or (p / "meta.json").exists()))
    assert on_disk, "no dataset folders found"
    assert set(on_disk) <= set(tasks()), f"unregistered: {set(on_disk) - set(tasks())}"


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_loads_with_registry_counts(wrench_dir, name):
    if not _present(wrench_dir, name):
        pytest.skip(f"{name} not in {wrench_dir}")
    ds = load_wrench(name, wrench_dir)
    info = task_info(name)
    assert (len(ds.train), len(ds.valid), len(ds.test)) == (info["n_train"], info["n_valid"], info["n_test"])
    assert ds.cardinality == info["n_classes"] and ds.train.votes.m == info["n_lfs"]
    assert ds.labels_only == info["labels_only"]
    assert ds.metric == info["metric"]
    for sp in ds.splits.values():
        assert sp.votes.shape == (len(sp), info["n_lfs"]) and sp.votes.cardinality == ds.cardinality
        assert sp.labels.dtype == np.int64 and sp.labels.min() >= 0 and sp.labels.max() < ds.cardinality
        assert list(sp.data.index) == sp.ids and len(set(sp.ids)) == len(sp.ids)
        if not ds.labels_only:
            assert "text" in sp.data.columns and sp.data["text"].map(type).eq(str).all()
    if name == "semeval":
        assert {"entity1", "entity2", "span1", "span2"} <= set(ds.train.data.columns)
    if (wrench_dir / name / "labeled_ids.json").exists():
        assert ds.labeled_ids and set(ds.labeled_ids) <= set(ds.train.ids)


def test_youtube_known_values(wrench_dir):
    ds = load_wrench("youtube", wrench_dir)
    assert ds.label_names == ["HAM", "SPAM"]
    raw = json.loads((wrench_dir / "youtube" / "test.json").read_text())
    first = next(iter(raw))
    assert ds.test.ids[0] == first
    assert ds.test.votes.to_dense()[0].tolist() == raw[first]["weak_labels"]
    assert ds.test.labels[0] == raw[first]["label"]
    assert ds.test.data.loc[first, "text"] == raw[first]["data"]["text"]
    assert len(ds.labeled_ids) == 100


@pytest.mark.parametrize("name", SEQUENCE)
def test_sequence_sets_dispatch(wrench_dir, name):
    if not _present(wrench_dir, name):
        pytest.skip(f"{name} not in {wrench_dir}")
    import weaksup.data.wrench_sequence  # noqa: F401  (the package's own module: a failure is a failure)

    ds = load_wrench(name, wrench_dir)
    info = task_info(name)
    assert type(ds).__name__ == "SequenceDataset"
    assert (len(ds.train), len(ds.valid), len(ds.test)) == (info["n_train"], info["n_valid"], info["n_test"])


def test_lookup_order(wrench_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("WEAKSUP_DATA", raising=False)
    assert find_wrench_dir("youtube") is None
    assert load_wrench("youtube").source == "bundled"  # the copy shipped in the package (tests/test_bundled.py)
    with pytest.raises(FileNotFoundError, match="download_wrench"):
        load_wrench("sms")
    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    assert find_wrench_dir("youtube") == wrench_dir / "youtube"
    cached = tmp_path / "cache" / "weaksup" / "wrench" / "youtube"
    shutil.copytree(wrench_dir / "youtube", cached)
    assert find_wrench_dir("youtube") == wrench_dir / "youtube"  # env before cache
    monkeypatch.delenv("WEAKSUP_DATA")
    assert find_wrench_dir("youtube") == cached
    other = tmp_path / "arg"
    shutil.copytree(wrench_dir / "youtube", other / "youtube")
    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    assert find_wrench_dir("youtube", other) == other / "youtube"  # argument first
    assert load_wrench("youtube", other).path == other / "youtube"


@pytest.mark.parametrize("where, why", [("missing", "does not exist"), ("empty", "holds no folder 'youtube'"),
                                        ("renamed", "holds no folder 'youtube'")])
def test_explicit_data_dir_lacking_the_set_is_an_error_not_a_fallback(wrench_dir, tmp_path, monkeypatch, where, why):
    """d08: a data_dir without the set fell back to $WEAKSUP_DATA / cache / bundled copy without a word."""
    monkeypatch.setenv("WEAKSUP_DATA", str(wrench_dir))
    root = tmp_path / "mine"
    if where != "missing":
        root.mkdir()
    if where == "renamed":  # the user's modified copy, in a folder named differently
        shutil.copytree(wrench_dir / "youtube", root / "youtube_relabelled")
    assert find_wrench_dir("youtube", root) is None
    with pytest.raises(FileNotFoundError, match=f"'youtube' not found in data_dir '{root}': the folder {why}"):
        load_wrench("youtube", root)
    ds = load_wrench("youtube_relabelled", root, metric="accuracy") if where == "renamed" else load_wrench("youtube")
    assert ds.source == ("data_dir" if where == "renamed" else "WEAKSUP_DATA")


# ----------------------------------------------------------------- corrupted copies


@pytest.fixture
def yt(wrench_dir, tmp_path) -> Path:
    dst = tmp_path / "youtube"
    shutil.copytree(wrench_dir / "youtube", dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    return dst


def _edit(path: Path, fn) -> str:
    raw = json.loads(path.read_text())
    key = fn(raw)
    path.write_text(json.dumps(raw))
    return key


def test_malformed_json_names_file_and_position(yt):
    text = (yt / "valid.json").read_text()
    pos = text.index('"label": ', 5000)
    (yt / "valid.json").write_text(text[:pos] + '"label" ' + text[pos + 9:])  # missing colon mid-file
    line = text[:pos].count("\n") + 1
    with pytest.raises(WrenchFormatError,
                       match=rf"malformed JSON in .*valid\.json: .* at line {line}, column \d+ \(char {pos + 8}\)"):
        load_wrench("youtube", yt.parent)
    (yt / "valid.json").write_text(text[: len(text) // 2])  # truncated file
    with pytest.raises(WrenchFormatError, match=r"valid\.json"):
        load_wrench("youtube", yt.parent)


def test_ragged_weak_labels_names_example(yt):
    def f(raw):
        key = list(raw)[7]
        raw[key]["weak_labels"] = raw[key]["weak_labels"][:-1]
        return key

    key = _edit(yt / "train.json", f)
    with pytest.raises(WrenchFormatError, match=rf"train\.json: example '{key}' has 9 weak labels, expected 10"):
        load_wrench("youtube", yt.parent)


def test_ragged_first_example_is_the_one_blamed(yt):
    """The LF count is the majority's: a short FIRST example is named, not the (correct) second one."""
    def f(raw):
        key = list(raw)[0]
        raw[key]["weak_labels"] = raw[key]["weak_labels"][:-1]
        return key

    key = _edit(yt / "train.json", f)
    with pytest.raises(WrenchFormatError, match=rf"example '{key}' has 9 weak labels, expected 10 as 1685 of"):
        load_wrench("youtube", yt.parent)


def test_empty_train_split_is_refused_naming_the_file(yt):
    (yt / "train.json").write_text("{}")
    with pytest.raises(WrenchFormatError, match=r"train\.json: the train split has no examples"):
        load_wrench("youtube", yt.parent)


@pytest.mark.parametrize("split", ["valid", "test"])
def test_empty_valid_or_test_split_loads_but_the_bench_refuses_it(yt, split):
    """A set without gold valid (or test) labels loads; the bench, which scores on test and selects on
    valid under the wrench protocol, refuses it before any run (it printed nan ± nan)."""
    from weaksup.bench import run as run_bench

    (yt / f"{split}.json").write_text("{}")
    ds = load_wrench("youtube", yt.parent)
    assert getattr(ds, split).votes.shape == (0, ds.train.votes.m)
    with pytest.raises(ValueError, match=rf"dataset 'youtube': the {split} split\(s\) have no examples"):
        run_bench(["youtube"], data_dir=yt.parent, label_models=["MV"], end_models=[], progress=False)
    if split == "valid":  # the gold-free protocol reads no valid label
        table = run_bench(["youtube"], data_dir=yt.parent, label_models=["MV"], end_models=[],
                          protocol="gold-free", progress=False)
        assert table.loc[table["split"] == "test", "score"].notna().all() and (table["split"] == "test").any()


def test_vote_out_of_range(yt):
    def f(raw):
        key = list(raw)[3]
        raw[key]["weak_labels"][4] = 2
        return key

    key = _edit(yt / "test.json", f)
    with pytest.raises(WrenchFormatError, match=rf"example '{key}': weak label 2 from LF 4 outside -1..1"):
        load_wrench("youtube", yt.parent)


def test_vote_not_integer(yt):
    _edit(yt / "test.json", lambda raw: raw[list(raw)[0]]["weak_labels"].__setitem__(0, "SPAM"))
    with pytest.raises(WrenchFormatError, match="is not an integer"):
        load_wrench("youtube", yt.parent)


def test_label_out_of_range(yt):
    def f(raw):
        key = list(raw)[11]
        raw[key]["label"] = 5
        return key

    key = _edit(yt / "valid.json", f)
    with pytest.raises(WrenchFormatError, match=rf"example '{key}': label 5 outside 0..1"):
        load_wrench("youtube", yt.parent)


def test_label_json_inconsistent_with_labels(yt):
    (yt / "label.json").write_text(json.dumps({"0": "HAM"}))  # one class, but labels use 1
    with pytest.raises(WrenchFormatError, match=r"label\.json"):
        load_wrench("youtube", yt.parent)
    (yt / "label.json").write_text(json.dumps({"0": "HAM", "2": "SPAM"}))  # gap in ids
    with pytest.raises(WrenchFormatError, match=r"label\.json: class ids must be 0\.\.1"):
        load_wrench("youtube", yt.parent)


def test_missing_split_file(yt):
    (yt / "valid.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing split file.*valid\.json"):
        load_wrench("youtube", yt.parent)


def test_missing_label_json(yt):
    (yt / "label.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"label\.json"):
        load_wrench("youtube", yt.parent)


def test_labeled_ids_unknown(yt):
    (yt / "labeled_ids.json").write_text(json.dumps({"labeled_ids": ["0", "999999"]}))
    with pytest.raises(WrenchFormatError, match="labeled id '999999'"):
        load_wrench("youtube", yt.parent)


def test_lf_count_differs_between_splits(yt):
    def f(raw):
        for ex in raw.values():
            ex["weak_labels"] = ex["weak_labels"][:-1]

    _edit(yt / "test.json", f)
    with pytest.raises(WrenchFormatError, match="LF counts differ"):
        load_wrench("youtube", yt.parent)


def test_registry_and_dataset_cards_agree():
    readme = (Path(__file__).resolve().parent.parent / "datasets" / "wrench" / "README.md").read_text()
    for name, t in tasks().items():
        assert f"| {name} | {t['task']} | {t['metric']} |" in readme, name
        assert f"### {name}\n" in readme, name
        assert t["metric"] in ("accuracy", "f1_binary", "span_f1")


def test_tagging_meta_with_more_lf_names_than_num_lf_names_the_file(tmp_path):
    """d03: meta.json 'lf' longer than num_lf gave a bare IndexError once an LF past num_lf was selected."""
    folder = tmp_path / "tiny_ner"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"lf": ["l0", "l1", "l2", "l3"], "num_lf": 3, "lf_rec": ["l0", "l3"],
                                                  "entity_types": ["X"]}))
    ex = {"0": {"label": ["B-X", "O"], "data": {"text": ["a", "b"]},
                "weak_labels": [["B-X", "O", "O"], ["O", "O", "O"]]}}
    for s in ("train", "valid", "test"):
        (folder / f"{s}.json").write_text(json.dumps(ex))
    with pytest.raises(WrenchFormatError, match=r"meta.json: 'lf' names 4 LFs but num_lf is 3"):
        load_wrench_folder(folder)


def test_lone_surrogate_in_text_names_file_example_and_field(yt):
    """d05: a lone surrogate escape (valid JSON) crashed inside pyarrow with UnicodeEncodeError naming nothing."""
    test = json.loads((yt / "test.json").read_text())
    test["3"]["data"]["text"] += " \ud83d"
    (yt / "test.json").write_text(json.dumps(test))  # ensure_ascii: the file holds the escape \ud83d
    with pytest.raises(WrenchFormatError, match=r"test.json: example '3', data field 'text': .*lone UTF-16 surrogate"):
        load_wrench_folder(yt)


@pytest.mark.parametrize("edit, message", [
    (lambda ex: ex.pop("data"), r"train.json: example '3' has no 'data' while the set's examples hold \['text'\]"),
    (lambda ex: ex.update(data={}), r"train.json: example '3' has no 'data'"),
    (lambda ex: ex.update(data={"title": "hi"}), r"train.json: example '3': data has no 'text' while"),
    (lambda ex: ex["data"].update(text=None), r"train.json: example '3': data 'text' must be a string, got None"),
    (lambda ex: ex["data"].update(text=5), r"train.json: example '3': data 'text' must be a string, got 5"),
])
def test_example_without_its_text_is_refused_naming_it(yt, edit, message):
    """d15: an example without data, or with "text": null / 5, loaded as a text row holding NaN / None / 5."""
    train = json.loads((yt / "train.json").read_text())
    edit(train["3"])
    (yt / "train.json").write_text(json.dumps(train))
    with pytest.raises(WrenchFormatError, match=message):
        load_wrench_folder(yt)


def test_label_json_naming_one_class_twice_is_refused(yt):
    """d15: label.json {"0": "SPAM", "1": "SPAM"} loaded with two classes of one name."""
    (yt / "label.json").write_text(json.dumps({"0": "SPAM", "1": "SPAM"}))
    with pytest.raises(WrenchFormatError, match=r"label.json: class ids 0, 1 are all named 'SPAM'"):
        load_wrench_folder(yt)


def test_labels_only_sets_still_load(wrench_dir, tmp_path):
    """The data checks leave labels-only sets (every example's data empty) and empty valid splits alone."""
    for name in ("tennis", "imdb"):
        if _present(wrench_dir, name):
            assert load_wrench(name, wrench_dir).labels_only
    dst = tmp_path / "youtube"
    shutil.copytree(wrench_dir / "youtube", dst)
    (dst / "valid.json").write_text("{}")
    assert not load_wrench_folder(dst).labels_only


def test_unregistered_folder_metric_is_warned_and_can_be_given(wrench_dir, tmp_path):
    """d06: a WRENCH set copied under another name silently got f1_binary (youtube is scored by accuracy)."""
    import warnings

    copy = tmp_path / "youtube_fixed"
    shutil.copytree(wrench_dir / "youtube", copy)
    ds = load_wrench_folder(copy)
    with pytest.warns(UserWarning, match=r"'youtube_fixed' .* not in the task registry .* guessed as 'f1_binary'"):
        assert ds.metric == "f1_binary"
    assert ds.metric_source == "guessed"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = load_wrench_folder(copy, metric="accuracy")
        assert (ds.metric, ds.metric_source) == ("accuracy", "argument")
        assert load_wrench("youtube_fixed", tmp_path, metric="accuracy").metric == "accuracy"
        reg = load_wrench("youtube", wrench_dir)
        assert (reg.metric, reg.metric_source) == ("accuracy", "registry")
    with pytest.raises(ValueError, match="unknown metric 'acuracy'"):
        load_wrench_folder(copy, metric="acuracy")
    if _present(wrench_dir, "trec"):
        with pytest.raises(ValueError, match="'f1_binary' scores class 1 of a binary set, and this set has 6"):
            load_wrench_folder(wrench_dir / "trec", metric="f1_binary")


def test_truncated_xz_file_is_a_format_error_naming_it(tmp_path):
    """A .json.xz cut short (an interrupted copy) was a bare EOFError without the file name."""
    from weaksup.data._wrench_io import bundled_dir

    folder = tmp_path / "youtube"
    shutil.copytree(bundled_dir("youtube"), folder)
    for p in folder.iterdir():
        p.chmod(0o644)
    xz = folder / "train.json.xz"
    xz.write_bytes(xz.read_bytes()[: xz.stat().st_size // 2])
    with pytest.raises(WrenchFormatError, match=r"truncated xz file .*train\.json\.xz"):
        load_wrench_folder(folder)


def _tiny_tagging(folder: Path, meta: dict) -> None:
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"lf": ["l0", "l1"], "num_lf": 2, "entity_types": ["X"], **meta}))
    ex = {"0": {"label": ["B-X", "O"], "data": {"text": ["a", "b"]}, "weak_labels": [["B-X", "O"], ["O", "O"]]}}
    for s in ("train", "valid", "test"):
        (folder / f"{s}.json").write_text(json.dumps(ex))


def test_tagging_empty_train_split_is_refused_naming_the_file(tmp_path):
    """An empty tagging train split ({}) loaded and a label model 'fitted' on 0 sentences."""
    folder = tmp_path / "tiny_ner"
    _tiny_tagging(folder, {"lf_rec": ["l1"]})
    (folder / "train.json").write_text("{}")
    with pytest.raises(WrenchFormatError, match=r"train\.json: the train split has no examples \(\{\}\); a WRENCH "
                                                r"train split needs at least one"):
        load_wrench_folder(folder)
    (folder / "train.json").write_text((folder / "valid.json").read_text())
    (folder / "test.json").write_text("{}")  # an empty valid/test split still loads, as for classification
    assert len(load_wrench_folder(folder).test) == 0


def test_tagging_meta_without_lf_rec_keeps_every_lf_as_wrench_does(tmp_path):
    """WRENCH's seqdataset.py uses every LF when meta.json has no lf_rec; "rec" does the same."""
    folder = tmp_path / "tiny_ner"
    _tiny_tagging(folder, {})
    assert load_wrench_folder(folder).lf_names == ["l0", "l1"]


def test_a_byte_order_mark_is_named_as_such(yt):
    """A UTF-8 BOM (Windows tools write one) was 'malformed JSON ... Unexpected UTF-8 BOM' at char 0."""
    (yt / "valid.json").write_bytes(b"\xef\xbb\xbf" + (yt / "valid.json").read_bytes())
    with pytest.raises(WrenchFormatError, match=r"valid\.json: starts with a UTF-8 byte-order mark \(BOM\); WRENCH "
                                                r"files are UTF-8 JSON without one"):
        load_wrench("youtube", yt.parent)
