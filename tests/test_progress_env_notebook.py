"""TQDM_DISABLE=1 also hides weaksup's bars in Jupyter, where tqdm.auto gives tqdm.notebook's bar.

tqdm.notebook.tqdm passes ``disable=False`` to tqdm itself when it is not given ``disable``, which overrides the
``TQDM_DISABLE`` default tqdm read from the environment; weaksup's progress_bar passes it on explicitly.
"""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import tqdm.auto, tqdm.notebook
    tqdm.auto.tqdm = tqdm.notebook.tqdm  # what tqdm.auto resolves to inside a Jupyter kernel
    from weaksup._progress import progress_bar
    try:
        bar = progress_bar(total=3, desc="nb")
        print("disabled", bar.disable)
    except ImportError as err:  # no ipywidgets: the bar got as far as drawing a widget, so it was not disabled
        print("drawn", type(err).__name__)
""")


def _run(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TQDM_")}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_tqdm_disable_hides_notebook_bars():
    assert _run({"TQDM_DISABLE": "1"}) == "disabled True"


def test_notebook_bars_stay_on_without_the_switch():
    assert _run({}) in ("disabled False", "drawn ImportError")
