"""``AutoLabelModel``: pick the label model that scores best on the dev labels.

No single label model wins on every WRENCH set: equal-weight voting is hard to
beat with many sparse, one-class LFs (sms, semeval, youtube), while generative
models win with a few dense LFs (imdb, yelp, commercial).  WRENCH's own
published numbers tune every model per dataset on the validation split; this
model makes that protocol a reproducible, test-free estimator:

1. fit every candidate on the training votes (dev labels give the class
   balance);
2. score each on the dev set with ``metric``; candidates that also *train* on
   the dev labels (semi-supervised Dawid–Skene) are scored by 2-fold
   cross-fitting on dev, so they never see the labels they are judged on;
3. keep the best (ties: earlier candidate in the list).

The dev rows are first put in an order fixed by their content (votes read by
LF name, then label), so the folds and the tie-breaks of the dev predictions,
and with them the choice, do not depend on the order the dev rows come in.

Without valid labels (the gold-free protocol) it fits ``fallback``, by default
``"GoldFree"``: majority vote decides and :class:`AbstainDawidSkene` (abstention
modelled per class, fitted on the votes alone) orders the classes tied under
it.  Selecting among models from the votes alone (held-out LF agreement) was
measured and did not pick the better model; docs/label_models.md has the
numbers.  No label is read: the fitted model is bit-identical when the labels
of any split are permuted (``tests/test_goldfree.py``).  The test split is
never looked at.

A candidate that cannot handle the votes (``MatrixCompletion`` / ``EBCC`` at
hundreds of classes) raises a ``ValueError`` at once; ``AutoLabelModel``
skips it with a warning that names it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from weaksup._validation import user_stacklevel
from weaksup.labelmodel import registry
from weaksup.labelmodel.base import _LF_VERSIONS_CHECKED, LabelModel, probs_to_preds
from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["AutoLabelModel", "DEFAULT_CANDIDATES"]

#: (name, class name, params, trains_on_valid_labels), read from the registry
#: (:data:`weaksup.labelmodel.registry.AUTO_CANDIDATES`).
DEFAULT_CANDIDATES: tuple[tuple[str, str, dict[str, Any], bool], ...] = registry.auto_candidates()


class AutoLabelModel(LabelModel):
    """Dev-validated choice among label models (recommended default when dev labels exist).

    Parameters
    ----------
    cardinality : int, optional
        Number of classes.
    metric : str
        :mod:`weaksup.metrics` name used on dev (``"accuracy"``, ``"f1_binary"``, ...).  With valid
        labels it is tried on the classes of the votes before any candidate is fitted: a binary metric
        of votes of more than 2 classes is a ``ValueError`` at once.
    candidates : sequence, optional
        Defaults to :data:`DEFAULT_CANDIDATES`.  Each entry is a ``(name, class name, params,
        trains_on_valid_labels)`` 4-tuple (a str, a registered label-model name or alias or class, a
        dict of constructor parameters, a bool; a model of one's own is added with
        :func:`weaksup.labelmodel.registry.register`), a :class:`~weaksup.labelmodel.registry.AutoCandidate`,
        or a str: the name of a default candidate (``"MV"``, ``"WMV-dev"``, ``"DS-semi"``, ...;
        that candidate) or a label-model name or alias of :mod:`weaksup.labelmodel.registry`
        (``"DawidSkene"``, ``"ds"``: the model with its defaults, named as given).  Names must be
        distinct; anything else is a ``ValueError`` naming the entry.  A ``"_ignore_valid": True``
        entry in params fits that candidate without the dev set (uniform prior).
    fallback : str
        Candidate name used when ``fit`` gets no valid set (default ``"GoldFree"``:
        majority vote, ties ordered by :class:`AbstainDawidSkene`); one of the candidates' names.

    Attributes
    ----------
    chosen_ : str
        Name of the selected candidate; ``model_`` is the fitted model and
        ``valid_scores_`` the valid score of every candidate (``dev_scores_``: deprecated alias).
    seed_ : int or None
        The seed every candidate was fitted with: ``fit(..., seed=auto.seed_)`` repeats the fit.  With
        valid labels and ``seed=None`` one seed is drawn from numpy's global generator, as
        MatrixCompletion draws its own, and shared by the candidates; without valid labels, the fallback's
        ``seed_`` (None for a model that draws no seed).

    Examples
    --------
    >>> from weaksup import AutoLabelModel
    >>> from weaksup.synthetic import make_votes
    >>> L, y, _ = make_votes(3000, 6, 2, seed=0)
    >>> Ld, yd, _ = make_votes(300, 6, 2, seed=1)
    >>> auto = AutoLabelModel().fit(L, valid=(Ld, yd), seed=0)
    >>> auto.chosen_ in auto.valid_scores_
    True
    """

    min_lfs = 1
    min_identifiable_lfs = 3
    _fitted_attrs = ("chosen_", "valid_scores_", "class_balance_", "seed_")
    _renamed = {"dev_scores_": "valid_scores_"}
    _parameter_constraints = {"metric": [str], "candidates": [None, list, tuple], "fallback": [str]}

    def __init__(self, cardinality: int | None = None, metric: str = "accuracy",
                 candidates: Any = None, fallback: str = "GoldFree") -> None:
        self.cardinality = cardinality
        self.metric = metric
        self.candidates = candidates
        self.fallback = fallback

    def _validate_params(self) -> None:
        """The declared constraints, then ``metric``, ``candidates`` and ``fallback`` (all before a fit
        changes anything: a refused refit keeps the fitted model)."""
        super()._validate_params()
        self._check_metric()
        names = [c[0] for c in self._candidates(None)]
        if self.fallback not in names:
            raise ValueError(f"fallback {self.fallback!r} is not among the candidates {names}; the fallback is fitted "
                             "when fit gets no valid labels: pass fallback= the name of one of the candidates")

    def _candidates(self, m: int | None) -> list[tuple[str, str, dict[str, Any], bool]]:
        """The candidates that can work with ``m`` LFs (all of them for ``m=None``)."""
        cands = [_candidate_entry(i, c) for i, c in
                 enumerate(self.candidates if self.candidates is not None else DEFAULT_CANDIDATES)]
        seen: dict[str, int] = {}
        for i, (name, *_) in enumerate(cands):
            if name in seen:
                raise ValueError(f"AutoLabelModel: candidates[{i}] and candidates[{seen[name]}] are both named "
                                 f"{name!r}; candidate names must be distinct (they key valid_scores_)")
            seen[name] = i
        out = []
        for name, cls_name, params, on_dev in cands:
            try:
                spec = registry.spec(cls_name)
            except KeyError:
                raise ValueError(f"AutoLabelModel: candidate {name!r}: unknown label model {cls_name!r}; choose "
                                 f"from {registry.model_names('label')}, or add one's own with "
                                 "weaksup.labelmodel.registry.register(cls) and name it") from None
            if spec.family != "label" or spec.name == "AutoLabelModel":
                raise ValueError(f"candidate {name!r}: {cls_name!r} is not a plain label model "
                                 f"(family {spec.family!r})")
            cls = spec.load()
            if m is not None and cls.min_lfs > m:
                continue
            out.append((name, cls_name, dict(params), bool(on_dev)))
        return out

    def _make(self, cls_name: str, params: dict[str, Any]) -> tuple[LabelModel, bool]:
        params = dict(params)
        ignore_dev = bool(params.pop("_ignore_valid", False)) or bool(params.pop("_ignore_dev", False))
        return registry.get_model(cls_name)(cardinality=self.cardinality_, **params), ignore_dev

    def _check_metric(self) -> None:
        """``metric`` must be a registered :mod:`weaksup.metrics` name that scores hard labels (the selection
        scores each candidate's predictions); checked at fit, with or without valid labels."""
        from weaksup.metrics import _REGISTRY

        entry = _REGISTRY.get(self.metric)
        if entry is None:
            raise ValueError(f"AutoLabelModel: unknown metric {self.metric!r}; choose from {tuple(_REGISTRY)}")
        if entry.needs != "labels":
            labels = tuple(name for name, e in _REGISTRY.items() if e.needs == "labels")
            raise ValueError(f"AutoLabelModel: metric {self.metric!r} reads {entry.needs}, but the choice scores each "
                             f"candidate's hard labels on the valid set; choose from {labels}")

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        # a candidate's "LFs vote only one class" / "fewer than 3 usable triplets" warning (its estimates may be
        # off on these votes) is answered by the selection itself
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*LFs vote only one class", category=UserWarning)
            warnings.filterwarnings("ignore", message=r".*usable triplets", category=UserWarning)
            if dev is not None:  # a candidate in DawidSkene's label-swapped mode scores badly on valid: not chosen
                warnings.filterwarnings("ignore", message=r".*takes the LFs to be worse than random",
                                        category=UserWarning)
                # likewise AbstainDawidSkene's posterior where its tables outnumber the votes
                warnings.filterwarnings("ignore", message=r".*vote tables have .* cells", category=UserWarning)
            # said once, by AutoLabelModel's own fit, not again by each candidate
            warnings.filterwarnings("ignore", message=r".*cannot be identified from the votes of fewer",
                                    category=UserWarning)
            # votes that never overlap: with valid labels the selection answers it; without, said below by name
            warnings.filterwarnings("ignore", message=r".*no row carries the votes of two", category=UserWarning)
            self._select(L, class_balance=class_balance, dev=dev, seed=seed)
        if dev is None and getattr(self.model_, "_no_overlap", False) and L.m >= self.min_identifiable_lfs:
            from weaksup.labelmodel.abstain_ds import warn_no_overlap

            warn_no_overlap(f"AutoLabelModel (its gold-free default {self.chosen_!r}, {type(self.model_).__name__})",
                            L.m, self.model_._n_covered)
        if dev is None and class_balance is not None and getattr(self.model_, "decide", None) == "majority":
            warnings.warn(
                f"AutoLabelModel: fitted without valid labels, its gold-free default {self.chosen_!r} lets majority "
                "vote decide every row with votes; the class_balance given is the prior its "
                f"{type(self.model_).__name__} is fitted with (class_balance_), which only orders the classes "
                "tied under majority vote, so it moves few predictions (rows without votes keep the tie rule). "
                "For a prior that weighs on every row, fit AbstainDawidSkene() or DawidSkene() with class_balance=, "
                "or pass valid labels.",
                UserWarning, stacklevel=user_stacklevel())

    def _check_metric_classes(self, k: int) -> None:
        """``metric`` tried on predictions of each of the ``k`` classes (a dry run, before any candidate is
        fitted): a binary metric of more than 2 classes fails here, not after the first candidate's fit."""
        from weaksup.metrics import score

        classes = np.arange(k)
        try:
            score(self.metric, classes, classes)
        except ValueError as exc:
            raise ValueError(f"AutoLabelModel: metric {self.metric!r} cannot score the valid predictions of "
                             f"{k}-class votes (tried on the class ids 0..{k - 1} before fitting): {exc}") from None

    def _select(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        cands = self._candidates(L.m)
        names = [c[0] for c in cands]
        if self.fallback not in names:
            raise ValueError(f"fallback {self.fallback!r} is not among the candidates that can work with "
                             f"{L.m} LF(s): {names}")
        if dev is not None:
            self._check_metric_classes(L.cardinality)
        self.valid_scores_: dict[str, float] = {}
        if dev is None:
            name, cls_name, params, _ = cands[names.index(self.fallback)]
            model, _ = self._make(cls_name, params)
            model.fit(L, class_balance=class_balance, seed=seed)
            self.seed_ = getattr(model, "seed_", seed)
            self._set_choice(name, model)
            if class_balance is not None and getattr(model, "decide", None) == "majority":
                # the prior the fallback was fitted with (its rows without votes keep the tie rule): as
                # MajorityVote's class_balance_, not the uniform distribution such a row gets
                self.class_balance_ = np.asarray(model.class_balance_, dtype=np.float64)
            return
        if seed is None:  # one seed for every candidate (and fold), recorded: each used to draw its own
            seed = int(np.random.randint(1e6))
        self.seed_ = int(seed)
        Ld, yd = _content_order(*dev)
        dev = (Ld, yd)
        # valid votes of another LF version than the training votes' were warned about once by this model's fit:
        # not again by each candidate's fit and predictions on them
        token = _LF_VERSIONS_CHECKED.set(True)
        try:
            best = self._fit_candidates(L, cands, dev, class_balance=class_balance, seed=seed)
        finally:
            _LF_VERSIONS_CHECKED.reset(token)
        assert best is not None
        self._set_choice(best[1], best[2])

    def _fit_candidates(self, L: VoteMatrix, cands: list[Any], dev: tuple[VoteMatrix, np.ndarray], *,
                        class_balance: Any, seed: int) -> tuple[float, str, LabelModel] | None:
        """Fit each candidate (cross-fitted on ``dev`` when it learns from it) and score it on ``dev``: the best
        ``(score, name, model)``, None when every candidate was skipped."""
        from weaksup.metrics import score

        Ld, yd = dev
        best: tuple[float, str, LabelModel] | None = None
        for name, cls_name, params, on_dev in cands:
            model, ignore_dev = self._make(cls_name, params)
            use_dev = None if ignore_dev else dev
            reason = model._unsupported(L) if hasattr(model, "_unsupported") else None
            if reason is not None:
                warnings.warn(f"AutoLabelModel: skipping candidate {name!r}: {reason}", UserWarning,
                              stacklevel=user_stacklevel())
                continue
            try:
                if on_dev and Ld.n >= 4:
                    preds = np.empty(Ld.n, dtype=np.int64)
                    folds = np.random.default_rng(0).permutation(Ld.n) % 2
                    for f in (0, 1):
                        tr, te = folds != f, folds == f
                        sub, _ = self._make(cls_name, params)
                        sub.fit(L, class_balance=class_balance, valid=(Ld[tr], yd[tr]), seed=seed)
                        preds[te] = probs_to_preds(sub.predict_proba(Ld[te]), offset=0)
                else:
                    preds = None
                model.fit(L, class_balance=class_balance, valid=use_dev, seed=seed)
                if preds is None:
                    preds = model.predict(Ld)
            except FloatingPointError as exc:
                # a candidate whose optimiser diverges on these votes is not a reason to fail the selection
                warnings.warn(f"AutoLabelModel: skipping candidate {name!r}: its fit diverged ({exc})", UserWarning,
                              stacklevel=user_stacklevel())
                continue
            s = float(score(self.metric, yd, preds))
            self.valid_scores_[name] = s
            if best is None or s > best[0]:
                best = (s, name, model)
        return best

    def _set_choice(self, name: str, model: LabelModel) -> None:
        self.chosen_ = name
        self.model_ = model
        # the distribution the chosen model gives a row without votes
        self.class_balance_ = model.predict_proba(np.full((1, model.n_lfs_), ABSTAIN))[0]

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        return self.model_._predict_proba(L)

    def _assumes_independent_lfs(self) -> bool:
        # fitted: as the chosen model (MajorityVote estimates nothing from agreement, so copies do not move it)
        model = self.__dict__.get("model_")
        return super()._assumes_independent_lfs() if model is None else model._assumes_independent_lfs()

    def _independence_note(self) -> str:
        model = self.__dict__.get("model_")
        if model is None:  # pragma: no cover - the warning is given after the fit
            return super()._independence_note()
        return (f"AutoLabelModel chose {self.chosen_!r} ({type(model).__name__}), which takes the LFs to vote "
                "independently given the class, so it counts such LFs' votes as independent evidence, and its LF "
                "accuracies, class_balance_ and probabilities lean towards them.")

    def lf_accuracies(self) -> np.ndarray:
        self._check_fitted()
        return self.model_.lf_accuracies()

    # ------------------------------------------------------------ persistence
    def _state(self, stream: bool = True) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The selection and the chosen model's state (its arrays under ``model_.<name>``; not its
        partial_fit statistics: AutoLabelModel does not stream)."""
        meta, arrays = super()._state(stream)
        cands = meta["params"].get("candidates")
        if cands is not None:  # a class or an AutoCandidate cannot be written: as _candidate_entry reads it
            meta["params"]["candidates"] = [_candidate_entry(i, c) if isinstance(c, registry.AutoCandidate) or (
                isinstance(c, (tuple, list)) and len(c) == 4 and isinstance(c[1], type)) else c
                for i, c in enumerate(cands)]
        sub_meta, sub_arrays = self.model_._state(stream=False)
        meta["model_"] = sub_meta
        arrays.update({f"model_.{k}": v for k, v in sub_arrays.items()})
        return meta, arrays

    def _restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Any) -> None:
        sub = {k[len("model_."):]: v for k, v in arrays.items() if k.startswith("model_.")}
        self.model_ = LabelModel._from_state(meta["model_"], sub, path)
        if "seed_" not in meta["json_attrs"]:  # a file written before ``seed_`` was recorded: the seed is unknown
            self.seed_ = None


def _candidate_entry(i: int, entry: Any) -> tuple[str, str, dict[str, Any], bool]:
    """``candidates[i]`` as ``(name, class name, params, trains_on_valid)``: a 4-tuple as documented, an
    :class:`~weaksup.labelmodel.registry.AutoCandidate`, or a str (a default candidate's name, else a
    registered label-model name or alias, fitted with its defaults); anything else is a ValueError naming it."""
    from collections.abc import Mapping

    if isinstance(entry, registry.AutoCandidate):
        return entry.as_tuple()
    where = f"AutoLabelModel: candidates[{i}]"
    if isinstance(entry, str):
        for c in registry.AUTO_CANDIDATES:
            if c.label == entry:
                return c.as_tuple()
        try:
            sp = registry.spec(entry)
        except KeyError:
            raise ValueError(f"{where} = {entry!r} is neither a default candidate "
                             f"{[c.label for c in registry.AUTO_CANDIDATES]} nor a registered label model "
                             f"{registry.model_names('label')}") from None
        return (entry, sp.name, {}, False)
    form = "(name, class name, params, trains_on_valid_labels), e.g. ('DS', 'DawidSkene', {}, False), or a name"
    if not isinstance(entry, (tuple, list)) or len(entry) != 4:
        got = (f"a {type(entry).__name__} of length {len(entry)}" if isinstance(entry, (tuple, list))
               else f"the {type(entry).__name__} {entry!r}")
        raise ValueError(f"{where} must be a 4-tuple {form}; got {got}")
    name, cls_name, params, on_dev = entry
    if isinstance(cls_name, type):  # a class: the registry's name for it (AutoLabelModel stores and saves names)
        sp = registry.spec_of(cls_name)
        if sp is None:
            raise ValueError(f"{where}: the class {cls_name.__module__}.{cls_name.__qualname__} is not a registered "
                             f"label model; register it first (weaksup.labelmodel.registry.register("
                             f"{cls_name.__name__})) and give its name or the class")
        cls_name = sp.name
    for what, value, ok, want in (("name", name, isinstance(name, str), "a str"),
                                  ("class name", cls_name, isinstance(cls_name, str), "a label-model name (a str)"),
                                  ("params", params, isinstance(params, Mapping), "a dict of parameters"),
                                  ("trains_on_valid_labels", on_dev, isinstance(on_dev, (bool, np.bool_)), "a bool")):
        if not ok:
            raise ValueError(f"{where}: its {what} must be {want}, got the {type(value).__name__} {value!r} "
                             f"(an entry is {form})")
    return (name, cls_name, dict(params), bool(on_dev))


def _content_order(L: VoteMatrix, y: np.ndarray) -> tuple[VoteMatrix, np.ndarray]:
    """The labelled rows sorted by their votes (LF columns taken in name order) and then their label:
    an order that depends on what the rows hold, not where they sat (rows equal in both are
    interchangeable)."""
    d = L.select_lfs(sorted(L.lf_names)).to_dense()
    y = np.asarray(y)
    order = np.lexsort((y, *d.T[::-1]))  # the last key is the primary one
    return L[order], y[order]
