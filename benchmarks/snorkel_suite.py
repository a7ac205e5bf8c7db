"""snorkel 0.10's own labeling, augmentation and slicing tests run against ``weaksup.compat.snorkel``.

A measurement, not project code.  Takes the path of a snorkel 0.10 source
checkout (a work tree, or a git directory such as a mirror: then ``--rev``,
default the v0.10.0 release commit, is extracted with ``git archive``), copies
``test/labeling/``, ``test/augmentation/`` and ``test/slicing/`` (those present) into a
temporary folder with only the import lines rewritten (``snorkel`` ->
``weaksup.compat.snorkel``), runs pytest there and writes the pass rate per
file, and every failing or excluded test with its reason, to the
``snorkel-suite`` section of docs/benchmarks.md.  Nothing of snorkel's code is
kept in the repository and no network is used.

Excluded tests (listed with the reason in the section): Spark and spaCy
(``SparkLFApplier``, ``NLPLabelingFunction``, ``NLPSlicingFunction``, ``SpacyPreprocessor``
are not in the compat layer), the slice-aware torch models built on
``snorkel.classification`` (``SliceAwareClassifier``, ``SliceCombinerModule``,
``add_slice_labels``, ``convert_to_slice_tasks``: not in the compat layer), and
tests that drive LabelModel's private torch internals (``_set_constants``,
``_generate_O``, ``_loss_mu``, ``nn.Parameter`` ``mu``, torch optimizer objects).
The pass rate is over the remaining tests, the ones that exercise the public API.

Usage::

    python benchmarks/snorkel_suite.py /path/to/snorkel            # full run, writes docs/benchmarks.md
    python benchmarks/snorkel_suite.py /path/to/snorkel --smoke    # one file, no docs
    python benchmarks/snorkel_suite.py --smoke                     # no checkout: snorkel 0.10.0's sdist

The checkout path may also come from ``$WEAKSUP_SNORKEL_SRC``.  Without one, ``--smoke`` takes
snorkel 0.10.0's source distribution from the package index (``pip download``, kept in
``~/.cache/weaksup/snorkel-sdist``): it holds ``test/labeling/model/`` but not
``test/labeling/lf/``, so the full run still needs a checkout.  When neither is at hand the smoke
run exits 77 with the reason (tests/test_benchmarks_smoke.py reports a skip).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE_REV = "9b642a21"  # "[RELEASE]: v0.10.0" in snorkel-team/snorkel
SMOKE_FILE = "test/labeling/model/test_baseline.py"
#: snorkel's test folders run here (a checkout may lack the last two: only those present are run).
TEST_DIRS = ("test/labeling", "test/augmentation", "test/slicing")
SKIP_MESSAGE = ("snorkel_suite: no snorkel 0.10 checkout given (pass its path or set WEAKSUP_SNORKEL_SRC) and "
                "its sdist could not be downloaded; smoke run skipped")
SDIST = "snorkel==0.10.0"
SDIST_CACHE = Path.home() / ".cache" / "weaksup" / "snorkel-sdist"
#: Exit code of a smoke run that cannot run here (tests/test_benchmarks_smoke.py reports it as a skip).
SKIP_CODE = 77

_PRIVATE = "drives LabelModel's private torch internals"
#: file -> reason: whole files outside the compat layer's scope.
EXCLUDED_FILES = {
    "test/labeling/apply/test_spark.py": "Spark applier (pyspark): not in the compat layer",
    "test/labeling/apply/lf_applier_spark_test_script.py": "Spark applier script (pyspark): not in the compat layer",
    "test/labeling/lf/test_nlp_spark.py": "Spark NLP LFs (pyspark, spaCy): not in the compat layer",
    "test/labeling/lf/test_nlp.py": "NLPLabelingFunction (spaCy): not in the compat layer",
    "test/labeling/preprocess/test_nlp.py": "SpacyPreprocessor (spaCy): not in the compat layer",
    "test/slicing/sf/test_nlp.py": "NLPSlicingFunction (spaCy): not in the compat layer",
    "test/slicing/test_sliceaware_classifier.py": ("SliceAwareClassifier (torch, snorkel.classification): "
                                                   "not in the compat layer"),
    "test/slicing/test_slice_combiner.py": ("SliceCombinerModule (torch module of the slice-aware model): "
                                            "not in the compat layer"),
    "test/slicing/test_utils.py": ("add_slice_labels, convert_to_slice_tasks (snorkel.classification tasks): "
                                   "not in the compat layer"),
}
#: test id (file::Class::test) -> reason.
EXCLUDED_TESTS = {
    **{f"test/labeling/apply/test_lf_applier.py::{t}": "SpacyPreprocessor (spaCy): not in the compat layer"
       for t in ("TestPandasApplier::test_lf_applier_pandas_spacy_preprocessor",
                 "TestPandasApplier::test_lf_applier_pandas_spacy_preprocessor_memoized",
                 "TestDaskApplier::test_lf_applier_dask_spacy_preprocessor",
                 "TestDaskApplier::test_lf_applier_pandas_spacy_preprocessor_memoized")},
    **{f"test/labeling/model/test_label_model.py::LabelModelTest::{t}": f"{_PRIVATE} ({why})" for t, why in (
        ("test_L_form", "_set_constants, .n/.m before fit"),
        ("test_class_balance", "_set_class_balance"),
        ("test_generate_O", "_generate_O, .O torch tensor"),
        ("test_augmented_L_construction", "_get_augmented_label_matrix, c_tree"),
        ("test_conditional_probs", "_set_up_model: _create_tree, _build_mask, _init_params"),
        ("test_build_mask", "_build_mask, .mask"),
        ("test_init_params", "_init_params, .mu_init"),
        ("test_predict_proba", "_set_up_model; assigns nn.Parameter to mu"),
        ("test_predict", "_set_up_model; assigns nn.Parameter to mu"),
        ("test_score", "_set_up_model; assigns nn.Parameter to mu"),
        ("test_loss", "_loss_l2, _loss_mu, mu_init"),
        ("test_model_loss", "_loss_mu"),
        ("test_optimizer_init", "torch.optim objects in .optimizer"),
        ("test_scheduler_init", "torch lr_scheduler objects in .lr_scheduler"),
        ("test_symmetry_breaking", "_break_col_permutation_symmetry, nn.Parameter mu"),
        ("test_symmetry_breaking_multiclass", "_break_col_permutation_symmetry, nn.Parameter mu"),
    )},
}

_IMPORT = re.compile(r"^(\s*)(from|import)(\s+)snorkel(?=[.\s])", re.M)


def rewrite_imports(source: str) -> str:
    """Point ``from snorkel...`` / ``import snorkel...`` lines at ``weaksup.compat.snorkel``; nothing else changes.

    >>> rewrite_imports("from snorkel.labeling import LFApplier\\nx = 'snorkel'\\n")
    "from weaksup.compat.snorkel.labeling import LFApplier\\nx = 'snorkel'\\n"
    """
    return _IMPORT.sub(lambda m: f"{m[1]}{m[2]}{m[3]}weaksup.compat.snorkel", source)


def download_sdist(cache: Path = SDIST_CACHE) -> Path:
    """snorkel 0.10.0's source distribution from the package index (``pip download``), cached in ``cache``."""
    archive = cache / "snorkel-0.10.0.tar.gz"
    if archive.exists():
        return archive
    cache.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                           "-d", str(cache), SDIST], capture_output=True, text=True)
    if proc.returncode or not archive.exists():
        raise OSError(f"pip download {SDIST} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    return archive


def _unpack_sdist(archive: Path, dest: Path) -> Path:
    """The sdist's ``test/`` and ``snorkel/version.py`` under ``dest``; returns the unpacked source root."""
    import tarfile

    with tarfile.open(archive) as tar:
        members = [t for t in tar.getmembers() if t.isfile() and "/" in t.name
                   and t.name.split("/", 1)[1].startswith(("test/", "snorkel/version.py"))
                   and ".." not in Path(t.name).parts]
        # regular files only, no ".." (checked above); the "data" filter where this Python has it
        tar.extractall(dest, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    roots = {t.name.split("/", 1)[0] for t in members}
    if len(roots) != 1:
        raise SystemExit(f"snorkel_suite: {archive} is not a snorkel sdist (top folders: {sorted(roots)})")
    return dest / roots.pop()


def extract(src: Path, rev: str, dest: Path) -> str:
    """Copy the :data:`TEST_DIRS` present (and ``test/__init__.py``) of the checkout to ``dest``; returns the version.

    ``src`` is a work tree, a git directory (``rev`` is extracted) or a snorkel sdist (``.tar.gz``).
    """
    if src.is_file() and src.name.endswith(".tar.gz"):
        return extract(_unpack_sdist(src, dest / "_sdist"), rev, dest)
    if (src / "test" / "labeling").is_dir():
        version_py = (src / "snorkel" / "version.py").read_text()
        for folder in TEST_DIRS:
            if (src / folder).is_dir():
                shutil.copytree(src / folder, dest / folder)
        if (src / "test" / "__init__.py").exists():
            shutil.copy(src / "test" / "__init__.py", dest / "test" / "__init__.py")
    elif (src / "HEAD").exists() and (src / "objects").is_dir():
        git = ["git", f"--git-dir={src}"]
        version_py = subprocess.run(git + ["show", f"{rev}:snorkel/version.py"], check=True, capture_output=True,
                                    text=True).stdout
        present = subprocess.run(git + ["ls-tree", "--name-only", rev, "test/"], check=True, capture_output=True,
                                 text=True).stdout.split()
        paths = [p for p in (*TEST_DIRS, "test/__init__.py") if p in present]
        archive = subprocess.run(git + ["archive", rev, *paths], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        raise SystemExit(f"snorkel_suite: {src} is neither a snorkel checkout (no test/labeling/) nor a git directory")
    parts = dict(re.findall(r'_(MAJOR|MINOR|REVISION)\s*=\s*"([^"]*)"', version_py))
    version = f"{parts.get('MAJOR')}.{parts.get('MINOR')}.{parts.get('REVISION')}"
    if not version.startswith("0.10."):
        raise SystemExit(f"snorkel_suite: {src} is snorkel {version}; this measures snorkel 0.10")
    for path in (dest / "test").rglob("*.py"):
        path.write_text(rewrite_imports(path.read_text()))
    return version


def run_pytest(workdir: Path, targets: list[str], deselect: list[str]) -> tuple[ET.Element, float]:
    report = workdir / "report.xml"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "markers=complex: snorkel's marker",
           "--rootdir", str(workdir), "--continue-on-collection-errors", f"--junitxml={report}", "-o", "junit_family=xunit1", *targets]
    cmd += [arg for d in deselect for arg in ("--deselect", d)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "MPLBACKEND": "Agg"}
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    if not report.exists():
        raise SystemExit(f"snorkel_suite: pytest produced no report:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return ET.parse(report).getroot(), time.time() - t0


def summarise(root: ET.Element, files: list[str]) -> tuple[dict[str, dict[str, int]], list[tuple[str, str]]]:
    """Per-file counts (passed / failed / excluded) and the failing tests with their first error line."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0, "excluded": 0})
    failures = []
    for case in root.iter("testcase"):
        file = case.get("file") or case.get("classname", "").replace(".", "/").rsplit("/", 1)[0] + ".py"
        cls = case.get("classname", "").rsplit(".", 1)[-1]
        test_id = f"{file}::{case.get('name')}" if cls == Path(file).stem else f"{file}::{cls}::{case.get('name')}"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if case.find("skipped") is not None:
            counts[file]["excluded"] += 1
            failures.append((test_id, "skipped by pytest: " + (case.find("skipped").get("message") or "")))
        elif bad is not None:
            counts[file]["failed"] += 1
            message = (bad.get("message") or bad.text or "").strip().splitlines()
            failures.append((test_id, message[0][:200] if message else "failed"))
        else:
            counts[file]["passed"] += 1
    for test_id in EXCLUDED_TESTS:
        file = test_id.split("::")[0]
        if file in files:
            counts[file]["excluded"] += 1
    return counts, failures


def report(version: str, counts: dict[str, dict[str, int]], failures: list[tuple[str, str]], excluded_files: dict,
           seconds: float, command: str) -> str:
    passed = sum(c["passed"] for c in counts.values())
    run = sum(c["passed"] + c["failed"] for c in counts.values())
    excluded = sum(c["excluded"] for c in counts.values())
    in_files = sum(n for n in excluded_files.values() if isinstance(n, int))
    folders = ", ".join(f"`{d}/`" for d in TEST_DIRS if any(f.startswith(d + "/") for f in counts))
    lines = [f"snorkel {version}'s {folders} run against `weaksup.compat.snorkel` with only the import lines "
             f"rewritten (`snorkel` -> `weaksup.compat.snorkel`); {seconds:.0f} s.  Command: `{command}` "
             "(a checkout: `git clone https://github.com/snorkel-team/snorkel && git -C snorkel checkout v0.10.0`, "
             "or a git mirror with `--rev`).", "",
             f"**{passed} of {run} public-API tests pass ({100 * passed / max(run, 1):.1f}%)**; "
             f"{excluded} tests of the files run and {len(excluded_files)} whole files"
             + (f" ({in_files} tests)" if in_files else "") + " are excluded (reasons below).", "",
             "| file | passed | failed | excluded | pass rate |", "|---|---:|---:|---:|---:|"]
    for file in sorted(counts):
        c = counts[file]
        n = c["passed"] + c["failed"]
        lines.append(f"| `{file}` | {c['passed']} | {c['failed']} | {c['excluded']} | "
                     f"{'%.0f%%' % (100 * c['passed'] / n) if n else 'n/a'} |")
    lines += ["", "Failing tests:", ""]
    lines += [f"- `{t}`: {why}" for t, why in failures] or ["- none"]
    lines += ["", "Excluded (not public API of the compat layer):", ""]
    lines += [f"- `{f}` (whole file): {EXCLUDED_FILES[f]}" for f in excluded_files]
    lines += [f"- `{t}`: {why}" for t, why in EXCLUDED_TESTS.items() if t.split("::")[0] in counts]
    if lines[-1].endswith("compat layer):"):
        lines += ["- none"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkout", nargs="?", default=os.environ.get("WEAKSUP_SNORKEL_SRC") or None,
                    help="snorkel 0.10 source checkout or git directory (default $WEAKSUP_SNORKEL_SRC)")
    ap.add_argument("--rev", default=RELEASE_REV, help="revision to extract from a git directory")
    ap.add_argument("--smoke", action="store_true", help=f"run {SMOKE_FILE} only; do not write docs")
    ap.add_argument("--write-docs", default="docs/benchmarks.md")
    a = ap.parse_args(argv)
    if a.checkout is None:
        if not a.smoke:
            ap.error("the path of a snorkel 0.10 checkout is required (only --smoke runs without one: the sdist "
                     "it downloads lacks test/labeling/lf/)")
        try:
            a.checkout = str(download_sdist())
        except OSError as exc:
            print(f"{SKIP_MESSAGE}: {exc}")
            return SKIP_CODE
    with tempfile.TemporaryDirectory(prefix="snorkel-suite-") as tmp:
        work = Path(tmp)
        version = extract(Path(a.checkout).resolve(), a.rev, work)
        files = sorted(str(p.relative_to(work)) for d in TEST_DIRS if (work / d).is_dir()
                       for p in (work / d).rglob("test_*.py"))
        excluded_files = {f: len(re.findall(r"^\s*def test_", (work / f).read_text(), re.M))
                          for f in EXCLUDED_FILES if (work / f).exists()}  # file -> its number of tests
        targets = [SMOKE_FILE] if a.smoke else [f for f in files if f not in excluded_files]
        root, seconds = run_pytest(work, targets, [t for t in EXCLUDED_TESTS if t.split("::")[0] in targets])
        counts, failures = summarise(root, targets)
        command = "python benchmarks/snorkel_suite.py SNORKEL_CHECKOUT" + (" --smoke" if a.smoke else "")
        body = report(version, counts, failures, {} if a.smoke else excluded_files, seconds, command)
    print(body)
    if not a.smoke:
        sys.path.insert(0, str(ROOT))
        from benchmarks._docs import update_section

        update_section(ROOT / a.write_docs, "snorkel-suite", body,
                       title="snorkel's own labeling, augmentation and slicing tests on the compat layer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
