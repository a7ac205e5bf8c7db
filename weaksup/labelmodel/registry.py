"""THE model registry: every model of every family, in one table.

Read by :class:`~weaksup.labelmodel.auto.AutoLabelModel` (its candidates),
:func:`weaksup.labelmodel.available_models`, the bench and the CLI (names and
aliases) and :mod:`weaksup.estimator_checks` (which models to check).  A new
model is one :class:`ModelSpec` line in :data:`MODELS`; nothing else lists
models.

Families (the contract a model follows):

``"label"``
    ``fit(votes)``: classification label models (:class:`~weaksup.labelmodel.base.LabelModel`).
``"feature_label"``
    ``fit(votes, X)``: feature-conditioned label models (:class:`~weaksup.flows.FeatureLabelModel`).
``"value"``
    ``fit(value_votes)``: universal label models over a label space (regression, rankings, ...).
``"sequence"``
    ``fit(sequence_votes)``: token/sequence label models.
``"end"``
    ``fit(X, y)``: end models trained on (soft) labels; ``task`` says whether
    ``X`` is a feature matrix (``"classification"``) or sentences (``"sequence"``).

Class paths name the public package attribute (``weaksup.labelmodel.DawidSkene``),
so splitting a module never edits this table.  Nothing here imports a model
until it is asked for.

Examples
--------
>>> from weaksup.labelmodel.registry import get_model, model_names, resolve, spec
>>> resolve("mv")
'MajorityVote'
>>> model_names("label")[:3]
['MajorityVote', 'WeightedMajorityVote', 'DawidSkene']
>>> get_model("ds").__name__
'DawidSkene'
>>> spec("LabelLearningFlow").family
'feature_label'
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FAMILIES",
    "ModelSpec",
    "AutoCandidate",
    "MODELS",
    "AUTO_CANDIDATES",
    "specs",
    "spec",
    "resolve",
    "get_model",
    "model_names",
    "available_models",
    "auto_candidates",
    "register",
    "unregister",
    "spec_of",
]

#: Contract families, in dependency order.
FAMILIES = ("label", "feature_label", "value", "sequence", "end")


class CheckParams(Mapping[str, Any]):
    """``check_params`` with estimator-valued parameters: ``values`` as given, and each of ``builders`` called
    afresh on every read (``dict(spec.check_params)``, as :mod:`weaksup.estimator_checks` reads them).

    A module-level estimator would be one object shared by every model the checks build (a
    ``set_params(end_model__lr=...)`` on one would edit the others') and would import its module (torch) with
    the registry.

    >>> from weaksup.labelmodel.registry import CheckParams
    >>> cp = CheckParams({"progress": False}, end_model=dict)
    >>> dict(cp), cp["end_model"] is cp["end_model"]
    ({'end_model': {}, 'progress': False}, False)
    """

    def __init__(self, values: Mapping[str, Any], **builders: Callable[[], Any]) -> None:
        self._values = dict(values)
        self._builders = builders

    def __getitem__(self, key: str) -> Any:
        if key in self._builders:
            return self._builders[key]()
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._builders, *self._values])

    def __len__(self) -> int:
        return len(self._builders) + len(self._values)

    def __repr__(self) -> str:
        items = [f"{k!r}: {getattr(f, '__name__', f)}()" for k, f in self._builders.items()]
        return "{" + ", ".join(items + [f"{k!r}: {v!r}" for k, v in self._values.items()]) + "}"


def _check_mlp() -> Any:
    """The end model of Cosine's checks: an MLP with MLP's own check parameters (16 hidden units, 100 steps,
    one thread; the default MLP() of 256 units and 2000 steps made one check fit take minutes)."""
    from weaksup.endmodel import MLP

    return MLP(**spec("MLP").check_params)


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    name: canonical (class) name; aliases: other accepted spellings
    (matched case-, ``-``- and ``_``-insensitively); family: the contract it
    follows (see :data:`FAMILIES`); path: ``package.ClassName`` to import;
    task: ``"classification"``, ``"sequence"``, ``"value"`` or ``"text"`` (an end
    model of texts); bench: listed
    by default in ``weaksup bench`` tables of its family; check_params:
    constructor parameters that keep :mod:`weaksup.estimator_checks` fast
    (fewer epochs/restarts; never a different algorithm): plain values, or a
    :class:`CheckParams` when one is an estimator (built afresh on every
    read, so no two checked models share it); requires: optional
    packages the model imports (an extra; :func:`available_models` leaves the
    model out when one is missing).
    """

    name: str
    family: str
    path: str
    aliases: tuple[str, ...] = ()
    task: str = "classification"
    bench: bool = True
    check_params: Mapping[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    #: the class itself, for a model added with :func:`register` (``path`` then only names it)
    cls: type | None = field(default=None, compare=False, repr=False)

    @property
    def auto_candidate(self) -> bool:
        """Whether :class:`AutoLabelModel` uses this model as a candidate."""
        return any(c.model == self.name for c in AUTO_CANDIDATES)

    def load(self) -> type:
        """Import and return the class."""
        if self.cls is not None:
            return self.cls
        module, _, attr = self.path.rpartition(".")
        cls: type = getattr(importlib.import_module(module), attr)
        return cls


@dataclass(frozen=True)
class AutoCandidate:
    """One configured candidate of :class:`AutoLabelModel`.

    label: name in the selection report; model: registered model name; params:
    constructor parameters (``"_ignore_valid": True`` fits without the valid set);
    trains_on_valid: the candidate also trains on the valid labels (so it is
    scored by 2-fold cross-fitting on valid).
    """

    label: str
    model: str
    params: Mapping[str, Any] = field(default_factory=dict)
    trains_on_valid: bool = False

    def as_tuple(self) -> tuple[str, str, dict[str, Any], bool]:
        return (self.label, self.model, dict(self.params), self.trains_on_valid)


#: Every model of every family (table order = bench table order within a family).
MODELS: tuple[ModelSpec, ...] = (
    # ------------------------------------------------------------- label
    ModelSpec("MajorityVote", "label", "weaksup.labelmodel.MajorityVote", ("mv", "majority")),
    ModelSpec("WeightedMajorityVote", "label", "weaksup.labelmodel.WeightedMajorityVote", ("wmv",)),
    ModelSpec("DawidSkene", "label", "weaksup.labelmodel.DawidSkene", ("ds",)),
    ModelSpec("AbstainDawidSkene", "label", "weaksup.labelmodel.AbstainDawidSkene", ("ads",)),
    ModelSpec("MatrixCompletion", "label", "weaksup.labelmodel.MatrixCompletion", ("mc", "metal")),
    ModelSpec("FlyingSquid", "label", "weaksup.labelmodel.FlyingSquid", ("fs",)),
    ModelSpec("EBCC", "label", "weaksup.labelmodel.EBCC", (), check_params={"repeat": 1, "max_iter": 100}),
    ModelSpec("AutoLabelModel", "label", "weaksup.labelmodel.AutoLabelModel", ("auto",)),
    ModelSpec("HyperLabelModel", "label", "weaksup.labelmodel.HyperLabelModel", ("hyperlm", "hyper"),
              bench=False, requires=("hyperlm",)),
    # ------------------------------------------------------------- feature-conditioned label
    ModelSpec("LabelLearningFlow", "feature_label", "weaksup.flows.LabelLearningFlow", ("llf", "flow"),
              check_params={"n_epochs": 2, "n_flows": 2, "hidden": 8, "batch_size": 64}),
    # ------------------------------------------------------------- value (universal)
    ModelSpec("UniversalLabelModel", "value", "weaksup.universal.UniversalLabelModel", ("universal", "uws"),
              task="value"),
    # ------------------------------------------------------------- sequence
    ModelSpec("TokenMajorityVote", "sequence", "weaksup.sequence.TokenMajorityVote", ("token_mv",),
              task="sequence"),
    ModelSpec("TokenDawidSkene", "sequence", "weaksup.sequence.TokenDawidSkene", ("token_ds",),
              task="sequence"),
    ModelSpec("HMM", "sequence", "weaksup.sequence.HMM", ("hmm",), task="sequence"),
    # ------------------------------------------------------------- end
    ModelSpec("LogisticRegression", "end", "weaksup.endmodel.LogisticRegression", ("lr",),
              check_params={"max_iter": 200}),
    ModelSpec("MLP", "end", "weaksup.endmodel.MLP", ("mlp",),
              check_params={"max_steps": 100, "hidden_sizes": (16,), "n_threads": 1, "progress": False}),
    ModelSpec("TransformerClassifier", "end", "weaksup.endmodel.TransformerClassifier",
              ("transformer", "bert"), task="text", bench=False),
    ModelSpec("Cosine", "end", "weaksup.endmodel.Cosine", ("cosine",), bench=False,
              check_params=CheckParams({"self_training_steps": 4, "teacher_update": 2, "progress": False},
                                       end_model=_check_mlp)),
    ModelSpec("CRFTagger", "end", "weaksup.sequence.CRFTagger", ("crf",), task="sequence"),
)

#: AutoLabelModel's candidates, in tie-break order (earlier wins a tie).
AUTO_CANDIDATES: tuple[AutoCandidate, ...] = (
    AutoCandidate("MV", "MajorityVote"),
    AutoCandidate("WMV", "WeightedMajorityVote"),
    AutoCandidate("WMV-dev", "WeightedMajorityVote", {"accuracy_source": "valid"}, True),
    AutoCandidate("MC", "MatrixCompletion"),
    AutoCandidate("MC-uniform", "MatrixCompletion", {"class_balance_source": "uniform", "_ignore_valid": True}),
    AutoCandidate("DS-semi", "DawidSkene", {"abstain_as_class": True, "alpha": 1.0, "use_valid_labels": True}, True),
    AutoCandidate("EBCC", "EBCC"),
    AutoCandidate("ADS", "AbstainDawidSkene"),
    # the gold-free default (AutoLabelModel's fallback without valid labels): MV decides, ADS orders ties
    AutoCandidate("GoldFree", "AbstainDawidSkene", {"decide": "majority", "init": "mv2"}),
)


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


_BY_KEY: dict[str, ModelSpec] = {}
for _s in MODELS:
    for _k in (_s.name, *_s.aliases):
        if _BY_KEY.get(_key(_k), _s) is not _s:  # pragma: no cover - a registry typo fails at import
            raise RuntimeError(f"model registry: name or alias {_k!r} is registered twice")
        _BY_KEY[_key(_k)] = _s
del _s, _k

#: The models built into weaksup (the table above as shipped): the ones :func:`unregister` keeps and
#: :func:`spec_of` prefers.
_BUILTIN: tuple[ModelSpec, ...] = MODELS


def _is_builtin(s: ModelSpec) -> bool:
    return any(s is b for b in _BUILTIN)


def _check_family(family: str | None) -> None:
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")


def specs(family: str | None = None) -> list[ModelSpec]:
    """Registered models (of one ``family``), in table order."""
    _check_family(family)
    return [s for s in MODELS if family is None or s.family == family]


def spec(name_or_alias: str) -> ModelSpec:
    """The :class:`ModelSpec` for a name or alias; ``KeyError`` listing the known names otherwise."""
    try:
        return _BY_KEY[_key(name_or_alias)]
    except KeyError:
        # a ModelSpec added to MODELS by hand (as the module docstring once said to) rather than by register()
        added = [s for s in MODELS if _key(name_or_alias) in {_key(k) for k in (s.name, *s.aliases)}]
        if added:
            _BY_KEY[_key(name_or_alias)] = added[0]
            return added[0]
        raise KeyError(f"unknown model {name_or_alias!r}; registered: {[s.name for s in MODELS]}") from None


def resolve(name_or_alias: str) -> str:
    """Canonical model name for a name or alias (``"mv"`` -> ``"MajorityVote"``)."""
    return spec(name_or_alias).name


def get_model(name_or_alias: str) -> type:
    """The model class for a name or alias (imports it)."""
    return spec(name_or_alias).load()


def model_names(family: str | None = None, *, bench_only: bool = False) -> list[str]:
    """Canonical names of the registered models (of one ``family``), in table order."""
    return [s.name for s in specs(family) if s.bench or not bench_only]


def available_models(family: str | None = "label") -> dict[str, type]:
    """Name -> class of the registered models of ``family`` (``None``: every family).

    Defaults to the classification label models.  A model whose optional
    dependency is missing (``ImportError``) is left out.
    """
    out: dict[str, type] = {}
    for s in specs(family):
        if not all(importlib.util.find_spec(r) for r in s.requires):
            continue
        try:
            out[s.name] = s.load()
        except ImportError:
            continue
    return out


def auto_candidates() -> tuple[tuple[str, str, dict[str, Any], bool], ...]:
    """AutoLabelModel's default candidates as ``(label, class name, params, trains_on_valid)``."""
    return tuple(c.as_tuple() for c in AUTO_CANDIDATES)


def register(cls: type, name: str | None = None, *, family: str = "label", aliases: Sequence[str] = (),
             bench: bool = False) -> ModelSpec:
    """Add a model of one's own to the registry, for this process; returns its :class:`ModelSpec`.

    After it, ``weaksup.bench.run(label_models=[name])`` (or ``end_models=``), :func:`spec`, :func:`get_model`
    and ``AutoLabelModel(candidates=[("mine", name, {}, False)])`` accept ``name`` (and ``aliases``) as they
    accept a built-in model's.  Registering the same class again under the same name does nothing; a class
    defined again with the same module and qualified name (a notebook cell run twice) replaces the one
    registered before it.  The registry is this process's: the ``weaksup`` command line knows only the
    built-in models.

    Parameters
    ----------
    cls : type
        The model class: a :class:`~weaksup.labelmodel.base.LabelModel` subclass for ``family="label"``.
    name : str, optional
        Its name in the bench tables and selections; default the class name.  A name or alias that is
        already registered for another class is a ``ValueError`` (built-in names cannot be replaced).
    family : str
        One of :data:`FAMILIES` (``"label"``: ``fit(votes)``; ``"end"``: ``fit(X, y)``).
    aliases : sequence of str
        Other accepted spellings (matched case-, ``-``- and ``_``-insensitively).
    bench : bool
        Whether ``weaksup bench`` runs it when no models are named (default False: only when named).

    Examples
    --------
    >>> from weaksup.labelmodel import MajorityVote
    >>> from weaksup.labelmodel.registry import register, resolve, unregister
    >>> class MyVote(MajorityVote):
    ...     trains_on_valid_labels = False   # declared for the bench (see weaksup.bench.runner.trains_on_valid)
    >>> register(MyVote, aliases=("myvote",)).name, resolve("myvote")
    ('MyVote', 'MyVote')
    >>> unregister("MyVote")  # gone again (a built-in model cannot be removed)
    """
    global MODELS
    _check_family(family)
    if not isinstance(cls, type):
        raise TypeError(f"register: cls must be a model class, got the {type(cls).__name__} {cls!r} (pass the "
                        "class, not an instance)")
    if family == "label":
        from weaksup.labelmodel.base import LabelModel

        if not issubclass(cls, LabelModel):
            raise TypeError(f"register: {cls.__name__} is not a weaksup.labelmodel.LabelModel subclass; a "
                            "'label' model implements _fit / _predict_proba of that base class")
    name = cls.__name__ if name is None else name
    if not isinstance(name, str) or not name or any(not isinstance(a, str) or not a for a in aliases):
        raise ValueError(f"register: name and aliases must be non-empty str, got name={name!r}, "
                         f"aliases={tuple(aliases)!r}")
    new = ModelSpec(name, family, f"{cls.__module__}.{cls.__qualname__}", tuple(aliases), bench=bench, cls=cls)
    stale: list[ModelSpec] = []
    for k in (name, *aliases):
        try:  # spec() also finds a ModelSpec appended to MODELS by hand, which _BY_KEY may not hold yet
            old: ModelSpec | None = spec(k)
        except KeyError:
            old = None
        if old is None or old.cls is cls:
            continue
        if old.cls is not None and (old.cls.__module__, old.cls.__qualname__) == (cls.__module__, cls.__qualname__):
            # the same class statement run again (a re-run notebook cell makes a new class object): the new
            # class replaces the old one, which nothing can reach any more
            if not any(old is s for s in stale):
                stale.append(old)
            continue
        raise ValueError(f"register: the name {k!r} is already registered for {old.name} ({old.path}); pass "
                         f"another name= (or aliases) for {cls.__name__}")
    same = next((s for s in MODELS if s.cls is cls and s.name == name), None)
    if same is not None and not stale:  # the same class registered again under its name: nothing to add
        return same
    if stale:  # in the place of the first stale entry (table order is bench order)
        MODELS = tuple(new if s is stale[0] else s for s in MODELS if not any(s is t for t in stale[1:]))
        for k in [k for k, v in _BY_KEY.items() if any(v is t for t in stale)]:
            del _BY_KEY[k]
    else:
        MODELS = (*MODELS, new)
    for k in (name, *aliases):
        _BY_KEY[_key(k)] = new
    return new


def unregister(name: str) -> None:
    """Remove a model added with :func:`register` (or a :class:`ModelSpec` appended to :data:`MODELS` by hand),
    by its name or an alias; a built-in one is a ``ValueError``."""
    global MODELS
    s = spec(name)
    if _is_builtin(s):
        raise ValueError(f"unregister: {s.name} is built into weaksup, not added with register(); it stays")
    MODELS = tuple(m for m in MODELS if m is not s)
    for k in [k for k, v in _BY_KEY.items() if v is s]:
        del _BY_KEY[k]


def spec_of(cls: type) -> ModelSpec | None:
    """The :class:`ModelSpec` registered for class ``cls`` (built in or added with :func:`register`), or None.

    A built-in class also registered under another name (``register(MajorityVote, "MV2")``) answers its
    built-in spec, so the bench still names it as built in (and gives it WRENCH's published number).

    >>> from weaksup.labelmodel import DawidSkene
    >>> from weaksup.labelmodel.registry import spec_of
    >>> spec_of(DawidSkene).name, spec_of(int)
    ('DawidSkene', None)
    """
    for s in MODELS:  # specs naming a class path first: the built-in ones (table order), then hand-appended ones
        if s.cls is None and s.path.rpartition(".")[2] == getattr(cls, "__name__", None):
            try:
                if s.load() is cls:
                    return s
            except ImportError:
                continue
    for s in MODELS:
        if s.cls is cls:
            return s
    return None
