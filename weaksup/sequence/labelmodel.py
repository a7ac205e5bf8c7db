"""Label models for sequence tagging: token majority vote, token Dawid–Skene, HMM.

All models take :class:`~weaksup.sequence.votes.SequenceVotes` in BIO (IO is
converted), return per-token BIO marginals from :meth:`predict_proba`
(``n_tokens × n_bio_tags``, WRENCH tag-id order) and per-sentence BIO tag lists
from :meth:`predict`; :meth:`score` gives strict span F1 against gold tags.

WRENCH ``SeqLabelModelWrapper`` semantics (token models)
--------------------------------------------------------
:class:`TokenMajorityVote` and :class:`TokenDawidSkene` (with the default
``wrench_abstain=True, io=True``) follow WRENCH's wrapper exactly, with its code
default ``SeqLabelModelWrapper.fit(bio_to_io=True)``:

1. On every token where some LF votes a non-``O`` tag, the LFs voting ``O``
   are turned into abstains; on tokens where all LFs vote ``O`` the ``O``
   votes stay (:meth:`SequenceVotes.wrench_abstain`).
2. BIO ids become IO ids (``B-t``/``I-t`` -> ``t``), so a token-level
   classifier over ``1 + n_types`` classes sees the flattened tokens.
3. The token classifier predicts; ties are broken with snorkel's
   deterministic ``sha1(str(i)) % n_ties`` rule, ``i`` being the token's flat
   index within the predicted split (MV: soft vote counts).  A token on which
   every LF abstains (``apply_span_lfs(outside="abstain")``, or
   :meth:`~SequenceVotes.o_as_abstain`) is ``O`` with probability 1: no LF
   claims an entity there; the token model is fitted as if every LF (that
   votes anywhere) voted ``O`` there, as :class:`~weaksup.sequence.hmm.HMM`
   is, so with ``wrench_abstain=True`` abstain- and ``O``-encoded span-LF
   votes give the same fit.  (WRENCH's MV gives such a token uniform probabilities, so its
   tie-break drew a random entity type; WRENCH's own files never have such a
   token, since every LF tags every token and ``O`` votes are kept where no
   LF votes an entity.)
4. IO predictions go back to BIO per sentence: the first token of each run of
   one type is ``B-`` (so adjacent same-type entities merge).  In
   :meth:`~TokenLabelModel.predict_proba` a type's IO probability goes to
   ``I-`` as far as the previous token's decision is that type, a tie there
   counting evenly (:func:`~weaksup.sequence.tags.io_to_bio_marginals`), so probabilities do not
   depend on the order of the sentences; hard predictions keep WRENCH's rule.

``io=False`` is WRENCH's ``bio_to_io=False``: steps 2 and 4 are skipped and the
token model votes BIO tags (a stray ``I-X`` winning a token is repaired to
``B-X``).  That is the protocol WRENCH's *published* tagging table follows: on
the recovered BC5CDR / NCBI-Disease / LaptopReview files with the ``lf_rec``
LFs, ``TokenMajorityVote(io=False)`` gives test span F1 81.67 / 72.37 / 67.43
against the published 81.71 / 72.37 / 67.43, while the default ``io=True``
gives 83.46 / 78.44 / 73.27 (docs/benchmarks.md, section ``sequence-tagging``).

:class:`TokenDawidSkene` is exactly ``TokenLabelModel(DawidSkene(abstain_as_class=True,
alpha=smoothing))``: the classification :class:`~weaksup.labelmodel.DawidSkene`
on the flattened tokens (one EM in the package).

:class:`~weaksup.sequence.hmm.HMM` works on BIO states directly (see its
docstring); the chain kernels (forward–backward, Viterbi, BIO masks) live in
:mod:`weaksup.sequence.inference`.

Every model follows one contract: ``fit(votes, *, seed=None) -> self``;
``predict_proba`` / ``predict_ids`` / ``predict`` / ``score(votes, y, *,
metric="span_f1")``; ``get_params`` / ``set_params``; :meth:`~SequenceLabelModel.save`
/ :meth:`~SequenceLabelModel.load` through :mod:`weaksup._persist` (format tag
``"weaksup.SequenceLabelModel"``); :class:`weaksup._validation.NotFittedError`
before ``fit``.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, ClassVar, TypeVar, overload

import numpy as np

from weaksup._deprecate import warn_deprecated
from weaksup._params import ParamsMixin
from weaksup._persist import (
    check_fitted_state,
    class_path,
    load_class,
    load_npz,
    load_npz_v0,
    model_from_meta,
    save_npz,
)
from weaksup._validation import Interval, check_is_fitted, check_params, check_seed, warn_silent_lfs
from weaksup.metrics import tie_split
from weaksup.sequence.tags import io_ids_to_bio_ids, io_to_bio_marginals, repair_bio_ids
from weaksup.sequence.votes import SequenceVotes, _carried
from weaksup.votes import _is_placeholder

__all__ = [
    "SequenceLabelModel",
    "TokenMajorityVote",
    "TokenDawidSkene",
    "TokenLabelModel",
    "check_sequence_votes",
    "FORMAT",
]

#: Format tag of saved sequence label models.
FORMAT = "weaksup.SequenceLabelModel"

#: Names that moved out of this module in 0.2 (old imports still work, with a DeprecationWarning).
_MOVED = {
    "HMM": "weaksup.sequence.hmm",
    "forward_backward": "weaksup.sequence.inference",
    "viterbi": "weaksup.sequence.inference",
    "bio_transition_mask": "weaksup.sequence.inference",
    "bio_start_mask": "weaksup.sequence.inference",
}

_Self = TypeVar("_Self", bound="SequenceLabelModel")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        warn_deprecated(f"weaksup.sequence.labelmodel.{name}", f"{_MOVED[name]}.{name}")
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'weaksup.sequence.labelmodel' has no attribute {name!r}")


def _sha1_tie_preds(probs: np.ndarray, tol: float = 1e-5) -> np.ndarray:
    from weaksup.labelmodel.base import probs_to_preds

    return probs_to_preds(probs, "random", tol=tol)


def check_sequence_votes(votes: Any, what: str = "votes") -> SequenceVotes:
    """``votes`` in BIO (IO is converted); anything but :class:`SequenceVotes` is a ``TypeError``."""
    if not isinstance(votes, SequenceVotes):
        raise TypeError(f"{what} must be a SequenceVotes, got {type(votes).__name__}")
    return votes.to_bio()


class SequenceLabelModel(ParamsMixin):
    """Base class: ``fit(votes) -> self``, ``predict_proba``, ``predict``, ``score``, ``save``/``load``.

    Subclasses implement ``_fit(V, seed=)`` and ``_predict_proba(V)`` (and
    optionally ``_predict_ids``); their fitted arrays are listed in
    ``_fitted_attrs`` (saved by :meth:`save`).

    Examples
    --------
    >>> from weaksup.sequence import HMM, SequenceLabelModel, TokenLabelModel
    >>> issubclass(HMM, SequenceLabelModel), issubclass(TokenLabelModel, SequenceLabelModel)
    (True, True)
    """

    _fitted_attrs: ClassVar[tuple[str, ...]] = ()

    #: Hyper-parameter name -> accepted forms (:func:`weaksup._validation.check_params`), checked
    #: when ``fit`` starts, before any pass over the votes.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}

    def fit(self: _Self, votes: SequenceVotes, *, seed: int | None = None) -> _Self:
        """Fit on the votes of a corpus (no gold tags); ``seed`` seeds any random choice.

        An LF that never votes on any token is warned about (UserWarning naming it, as a label model's
        ``fit`` does); the fit goes on, and the LF changes no probability.

        ``seed``: None or an int in ``[0, 2**32 - 1]`` (:func:`weaksup._validation.check_seed`), checked
        first, whether or not the model draws anything at random: anything else is a ``TypeError`` /
        ``ValueError`` naming ``<Model>.fit``.
        """
        seed = check_seed(seed, f"{type(self).__name__}.fit")
        check_params(self)
        V = check_sequence_votes(votes)
        if V.m < 1:
            raise ValueError("votes have no LF columns")
        if V.n_tokens:  # the label, value and flow models' warning, in tokens (one per fit, for every model)
            sentences = f"{V.n_sentences} sentence" + ("s" if V.n_sentences != 1 else "")
            tokens = f"{V.n_tokens} training token" + ("s" if V.n_tokens != 1 else "")
            warn_silent_lfs(V.lf_names, _lf_fires(V), V.n_tokens, votes_type="SequenceVotes",
                            units=f"{tokens} ({sentences})")
        self._fit(V, seed=seed)
        self.lf_names_ = list(V.lf_names)
        # whether those names were made up (votes given as an array), as a label model records it; a model from
        # before this record reads the lf_0 .. pattern instead (see __setstate__ and load for b356c1b's record)
        self._lf_names_made_up_ = V.placeholder_names
        self.entity_types_ = list(V.entity_types)
        return self

    def _fit(self, V: SequenceVotes, *, seed: int | None) -> None:
        raise NotImplementedError

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        # a model pickled with b356c1b's record (_lf_names_placeholder_), which stored False when fitted on a slice
        # of unnamed votes: only its True was reliable (_old_made_up)
        if "_lf_names_placeholder_" in self.__dict__:
            old = self.__dict__.pop("_lf_names_placeholder_")
            if "_lf_names_made_up_" not in self.__dict__ and "lf_names_" in self.__dict__:
                self._lf_names_made_up_ = _old_made_up(old, self.lf_names_)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "lf_names_", msg=f"{type(self).__name__} is not fitted yet; call fit(votes) first")

    def _check_predict(self, votes: SequenceVotes) -> SequenceVotes:
        self._check_fitted()
        V = check_sequence_votes(votes)
        if V.lf_names != self.lf_names_:
            from weaksup.labelmodel.base import align_lfs

            # LF columns matched as a label model matches them (align_lfs): the same LFs in another order are
            # reordered by name; made-up names lf_0 .. lf_{m-1} in order on either side (votes given as an
            # array, or a model fitted on them, or on a frame before SequenceVotes read a frame's column names)
            # are read by position; other LFs, or another LF count, are refused.  Whether names were made up
            # is what the model recorded at fit (None: fitted before the record, the lf_0 .. pattern decides)
            try:
                aligned = align_lfs(V, self.lf_names_, placeholder=getattr(self, "_lf_names_made_up_", None))
            except ValueError as exc:
                raise ValueError(f"votes have LFs {V.lf_names}; the model was fitted on {self.lf_names_} "
                                 f"({exc})") from None
            # read by position: under the fitted names, which the token model was fitted on
            V = aligned if aligned.lf_names == self.lf_names_ else \
                SequenceVotes(V.data, V.offsets, V.entity_types, self.lf_names_, V.scheme)
        if V.entity_types != self.entity_types_:
            raise ValueError(f"votes have entity types {V.entity_types}; fitted on {self.entity_types_}")
        return V

    def predict_proba(self, votes: SequenceVotes) -> np.ndarray:
        """``n_tokens × n_bio_tags`` per-token marginals (rows sum to 1)."""
        return self._predict_proba(self._check_predict(votes))

    def _predict_proba(self, V: SequenceVotes) -> np.ndarray:
        raise NotImplementedError

    def predict_ids(self, votes: SequenceVotes) -> np.ndarray:
        """Flat BIO tag ids, one per token."""
        return self._predict_ids(self._check_predict(votes))

    def _predict_ids(self, V: SequenceVotes) -> np.ndarray:
        return self._predict_proba(V).argmax(axis=1)

    def predict(self, votes: SequenceVotes) -> list[list[str]]:
        """BIO tag sequences, one list per sentence."""
        V = self._check_predict(votes)
        ids = self._predict_ids(V)
        names = V.tag_names
        flat = [names[i] for i in ids.tolist()]
        return [flat[a:b] for a, b in zip(V.offsets[:-1].tolist(), V.offsets[1:].tolist())]

    # one metric name gives its value, a list of names a dict of values: overloads say so, else every result
    # types as the union and ``model.score(V, tags) > 0.5`` fails a type checker
    @overload
    def score(self, votes: SequenceVotes, y_true: Any, metric: str = ...) -> float: ...

    @overload
    def score(self, votes: SequenceVotes, y_true: Any, metric: list[str]) -> dict[str, float]: ...

    def score(self, votes: SequenceVotes, y_true: Any,
              metric: str | list[str] = "span_f1") -> float | dict[str, float]:
        """Strict span-level ``span_f1`` (default), ``precision`` or ``recall`` against gold BIO tags.

        ``metric`` is one name, or a list of names for a dict ``{name: value}`` (as a label model's
        ``score``).

        ``metric="f1"`` is a deprecated alias of ``"span_f1"`` (in :mod:`weaksup.metrics`
        ``"f1"`` means binary F1).
        """
        return span_score(y_true, self.predict(votes), metric)

    # --------------------------------------------------------- persistence
    def _state(self, path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON meta, arrays) of the fitted state beyond ``_fitted_attrs``; ``path`` names the file."""
        return {}, {}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        return None

    def _json_params(self) -> dict[str, Any]:
        return self.get_params(deep=False)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Parameters (JSON) and fitted arrays in one ``.npz`` file, written atomically; no pickle."""
        self._check_fitted()
        extra_meta, arrays = self._state(Path(path))
        arrays.update({a: np.asarray(getattr(self, a)) for a in self._fitted_attrs})
        meta = {"class": class_path(self), "params": self._json_params(), "lf_names": self.lf_names_,
                "entity_types": self.entity_types_, "state": extra_meta}
        if getattr(self, "_lf_names_made_up_", None) is not None:
            meta["lf_names_made_up"] = bool(self._lf_names_made_up_)
        save_npz(path, FORMAT, meta, arrays, compress=True)

    @classmethod
    def load(cls: type[_Self], path: str | os.PathLike[str]) -> _Self:
        """Read a model written by :meth:`save` (``cls`` itself or any weaksup subclass of it).

        The file is checked as a label model's is (:func:`weaksup._persist.model_from_meta`): every
        problem (no class entry, a parameter this weaksup does not know or whose value ``fit`` would
        refuse, a missing fitted array) is a ``ValueError`` naming the file.
        """
        meta, arrays = load_npz(path, FORMAT, legacy=_read_v0)
        obj = model_from_meta(meta, cls, path, validate=check_params, what="sequence label-model")
        for a in obj._fitted_attrs:
            if a in arrays:
                setattr(obj, a, arrays[a])
        check_fitted_state(obj, obj._fitted_attrs, path)
        try:
            obj._set_state(meta.get("state", {}), arrays, Path(path))
            obj.lf_names_ = list(meta["lf_names"])
            obj.entity_types_ = list(meta["entity_types"])
            # neither key (a file from before the record): the lf_0 .. pattern decides at predict (align_lfs)
            if "lf_names_made_up" in meta:
                obj._lf_names_made_up_ = bool(meta["lf_names_made_up"])
            elif "lf_names_placeholder" in meta:  # b356c1b's record: only its True was reliable (_old_made_up)
                obj._lf_names_made_up_ = _old_made_up(meta["lf_names_placeholder"], obj.lf_names_)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a complete weaksup sequence label-model file (it lacks or garbles "
                             f"{exc})") from exc
        return obj


def _old_made_up(recorded: Any, lf_names: list[str]) -> bool:
    """Whether the names of a model fitted by b356c1b were made up, from what it recorded (``lf_names_placeholder``).

    That record was True only for votes built with no names; a sentence slice, ``select_lfs`` or ``concat`` of them
    built votes with their names given and recorded False.  So a True is kept, and a False is judged by the
    ``lf_0 .. lf_{m-1}`` pattern rule, as a model without the record is.
    """
    return bool(recorded) or _is_placeholder(lf_names)


def _read_v0(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A 0.1 sequence-model file (JSON under ``"meta"``, bare class name); read-only, one release."""
    meta, arrays = load_npz_v0(path, "meta")
    name = meta.get("class")
    if name == "TokenDawidSkene":  # 0.1 stored its private EM's tables; the model is now DawidSkene's
        raise ValueError(f"{path}: a TokenDawidSkene saved by weaksup 0.1 cannot be read; fit and save it again")
    if name not in ("HMM", "TokenMajorityVote"):
        raise ValueError(f"{path}: not a weaksup sequence label model file")
    return {**meta, "class": f"weaksup.sequence.{name}", "state": {}}, arrays


def span_score(y_true: Any, y_pred: Any, metric: str | list[str] = "span_f1") -> float | dict[str, float]:
    """``span_f1`` / ``precision`` / ``recall`` of predicted tag lists (``"f1"``: deprecated alias).

    ``metric`` is one name (a float is returned) or a list or tuple of names (a dict keyed by the names as
    given, as a label model's ``score`` returns).
    """
    from weaksup.sequence.metrics import span_prf

    many = isinstance(metric, (list, tuple))
    # narrowed per branch, so ``names`` types as list[str] (``[metric]`` on the union did not)
    names: list[str] = list(metric) if isinstance(metric, (list, tuple)) else [metric]
    idx = {"precision": 0, "recall": 1, "span_f1": 2}
    for i, m in enumerate(names):
        if m == "f1":  # stacklevel: warn_deprecated <- span_score <- score <- the caller
            warn_deprecated("metric='f1' for tagging models (it means binary F1 in weaksup.metrics)",
                            "metric='span_f1'", stacklevel=4)
        elif not isinstance(m, str) or m not in idx:
            where = f"metric[{i}]" if many else "metric"
            raise ValueError(f"{where} must be 'span_f1', 'precision' or 'recall', got {m!r}")
    prf = span_prf(y_true, y_pred)
    values: dict[str, float] = {m: prf[idx["span_f1" if m == "f1" else m]] for m in names}
    return values if many else values[names[0]]


# ====================================================================== token models
class TokenLabelModel(SequenceLabelModel):
    """WRENCH ``SeqLabelModelWrapper``: any token-level classifier over flattened votes.

    Parameters
    ----------
    label_model : LabelModel, optional
        A classification label model (``fit(VoteMatrix)``, ``predict_proba``),
        for example :class:`weaksup.labelmodel.MajorityVote`; ``fit`` trains a
        clone of it (``label_model_``), never the object passed in.  ``None``
        means WRENCH's soft majority vote.  A name (``"majority"``), a class
        (``DawidSkene`` for ``DawidSkene()``) or an object whose ``fit`` needs more
        than the votes (a supervised classifier) is a TypeError at ``fit`` naming ``label_model``.
    wrench_abstain : bool
        Turn ``O`` votes into abstains on tokens where some LF votes an entity.
    io : bool
        Fit the token model on IO classes (``1 + n_types``) and convert back.  With ``io=False`` the
        token model votes BIO tags and a stray ``I-X`` winning a token is predicted as ``B-X``
        (conlleval repair), so predictions are always valid IOB2.

    Examples
    --------
    >>> from weaksup.sequence import SpanLabelingFunction, TokenLabelModel, apply_span_lfs, regex_span_lf
    >>> person = regex_span_lf("two_caps", "[A-Z][a-z]+ [A-Z][a-z]+", "PER")
    >>> cities = SpanLabelingFunction(
    ...     "cities", lambda x: [(i, i + 1) for i, t in enumerate(x.tokens) if t in {"Paris", "Rome"}],
    ...     entity_type="LOC")
    >>> votes = apply_span_lfs(["Ada Lovelace left Paris", "Rome"], [person, cities], progress=False)
    >>> TokenLabelModel().fit(votes).predict(votes)
    [['B-PER', 'I-PER', 'O', 'B-LOC'], ['B-LOC']]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {"wrench_abstain": [bool], "io": [bool]}

    def __init__(self, label_model: Any = None, wrench_abstain: bool = True, io: bool = True) -> None:
        self.label_model = label_model
        self.wrench_abstain = wrench_abstain
        self.io = io

    def _prepare(self, V: SequenceVotes, fit: bool = False) -> SequenceVotes:
        if fit:
            # a token where every LF abstains is O: the token model is fitted as if the LFs voted O there, as the
            # HMM does, so outside="abstain" / o_as_abstain() votes are fitted as the outside="O" ones are
            # (without it those tokens told it nothing about O: with one entity type every vote was that type
            # and DawidSkene refused to fit; with two, DS placed O by the class balance alone).  Predictions
            # need no such votes: those tokens are O with probability 1 (_token_proba)
            V = _silent_tokens_as_o(V)
        if self.wrench_abstain:
            V = V.wrench_abstain()
        return V.to_io() if self.io else V

    def _token_model(self) -> Any:
        """A fresh, unfitted token classifier (None: soft majority vote)."""
        from sklearn.base import clone

        if self.label_model is None:
            return None
        _check_token_model(self.label_model, type(self).__name__)
        return clone(self.label_model)

    def _fit(self, V: SequenceVotes, *, seed: int | None) -> None:
        from weaksup.labelmodel.base import LabelModel

        model = self._token_model()
        if model is not None:
            W = self._prepare(V, fit=True)
            M = W.to_vote_matrix()
            try:
                with warnings.catch_warnings():
                    if np.array_equal(_lf_fires(W) == 0, _lf_fires(V) == 0):
                        # fit already named these LFs (SequenceLabelModel.fit); the token model would repeat it.
                        # An LF silenced only by the preparation (its 'O' votes dropped) is still its to name
                        warnings.filterwarnings("ignore", message=r"votes: LF .* never fires", category=UserWarning)
                    model.fit(M, seed=seed) if isinstance(model, LabelModel) else model.fit(M)
            except ValueError as exc:
                msg = self._one_tag_message(W, model)
                if msg is None:
                    raise
                raise ValueError(msg) from exc  # the token model's own words were "every vote is class 1"
        self.label_model_ = model

    def _one_tag_message(self, W: SequenceVotes, model: Any) -> str | None:
        """What to say when every vote of the prepared token votes ``W`` is one tag (None otherwise)."""
        d = W.data[W.data >= 0]
        voted = np.unique(d)
        if W.n_tags < 2 or voted.size != 1:
            return None
        names = W.tag_names
        steps = "; 'O' votes beside an entity vote dropped (wrench_abstain)" if self.wrench_abstain else ""
        steps += "; IO tags (io=True)" if self.io else ""
        return (f"{type(self).__name__}.fit: every LF vote on the {W.n_tokens} tokens is {names[voted[0]]!r} (as "
                f"fitted: on a token where every LF abstains the LFs vote 'O'{steps}); its token model "
                f"{type(model).__name__} needs votes for at least two of the tags {names} to tell them apart. "
                + ("Every token has an entity vote and no LF votes 'O': give the LFs 'O' votes "
                   "(apply_span_lfs(outside='O')), or use TokenMajorityVote, which estimates nothing"
                   if voted[0] > 0 else "No LF votes an entity: write LFs that tag entities"))

    def _token_proba(self, W: SequenceVotes) -> np.ndarray:
        if self.label_model_ is not None:
            p = np.asarray(self.label_model_.predict_proba(W.to_vote_matrix()), dtype=np.float64)
        else:
            p = _soft_vote_counts(W.data, W.n_tags)
        # a token no LF votes on is O: uniform (MV) or prior-driven (DS) probabilities there made the tie-break
        # or the prior invent entities on every uncovered token (outside="abstain")
        silent = (W.data < 0).all(axis=1)
        if silent.any():
            p = p.copy()
            p[silent] = 0.0
            p[silent, 0] = 1.0
        return p

    def _predict_proba(self, V: SequenceVotes) -> np.ndarray:
        W = self._prepare(V)
        p = self._token_proba(W)
        if not self.io:
            return p
        return io_to_bio_marginals(p, tie_split(p), V.offsets)

    def _predict_ids(self, V: SequenceVotes) -> np.ndarray:
        W = self._prepare(V)
        preds = _sha1_tie_preds(self._token_proba(W))
        # io=False votes BIO tags per token independently, so a stray I-X can win: repair it (conlleval) so every
        # prediction is valid IOB2; io=True output is valid by construction and left untouched
        return io_ids_to_bio_ids(preds, V.offsets) if self.io else repair_bio_ids(preds, V.offsets)

    # the fitted token classifier is stored as its own weaksup file inside this one
    def _json_params(self) -> dict[str, Any]:
        params = self.get_params(deep=False)
        if "label_model" in params:
            params["label_model"] = None  # restored from the saved fitted token model
        return params

    def _state(self, path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.label_model_ is None:
            return {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            inner = Path(tmp) / "token_model.npz"
            self.label_model_.save(inner)
            return {"token_model": class_path(self.label_model_)}, \
                {"token_model_file": np.frombuffer(inner.read_bytes(), np.uint8)}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        from weaksup.labelmodel.base import LabelModel

        self.label_model_ = None
        if "token_model" not in meta:
            return
        klass = load_class(meta["token_model"], LabelModel, path=path)
        with tempfile.TemporaryDirectory() as tmp:
            inner = Path(tmp) / "token_model.npz"
            inner.write_bytes(arrays["token_model_file"].tobytes())
            self.label_model_ = klass.load(inner)
        if "label_model" in self._param_names():
            from sklearn.base import clone

            self.label_model = clone(self.label_model_)  # the unfitted template it was trained from


def _lf_fires(V: SequenceVotes) -> np.ndarray:
    """The number of tokens each LF votes on (any tag, ``O`` included), one count per LF column."""
    return (np.asarray(V.data) >= 0).sum(axis=0)


def _silent_tokens_as_o(V: SequenceVotes) -> SequenceVotes:
    """``V`` with an ``O`` vote, on each token where every LF abstains, from every LF that votes somewhere in ``V``
    (what a token model is fitted on; :func:`weaksup.sequence.hmm._silent_tokens_as_o` gives the HMM's).

    An LF that never votes stays silent: it carries no information, and an ``O`` vote on those tokens would
    make it one (weaksup.estimator_checks.check_silent_lf).

    >>> v = SequenceVotes(np.array([[-1, -1, -1], [1, -1, -1], [-1, 0, -1]]), [0, 3], ["X"])
    >>> _silent_tokens_as_o(v).data.tolist()
    [[0, 0, -1], [1, -1, -1], [-1, 0, -1]]
    """
    data = np.asarray(V.data)
    silent = (data < 0).all(axis=1)
    fires = (data >= 0).any(axis=0)
    if not silent.any() or not fires.any():
        return V
    data = data.astype(np.int64)
    data[np.ix_(silent, fires)] = 0
    return _carried(SequenceVotes(data, V.offsets, V.entity_types, V.lf_names, V.scheme), V.placeholder_names)


def _soft_vote_counts(data: np.ndarray, k: int) -> np.ndarray:
    """WRENCH MajorityVoting: normalised vote counts; uniform where no LF votes (made ``O`` by the caller)."""
    counts = np.zeros((data.shape[0], k))
    d = data.astype(np.int64)
    for c in range(k):
        counts[:, c] = (d == c).sum(axis=1)
    tot = counts.sum(axis=1, keepdims=True)
    counts[tot[:, 0] == 0] = 1.0
    return counts / counts.sum(axis=1, keepdims=True)


def _check_token_model(model: Any, owner: str) -> None:
    """``model`` is usable as ``owner``'s token model: an instance of a classification label model.

    A weaksup :class:`~weaksup.labelmodel.base.LabelModel` instance passes; another object must offer
    ``get_params`` (``fit`` trains a clone), ``predict_proba`` and a ``fit`` that needs the votes alone.  Without
    this a name, a class or a supervised classifier failed inside sklearn's ``clone`` or its own ``fit``
    ("Cannot clone object ''majority''", "fit() missing 1 required positional argument: 'y'") without naming
    ``label_model``.
    """
    import inspect

    from weaksup.labelmodel.base import LabelModel

    if isinstance(model, LabelModel):
        return
    must = (f"{owner}: label_model must be a classification label model instance (fit(VoteMatrix), "
            "predict_proba(VoteMatrix)), e.g. MajorityVote() or DawidSkene() from weaksup.labelmodel, or None for "
            "the soft majority vote")
    if isinstance(model, type):
        example = f"{model.__name__}()" if issubclass(model, LabelModel) else "DawidSkene()"
        raise TypeError(f"{must}; got the class {model.__name__} itself: pass an instance, e.g. {example}")
    if isinstance(model, str):
        raise TypeError(f"{must}; got the str {model!r} (a model is passed, not its name)")
    missing = [a for a in ("fit", "predict_proba", "get_params") if not callable(getattr(model, a, None))]
    if missing:
        raise TypeError(f"{must}; got an instance of {type(model).__name__}, which has no {' / '.join(missing)}")
    try:
        params = inspect.signature(model.fit).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): let fit say it
        return
    required = [p.name for p in params if p.default is p.empty
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)][1:]  # the first takes the votes
    if required:
        raise TypeError(f"{must}; got an instance of {type(model).__name__}, whose fit also needs {required} "
                        "besides the votes (a supervised classifier or a feature label model?): the token model is "
                        "fitted on the votes alone")


class TokenMajorityVote(TokenLabelModel):
    """Token majority vote with WRENCH ``SeqLabelModelWrapper(MajorityVoting)`` semantics.

    See the module docstring for the exact rule.  On WRENCH's recovered
    BC5CDR / NCBI-Disease / LaptopReview files with the ``lf_rec`` LFs it gives
    test span F1 83.46 / 78.44 / 73.27 with IO votes (``io=True``, the default, WRENCH's
    code default ``bio_to_io=True``) and 81.67 / 72.37 / 67.43 with BIO votes
    (``io=False``), which reproduces WRENCH's published MV row (81.71 / 72.37 / 67.43).

    Examples
    --------
    >>> from weaksup.sequence import SequenceVotes, TokenMajorityVote
    >>> v = SequenceVotes.from_tag_lists([[["B-X", "O", "O"], ["I-X", "I-X", "O"], ["O", "O", "O"]]], ["X"])
    >>> TokenMajorityVote().fit(v).predict(v)
    [['B-X', 'I-X', 'O']]
    """

    def __init__(self, wrench_abstain: bool = True, io: bool = True) -> None:
        super().__init__(None, wrench_abstain, io)


class TokenDawidSkene(TokenLabelModel):
    """Dawid–Skene EM on flattened tokens, inside the WRENCH wrapper (see module docstring).

    The same model as ``TokenLabelModel(DawidSkene(abstain_as_class=...,
    alpha=smoothing, max_iter=n_iter, tol=tol))``: the token classifier is
    :class:`weaksup.labelmodel.DawidSkene` (``label_model_`` after ``fit``).

    ``abstain_as_class=True`` (default, WRENCH's ``DawidSkene``) models an
    abstain as one more output of each LF, with its own class-conditional
    probability; ``False`` treats abstains as missing (classic DS).  Under the
    WRENCH wrapper rule the missing-data version is unstable with several
    entity types: an LF for type A votes on a type-B token only when it is
    wrong, so "given that it votes" it looks uninformative (BC5CDR: 38 F1
    instead of 83).  Confusion rows and the class prior get Dirichlet
    pseudo-counts ``smoothing`` (so no zero locks in); EM starts from soft
    majority vote and stops when the largest parameter change is below ``tol``.

    Examples
    --------
    >>> from weaksup.sequence import SequenceVotes, TokenDawidSkene
    >>> v = SequenceVotes.from_tag_lists([[["B-X", "B-X", "O"], ["O", "O", "O"]]], ["X"])
    >>> TokenDawidSkene().fit(v).predict(v)
    [['B-X', 'O']]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_iter": [Interval(1, None, integer=True)],
        "tol": [Interval(0, None)],
        "smoothing": [Interval(0, None)],
        "abstain_as_class": [bool],
    }

    def __init__(self, wrench_abstain: bool = True, io: bool = True, n_iter: int = 100,
                 tol: float = 1e-5, smoothing: float = 1.0, abstain_as_class: bool = True) -> None:
        super().__init__(None, wrench_abstain, io)
        self.n_iter = n_iter
        self.tol = tol
        self.smoothing = smoothing
        self.abstain_as_class = abstain_as_class

    def _token_model(self) -> Any:
        from weaksup.labelmodel.dawid_skene import DawidSkene

        return DawidSkene(alpha=self.smoothing, max_iter=self.n_iter, tol=self.tol,
                          abstain_as_class=self.abstain_as_class)

    @property
    def prior_(self) -> np.ndarray:
        """Class (IO tag) prior of the fitted token model."""
        self._check_fitted()
        return np.asarray(self.label_model_.class_balance_)

    @property
    def confusion_(self) -> np.ndarray:
        """``(m, k, k [+1])`` ``P(output | class)`` per LF (last column: abstain, with ``abstain_as_class``)."""
        self._check_fitted()
        lm = self.label_model_
        conf = np.exp(lm.log_conf_)
        if self.abstain_as_class:
            return np.concatenate([conf, np.exp(lm.log_abstain_)[:, :, None]], axis=2)
        return conf / conf.sum(2, keepdims=True)
