"""fault="raise": the columns of the LFs that had run on every row when another LF raised are cached, so the
rerun after the fix runs the fixed LF only; the error itself is unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, labeling_function
from weaksup.apply.errors import LFApplyError

DF = pd.DataFrame({"text": [f"row {i}" for i in range(5000)]})


@labeling_function()
def expensive(x):
    return 0 if x.text.endswith("7") else -1


def _buggy(bad_row: str):
    @labeling_function(name="buggy")
    def buggy(x):
        if x.text == bad_row:
            raise ValueError("bad")
        return 1 if x.text.endswith("3") else -1

    return buggy


@labeling_function(name="buggy")
def fixed(x):
    return 1 if x.text.endswith("3") else -1


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_rerun_after_fixing_a_late_failure_runs_only_the_fixed_lf(engine):
    """5,000 rows, chunk_size=1000, an LF that raises at row 4990 beside an expensive one: after the fix the
    rerun recomputed both LFs (the expensive LF's finished votes were thrown away with the error)."""
    applier = LFApplier([expensive, _buggy("row 4990")], progress=False, engine=engine, n_jobs=2, chunk_size=1000)
    with pytest.raises(LFApplyError) as err:
        applier.apply(DF)
    assert type(err.value) is LFApplyError and isinstance(err.value.original, ValueError)
    assert str(err.value) == "LF 'buggy' raised ValueError on row 4990 (position 4990): bad"
    votes = applier.apply(DF, [expensive, fixed])
    assert votes.report.recomputed == ["buggy"]
    assert votes.report.table["calls"].to_dict() == {"expensive": 0, "buggy": 5000}
    assert votes == LFApplier([expensive, fixed], progress=False, cache=False).apply(DF)


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_only_whole_columns_are_kept(engine):
    """A failure in a middle chunk leaves no LF with every row done: nothing is cached (never a partial
    column), both LFs run again; an LF after the failing one (it ran on part of the chunk only) is not kept."""
    applier = LFApplier([expensive, _buggy("row 2500")], progress=False, engine=engine, n_jobs=2, chunk_size=1000)
    with pytest.raises(LFApplyError, match="row 2500"):
        applier.apply(DF)
    votes = applier.apply(DF, [expensive, fixed])
    if engine == "serial":
        assert votes.report.recomputed == ["expensive", "buggy"]
    else:  # the chunks after the failing one may have finished beside it: then the column is whole, and kept
        assert votes.report.recomputed in (["expensive", "buggy"], ["buggy"])
    assert votes == LFApplier([expensive, fixed], progress=False, cache=False).apply(DF)

    applier = LFApplier([_buggy("row 4990"), expensive], progress=False, engine=engine, n_jobs=2, chunk_size=1000)
    with pytest.raises(LFApplyError, match="row 4990"):
        applier.apply(DF)
    votes = applier.apply(DF, [fixed, expensive])
    assert votes.report.recomputed == ["buggy", "expensive"]
    assert np.array_equal(votes.column("expensive"), np.where(DF.text.str.endswith("7"), 0, -1))
