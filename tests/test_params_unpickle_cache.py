"""ParamsMixin reads a class's ``__init__`` parameter names once, not on every unpickling.

``__setstate__`` checks a pickled state against the parameter names; it used to call ``inspect.signature`` on
every ``pickle.loads`` (most of the time of unpickling a small model).  The cache is per class object: a
subclass, a class redefined (as in a notebook) and an ``__init__`` replaced on the class each get their own names.
"""
from __future__ import annotations

import copy
import gc
import inspect
import pickle
import warnings
import weakref

import pytest

from weaksup import _params
from weaksup._params import ParamsMixin
from weaksup.labelmodel import DawidSkene, MajorityVote
from weaksup.synthetic import make_votes


@pytest.fixture()
def signature_calls(monkeypatch):
    calls = []
    real = inspect.signature

    def counting(obj, *args, **kwargs):
        calls.append(obj)
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(inspect, "signature", counting)
    return calls


@pytest.mark.parametrize("cls", [MajorityVote, DawidSkene])
def test_a_hundred_unpickles_read_no_signature(cls, signature_calls):
    L = make_votes(200, 5, 3, seed=0)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cls().fit(L)
    blob = pickle.dumps(model)
    pickle.loads(blob)  # the class's names are read at most once (here or earlier)
    signature_calls.clear()
    back = [pickle.loads(blob) for _ in range(100)]
    assert signature_calls == []  # it was 100 (one per unpickle)
    assert all(b.get_params() == model.get_params() for b in back)
    assert signature_calls == []  # get_params reads the cache too


def test_refusing_an_old_pickle_still_works_once_the_names_are_cached(signature_calls):
    L = make_votes(200, 5, 3, seed=0)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EM stopping at max_iter: not what is tested
        model = DawidSkene(max_iter=20).fit(L, seed=0)
    pickle.loads(pickle.dumps(model))
    state = dict(model.__dict__)
    del state["tol"]  # as a pickle written before the parameter existed
    old = DawidSkene.__new__(DawidSkene)
    old.__dict__.update(state)
    blob = pickle.dumps(old)
    for _ in range(2):
        with pytest.raises(pickle.UnpicklingError, match=r"DawidSkene .*\(missing: tol\)"):
            pickle.loads(blob)


class _Base(ParamsMixin):
    def __init__(self, a=1):
        self.a = a


class _Child(_Base):
    def __init__(self, a=1, b=2):
        super().__init__(a)
        self.b = b


class _Inherits(_Base):  # no __init__ of its own
    pass


def test_each_class_has_its_own_names():
    assert _Base()._param_names() == ["a"]
    assert _Child()._param_names() == ["a", "b"]
    assert _Inherits()._param_names() == ["a"]
    assert _Base()._param_names() == ["a"]  # the subclass did not overwrite its parent's entry
    assert _Child(b=5).get_params() == {"a": 1, "b": 5}


def test_a_redefined_class_and_a_replaced_init_are_read_again():
    def define(names):
        ns = {"ParamsMixin": ParamsMixin}
        exec(f"class Model(ParamsMixin):\n    def __init__(self, {', '.join(f'{n}=0' for n in names)}):\n"
             + "        super().__init__()\n"  # its __init__ holds the class (a __class__ cell)
             + "".join(f"        self.{n} = {n}\n" for n in names), ns)
        return ns["Model"]

    first = define(["x"])
    assert first().get_params() == {"x": 0}
    second = define(["x", "y"])  # the notebook cell run again, edited
    assert second().get_params() == {"x": 0, "y": 0}
    assert first().get_params() == {"x": 0}

    def init(self, z=3):
        self.z = z
    second.__init__ = init
    assert second().get_params() == {"z": 3}

    assert first in _params._PARAM_NAMES and second in _params._PARAM_NAMES
    refs = [weakref.ref(first), weakref.ref(second)]
    del first, second
    gc.collect()
    # weakly held: a dropped class is not kept alive by the cache.  (Counting the entries was flaky: the same
    # gc.collect() may also free classes other tests left behind.)
    assert [r() for r in refs] == [None, None]


def test_a_class_without_an_init_has_no_parameters():
    class Bare(ParamsMixin):
        pass

    assert Bare()._param_names() == [] and Bare().get_params() == {}
    assert Bare()._param_names() == []


def test_the_names_are_a_fresh_list():
    names = _Child._param_names()
    names.append("oops")
    assert _Child._param_names() == ["a", "b"]


def _autoreload(old, new):
    """What IPython's ``%autoreload 2`` does to a function it reloads: the same object gets the new code,
    defaults and ``__dict__`` (IPython.extensions.autoreload.update_function)."""
    old.__code__ = new.__code__
    old.__defaults__ = new.__defaults__
    old.__dict__.update(new.__dict__)


def test_an_init_edited_in_place_by_autoreload_is_read_again():
    from sklearn.base import clone

    class MyVote(MajorityVote):
        def __init__(self, cardinality=None, alpha=1.0):
            super().__init__(cardinality=cardinality)
            self.alpha = alpha

    assert sorted(MyVote().get_params()) == ["alpha", "cardinality"]

    class Edited(MajorityVote):  # the edited source, as autoreload compiles it
        def __init__(self, cardinality=None, alpha=1.0, beta=0.5):
            super().__init__(cardinality=cardinality)
            self.alpha = alpha
            self.beta = beta

    _autoreload(MyVote.__init__, Edited.__init__)
    m = MyVote(beta=0.9)
    assert sorted(m.get_params()) == ["alpha", "beta", "cardinality"]  # was the names before the edit
    assert m.set_params(beta=0.1).beta == 0.1  # was "invalid parameter 'beta'"
    assert clone(m).beta == 0.1  # was 0.5: clone rebuilt it without beta
    assert copy.deepcopy(m).get_params() == m.get_params()  # __setstate__ checks the new names


def test_a_decorated_init_edited_in_place_and_a_set_signature_are_read_again():
    import functools

    def wraps_init(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            init(self, *args, **kwargs)
        return wrapper

    class Model(ParamsMixin):
        @wraps_init
        def __init__(self, a=1):
            self.a = a

    assert Model._param_names() == ["a"]

    class Edited(ParamsMixin):
        @wraps_init
        def __init__(self, a=1, b=2):
            self.a, self.b = a, b

    _autoreload(Model.__init__, Edited.__init__)  # same wrapper code: only its __wrapped__ changed
    assert Model._param_names() == ["a", "b"]

    Model.__init__.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in ("self", "c")])
    assert Model._param_names() == ["c"]
    del Model.__init__.__signature__
    assert Model._param_names() == ["a", "b"]
