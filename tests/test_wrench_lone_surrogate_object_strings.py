"""A WRENCH split whose text holds a lone UTF-16 surrogate is a WrenchFormatError naming the file, example and
field on every pandas: pandas 3's Arrow strings refuse it when the frame is built, pandas 2.x keeps it in an object
column (here: pandas 3 with future.infer_string off, which builds the same object columns)."""
import json
import warnings

import pandas as pd
import pytest

from weaksup.data import WrenchFormatError, load_wrench_folder


def _folder(tmp_path, text3):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "label.json").write_text(json.dumps({"0": "ham", "1": "spam"}))
    rows = {str(i): {"label": i % 2, "weak_labels": [i % 2, -1], "data": {"text": f"text {i}", "title": "t"}}
            for i in range(6)}
    for split in ("train", "valid", "test"):
        if split == "test":
            rows["3"]["data"]["text"] = text3
        (folder / f"{split}.json").write_text(json.dumps(rows))  # ensure_ascii: the file holds \ud83d as an escape
    return folder


@pytest.mark.parametrize("object_strings", [False, True], ids=["default_strings", "object_strings"])
def test_lone_surrogate_is_refused_naming_file_example_and_field(tmp_path, object_strings):
    folder = _folder(tmp_path, "half an emoji \ud83d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 deprecates the option
        with pd.option_context("future.infer_string", not object_strings):
            with pytest.raises(WrenchFormatError, match=r"test.json: example '3', data field 'text': the text holds "
                                                        r"a lone UTF-16 surrogate '\\ud83d' at character 14"):
                load_wrench_folder(folder)


@pytest.mark.parametrize("object_strings", [False, True], ids=["default_strings", "object_strings"])
def test_valid_text_loads_unchanged(tmp_path, object_strings):
    folder = _folder(tmp_path, "a whole emoji \U0001F600 é")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pd.option_context("future.infer_string", not object_strings):
            ds = load_wrench_folder(folder)
    assert ds.test.data.loc["3", "text"] == "a whole emoji \U0001F600 é"
