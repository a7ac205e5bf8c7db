"""apply_lfs given a polars DataFrame or a pyarrow Table says what it is and to pass .to_pandas() (a polars
frame iterates over its columns and was refused as "record 0 is a Series")."""
import pyarrow as pa
import pytest

from weaksup import apply_lfs, keyword_lf

RECORDS = [{"text": "win cash"}, {"text": "hi there"}]
LFS = [keyword_lf(["win"], 1, name="kw_win")]


def test_polars_frame_is_refused_with_to_pandas():
    pl = pytest.importorskip("polars")
    with pytest.raises(TypeError, match=r"data is a polars DataFrame; .*pass data\.to_pandas\(\)"):
        apply_lfs(LFS, pl.DataFrame(RECORDS), progress=False)
    assert apply_lfs(LFS, pl.DataFrame(RECORDS).to_pandas(), progress=False).to_dense().ravel().tolist() == [1, -1]


def test_arrow_table_is_refused_with_to_pandas():
    with pytest.raises(TypeError, match=r"data is a pyarrow Table; .*pass data\.to_pandas\(\)"):
        apply_lfs(LFS, pa.Table.from_pylist(RECORDS), progress=False)
