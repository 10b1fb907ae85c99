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
from collections.abc import Callable
from typing import Any, Final

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


_local = threading.local()  # the scrubber of the encode() running in this thread


def _packb(obj: Any) -> bytes:
    return msgpack.packb(obj, default=_default, use_bin_type=True, strict_types=True)


def _fields(value: dict[Any, Any]) -> dict[Any, Any]:
    """An object's fields as they may be written: secrets scrubbed like any dict's."""
    scrub = getattr(_local, "scrub", None)
    return value if scrub is None else scrub(value)


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
        return _ext(EXT_OPAQUE, [obj.type, obj.repr])
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
        return _ext(EXT_OBJECT, [type_name(obj), _fields(dict(obj._asdict()))])
    if isinstance(obj, tuple):
        return _ext(EXT_TUPLE, list(obj))
    if isinstance(obj, enum.Enum):
        return _ext(EXT_OBJECT, [type_name(obj), {"name": obj.name, "value": obj.value}])
    bases: tuple[Callable[[Any], Any], ...] = (list, str, bytes, int, float)
    for base in bases:
        if isinstance(obj, base):  # type: ignore[arg-type]
            return base(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        values = {f.name: getattr(obj, f.name, MISSING) for f in dataclasses.fields(obj)}
        return _ext(EXT_OBJECT, [type_name(obj), _fields(values)])
    attrs = _object_fields(obj) if not callable(obj) else None
    if attrs is not None:
        try:
            return _ext(EXT_OBJECT, [type_name(obj), _fields(attrs)])
        except Exception:
            pass  # an attribute that won't encode: keep the whole object opaque
    return _ext(EXT_OPAQUE, [type_name(obj), safe_repr(obj)])


def _encode_ndarray(arr: Any) -> msgpack.ExtType:
    np = numpy_module()
    if arr.dtype.hasobject:
        return _ext(EXT_NDARRAY, ["|O", list(arr.shape), arr.ravel().tolist()])
    descr = np.lib.format.dtype_to_descr(arr.dtype)
    return _ext(EXT_NDARRAY, [descr, list(arr.shape), np.ascontiguousarray(arr).tobytes()])


def _column_payload(values: Any, pd: Any) -> list[Any]:
    np = numpy_module()
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and not dtype.hasobject:
        return [str(dtype), values.to_numpy()]
    # Extension and object columns: plain values, missing ones as None.
    items = [None if _is_na(v, pd) else v for v in values.tolist()]
    return [str(dtype), items]


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
    cols = [_column_payload(df.iloc[:, i], pd) for i in range(df.shape[1])]
    return [_encode_index(df.columns, pd), _encode_index(df.index, pd), cols]


def _encode_series(s: Any, pd: Any) -> list[Any]:
    return [s.name, _encode_index(s.index, pd), _column_payload(s, pd)]


# --- decoding -------------------------------------------------------------------------------


def _unpackb(data: bytes) -> Any:
    return msgpack.unpackb(
        data,
        ext_hook=_ext_hook,
        raw=False,
        strict_map_key=False,
        use_list=True,
    )


def _ext_hook(code: int, data: bytes) -> Any:
    value = _unpackb(data)
    try:
        if code == EXT_TUPLE:
            return tuple(value)
        if code == EXT_SET:
            return set(value)
        if code == EXT_FROZENSET:
            return frozenset(value)
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


def _decode_datetime(iso: str, zone: str | None) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(iso)
    if zone:
        try:
            from zoneinfo import ZoneInfo

            value = value.astimezone(ZoneInfo(zone))
        except Exception:
            pass  # unknown zone here: keep the fixed offset, same instant
    return value


def _decode_ndarray(descr: Any, shape: list[int], data: Any) -> Any:
    np = numpy_module()
    if np is None:
        try:
            import numpy as np
        except ImportError:
            return ObjectRecord("numpy.ndarray", {"dtype": str(descr), "shape": shape})
    if descr == "|O":
        arr = np.empty(len(data), dtype=object)
        arr[:] = data
        return arr.reshape(shape)
    if isinstance(descr, list):
        descr = [tuple(d) for d in descr]
    dtype = np.lib.format.descr_to_dtype(descr)
    if dtype.hasobject:  # raw bytes must never become object pointers
        raise DecodeError("array of objects stored as raw bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _pandas() -> Any:
    import pandas

    return pandas


def _decode_values(payload: list[Any], pd: Any) -> Any:
    dtype, values = payload
    if is_ndarray(values):
        return values
    return pd.array(values, dtype=dtype)


def _decode_index(payload: list[Any], pd: Any) -> Any:
    kind = payload[0]
    if kind == "range":
        return pd.RangeIndex(payload[1], payload[2], payload[3], name=payload[4])
    if kind == "multi":
        return pd.MultiIndex.from_tuples(payload[1], names=payload[2])
    if kind == "index":
        return pd.Index(_decode_values(payload[1], pd), name=payload[2])
    raise DecodeError(f"unknown index kind {kind!r}")


def _decode_frame(columns: list[Any], index: list[Any], cols: list[Any]) -> Any:
    pd = _pandas()
    col_index = _decode_index(columns, pd)
    row_index = _decode_index(index, pd)
    data = {i: pd.Series(_decode_values(c, pd), index=row_index) for i, c in enumerate(cols)}
    frame = pd.DataFrame(data, index=row_index)
    frame.columns = col_index
    return frame


def _decode_series(name: Any, index: list[Any], payload: list[Any]) -> Any:
    pd = _pandas()
    return pd.Series(_decode_values(payload, pd), index=_decode_index(index, pd), name=name)


def encode(value: Any, scrub: Callable[[Any], Any] | None = None) -> bytes:
    """msgpack bytes for a state value (any value: unsupported types become records).

    ``scrub`` is applied to the fields of objects as they are turned into records, so that
    secrets inside dataclasses and other objects are redacted like those in plain dicts.
    """
    _local.scrub = scrub
    try:
        return _packb(scrub(value) if scrub is not None else value)
    finally:
        _local.scrub = None


def decode(data: bytes) -> Any:
    """The value from :func:`encode`'s bytes. Raises :class:`DecodeError` for anything else."""
    try:
        return _unpackb(data)
    except DecodeError:
        raise
    except RecursionError as exc:
        raise DecodeError("nested too deeply") from exc
    except Exception as exc:
        raise DecodeError(f"{type(exc).__name__}: {exc}") from exc
