"""The numpy-style Parameters sections of the public LF, label-model, analysis, metric and loader entry points
name every parameter of the signature (docs/api/ renders these docstrings through mkdocstrings: a parameter missing
there is documented nowhere)."""

from __future__ import annotations

import inspect
import re

import pytest

import weaksup
import weaksup.analysis
import weaksup.apply.engines.dask
import weaksup.data
import weaksup.labelers.backends
import weaksup.labelers.propose
import weaksup.labelmodel as lm
import weaksup.lf
import weaksup.metrics
import weaksup.plots
import weaksup.universal

#: Entry points whose Parameters section must name every parameter (a class: those of ``__init__``).
DOCUMENTED = {
    "LabelingFunction": weaksup.LabelingFunction,
    "Preprocessor": weaksup.Preprocessor,
    "keyword_lf": weaksup.keyword_lf,
    "regex_lf": weaksup.regex_lf,
    "threshold_lf": weaksup.threshold_lf,
    "labeling_function": weaksup.labeling_function,
    "preprocessor": weaksup.preprocessor,
    "lfs_from_table": weaksup.lfs_from_table,
    "load_wrench": weaksup.load_wrench,
    "LFAnalysis": weaksup.LFAnalysis,
    "MajorityVote": lm.MajorityVote,
    "WeightedMajorityVote": lm.WeightedMajorityVote,
    "DawidSkene": lm.DawidSkene,
    "AbstainDawidSkene": lm.AbstainDawidSkene,
    "MatrixCompletion": lm.MatrixCompletion,
    "FlyingSquid": lm.FlyingSquid,
    "EBCC": lm.EBCC,
    "AutoLabelModel": lm.AutoLabelModel,
    "ForeignLF": weaksup.lf.ForeignLF,
    "as_lfs": weaksup.lf.as_lfs,
    "get_label_buckets": weaksup.analysis.get_label_buckets,
    "get_label_instances": weaksup.analysis.get_label_instances,
    "load_wrench_folder": weaksup.data.load_wrench_folder,
    "find_wrench_dir": weaksup.data.find_wrench_dir,
    "verify_wrench": weaksup.data.verify_wrench,
    "task_info": weaksup.data.task_info,
    "score": weaksup.metrics.score,
    "register_metric": weaksup.metrics.register_metric,
    "tie_split": weaksup.metrics.tie_split,
    "apply_lfs": weaksup.apply_lfs,
    # keyword-only options that were missing from their sections (an option named nowhere but the signature)
    "LFApplier.apply_to_shards": weaksup.LFApplier.apply_to_shards,
    "VoteMatrix": weaksup.VoteMatrix,
    "LFAnalysis.error_buckets": weaksup.LFAnalysis.error_buckets,
    "engines.dask.apply_to_shards": weaksup.apply.engines.dask.apply_to_shards,
    "OpenAIBackend": weaksup.labelers.backends.OpenAIBackend,
    "propose_lfs": weaksup.labelers.propose.propose_lfs,
    "universal.make_synthetic": weaksup.universal.make_synthetic,
    "plot_class_balance": weaksup.plots.plot_class_balance,
    "plot_learning_curves": weaksup.plots.plot_learning_curves,
}

_SECTION = re.compile(r"^Parameters\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", re.S | re.M)
# "name : type", "a, b : type", "a, b :" or numpydoc's bare "a, b" / "**kwargs" (a description line is indented)
_ENTRY = re.compile(r"^([\w*][\w*, ]*?)\s*(?::(?:\s|$)|$)")


def documented_parameters(doc: str) -> set[str] | None:
    """The names the numpy-style Parameters section of ``doc`` describes (None: it has none).

    >>> sorted(documented_parameters("Parameters\\n----------\\na, b : int\\n    Two.\\nc :\\n    One.\\n"))
    ['a', 'b', 'c']
    >>> sorted(documented_parameters("Parameters\\n----------\\nd, e\\n    See f.\\n**kw\\n    Passed on.\\n"))
    ['d', 'e', 'kw']
    """
    m = _SECTION.search(doc)
    if m is None:
        return None
    names: set[str] = set()
    for line in m.group(1).splitlines():
        entry = _ENTRY.match(line)
        if entry:
            names.update(n.strip().lstrip("*") for n in entry.group(1).split(","))
    return names


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_parameters_section_names_every_parameter(name: str) -> None:
    obj = DOCUMENTED[name]
    sig = inspect.signature(obj)
    params = [p for p in sig.parameters if p != "self" and not p.startswith("_")]
    documented = documented_parameters(inspect.getdoc(obj) or "")
    assert documented is not None, f"{name}: the docstring has no Parameters section (parameters {params})"
    missing = [p for p in params if p not in documented]
    assert not missing, f"{name}: the docstring's Parameters section does not describe {missing}"


def test_documented_parameters_reads_numpy_sections() -> None:
    doc = inspect.getdoc(weaksup.LabelingFunction) or ""
    assert {"name", "f", "resources", "pre", "batched", "row_f"} <= (documented_parameters(doc) or set())
    assert documented_parameters("A function.\n\nExamples\n--------\n>>> 1\n1\n") is None
