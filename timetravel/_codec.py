"""msgpack encoding of state values, with a fixed set of extension types.

Decoding is safe for files from strangers: no pickle, no import of any class named in the
data, no code run. Types outside the supported set are written as readable
:class:`~timetravel.values.ObjectRecord` or :class:`~timetravel.values.Opaque` records.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import threading
import uuid
from collections.abc import Callable, Hashable, Iterable
from itertools import chain, compress
from typing import Any, Final, Protocol

import msgpack

from .kinds import Locator, by_code, kind_of, locator_named
from .kinds.opaque import attr_names, make_opaque
from .values import (
    MISSING,
    REDACTED,
    Opaque,
    Redacted,
    numpy_module,
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
EXT_LOCATOR: Final = 19  # a place inside a value: [locator name, args]
# 20 and up: the kinds' own (timetravel.kinds)


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


def opaque_repr(text: str, attrs: Iterable[str] = ()) -> str:
    """An opaque value's repr as it may be written: withheld if it may show a secret."""
    scrubber = _scrubber()
    if scrubber is None or scrubber.repr_is_clean(text, attrs):
        return text
    return WITHHELD_REPR


def opaque(value: object) -> Opaque:
    """``value`` as an :class:`Opaque` record (its repr withheld when encoding if it may
    show a secret)."""
    return make_opaque(value)


def _opaque_ext(value: object) -> msgpack.ExtType:
    return _ext(EXT_OPAQUE, [type_name(value), opaque_repr(safe_repr(value), attr_names(value))])


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
    if isinstance(obj, Locator):
        return _ext(EXT_LOCATOR, [obj.name, obj.args()])
    np = numpy_module()
    if np is not None and isinstance(obj, np.generic):  # numpy scalars as plain Python values
        return obj.item()
    kind = kind_of(obj)
    if kind is not None:
        # A value its kind can't write whole (a field that won't encode) is kept opaque.
        encoded = kind.encode(obj, _CONTEXT)
        if encoded is None:
            return _opaque_ext(obj)
        try:
            return _ext(*encoded)
        except Exception:
            return _opaque_ext(obj)
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
    if isinstance(obj, tuple):
        return _ext(EXT_TUPLE, list(obj))
    if isinstance(obj, list):
        return _scrubbed(list(obj))
    bases: tuple[Callable[[Any], Any], ...] = (str, bytes, int, float)
    for base in bases:
        if isinstance(obj, base):  # type: ignore[arg-type]
            return base(obj)
    return _opaque_ext(obj)


# --- decoding -------------------------------------------------------------------------------

# Limits that keep decoding a stranger's file bounded (see docs/format.md, "Decoding limits").
MAX_DEPTH: Final = 100  # containers inside containers, counted across extension values
MAX_EXT_DEPTH: Final = 32  # extension values inside extension values (each costs C stack)
MAX_NDIM: Final = 32  # dimensions of an ndarray
MAX_EMPTY: Final = 1_000_000  # positions an empty array, or a frame without columns, spans
MAX_INDEX: Final = 100_000_000  # rows a pandas RangeIndex may declare

_CONTAINERS: Final[frozenset[type]] = frozenset({list, dict})
_EXT_FLAT: Final = (EXT_TUPLE, EXT_SET, EXT_FROZENSET)  # no level of their own beyond the array


class _Context:
    """What the kinds' encoders may ask about secrets (see ``kinds.base.EncodeContext``)."""

    def scrub(self, value: Any) -> Any:
        return _scrubbed(value)

    def is_secret(self, name: Hashable) -> bool:
        scrubber = _scrubber()
        return scrubber is not None and scrubber.is_secret(name)

    def is_secret_label(self, label: Any) -> bool:
        scrubber = _scrubber()
        return scrubber is not None and scrubber.is_secret_label(label)

    @property
    def redacting(self) -> bool:
        return _scrubber() is not None

    def opaque_repr(self, text: str, attrs: Iterable[str] = ()) -> str:
        return opaque_repr(text, attrs)


_CONTEXT: Final = _Context()


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
    kind = by_code(code)
    if kind is not None:
        depth += kind.nesting(code, value)
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
        if code == EXT_LOCATOR:
            return _decode_locator(value)
        kind = by_code(code)
        if kind is not None:
            return kind.decode(code, value)
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(f"bad value of extension type {code}: {exc}") from exc
    raise DecodeError(f"unknown extension type {code}")


def _decode_locator(value: Any) -> Locator:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
        raise DecodeError("a locator is not a [name, args] array")
    cls = locator_named(value[0])
    if cls is None:
        raise DecodeError(f"unknown locator {value[0][:40]!r}")
    return cls.from_args(_items(value[1]))


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
