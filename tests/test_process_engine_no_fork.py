"""engine='process' where the fork start method does not exist (Windows).

It failed with Python's own "ValueError: cannot find context for 'fork'", naming neither the engine nor what to
do; now the error says that engine='process' needs fork (POSIX) and to use engine='serial' or engine='dask'.
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.context as mpc

import numpy as np
import pandas as pd
import pytest

from weaksup import ABSTAIN, LFApplier, labeling_function

DF = pd.DataFrame({"text": ["abc", "xyz"] * 1500})


@labeling_function()
def lf_a(x):
    return 1 if "a" in x.text else ABSTAIN


WANTED = r"engine='process' needs the fork start method \(POSIX\).*use engine='serial' or engine='dask'"


def test_no_fork_in_the_start_methods(monkeypatch):
    """As on Windows: multiprocessing offers spawn only."""
    monkeypatch.setattr(mp, "get_all_start_methods", lambda: ["spawn"])
    with pytest.raises(ValueError, match=WANTED) as info:
        LFApplier([lf_a], engine="process", n_jobs=2, progress=False).apply(DF)
    assert "['spawn']" in str(info.value)


def test_fork_context_missing(monkeypatch):
    """The start methods claim fork but multiprocessing has no context for it."""
    monkeypatch.delitem(mpc._concrete_contexts, "fork")
    with pytest.raises(ValueError, match=WANTED) as info:
        LFApplier([lf_a], engine="process", n_jobs=2, progress=False).apply(DF)
    assert "cannot find context for 'fork'" in str(info.value)


def test_cli_apply_engine_process_without_fork_is_bad_input(tmp_path, monkeypatch, capsys):
    from weaksup.cli import main

    (tmp_path / "lfs.py").write_text("from weaksup import keyword_lf\nlf = keyword_lf('a', 1, name='a')\n")
    DF.to_csv(tmp_path / "d.csv", index=False)
    monkeypatch.setattr(mp, "get_all_start_methods", lambda: ["spawn"])
    rc = main(["apply", str(tmp_path / "lfs.py"), str(tmp_path / "d.csv"), "--out", str(tmp_path / "v.npz"),
               "--engine", "process", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "engine='process' needs the fork start method" in err and "Traceback" not in err


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs the fork start method")
def test_process_engine_with_fork_unchanged():
    serial = LFApplier([lf_a], engine="serial", progress=False).apply(DF)
    forked = LFApplier([lf_a], engine="process", n_jobs=2, chunk_size=1000, progress=False).apply(DF)
    np.testing.assert_array_equal(forked.to_dense(), serial.to_dense())
