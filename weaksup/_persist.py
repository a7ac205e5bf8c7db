"""The one on-disk format: arrays in an ``.npz`` plus JSON metadata, written atomically.

Every object that saves (vote containers, label models of every family,
tagging models) goes through :func:`save_npz` / :func:`load_npz`.  A file
carries a format tag (``"weaksup.<Kind>"``) and a version; :func:`load_class`
only ever imports classes from the ``weaksup`` package (never pickle), so a
file cannot make ``load`` run arbitrary code; a file of the user's own class
is read by calling ``load`` on that class.

>>> import numpy as np, tempfile, os
>>> from weaksup._persist import load_npz, save_npz
>>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
>>> save_npz(path, "weaksup.Example", {"a": 1}, {"w": np.arange(3)})
>>> meta, arrays = load_npz(path, "weaksup.Example")
>>> meta["a"], arrays["w"].tolist()
(1, [0, 1, 2])
"""

from __future__ import annotations

import importlib
import json
import re
import os
import threading
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT_VERSION", "TEMP_FILE", "save_npz", "load_npz", "load_class", "class_path", "load_npz_v0",
           "model_from_meta", "check_fitted_state"]

#: Version of the metadata layout written by :func:`save_npz`.
FORMAT_VERSION = 1

_META_KEY = "__meta__"
#: The temporary file :func:`save_npz` writes before renaming it over ``path``: ``.<name>.<pid>.<thread>.<id>.tmp.npz``
#: (group 1: the writer's pid), so that a folder's reader can skip, and sweep, those of killed writes.
TEMP_FILE = re.compile(r"^\..+\.npz\.(\d+)\.\d+\.[0-9a-f]+\.tmp\.npz$")
_TUPLE_KEY = "__tuple__"  # JSON has no tuples: a saved parameter tuple comes back a tuple, not a list
_ARRAY_KEY = "__ndarray__"  # nor arrays: a numpy array parameter (prec_init=np.full(m, .7)) comes back an array
# nor keys other than strings: a dict with any (class ids: {0: 1.0, 1: 3.0}) is written as its items, so that its
# keys come back as they were, not as the strings JSON would make of them; a dict of str keys is written as before
_ITEMS_KEY = "__dict_items__"
# a dict of str keys holding one of these tags is written as items too: as it is, it would read back as the tagged
# value ({"__dict_items__": [[1, 2]]} as {1: 2}) or fail to
_RESERVED_KEYS = frozenset({_TUPLE_KEY, _ARRAY_KEY, _ITEMS_KEY})


class _Unsaveable(TypeError):
    """A metadata value JSON cannot hold; ``where`` is its key path (``params.prec_init``)."""

    def __init__(self, where: str, value: Any) -> None:
        super().__init__(where, value)
        self.where, self.value = where, value


def _encode(obj: Any, where: str = "") -> Any:
    """``obj`` as JSON values: tuples and numpy arrays tagged so they come back as such, numpy scalars as
    Python numbers; anything else JSON cannot hold raises :class:`_Unsaveable` naming its key path."""
    if isinstance(obj, tuple):
        return {_TUPLE_KEY: [_encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and _RESERVED_KEYS.isdisjoint(obj):
            return {k: _encode(v, f"{where}.{k}" if where else str(k)) for k, v in obj.items()}
        return {_ITEMS_KEY: [[_encode(k, f"{where}[key {k!r}]"), _encode(v, f"{where}[{k!r}]")]
                             for k, v in obj.items()]}
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biufU":
        return {_ARRAY_KEY: obj.tolist(), "dtype": obj.dtype.str, "shape": list(obj.shape)}
    if isinstance(obj, np.generic) and obj.dtype.kind in "biufU":
        return obj.item()
    if obj is None or isinstance(obj, (str, int, float)):  # bool is an int
        return obj
    raise _Unsaveable(where, obj)


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _TUPLE_KEY in obj:
        return tuple(obj[_TUPLE_KEY])
    if obj.keys() == {_ARRAY_KEY, "dtype", "shape"}:
        return np.array(obj[_ARRAY_KEY], dtype=np.dtype(obj["dtype"])).reshape(obj["shape"])
    if len(obj) == 1 and _ITEMS_KEY in obj:
        return {_hashable(k): v for k, v in obj[_ITEMS_KEY]}
    return obj


def _hashable(key: Any) -> Any:
    """A decoded dict key as it was saved: a tuple key holding tuples comes back with tuples, never lists."""
    return tuple(map(_hashable, key)) if isinstance(key, (tuple, list)) else key


def class_path(obj_or_cls: Any) -> str:
    """``module.QualName`` of an object's class (what :func:`load_class` reads back)."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return f"{cls.__module__}.{cls.__qualname__}"


def save_npz(path: str | os.PathLike[str], fmt: str, meta: Mapping[str, Any],
             arrays: Mapping[str, np.ndarray] | None = None, *, compress: bool = False) -> None:
    """Write ``arrays`` and JSON ``meta`` under format tag ``fmt`` to ``path``, atomically.

    The file is written next to ``path`` and renamed over it, so a crash never
    leaves a half-written file under the final name.  ``meta`` holds JSON values;
    a tuple comes back a tuple, a numeric numpy array an equal array, a numpy
    scalar a Python number, a dict keyed by ints (or other JSON values, tuples
    of them) a dict with the same keys.  Any other value is a ``TypeError`` naming its key
    (``params.prec_init``) and the file, before anything is written.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path}: cannot save there, it is a directory; give the path of a file "
                                f"inside it (e.g. {path / 'name.npz'})")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: cannot save there, the directory {path.parent} does not exist")
    header = {"format": fmt, "version": FORMAT_VERSION, **meta}
    payload = {k: np.asarray(v) for k, v in (arrays or {}).items()}
    if _META_KEY in payload:
        raise ValueError(f"array name {_META_KEY!r} is reserved")
    try:
        text = json.dumps(_encode(header))
    except _Unsaveable as exc:
        shown = repr(exc.value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise TypeError(f"{path}: cannot save {exc.where} = {shown}: a {type(exc.value).__name__} is not one of "
                        "the values a weaksup file holds (str, int, float, bool, None, and lists, tuples and dicts "
                        "of them, numpy numbers and numeric arrays)") from None
    payload[_META_KEY] = np.frombuffer(text.encode(), np.uint8)
    # unique per process, thread and call: two threads saving one path must not share (and unlink) a temp file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex[:12]}.tmp.npz")
    try:
        (np.savez_compressed if compress else np.savez)(tmp, **payload)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_npz(path: str | os.PathLike[str], fmt: str | tuple[str, ...], *,
             legacy: Callable[[str | os.PathLike[str]], tuple[dict[str, Any], dict[str, np.ndarray]]] | None = None,
             ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a file written by :func:`save_npz`; ``fmt`` is the expected format tag(s).

    ``legacy(path)`` (optional) reads files written before the format tag
    existed (0.1 layouts): it is called when the file has no tagged metadata.

    Raises ``ValueError`` naming the file when it is not an ``.npz`` archive
    (a text file, a single ``.npy`` array, an empty or truncated file), is
    missing metadata, holds another format, was written by a newer weaksup,
    or is corrupt.
    """
    expected = (fmt,) if isinstance(fmt, str) else tuple(fmt)
    with _open_npz(path, expected[0]) as z:
        try:
            meta = (json.loads(bytes(z[_META_KEY]).decode(), object_hook=_decode) if _META_KEY in z.files
                    else {})
            arrays = {k: z[k] for k in z.files if k != _META_KEY}
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: corrupt or unreadable weaksup file ({exc})") from exc
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: corrupt weaksup file (its metadata is a JSON {type(meta).__name__}, not an object)")
    if "format" not in meta:
        if legacy is not None:
            return legacy(path)
        raise ValueError(f"{path}: not a weaksup file (no metadata); expected {expected[0]}")
    if meta.get("format") not in expected:
        raise ValueError(f"{path}: holds {meta.get('format')!r}, expected {' or '.join(expected)}")
    version = meta.get("version", 0)
    # save_npz writes an int; anything else (a hand edit, another tool) must not reach int() as a bare error
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"{path}: corrupt weaksup file (its format version is {version!r}, not an integer); "
                         f"expected {expected[0]} of format version <= {FORMAT_VERSION}, as save() writes it")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path}: written by a newer weaksup (format version {version})")
    return meta, arrays


def _open_npz(path: str | os.PathLike[str], expected: str) -> Any:
    """``np.load`` of an ``.npz`` archive (no pickles); anything else is a ``ValueError`` naming the file.

    Without this check numpy reads a non-zip file as a pickle (and talks about "pickled data") or, for
    a ``.npy`` file, returns a bare array.  A missing file stays a ``FileNotFoundError``.
    """
    if os.path.isfile(path) and not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(6)
        what = ("an empty file" if not head else "a single numpy array (.npy)" if head == b"\x93NUMPY"
                else "not an .npz (zip) archive: another kind of file, or one cut short")
        raise ValueError(f"{path}: not a weaksup file ({what}); expected {expected}, an .npz written by save()")
    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{path}: corrupt or unreadable weaksup file ({exc})") from exc
    if not isinstance(z, np.lib.npyio.NpzFile):  # pragma: no cover - a zip file always loads as an archive
        raise ValueError(f"{path}: not a weaksup file (numpy read a {type(z).__name__}); expected {expected}")
    return z


def load_class(qualified: str, base: type, *, path: Any = "<file>") -> type:
    """The class ``module.QualName`` names: ``base`` itself, or an imported ``weaksup`` subclass of ``base``.

    A file that names exactly the class ``load`` was called on (a user's own
    model: ``FirstVote.load(path)``) gets that class, nothing imported, and so
    does one that names ``__main__.<the same qualified name>`` when that class is
    not weaksup's (saved from a notebook or script, loaded with the class since
    moved into a module); any other class outside ``weaksup`` is refused, so a
    file never makes ``load`` import code, and a file of a weaksup class loads
    only into that class or a base of it (never into a class of one's own that
    shares its name).  Every refusal is a ``ValueError`` naming ``path``.
    """
    if not isinstance(qualified, str):
        raise ValueError(f"{path}: its metadata names no class (got {qualified!r})")
    if qualified == class_path(base):
        return base
    module, _, qual = qualified.rpartition(".")
    if module == "__main__" and qual == base.__qualname__ and not _in_weaksup(base.__module__):
        # the same class, written in a notebook or script and since moved into a module: its name is all a file of
        # __main__ can give, and nothing is imported.  Not the other way round: a file naming a module's class
        # (pkg.AccVote, weaksup's MajorityVote) is that class's, not that of a class in __main__ sharing its name
        return base
    if not _in_weaksup(module):
        raise ValueError(f"{path}: refusing to load non-weaksup class {qualified!r} (call load on that class "
                         f"itself to read a file of your own model: from {module} import {qual.split('.')[0]}, then "
                         f"{qual}.load(...); load was called on {class_path(base)}, and never imports a class a file "
                         "names)")
    try:
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{path}: class {qualified!r} is not in this weaksup ({exc})") from exc
    if not (isinstance(obj, type) and issubclass(obj, base)):
        # a class of one's own named as weaksup's (MajorityVote in a notebook): the full name says which is which
        named = class_path(base) if base.__name__ == getattr(obj, "__name__", None) else base.__name__
        raise ValueError(f"{path} holds a {qualified}, not a {named}")
    return obj


def _in_weaksup(module: str) -> bool:
    """Whether ``module`` is weaksup or one of its modules (whose classes :func:`load_class` may import)."""
    return module == "weaksup" or module.startswith("weaksup.")


def model_from_meta(meta: Mapping[str, Any], base: type, path: Any, *, validate: Callable[[Any], None],
                    what: str = "model", args: tuple[Any, ...] = ()) -> Any:
    """The unfitted model that ``meta["class"]`` and ``meta["params"]`` describe, its parameters checked as
    ``fit`` checks them; the shared first step of every family's ``load``.

    The class is read by :func:`load_class` (``base`` or a weaksup subclass of it); ``args`` go before the
    parameters (a value model's space); ``validate(model)`` is the family's parameter check.  Each problem
    is a ``ValueError`` naming ``path``: no class or parameters in the metadata, a parameter this weaksup
    does not know (a file from a newer release), a value the check refuses.

    >>> from weaksup._validation import check_params
    >>> from weaksup.labelmodel import DawidSkene
    >>> from weaksup._persist import model_from_meta
    >>> meta = {"class": "weaksup.labelmodel.dawid_skene.DawidSkene", "params": {"max_iter": 0}}
    >>> model_from_meta(meta, DawidSkene, "m.npz", validate=check_params)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: m.npz: the saved parameters of DawidSkene are invalid: ...'max_iter' must be an int in [1, inf]; got 0
    """
    try:
        klass = load_class(meta["class"], base, path=path)
        params = dict(meta["params"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a complete weaksup {what} file (its metadata lacks or garbles {exc})") from exc
    known = klass._param_names()
    unknown = sorted(set(params) - set(known) - set(getattr(klass, "_renamed", {})))
    try:
        model = klass(*args, **params)  # a deprecated keyword the constructor still takes is not unknown
    except TypeError as exc:
        if unknown:
            raise ValueError(f"{path}: {klass.__name__} has no parameter {', '.join(map(repr, unknown))} (the "
                             f"file was written by another weaksup version?); its parameters are {known}") from exc
        raise ValueError(f"{path}: the saved parameters of {klass.__name__} are invalid: {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{path}: the saved parameters of {klass.__name__} are invalid: {exc}") from exc
    try:
        validate(model)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: the saved parameters of {klass.__name__} are invalid: {exc}") from exc
    return model


def check_fitted_state(model: Any, attrs: Sequence[str], path: Any) -> None:
    """``ValueError`` naming ``path`` unless ``model`` has every fitted attribute in ``attrs`` (the last
    step of a family's ``load``)."""
    missing = [a for a in attrs if not hasattr(model, a)]
    if missing:
        raise ValueError(f"{path}: the {type(model).__name__} in this file lacks fitted state {missing} (a damaged "
                         "file, or one written by another weaksup version); refit the model and save it again")


def load_npz_v0(path: str | os.PathLike[str], meta_key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a 0.1-layout file (JSON metadata under ``meta_key``, no format tag); read-only, one release.

    Returns ``(meta, arrays)``; a missing ``meta_key`` is a ``ValueError`` naming the file.
    Callers check the metadata they expect (class, format) themselves.
    """
    with _open_npz(path, "a 0.1 weaksup file") as z:
        if meta_key not in z.files:
            raise ValueError(f"{path}: not a weaksup file (no {meta_key!r} metadata)")
        try:
            meta = json.loads(bytes(z[meta_key]).decode())
            arrays = {k: z[k] for k in z.files if k != meta_key}
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: corrupt or unreadable weaksup file ({exc})") from exc
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: corrupt weaksup file (its metadata is a JSON {type(meta).__name__}, not an object)")
    return meta, arrays
