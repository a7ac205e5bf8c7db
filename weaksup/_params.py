"""scikit-learn-style parameter handling shared by label models, end models, tagging models and pipelines."""

from __future__ import annotations

import inspect
import pickle
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from weaksup._deprecate import warn_deprecated

__all__ = ["ParamsMixin", "accepts_param"]

_Self = TypeVar("_Self", bound="ParamsMixin")

#: Class -> (a reference to the ``__init__`` read, :func:`_init_source` of it, its parameter names):
#: :meth:`ParamsMixin._param_names`' cache.
_PARAM_NAMES: weakref.WeakKeyDictionary[
    type, tuple[Callable[[], Any], tuple[Any, ...], tuple[str, ...]]] = weakref.WeakKeyDictionary()


def _init_source(init: Any) -> tuple[Any, ...]:
    """What :func:`inspect.signature` reads ``init``'s parameters from, besides its identity: the ``__code__`` and
    ``__signature__`` of ``init`` and of each function it wraps (``__wrapped__``, as ``functools.wraps`` sets it).

    IPython's ``%autoreload 2`` edits a class in place: it gives the same function object the new
    ``__code__`` (and its ``__dict__``, so a decorated ``__init__`` a new ``__wrapped__``), so the identity of
    ``__init__`` alone would keep the names read before the edit.  Code objects and signatures hold no class
    (unlike the functions, whose ``super()`` cell holds theirs), so the cache may keep them.
    """
    source: list[Any] = []
    func = init
    for _ in range(100):  # inspect.unwrap's bound on a chain of wrappers
        source += [getattr(func, "__code__", None), getattr(func, "__signature__", None)]
        func = getattr(func, "__wrapped__", None)
        if func is None:
            break
    return tuple(source)


def accepts_param(obj: Any, name: str, method: str = "__init__") -> bool:
    """Whether ``obj``'s (or class ``obj``'s) ``method`` takes a keyword ``name``.

    The one place weaksup looks at a signature to decide what to pass (in the
    spirit of scikit-learn's ``has_fit_parameter``).

    >>> from weaksup.endmodel import LogisticRegression
    >>> accepts_param(LogisticRegression, "C"), accepts_param(LogisticRegression(), "unlabeled", "fit")
    (True, False)
    """
    func = getattr(obj, method, None)
    if func is None:
        return False
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return name in params


def _print_changed_only() -> bool:
    """scikit-learn's ``print_changed_only`` setting, read without importing scikit-learn: when it has not been
    imported its configuration cannot have been changed, so its default (True) holds."""
    sklearn = sys.modules.get("sklearn")
    get_config = getattr(sklearn, "get_config", None)
    if get_config is None:
        return True
    return bool(get_config().get("print_changed_only", True))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``__repr__`` from the ``__init__`` signature.

    Hyper-parameters are the ``__init__`` keyword arguments, stored as
    attributes of the same names (the scikit-learn convention), so
    ``sklearn.base.clone`` works.  A parameter whose value is itself an
    estimator (has ``get_params``) exposes its parameters as nested
    ``name__param`` keys, as in scikit-learn:

    >>> from weaksup.endmodel import Cosine, MLP
    >>> cos = Cosine(MLP(lr=1e-3))
    >>> cos.set_params(end_model__lr=3e-4).get_params()["end_model__lr"]
    0.0003

    ``_renamed`` maps deprecated parameter or fitted-attribute names to the
    current ones: ``set_params(old=...)`` and reading ``obj.old`` keep working
    with a :class:`DeprecationWarning` (the constructor takes the old keywords
    through :func:`weaksup._deprecate.renamed_kwargs`).
    """

    #: Deprecated name -> current name (parameters and fitted attributes).
    _renamed: ClassVar[dict[str, str]] = {}

    @contextmanager
    def _unchanged_on_failure(self) -> Iterator[None]:
        """Run a fit: if it raises (a check, the fit itself, an interrupt such as Ctrl-C), the model is left as
        it was before the call, fitted or not, never half-fitted.

        The one rule of every fit of a label, end, universal or flow model (``fit``, ``partial_fit``, the Dask
        fit); the attributes are restored, not copied, so a fit must not edit an earlier fit's arrays or modules
        in place (every ``_fit`` builds new ones).
        """
        before = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _pickled_fitted_attrs(self) -> tuple[str, ...]:
        """Fitted attributes that a pickled state holding any of them must hold all of (checked when unpickling).

        Only ones set together, so that a state pickled in the middle of a fit (a Dask fit sends the model to
        its workers once the fitted shape is set) is complete too; none here, label models add their shape.
        """
        return ()

    def __setstate__(self, state: Any) -> None:
        """Unpickle (or deep-copy) a state, refusing one this weaksup's class cannot use.

        A pickle written by an older weaksup may lack a constructor parameter added since or a fitted
        attribute the class now needs; it used to load silently and fail later with a bare ``AttributeError``
        (``predict_proba``, ``get_params``, ``clone``).  Such a state is a :class:`pickle.UnpicklingError`
        naming the class and what is missing.  A deprecated name (``_renamed``) is read as its current one; a
        parameter the class itself gives a default (a class attribute of that name) is not missing.  Only the
        parameters of a weaksup-defined ``__init__`` are checked (a user's subclass stores its own as it
        pleases), and the fitted attributes of :meth:`_pickled_fitted_attrs` when the state holds any of them.
        """
        slots = None
        if isinstance(state, tuple) and len(state) == 2:  # (dict state, slot state), as pickle passes it
            state, slots = state
        state = dict(state or {})
        for old, new in type(self)._renamed.items():
            if old in state and new not in state:
                state[new] = state.pop(old)
        self.__dict__.update(state)
        for key, value in (slots or {}).items():
            setattr(self, key, value)
        missing = []
        if getattr(type(self).__init__, "__module__", "").startswith("weaksup."):
            missing = [name for name in self._param_names()
                       if name not in self.__dict__ and not hasattr(type(self), name)]
        fitted = self._pickled_fitted_attrs()
        have = [name in self.__dict__ for name in fitted]
        if any(have):
            missing += [name for name, ok in zip(fitted, have) if not ok]
        if missing:
            raise pickle.UnpicklingError(
                f"{type(self).__name__} was pickled by an older weaksup (missing: {', '.join(missing)}): refit it, "
                "or load it with the weaksup it was saved with")

    if not TYPE_CHECKING:  # a __getattr__ would make every attribute of every model Any to type checkers

        def __getattr__(self, name: str) -> Any:
            new = type(self)._renamed.get(name)
            if new is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            warn_deprecated(f"{type(self).__name__}.{name}", f"{new!r}")
            return getattr(self, new)

    @classmethod
    def _param_names(cls) -> list[str]:
        """The ``__init__`` keyword parameters (a new list on every call), read once per class and ``__init__``.

        ``inspect.signature`` costs more than the rest of an unpickling (``__setstate__`` reads these names for
        every pickle loaded); the cache is keyed on the class itself, weakly (a subclass, or a class redefined
        in a notebook, is its own entry and a dropped class is not kept alive), and remembers which ``__init__`` it
        read and its code (:func:`_init_source`), so an ``__init__`` replaced on the class, or edited in place by
        IPython's ``%autoreload``, is read again.
        """
        init = cls.__init__
        source = _init_source(init)
        cached = _PARAM_NAMES.get(cls)
        if (cached is None or cached[0]() is not init or len(cached[1]) != len(source)
                or any(a is not b for a, b in zip(cached[1], source))):
            sig = inspect.signature(init)
            try:  # weakly: an __init__ calling super() holds its class, which would then never leave the cache
                ref: Callable[[], Any] = weakref.ref(init)
            except TypeError:  # a builtin __init__ (object's), which holds no class
                ref = lambda: init  # noqa: E731
            cached = (ref, source, tuple(p.name for p in sig.parameters.values()
                                         if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)))
            _PARAM_NAMES[cls] = cached
        return list(cached[2])

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters; with ``deep``, also ``name__param`` of estimator-valued ones."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params(deep=True).items())
        return out

    def set_params(self: _Self, **params: Any) -> _Self:
        """Set constructor parameters (``name__param`` keys reach into estimator-valued ones)."""
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid and name in self._renamed:
                warn_deprecated(f"parameter {name!r} of {type(self).__name__}", f"{self._renamed[name]!r}")
                name = self._renamed[name]
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            inner = getattr(self, name)
            if not hasattr(inner, "set_params"):
                raise ValueError(f"invalid parameter {name}__{next(iter(sub_params))!r} for "
                                 f"{type(self).__name__}: {name} is {inner!r}, not an estimator")
            inner.set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """``Class(param=value, ...)``: only the parameters that differ from their ``__init__`` defaults while
        scikit-learn's ``print_changed_only`` is on (its default), every parameter when it is off.

        A nested estimator (Cosine's ``end_model``) is written by its own ``repr``, by the same rule.

        >>> import sklearn
        >>> from weaksup.labelmodel import DawidSkene
        >>> DawidSkene(max_iter=50, init="uniform")
        DawidSkene(max_iter=50, init='uniform')
        >>> with sklearn.config_context(print_changed_only=False):
        ...     print(repr(DawidSkene(max_iter=50))[:52])
        DawidSkene(cardinality=None, alpha=0.01, alpha_diag=
        """
        params = self.get_params(deep=False)
        if _print_changed_only():
            params = {k: v for k, v in params.items() if self._param_changed(k, v)}
        args = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{type(self).__name__}({args})"

    @classmethod
    def _param_changed(cls, name: str, value: Any) -> bool:
        """Whether ``value`` differs from ``name``'s ``__init__`` default, as scikit-learn's ``print_changed_only``
        decides it: by ``repr`` (NaN equal to NaN); a parameter without a default has always changed."""
        param = inspect.signature(cls.__init__).parameters.get(name)
        if param is None or param.default is inspect.Parameter.empty:
            return True
        default = param.default
        if value is default:
            return False
        if hasattr(value, "get_params") and type(value) is not type(default):  # no repr of a nested estimator
            return True
        if _is_nan(value) and _is_nan(default):
            return False
        return repr(value) != repr(default)
