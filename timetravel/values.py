"""Value handling: private copies, equality, and the stand-ins used where a value can't be kept.

The recorder never stores the app's own objects: it keeps private copies, so later in-place
mutation by the app cannot rewrite history. Objects that cannot be copied (connections, locks,
file handles, functions) are tracked by identity in the recorder's shadow of the state and
appear in history and files as :class:`Opaque` records; they are never restored.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
import enum
import sys
import threading
import types
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["MISSING", "REDACTED", "ObjectRecord", "Opaque", "Redacted", "type_name"]


class _Missing:
    """Sentinel for "no value here" (the old value of an added key, the new one of a removed)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<missing>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class Redacted:
    """Marker written to files in place of a secret value. All markers are equal."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<redacted>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Redacted)

    def __hash__(self) -> int:
        return hash("timetravel.Redacted")


REDACTED: Final = Redacted()


@dataclass(frozen=True)
class Opaque:
    """A value that could not be copied or encoded, kept as its type name and repr.

    ``attrs`` holds the value's attribute names, if it had any, so that a writer can tell
    whether the repr may show a secret; files don't keep them.
    """

    type: str
    repr: str
    attrs: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return f"<{self.type}: {self.repr}>"


@dataclass(frozen=True)
class ObjectRecord:
    """A readable record of an object (Enum member, dataclass, plain object) read from a file.

    Files never name a class that gets imported: such objects come back as their type name
    and their value or fields.
    """

    type: str
    fields: dict[Any, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.type, tuple(self.fields)))


def type_name(value: object) -> str:
    """``module.Qualname`` of a value's type (``builtins`` omitted)."""
    t = type(value)
    mod = t.__module__
    return t.__qualname__ if mod == "builtins" else f"{mod}.{t.__qualname__}"


def safe_repr(value: object, limit: int = 200) -> str:
    """repr() that never raises and stays short."""
    try:
        text = repr(value)
    except Exception:
        text = f"<unrepresentable {type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Immutable types copied by reference.
ATOMIC: Final[frozenset[type]] = frozenset(
    {
        int,
        float,
        complex,
        bool,
        str,
        bytes,
        type(None),
        _dt.datetime,
        _dt.date,
        _dt.time,
        _dt.timedelta,
        decimal.Decimal,
        uuid.UUID,
        range,
        Opaque,
        Redacted,
        _Missing,
    }
)

# Handles that deepcopy would share or fail on: always tracked by identity.
_HANDLE_TYPES: Final = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    types.GeneratorType,
    types.CoroutineType,
    type,
)


def numpy_module() -> Any:
    """numpy if the app has imported it (we never import it ourselves to copy or compare)."""
    return sys.modules.get("numpy")


def pandas_module() -> Any:
    return sys.modules.get("pandas")


def is_ndarray(value: object) -> bool:
    np = numpy_module()
    return np is not None and isinstance(value, np.ndarray)


def is_pandas(value: object) -> bool:
    pd = pandas_module()
    return pd is not None and isinstance(value, (pd.DataFrame, pd.Series))


def copy_value(value: Any, keep_refs: bool, opaque_types: set[str] | None = None) -> Any:
    """A private deep copy of ``value``.

    Values that cannot be copied are kept by reference when ``keep_refs`` (the recorder's
    shadow, which compares them by identity) and become :class:`Opaque` records otherwise
    (history and files). Their type names are added to ``opaque_types``.
    """
    t = type(value)
    if t in ATOMIC:
        return value
    if t is dict:
        return {k: copy_value(v, keep_refs, opaque_types) for k, v in value.items()}
    if t is list:
        return [copy_value(v, keep_refs, opaque_types) for v in value]
    if t is tuple:
        return tuple(copy_value(v, keep_refs, opaque_types) for v in value)
    if t is set:
        return set(value)
    if t is frozenset:
        return value
    if t is bytearray:
        return bytearray(value)
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, ObjectRecord):
        return ObjectRecord(value.type, copy_value(value.fields, keep_refs, opaque_types))
    if is_ndarray(value):
        # An object array's copy() shares its elements: those need copying too.
        return copy.deepcopy(value) if value.dtype.hasobject else value.copy()
    if is_pandas(value):
        return _copy_pandas(value)
    if not isinstance(value, _HANDLE_TYPES):
        try:
            return copy.deepcopy(value)
        except Exception:
            pass
    if opaque_types is not None:
        opaque_types.add(type_name(value))
    if keep_refs:
        return value
    try:  # attribute names tell a writer whether the repr may show a secret
        fields = _object_fields(value) if not isinstance(value, _HANDLE_TYPES) else None
    except Exception:
        fields = None
    attrs = tuple(k for k in fields if isinstance(k, str)) if fields else ()
    return Opaque(type_name(value), safe_repr(value), attrs)


def _copy_pandas(value: Any) -> Any:
    """A deep copy of a DataFrame or Series whose object cells are copied too.

    ``copy(deep=True)`` copies the data but shares the objects in object columns (a dict in a
    cell), as ``ndarray.copy()`` does: those are deep-copied like an object array's items.
    """
    pd = pandas_module()
    out = value.copy(deep=True)
    if isinstance(out, pd.Series):
        if out.dtype == object and _has_mutable_cells(out):
            cells = copy.deepcopy(out.to_numpy())
            out = pd.Series(cells, index=out.index, name=out.name, dtype=object)
        return out
    for i, dtype in enumerate(out.dtypes):
        if str(dtype) == "object" and _has_mutable_cells(column := out.iloc[:, i]):
            out.isetitem(i, copy.deepcopy(column.to_numpy()))
    return out


def _has_mutable_cells(column: Any) -> bool:
    """False for an object column of strings, numbers and None (nothing to copy)."""
    return not set(map(type, column.tolist())) <= ATOMIC


def _object_fields(value: object) -> dict[str, Any] | None:
    """The attributes of a plain object, for comparing objects that lack ``__eq__``."""
    try:
        return dict(vars(value))
    except TypeError:
        pass
    slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
    if not slots:
        return None
    return {s: getattr(value, s, MISSING) for s in slots if isinstance(s, str)}


def values_equal(a: Any, b: Any) -> bool:
    """Structural equality that treats NaN as equal to NaN and copes with arrays and frames."""
    if a is b:
        return True
    ta = type(a)
    if ta is not type(b):
        return False
    try:
        result = a == b
        if type(result) is bool:
            if result:
                return True
            if ta is float or ta is complex:
                return bool(a != a and b != b)  # both NaN
            if ta not in (dict, list, tuple) and not _default_eq(ta):
                return False
    except Exception:
        pass
    if ta is dict:
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if ta is list or ta is tuple:
        return len(a) == len(b) and all(map(values_equal, a, b))
    if _default_eq(ta):
        return _fields_equal(a, b)
    if is_ndarray(a):
        return _arrays_equal(a, b)
    if is_pandas(a):
        return _pandas_equal(a, b)
    return False


# Pairs of objects whose fields are being compared, per thread: an object that refers back
# to itself is taken as equal at the repeat (its other fields still decide).
_local = threading.local()


def _fields_equal(a: object, b: object) -> bool:
    """Objects without ``__eq__`` of their own are equal if their fields are."""
    comparing: set[tuple[int, int]] | None = getattr(_local, "comparing", None)
    if comparing is None:
        comparing = _local.comparing = set()
    pair = (id(a), id(b))
    if pair in comparing:
        return True
    try:  # the usual case, in C: fields equal by == (shared or equal scalars)
        if vars(a) == vars(b):
            return True
    except Exception:
        pass
    fa, fb = _object_fields(a), _object_fields(b)
    if fa is None or fb is None:
        return False
    comparing.add(pair)
    try:
        return values_equal(fa, fb)
    finally:
        comparing.discard(pair)


def _default_eq(t: type) -> bool:
    """True if instances of ``t`` compare by identity (no ``__eq__`` of their own)."""
    return getattr(t, "__eq__", None) is object.__eq__


def _arrays_equal(a: Any, b: Any) -> bool:
    np = numpy_module()
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:  # equal_nan is not defined for non-numeric dtypes
        if a.dtype.hasobject:
            return all(map(values_equal, a.ravel().tolist(), b.ravel().tolist()))
        return bool(np.array_equal(a, b))


def _pandas_equal(a: Any, b: Any) -> bool:
    """``DataFrame.equals`` (NaN equals NaN), then object cells compared with values_equal."""
    pd = pandas_module()
    if isinstance(a, pd.DataFrame):
        if not (a.columns.equals(b.columns) and a.dtypes.equals(b.dtypes)):
            return False
        objects = [i for i, dtype in enumerate(a.dtypes) if str(dtype) == "object"]
    else:
        if a.dtype != b.dtype or not values_equal(a.name, b.name):
            return False
        objects = [] if a.dtype != object else [-1]
    if not a.index.equals(b.index):
        return False
    if a.equals(b):
        return True
    if not objects:
        return False
    # Cells of objects that lack __eq__, or hold NaN inside containers, need a closer look.
    if isinstance(a, pd.DataFrame):
        object_columns = set(objects)
        others = [i for i in range(a.shape[1]) if i not in object_columns]
        if others and not a.iloc[:, others].equals(b.iloc[:, others]):
            return False
        pairs = [(a.iloc[:, i], b.iloc[:, i]) for i in objects]
    else:
        pairs = [(a, b)]
    return all(all(map(values_equal, ca.tolist(), cb.tolist())) for ca, cb in pairs)
