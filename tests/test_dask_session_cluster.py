"""Without a Client of the user's, ``apply_to_shards`` runs on the LocalCluster weaksup starts for the session.

That cluster's client is not made the default (``set_as_default=False``: weaksup does not take over the user's
Dask setup), and ``distributed.as_completed`` looked for a default client: every zero-setup
``LFApplier.apply_to_shards`` failed with ``ValueError: No clients found``.  Run in a fresh process, where no
other test has made a client.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_apply_to_shards_without_a_client_uses_the_session_cluster(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import pandas as pd, dask.dataframe as dd
        from weaksup import LFApplier, labeling_function

        @labeling_function()
        def odd(x):
            return int(x.a % 2)

        if __name__ == "__main__":
            ddf = dd.from_pandas(pd.DataFrame({{"a": range(20)}}), npartitions=2, sort=False)
            votes = LFApplier([odd], cardinality=2, progress=False).apply_to_shards(ddf, {str(tmp_path / "shards")!r})
            print(votes.to_vote_matrix().to_dense().ravel().tolist())
    """)
    script = tmp_path / "run.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == str([i % 2 for i in range(20)])
