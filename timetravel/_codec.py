"""msgpack encoding of state values, with a fixed set of extension types.

Decoding is safe for files from strangers: no pickle, no import of any class named in the
data, no code run. Types outside the supported set are written as readable
:class:`~timetravel.values.ObjectRecord` or :class:`~timetravel.values.Opaque` records.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import enum
import threading
import uuid
from collections.abc import Callable, Hashable, Iterable
from itertools import chain, compress
from typing import Any, Final, Protocol

import msgpack

from .values import (
    MISSING,
    REDACTED,
    ObjectRecord,
    Opaque,
    Redacted,
    _object_fields,
    is_ndarray,
    numpy_module,
    pandas_module,
    safe_repr,
    type_name,
)

# What an opaque value's repr is replaced by when it may show a secret.
WITHHELD_REPR: Final = "<redacted>"

EXT_TUPLE: Final = 1
EXT_SET: Final = 2
EXT_FROZENSET: Final = 3
EXT_COMPLEX: Final = 4
EXT_DATETIME: Final = 5
EXT_DATE: Final = 6
EXT_TIME: Final = 7
EXT_TIMEDELTA: Final = 8
EXT_DECIMAL: Final = 9
EXT_UUID: Final = 10
EXT_NDARRAY: Final = 11
EXT_DATAFRAME: Final = 12
EXT_SERIES: Final = 13
EXT_OBJECT: Final = 14
EXT_OPAQUE: Final = 15
EXT_REDACTED: Final = 16
EXT_BIGINT: Final = 17
EXT_MISSING: Final = 18


class DecodeError(ValueError):
    """The bytes are not a value this codec wrote."""


class Scrubber(Protocol):
    """What :func:`encode` asks about secrets (``timetravel._format.Redactor``)."""

    def scrub(self, value: Any) -> Any:
        """``value`` with the values under secret keys of its dicts replaced by the marker."""

    def is_secret(self, key: Hashable) -> bool:
        """Whether a key, attribute or field name is secret."""

    def is_secret_label(self, label: Any) -> bool:
        """Whether a pandas label (a column, an index entry) is secret."""

    def repr_is_clean(self, text: str, attrs: Iterable[str] = ()) -> bool:
        """Whether an opaque value's repr may be written."""


_local = threading.local()  # the scrubber of the encode() running in this thread


def _scrubber() -> Scrubber | None:
    scrubber: Scrubber | None = getattr(_local, "scrub", None)
    return scrubber


def _packb(obj: Any) -> bytes:
    return msgpack.packb(obj, default=_default, use_bin_type=True, strict_types=True)


def _fields(value: dict[Any, Any]) -> dict[Any, Any]:
    """An object's fields as they may be written: secrets scrubbed like any dict's."""
    scrubber = _scrubber()
    return value if scrubber is None else scrubber.scrub(value)


def _scrubbed(value: Any) -> Any:
    """Plain containers packed inside an extension value, secrets scrubbed."""
    scrubber = _scrubber()
    return value if scrubber is None else scrubber.scrub(value)


def _attr_names(value: object) -> list[str]:
    try:
        fields = _object_fields(value)
    except Exception:
        return []
    return [k for k in fields if isinstance(k, str)] if fields else []


def opaque_repr(text: str, attrs: Iterable[str] = ()) -> str:
    """An opaque value's repr as it may be written: withheld if it may show a secret."""
    scrubber = _scrubber()
    if scrubber is None or scrubber.repr_is_clean(text, attrs):
        return text
    return WITHHELD_REPR


def opaque(value: object) -> Opaque:
    """``value`` as an :class:`Opaque` record (its repr withheld when encoding if it may
    show a secret)."""
    return Opaque(type_name(value), safe_repr(value), tuple(_attr_names(value)))


def _opaque_ext(value: object) -> msgpack.ExtType:
    return _ext(EXT_OPAQUE, [type_name(value), opaque_repr(safe_repr(value), _attr_names(value))])


def _object_ext(value: object, fields: dict[Any, Any]) -> msgpack.ExtType:
    """An object as a record of its fields; one that won't encode whole stays opaque."""
    try:
        return _ext(EXT_OBJECT, [type_name(value), _fields(fields)])
    except Exception:
        return _opaque_ext(value)


def _ext(code: int, obj: Any) -> msgpack.ExtType:
    return msgpack.ExtType(code, _packb(obj))


def _default(obj: Any) -> Any:
    t = type(obj)
    if t is tuple:
        return _ext(EXT_TUPLE, list(obj))
    if t is set:
        return _ext(EXT_SET, list(obj))
    if t is frozenset:
        return _ext(EXT_FROZENSET, list(obj))
    if t is int:  # outside msgpack's 64-bit range
        return _ext(EXT_BIGINT, str(obj))
    if t is complex:
        return _ext(EXT_COMPLEX, [obj.real, obj.imag])
    if t is _dt.datetime:
        key = getattr(obj.tzinfo, "key", None)
        return _ext(EXT_DATETIME, [obj.isoformat(), key if isinstance(key, str) else None])
    if t is _dt.date:
        return _ext(EXT_DATE, obj.isoformat())
    if t is _dt.time:
        return _ext(EXT_TIME, obj.isoformat())
    if t is _dt.timedelta:
        return _ext(EXT_TIMEDELTA, [obj.days, obj.seconds, obj.microseconds])
    if t is decimal.Decimal:
        return _ext(EXT_DECIMAL, str(obj))
    if t is uuid.UUID:
        return _ext(EXT_UUID, obj.bytes)
    if obj is MISSING:
        return _ext(EXT_MISSING, None)
    if t is Redacted:
        return _ext(EXT_REDACTED, None)
    if t is Opaque:
        return _ext(EXT_OPAQUE, [obj.type, opaque_repr(obj.repr, obj.attrs)])
    if t is ObjectRecord:
        return _ext(EXT_OBJECT, [obj.type, _fields(obj.fields)])
    if is_ndarray(obj):
        return _encode_ndarray(obj)
    pd = pandas_module()
    if pd is not None:
        if isinstance(obj, pd.DataFrame):
            return _ext(EXT_DATAFRAME, _encode_frame(obj, pd))
        if isinstance(obj, pd.Series):
            return _ext(EXT_SERIES, _encode_series(obj, pd))
    np = numpy_module()
    if np is not None and isinstance(obj, np.generic):  # numpy scalars as plain Python values
        return obj.item()
    # Subclasses of the plain containers keep their content, not their class.
    if isinstance(obj, dict) and not isinstance(obj, enum.Enum):
        return _fields(dict(obj))
    if isinstance(obj, _dt.datetime):  # pandas.Timestamp and friends
        return _default(
            _dt.datetime(
                obj.year,
                obj.month,
                obj.day,
                obj.hour,
                obj.minute,
                obj.second,
                obj.microsecond,
                obj.tzinfo,
                fold=obj.fold,
            )
        )
    if isinstance(obj, _dt.date):
        return _default(_dt.date(obj.year, obj.month, obj.day))
    if isinstance(obj, tuple) and hasattr(obj, "_asdict"):  # a namedtuple
        return _object_ext(obj, dict(obj._asdict()))
    if isinstance(obj, tuple):
        return _ext(EXT_TUPLE, list(obj))
    if isinstance(obj, enum.Enum):
        # A member named like a secret (Keys.API_KEY) keeps its name, not its value.
        scrubber = _scrubber()
        secret = scrubber is not None and scrubber.is_secret(obj.name)
        value = REDACTED if secret else _scrubbed(obj.value)
        return _ext(EXT_OBJECT, [type_name(obj), {"name": obj.name, "value": value}])
    if isinstance(obj, list):
        return _scrubbed(list(obj))
    bases: tuple[Callable[[Any], Any], ...] = (str, bytes, int, float)
    for base in bases:
        if isinstance(obj, base):  # type: ignore[arg-type]
            return base(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        values = {f.name: getattr(obj, f.name, MISSING) for f in dataclasses.fields(obj)}
        return _object_ext(obj, values)
    attrs = _object_fields(obj) if not callable(obj) else None
    if attrs is not None:
        # An attribute that won't encode keeps the whole object opaque.
        return _object_ext(obj, attrs)
    return _opaque_ext(obj)


def _encode_ndarray(arr: Any) -> msgpack.ExtType:
    np = numpy_module()
    if arr.dtype.hasobject:
        return _ext(EXT_NDARRAY, ["|O", list(arr.shape), _scrubbed(arr.ravel().tolist())])
    descr = np.lib.format.dtype_to_descr(arr.dtype)
    return _ext(EXT_NDARRAY, [descr, list(arr.shape), np.ascontiguousarray(arr).tobytes()])


def _column_payload(values: Any, pd: Any) -> list[Any]:
    np = numpy_module()
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and not dtype.hasobject:
        return [str(dtype), values.to_numpy()]
    # Extension and object columns: plain values, missing ones as None.
    items = [None if _is_na(v, pd) else v for v in values.tolist()]
    return [str(dtype), _scrubbed(items)]


def _secret_positions(index: Any, pd: Any) -> list[int]:
    """Positions of the secret labels of a pandas index (only text labels can be secret)."""
    scrubber = _scrubber()
    if scrubber is None or isinstance(index, pd.RangeIndex):
        return []
    textual = index.dtype.kind in "OSU" or isinstance(index.dtype, pd.StringDtype)
    if not isinstance(index, pd.MultiIndex) and not textual:
        return []
    return [i for i, label in enumerate(index) if scrubber.is_secret_label(label)]


def _redacted_payload(values: Any, pd: Any, positions: list[int] | None) -> list[Any]:
    """A column payload with the values at ``positions`` (all if None) redacted."""
    if positions is None:
        return ["object", [REDACTED] * len(values)]
    items = [None if _is_na(v, pd) else v for v in values.tolist()]
    for i in positions:
        items[i] = REDACTED
    return ["object", _scrubbed(items)]


def _is_na(value: Any, pd: Any) -> bool:
    try:
        return value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)
    except Exception:
        return False


def _encode_index(index: Any, pd: Any) -> list[Any]:
    if isinstance(index, pd.RangeIndex):
        return ["range", index.start, index.stop, index.step, index.name]
    if isinstance(index, pd.MultiIndex):
        return ["multi", [tuple(v) for v in index.tolist()], list(index.names)]
    return ["index", _column_payload(index, pd), index.name]


def _encode_frame(df: Any, pd: Any) -> list[Any]:
    # Columns and rows labelled like secrets keep their labels, not their values.
    secret_cols = set(_secret_positions(df.columns, pd))
    secret_rows = _secret_positions(df.index, pd)
    cols = []
    for i in range(df.shape[1]):
        column = df.iloc[:, i]
        if i in secret_cols:
            cols.append(_redacted_payload(column, pd, None))
        elif secret_rows:
            cols.append(_redacted_payload(column, pd, secret_rows))
        else:
            cols.append(_column_payload(column, pd))
    return [_encode_index(df.columns, pd), _encode_index(df.index, pd), cols]


def _encode_series(s: Any, pd: Any) -> list[Any]:
    scrubber = _scrubber()
    if scrubber is not None and s.name is not None and scrubber.is_secret_label(s.name):
        payload = _redacted_payload(s, pd, None)
    else:
        rows = _secret_positions(s.index, pd)
        payload = _redacted_payload(s, pd, rows) if rows else _column_payload(s, pd)
    return [s.name, _encode_index(s.index, pd), payload]


# --- decoding -------------------------------------------------------------------------------

# Limits that keep decoding a stranger's file bounded (see docs/format.md, "Decoding limits").
MAX_DEPTH: Final = 100  # containers inside containers, counted across extension values
MAX_EXT_DEPTH: Final = 32  # extension values inside extension values (each costs C stack)
MAX_NDIM: Final = 32  # dimensions of an ndarray
MAX_EMPTY: Final = 1_000_000  # positions an empty array, or a frame without columns, spans
MAX_INDEX: Final = 100_000_000  # rows a pandas RangeIndex may declare

_CONTAINERS: Final[frozenset[type]] = frozenset({list, dict})
_EXT_FLAT: Final = (EXT_TUPLE, EXT_SET, EXT_FROZENSET)  # no level of their own beyond the array


class _DecodeState(threading.local):
    """Per-thread bookkeeping of the decode() running: how deep extension hooks are nested,
    and the depth of each container an extension hook built (kept alive by the dict)."""

    def __init__(self) -> None:
        self.ext = 0
        self.depths: dict[int, tuple[Any, int]] = {}


_state = _DecodeState()


def _too_deep() -> DecodeError:
    return DecodeError(f"values nested too deeply (more than {MAX_DEPTH} levels)")


def _depth(value: Any, depths: dict[int, tuple[Any, int]]) -> int:
    """Nesting depth of a freshly unpacked value (0 for a scalar), without recursion.

    Lists and maps count one level each; values built by extension hooks count the depth
    recorded for them in ``depths``. Raises :class:`DecodeError` beyond :data:`MAX_DEPTH`.
    Walks one level at a time with C-level passes, so it costs little next to unpacking.
    """
    if type(value) is not list and type(value) is not dict:
        known = depths.get(id(value)) if depths else None
        return 0 if known is None else known[1]
    deepest = 0
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep()
        deepest = max(deepest, depth)
        items = list(
            chain.from_iterable(n if type(n) is list else chain(n, n.values()) for n in level)
        )
        if depths:
            below = [k[1] for k in filter(None, map(depths.get, map(id, items)))]
            if below:
                deepest = max(deepest, depth + max(below))
                if deepest > MAX_DEPTH:
                    raise _too_deep()
        level = list(compress(items, map(_CONTAINERS.__contains__, map(type, items))))
    return deepest


def _unpackb(data: bytes) -> Any:
    return msgpack.unpackb(
        data,
        ext_hook=_ext_hook,
        raw=False,
        strict_map_key=False,
        use_list=True,
    )


def _ext_hook(code: int, data: bytes) -> Any:
    state = _state
    if state.ext >= MAX_EXT_DEPTH:
        raise DecodeError(f"values nested too deeply (more than {MAX_EXT_DEPTH} extension levels)")
    state.ext += 1
    try:
        value = _unpackb(data)
    finally:
        state.ext -= 1
    depth = _depth(value, state.depths)
    result = _build(code, value)
    if code not in _EXT_FLAT:
        depth += 1
    if code == EXT_NDARRAY and isinstance(value, list) and len(value) > 1:
        depth += len(value[1]) if isinstance(value[1], list) else 0
    if depth > MAX_DEPTH:
        raise _too_deep()
    if depth:
        state.depths[id(result)] = (result, depth)
    return result


def _build(code: int, value: Any) -> Any:
    try:
        if code == EXT_TUPLE:
            return tuple(_items(value))
        if code == EXT_SET:
            return set(_items(value))
        if code == EXT_FROZENSET:
            return frozenset(_items(value))
        if code == EXT_BIGINT:
            return int(value)
        if code == EXT_COMPLEX:
            return complex(*value)
        if code == EXT_DATETIME:
            return _decode_datetime(*value)
        if code == EXT_DATE:
            return _dt.date.fromisoformat(value)
        if code == EXT_TIME:
            return _dt.time.fromisoformat(value)
        if code == EXT_TIMEDELTA:
            return _dt.timedelta(*value)
        if code == EXT_DECIMAL:
            return decimal.Decimal(value)
        if code == EXT_UUID:
            return uuid.UUID(bytes=value)
        if code == EXT_MISSING:
            return MISSING
        if code == EXT_REDACTED:
            return REDACTED
        if code == EXT_OPAQUE:
            return Opaque(str(value[0]), str(value[1]))
        if code == EXT_OBJECT:
            if not isinstance(value[1], dict):
                raise DecodeError("object record without fields")
            return ObjectRecord(str(value[0]), value[1])
        if code == EXT_NDARRAY:
            return _decode_ndarray(*value)
        if code in (EXT_DATAFRAME, EXT_SERIES):
            try:
                import pandas  # noqa: F401
            except ImportError:
                name = "pandas.DataFrame" if code == EXT_DATAFRAME else "pandas.Series"
                return ObjectRecord(name, {"note": "install pandas to read this value"})
            return _decode_frame(*value) if code == EXT_DATAFRAME else _decode_series(*value)
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(f"bad value of extension type {code}: {exc}") from exc
    raise DecodeError(f"unknown extension type {code}")


def _items(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise DecodeError(f"expected an array, found {type(value).__name__}")
    return value


def _decode_datetime(iso: str, zone: str | None) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(iso)
    if zone:
        try:
            from zoneinfo import ZoneInfo

            value = value.astimezone(ZoneInfo(zone))
        except Exception:
            pass  # unknown zone here: keep the fixed offset, same instant
    return value


def _shape(shape: Any) -> tuple[int, ...]:
    """A declared ndarray shape, checked: a short array of non-negative ints."""
    if not isinstance(shape, list) or len(shape) > MAX_NDIM:
        raise DecodeError(f"an array shape must be a list of at most {MAX_NDIM} sizes")
    if not all(type(d) is int and d >= 0 for d in shape):
        raise DecodeError(f"bad array shape {shape!r}")
    return tuple(shape)


def _check_positions(shape: tuple[int, ...], count: int) -> None:
    """An empty array's other dimensions still make lists on export: bound them."""
    if count == 0:
        spans = 1
        for d in shape:
            spans *= max(d, 1)
            if spans > MAX_EMPTY:
                raise DecodeError(
                    f"empty array of shape {list(shape)} spans more than {MAX_EMPTY:,} positions"
                )


def _decode_ndarray(descr: Any, shape: Any, data: Any) -> Any:
    dims = _shape(shape)
    count = 1
    for d in dims:
        count *= d
    _check_positions(dims, count)
    np = numpy_module()
    if np is None:
        try:
            import numpy as np
        except ImportError:
            return ObjectRecord("numpy.ndarray", {"dtype": str(descr), "shape": shape})
    if descr == "|O":
        if not isinstance(data, list) or len(data) != count:
            raise DecodeError(f"object array of shape {list(dims)} does not hold {count} items")
        arr = np.empty(len(data), dtype=object)
        arr[:] = data
        return arr.reshape(dims)
    if not isinstance(data, bytes):
        raise DecodeError("array data is not bytes")
    if isinstance(descr, list):
        descr = [tuple(d) if isinstance(d, list) else d for d in descr]
    elif not isinstance(descr, str):
        raise DecodeError(f"bad array dtype {descr!r}")
    dtype = np.lib.format.descr_to_dtype(descr)
    if dtype.hasobject:  # raw bytes must never become object pointers
        raise DecodeError("array of objects stored as raw bytes")
    if count * dtype.itemsize != len(data):
        raise DecodeError(
            f"array of shape {list(dims)} and dtype {dtype} needs {count * dtype.itemsize:,} "
            f"bytes, the record holds {len(data):,}"
        )
    if dtype.itemsize == 0:
        _check_positions(dims, 0)
        return np.zeros(dims, dtype=dtype)
    arr = np.frombuffer(data, dtype=dtype).reshape(dims).copy()
    _check_text(arr, np)
    return arr


def _check_text(arr: Any, np: Any) -> None:
    """Unicode arrays (and fields) must hold code points Python can make strings of."""
    dtype = arr.dtype
    if dtype.names:
        for name in dtype.names:
            _check_text(arr[name], np)
        return
    if dtype.subdtype is not None:
        dtype = dtype.subdtype[0]
    if dtype.kind != "U" or not arr.size:
        return
    order = dtype.byteorder if dtype.byteorder in "<>" else "="
    codes = np.ascontiguousarray(arr).view(np.dtype(order + "u4"))
    if int(codes.max()) > 0x10FFFF:
        raise DecodeError("text array holds an invalid code point (above U+10FFFF)")


def _pandas() -> Any:
    import pandas

    return pandas


def _decode_values(payload: list[Any], pd: Any) -> Any:
    dtype, values = payload
    if is_ndarray(values):
        if values.ndim != 1:
            raise DecodeError(f"column data has {values.ndim} dimensions, not 1")
        return values
    if not isinstance(values, list):
        raise DecodeError("column data is not an array")
    return pd.array(values, dtype=dtype)


def _decode_index(payload: list[Any], pd: Any) -> Any:
    kind = payload[0]
    if kind == "range":
        start, stop, step = payload[1:4]
        if not all(type(v) is int for v in (start, stop, step)) or step == 0:
            raise DecodeError("a range index needs integer start, stop and a non-zero step")
        if len(range(start, stop, step)) > MAX_INDEX:
            raise DecodeError(f"a range index of more than {MAX_INDEX:,} rows")
        return pd.RangeIndex(start, stop, step, name=payload[4])
    if kind == "multi":
        return pd.MultiIndex.from_tuples(payload[1], names=payload[2])
    if kind == "index":
        return pd.Index(_decode_values(payload[1], pd), name=payload[2])
    raise DecodeError(f"unknown index kind {kind!r}")


def _same_length(values: Any, index: Any) -> None:
    if len(values) != len(index):
        raise DecodeError(f"{len(values):,} values for an index of {len(index):,} rows")


def _decode_frame(columns: list[Any], index: list[Any], cols: list[Any]) -> Any:
    pd = _pandas()
    col_index = _decode_index(columns, pd)
    row_index = _decode_index(index, pd)
    _same_length(_items(cols), col_index)
    if not cols and len(row_index) > MAX_EMPTY:
        raise DecodeError(f"a frame without columns declares more than {MAX_EMPTY:,} rows")
    data = {}
    for i, c in enumerate(cols):
        values = _decode_values(c, pd)
        _same_length(values, row_index)
        data[i] = pd.Series(values, index=row_index)
    frame = pd.DataFrame(data, index=row_index)
    frame.columns = col_index
    return frame


def _decode_series(name: Any, index: list[Any], payload: list[Any]) -> Any:
    pd = _pandas()
    values = _decode_values(payload, pd)
    row_index = _decode_index(index, pd)
    _same_length(values, row_index)
    return pd.Series(values, index=row_index, name=name)


def encode(value: Any, scrub: Scrubber | None = None) -> bytes:
    """msgpack bytes for a state value (any value: unsupported types become records).

    With ``scrub``, secrets are redacted wherever they are: under secret keys of dicts (and
    of the dicts in object arrays, pandas object cells and enum values), in secret fields of
    objects, in pandas columns and rows with secret labels; and the repr of an opaque value
    that may show a secret is withheld.
    """
    _local.scrub = scrub
    try:
        return _packb(scrub.scrub(value) if scrub is not None else value)
    finally:
        _local.scrub = None


def decode(data: bytes) -> Any:
    """The value from :func:`encode`'s bytes. Raises :class:`DecodeError` for anything else,
    including values nested deeper than :data:`MAX_DEPTH` or arrays and frames whose declared
    sizes the bytes present don't back (see docs/format.md, "Decoding limits")."""
    state = _state
    outer = state.ext == 0 and not state.depths
    try:
        value = _unpackb(data)
        _depth(value, state.depths)
        return value
    except DecodeError:
        raise
    except RecursionError as exc:
        raise DecodeError("nested too deeply") from exc
    except Exception as exc:
        raise DecodeError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        if outer:
            state.depths.clear()
