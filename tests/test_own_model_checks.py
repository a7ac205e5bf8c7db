"""A researcher's own label and end models: check_estimator names every failure, checks an EndModel subclass and
undeclared parameters; a LabelModel without a ``cardinality`` parameter fits; predict_proba refuses a subclass's
malformed ``_predict_proba`` output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.estimator_checks import check_estimator, family_of, run_check
from weaksup.labelmodel import LabelModel
from weaksup.synthetic import make_votes

from support.own_models import AccVote


@pytest.fixture(scope="module")
def votes():
    L, y, _ = make_votes(300, 6, 2, seed=0)
    return L, y


# ------------------------------------------------------------------ check_estimator names every failure
class ForgotFittedAttrs(AccVote):
    _fitted_attrs = ()  # weights_ not listed: save() writes no weights, predict after load fails


class NaNOnRow0(AccVote):
    def _predict_proba(self, L):
        p = super()._predict_proba(L)
        p[0] = np.nan
        return p


def test_a_check_that_crashes_is_an_assertion_error_naming_model_and_check():
    """A bare AttributeError (from check_save_load) and a ValueError escaped check_estimator unlabelled."""
    with pytest.raises(AssertionError, match=r"^ForgotFittedAttrs: check_save_load failed: AttributeError: .*"
                                             r"'weights_'.*\[save warned: .*\['weights_', 'class_balance_'\] are not "
                                             r"in ForgotFittedAttrs._fitted_attrs") as info:
        check_estimator(ForgotFittedAttrs)
    assert isinstance(info.value.__cause__.__cause__, AttributeError)
    with pytest.raises(AssertionError, match=r"^NaNOnRow0: check_\w+ failed: ValueError: NaNOnRow0._predict_proba "
                                             r"returned NaN or inf in 1 row\(s\), first at row 0"):
        check_estimator(NaNOnRow0)
    with pytest.raises(AssertionError, match=r"^ValueError: NaNOnRow0._predict_proba returned NaN"):
        run_check(NaNOnRow0, "check_probabilities")


def test_a_valid_model_of_ones_own_passes_every_check():
    assert "check_params_declared" in check_estimator(AccVote)


# ------------------------------------------------------------------ an end model of one's own
def _nearest_centroid():
    from weaksup.endmodel import EndModel

    class NearestCentroid(EndModel):  # the EndModel docstring's example
        def __init__(self, cardinality=None):
            self.cardinality = cardinality

        def _fit(self, X, P, w, valid, seed):
            X = X.toarray() if hasattr(X, "toarray") else X
            self.centroids_ = (P.T @ X) / P.sum(0)[:, None]

        def _predict_proba(self, X):
            X = X.toarray() if hasattr(X, "toarray") else X
            d = -((X[:, None, :] - self.centroids_) ** 2).sum(-1)
            e = np.exp(d - d.max(1, keepdims=True))
            return e / e.sum(1, keepdims=True)

    return NearestCentroid


def test_an_end_model_subclass_is_checked_as_an_end_model():
    """'cannot tell the family of NearestCentroid; register it in weaksup.labelmodel.registry' before."""
    cls = _nearest_centroid()
    assert family_of(cls) == family_of(cls()) == "end"
    names = check_estimator(cls())
    assert "check_probabilities" in names and "check_save_load" not in names


def test_a_subclass_of_a_registered_model_takes_its_family_and_fixture():
    from weaksup.estimator_checks import fixture_key
    from weaksup.labelmodel import DawidSkene

    class MyDS(DawidSkene):
        pass

    assert family_of(MyDS) == "label" and fixture_key(MyDS) == "label"


class _PlainModel(LabelModel):
    """A plain label model, to be named as a registered model of another family is."""

    _parameter_constraints = {"cardinality": [None, int]}
    _fitted_attrs = ()

    def __init__(self, cardinality=None):
        self.cardinality = cardinality

    def _fit(self, L, **kw):
        pass

    def _predict_proba(self, L):
        return np.full((L.n, self.cardinality_), 1 / self.cardinality_)


@pytest.mark.parametrize("name", ["HMM", "LabelLearningFlow", "TransformerClassifier", "EBCC"])
def test_a_model_of_ones_own_named_as_a_registered_one_is_checked_by_what_it_subclasses(name):
    """A researcher's class HMM(LabelModel) was checked as the sequence family (registry entry looked up by bare
    name) and failed 'votes must be a 2-D n×m array, got shape (40, 6, 4)'; a class EBCC(LabelModel) was built
    with EBCC's check params (repeat=1, max_iter=100), which its __init__ does not take."""
    from weaksup.estimator_checks import _make, fixture_key

    cls = type(name, (_PlainModel,), {"__module__": "mylab.models", "__qualname__": name})
    assert family_of(cls) == family_of(cls()) == fixture_key(cls) == "label"
    assert type(_make(cls)) is cls
    if name == "HMM":
        assert "check_probabilities" in check_estimator(cls())


def test_a_registered_model_of_ones_own_and_its_subclass_take_its_family():
    from weaksup.estimator_checks import _make
    from weaksup.labelmodel import EBCC, registry
    from weaksup.sequence import HMM

    class MyHMM(HMM):
        pass

    class EBCCPlus(EBCC):  # a weaksup model's subclass of the same name keeps its check params, as before
        pass

    EBCCPlus.__name__ = "EBCC"
    assert family_of(MyHMM) == "sequence" and _make(EBCCPlus).get_params()["repeat"] == 1
    registry.register(_PlainModel, name="PlainOwn")
    try:
        class Sub(_PlainModel):
            pass

        from weaksup.estimator_checks import _registered_spec

        assert family_of(_PlainModel) == family_of(Sub) == "label"
        assert _registered_spec(_PlainModel).name == _registered_spec(Sub).name == "PlainOwn"
    finally:
        registry.unregister("PlainOwn")


def test_an_unknown_kind_of_model_says_what_is_supported():
    class Stranger:
        def fit(self, X):
            return self

    with pytest.raises(ValueError, match=r"cannot tell the family of Stranger: it subclasses none of the base "
                                         r"classes the checks know \(weaksup.flows.base.FeatureLabelModel "
                                         r"\(feature_label\), weaksup.labelmodel.base.LabelModel \(label\).*"
                                         r"weaksup.endmodel.base.EndModel \(end\)\)"):
        family_of(Stranger)


# ------------------------------------------------------------------ every parameter declared
class Undeclared(AccVote):
    _parameter_constraints = {}  # AccVote's 'smoothing' entry is inherited: a new parameter here is not

    def __init__(self, cardinality=None, smoothing=1.0, power=1.0):
        super().__init__(cardinality, smoothing)
        self.power = power


def test_a_parameter_missing_from_parameter_constraints_fails_the_checks():
    """Undeclared passed all checks; Undeclared(power='x').fit(...) then failed inside fit with a raw TypeError."""
    with pytest.raises(AssertionError, match=r"^Undeclared: check_params_declared failed: __init__ parameter\(s\) "
                                             r"\['power'\] have no entry in _parameter_constraints"):
        check_estimator(Undeclared)
    run_check(AccVote, "check_params_declared")


# ------------------------------------------------------------------ a LabelModel without `cardinality`
class NoCard(AccVote):
    def __init__(self, smoothing=1.0):  # noqa: D107 - no cardinality parameter: inferred, as on the end models
        self.smoothing = smoothing


def test_a_label_model_without_a_cardinality_parameter_infers_it(votes):
    """A bare AttributeError "'NoCard' object has no attribute 'cardinality'" from fit before."""
    L, y = votes
    m = NoCard().fit(L)
    assert m.cardinality is None and m.cardinality_ == 2 and "cardinality" not in m.get_params()
    np.testing.assert_array_equal(m.predict_proba(L), AccVote().fit(L).predict_proba(L))


# ------------------------------------------------------------------ predict_proba checks _predict_proba's output
class OneColumn(AccVote):
    def _predict_proba(self, L):
        return super()._predict_proba(L)[:, :1]


class Unnormalised(AccVote):
    def _predict_proba(self, L):
        return super()._predict_proba(L) * 2


class Negative(AccVote):
    def _predict_proba(self, L):
        p = super()._predict_proba(L)
        p[5] = [1.5, -0.5]
        return p


@pytest.mark.parametrize("cls,match", [
    (OneColumn, r"OneColumn._predict_proba returned an array of shape \(300, 1\); predict_proba must give "
                r"\(300, 2\): one row per row of votes, one column per class \(cardinality_=2\)"),
    (Unnormalised, r"Unnormalised._predict_proba returned 300 row\(s\) that are not class probabilities, first row 0 "
                   r"= .* \(sum 2.0\); each row must lie in \[0, 1\] and sum to 1"),
    (Negative, r"Negative._predict_proba returned 1 row\(s\) that are not class probabilities, first row 5 = "
               r"\[1.5, -0.5\]"),
    (NaNOnRow0, r"NaNOnRow0._predict_proba returned NaN or inf in 1 row\(s\), first at row 0"),
])
def test_predict_proba_refuses_a_malformed_predict_proba(votes, cls, match):
    """One column on a 2-class set gave shape (n, 1) and a score; rows summing to 2 were scored."""
    L, y = votes
    m = cls().fit(L)
    for call in (lambda: m.predict_proba(L), lambda: m.predict(L), lambda: m.score(L, y)):
        with pytest.raises(ValueError, match=match):
            call()


def test_predict_proba_returns_the_models_own_array(votes):
    L, _ = votes
    m = AccVote().fit(L)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = m.predict_proba(L)
    np.testing.assert_array_equal(p, m._predict_proba(m._check_predict_votes(L)))


class OneBadRow(AccVote):
    """Unnormalised on the rows whose votes are SENTINEL (placed at one row only)."""

    SENTINEL = np.array([1, 0, 1, 0, 1, 0])

    def _predict_proba(self, L):
        p = super()._predict_proba(L).copy()
        p[(np.asarray(L) == self.SENTINEL).all(axis=1)] = [0.9, 0.9]
        return p


def test_dask_votes_get_the_same_output_check(votes):
    """predict_proba on Dask votes scored each partition's _predict_proba unchecked."""
    da = pytest.importorskip("dask.array")
    L, _ = votes
    m = Unnormalised().fit(L)
    D = da.from_array(np.asarray(L), chunks=(100, -1))
    with pytest.raises(ValueError, match=r"Unnormalised._predict_proba returned 100 row\(s\) that are not class"):
        m.predict_proba(D).compute(scheduler="sync")
    good = AccVote().fit(L)
    np.testing.assert_array_equal(good.predict_proba(D).compute(scheduler="sync"), good.predict_proba(L))
    V = np.asarray(L).copy()
    assert not (V == OneBadRow.SENTINEL).all(axis=1).any()
    V[253] = OneBadRow.SENTINEL
    late = OneBadRow().fit(V)  # the row named is the data's, not the partition's (row 253 = partition 2's 53)
    with pytest.raises(ValueError, match=r"1 row\(s\) that are not class probabilities, first row 253 ="):
        late.predict_proba(V)
    with pytest.raises(ValueError, match=r"1 row\(s\) that are not class probabilities, first row 253 ="):
        late.predict_proba(da.from_array(V, chunks=(100, -1))).compute(scheduler="sync")


def test_a_feature_label_model_gets_the_same_output_check(votes):
    """FeatureLabelModel.predict_proba returned its subclass's _predict_proba unchecked."""
    from weaksup.flows import FeatureLabelModel

    class Halves(FeatureLabelModel):
        def __init__(self, cardinality=None):
            self.cardinality = cardinality

        def _fit(self, L, X, *, class_balance, valid, seed):
            self.fitted_ = True

        def _predict_proba(self, L, X):
            return np.full((L.n, self.cardinality_), 0.7)  # rows sum to 1.4

    L, _ = votes
    X = np.random.default_rng(0).normal(size=(L.n, 3))
    with pytest.raises(ValueError, match=r"Halves._predict_proba returned 300 row\(s\) that are not class"):
        Halves().fit(L, X).predict_proba(L, X)
