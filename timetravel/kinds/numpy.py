"""numpy arrays: copies, NaN-aware comparison, element-level diffs and the file encoding.

numpy is never imported here unless the app has imported it (reading a file may import it
to rebuild an array). Big arrays are compared and diffed in chunks of :data:`CHUNK_BYTES`,
so the memory a comparison takes stays bounded and an equality check stops at the first
chunk that differs.

A diff of two arrays of the same shape and dtype is one :class:`Elements` locator: the runs
of flat (C-order) positions that changed, with the items there before and after as small
1-D arrays. Arrays smaller than :data:`MIN_DIFF_SIZE`, object arrays, array subclasses and
changes touching more than :data:`MAX_CHANGED` elements, more than an eighth of the array
(:data:`MAX_CHANGED_FRACTION`) or more than :data:`MAX_RUNS` separate runs are recorded
whole instead: past those a diff saves little and costs more to apply.

File encoding (extension code 11): ``[descr, shape, bytes]`` with ``descr`` from
``numpy.lib.format.dtype_to_descr``, or ``["|O", shape, items]`` for object arrays. Reading
never unpickles and never makes object pointers from raw bytes.
"""

from __future__ import annotations

import copy as _copy
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Final

from .base import EncodeContext, Kind, Located, Locator

__all__ = [
    "CHUNK_BYTES",
    "EXT_NDARRAY",
    "MAX_CHANGED",
    "MAX_CHANGED_FRACTION",
    "MAX_RUNS",
    "MIN_DIFF_SIZE",
    "Elements",
    "NumpyKind",
]

#: The msgpack extension code of an ndarray (same as ``timetravel._codec.EXT_NDARRAY``).
EXT_NDARRAY: Final = 11
#: Bytes of each array compared per step: big enough to keep numpy's per-call cost small,
#: small enough that the temporary mask stays in cache (256K float64 items).
CHUNK_BYTES: Final = 1 << 21
# Dtype kinds whose items are equal when their bytes are (then compared by value only where
# the bytes differ).
_BYTES_KINDS: Final = frozenset("biufcmMSUV")
#: Arrays with fewer elements are recorded whole (a diff would not be smaller).
MIN_DIFF_SIZE: Final = 1024
#: A diff holds at most this many changed elements (also the limit for a file's locator).
MAX_CHANGED: Final = 1 << 20
#: ... and at most this share of the array's elements.
MAX_CHANGED_FRACTION: Final = 1 / 8
#: ... in at most this many runs of consecutive positions.
MAX_RUNS: Final = 4096
#: The largest flat position a file's locator may name.
_MAX_POSITION: Final = (1 << 62) - 1


def _numpy() -> Any:
    """numpy if the app has imported it."""
    return sys.modules.get("numpy")


def _import_numpy() -> Any:
    import numpy

    return numpy


def _flat(arr: Any) -> Any:
    """The elements of ``arr`` in C order, 1-D (a view when ``arr`` is C-contiguous)."""
    return arr.reshape(-1)


def _nan_test(np: Any, dtype: Any) -> Any:
    """The ufunc telling "missing" items that count as equal to each other (NaN, NaT), or
    None for dtypes compared exactly."""
    if dtype.kind in "fc":
        return np.isnan
    if dtype.kind in "mM":
        return np.isnat
    return None


class _Scan:
    """Walks two arrays of the same shape and dtype chunk by chunk, finding the items that
    changed.

    An item changed if its bytes differ *and* ``!=`` says so, NaN and NaT pairs excepted.
    Bytes are compared first, as unsigned ints, because that is as fast as ``!=``, needs no
    NaN pass and settles most chunks (unchanged NaNs have unchanged bytes); only the items
    whose bytes differ are compared by value (``-0.0`` equals ``0.0``, any NaN any NaN).
    Dtypes whose bytes are not their value (``StringDType``, user dtypes) are compared by
    value throughout.
    """

    __slots__ = ("_a", "_b", "_buf", "_missing", "_np", "_ratio", "_units", "size", "step")

    def __init__(self, np: Any, a: Any, b: Any) -> None:
        self._np = np
        self._a = np.ascontiguousarray(a).reshape(-1)
        self._b = np.ascontiguousarray(b).reshape(-1)
        self.size: int = int(self._a.size)
        dtype = a.dtype
        item = int(dtype.itemsize)
        #: Elements per chunk: :data:`CHUNK_BYTES` of data.
        self.step: int = max(1, CHUNK_BYTES // item) if item else max(1, self.size)
        self._missing = _nan_test(np, dtype)
        self._units: Any = None
        self._ratio = 1
        self._buf: Any = None
        if item and dtype.kind in _BYTES_KINDS:
            unit = next(u for u in (8, 4, 2, 1) if item % u == 0)
            self._units = np.dtype(f"u{unit}")
            self._ratio = item // unit
            self._buf = np.empty(min(self.size, self.step) * self._ratio, dtype=bool)

    def changed(self, start: int) -> Any:
        """Positions (relative to ``start``) of the changed items in the chunk at ``start``;
        an empty array if none changed."""
        np = self._np
        x = self._a[start : start + self.step]
        y = self._b[start : start + self.step]
        if self._units is not None:
            out = self._buf[: x.size * self._ratio]
            np.not_equal(x.view(self._units), y.view(self._units), out=out)
            if not out.any():
                return np.empty(0, dtype=np.intp)
            idx = np.flatnonzero(out if self._ratio == 1 else out.reshape(-1, self._ratio).any(1))
            x, y = x[idx], y[idx]
        elif x.dtype.itemsize == 0:
            return np.empty(0, dtype=np.intp)
        else:
            idx = np.arange(x.size)
        ne = x != y
        if not isinstance(ne, np.ndarray) or ne.shape != idx.shape:
            raise TypeError(f"arrays of dtype {x.dtype} don't compare item by item")
        if not ne.all():
            idx, x, y = idx[ne], x[ne], y[ne]
        if self._missing is not None and idx.size:
            idx = idx[~(self._missing(x) & self._missing(y))]
        return idx

    def first_difference(self) -> int | None:
        """The start of the first chunk holding a change, or None if nothing changed."""
        for start in range(0, self.size, self.step):
            if self.changed(start).size:
                return start
        return None


class _Hint(threading.local):
    """Where :meth:`NumpyKind.equal` last found two arrays to differ, so that the
    :meth:`NumpyKind.diff` the engine asks for next skips the chunks already found equal."""

    def __init__(self) -> None:
        self.a: Callable[[], Any] | None = None
        self.b: Callable[[], Any] | None = None
        self.start = 0

    def remember(self, a: Any, b: Any, start: int) -> None:
        try:
            self.a, self.b, self.start = weakref.ref(a), weakref.ref(b), start
        except TypeError:
            self.forget()

    def forget(self) -> None:
        self.a = self.b = None
        self.start = 0

    def take(self, a: Any, b: Any) -> int:
        """The start of the first differing chunk of ``a`` and ``b`` if the last comparison
        was of these two arrays, else 0; forgotten once taken."""
        ra, rb, start = self.a, self.b, self.start
        self.forget()
        if ra is None or rb is None:
            return 0
        x, y = ra(), rb()
        if (x is a and y is b) or (x is b and y is a):
            return start
        return 0


_hint = _Hint()


def _runs(positions: Any) -> list[int]:
    """Sorted distinct positions as flat ``[start, stop, start, stop, ...]`` runs."""
    np = _numpy()
    if not positions.size:
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    starts = positions[np.concatenate(([0], breaks))]
    stops = positions[np.concatenate((breaks - 1, [positions.size - 1]))] + 1
    out = np.empty(2 * starts.size, dtype=np.int64)
    out[0::2] = starts
    out[1::2] = stops
    return [int(v) for v in out.tolist()]


class Elements(Locator):
    """Some elements of an array, by flat C-order position, as runs ``[start, stop)``.

    Written to files as ``["ndarray.elements", start0, stop0, start1, stop1, ...]`` (the
    args a flat list of ints): runs sorted, non-empty, neither overlapping nor touching.
    The items it reads and writes are a 1-D array of the elements in those runs, in order.
    """

    __slots__ = ("_runs",)

    name: ClassVar[str] = "ndarray.elements"

    def __init__(self, runs: tuple[int, ...]) -> None:
        self._runs = runs

    @property
    def runs(self) -> list[tuple[int, int]]:
        """The runs as ``(start, stop)`` pairs."""
        r = self._runs
        return list(zip(r[0::2], r[1::2], strict=True))

    @property
    def count(self) -> int:
        """How many elements the runs cover."""
        r = self._runs
        return sum(r[1::2]) - sum(r[0::2])

    def _check(self, arr: Any) -> None:
        if self._runs and self._runs[-1] > arr.size:
            raise ValueError(
                f"elements up to position {self._runs[-1] - 1:,} of an array of {arr.size:,}"
            )

    def get(self, value: Any) -> Any:
        """A 1-D array (a copy) of the elements at these positions of ``value``."""
        np = _numpy()
        self._check(value)
        flat = _flat(value)
        parts = [flat[s:e] for s, e in self.runs]
        items = np.concatenate(parts) if parts else flat[:0].copy()
        if items.dtype.hasobject:
            items = _copy.deepcopy(items)
        return items

    def put(self, value: Any, item: Any, replaced: Any) -> Any:
        """Write the 1-D array ``item`` into these positions of ``value``: in place when
        ``value`` is a writable C-contiguous array (the recorder's copies are), else into a
        contiguous copy, which is returned."""
        np = _numpy() or _import_numpy()
        if not isinstance(value, np.ndarray) or not isinstance(item, np.ndarray):
            raise ValueError("array elements can only be put into an array, from an array")
        self._check(value)
        if item.shape != (self.count,):
            raise ValueError(f"{item.shape} items for {self.count:,} array elements")
        if item.dtype != value.dtype:
            raise ValueError(f"items of dtype {item.dtype} for an array of dtype {value.dtype}")
        if not (value.flags.c_contiguous and value.flags.writeable):
            value = value.copy(order="C")
        flat = _flat(value)
        at = 0
        for s, e in self.runs:
            flat[s:e] = item[at : at + e - s]
            at += e - s
        return value

    def args(self) -> list[Any]:
        """``[start0, stop0, start1, stop1, ...]``."""
        return list(self._runs)

    @classmethod
    def from_args(cls, args: list[Any]) -> Elements:
        """The locator from a file's args, checked: an even number of ints, non-negative,
        strictly increasing runs that neither overlap nor touch, within the diff limits."""
        if not isinstance(args, list) or not args or len(args) % 2:
            raise ValueError("array elements need a non-empty list of start, stop pairs")
        if len(args) > 2 * MAX_RUNS:
            raise ValueError(f"more than {MAX_RUNS:,} runs of array elements")
        if not all(type(v) is int and 0 <= v <= _MAX_POSITION for v in args):
            raise ValueError("array element positions must be non-negative ints")
        if any(args[i] >= args[i + 1] for i in range(len(args) - 1)):
            raise ValueError("array element runs must be non-empty, sorted and apart")
        found = cls(tuple(args))
        if found.count > MAX_CHANGED:
            raise ValueError(f"more than {MAX_CHANGED:,} array elements")
        return found

    def describe(self) -> str:
        """``elements [3, 10:20]``."""
        shown = [str(s) if e == s + 1 else f"{s}:{e}" for s, e in self.runs[:8]]
        more = ", ..." if len(self._runs) > 16 else ""
        return f"elements [{', '.join(shown)}{more}]"


class NumpyKind(Kind):
    """``numpy.ndarray`` and its subclasses (subclasses are copied as they are, compared with
    ``numpy.array_equal`` and recorded whole)."""

    name = "numpy"
    codes = (EXT_NDARRAY,)
    locators = (Elements,)

    def claims(self, value: Any) -> bool:
        """Whether ``value`` is an ndarray (False whenever the app has not imported numpy)."""
        np = _numpy()
        return np is not None and isinstance(value, np.ndarray)

    def copy(self, value: Any, copy_item: Callable[[Any], Any]) -> Any:
        """``value.copy()``; an object array's items are copied with ``copy_item`` too."""
        if not value.dtype.hasobject:
            return value.copy()
        if type(value) is not _numpy().ndarray:
            return _copy.deepcopy(value)
        out = _numpy().empty(value.shape, dtype=value.dtype)
        flat = _flat(out)
        for i, v in enumerate(value.ravel().tolist()):
            flat[i] = copy_item(v)
        return out

    def equal(self, a: Any, b: Any, equal_item: Callable[[Any, Any], bool]) -> bool:
        """Same shape, dtype and items, NaN (and NaT) equal to NaN; object items compared with
        ``equal_item``; text, bool, int and structured items exactly."""
        _hint.forget()
        np = _numpy()
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.hasobject:
            return all(map(equal_item, a.ravel().tolist(), b.ravel().tolist()))
        if type(a) is not np.ndarray or type(b) is not np.ndarray:
            return _subclass_equal(np, a, b)
        try:
            first = _Scan(np, a, b).first_difference()
        except TypeError:
            return _subclass_equal(np, a, b)
        if first is None:
            return True
        _hint.remember(a, b, first)
        return False

    def diff(self, old: Any, new: Any) -> list[Located] | None:
        """One :class:`Elements` change for the elements that differ, or None to record the
        array whole (see the module's limits)."""
        start = _hint.take(old, new)
        np = _numpy()
        if (
            type(old) is not np.ndarray
            or type(new) is not np.ndarray
            or old.shape != new.shape
            or old.dtype != new.dtype
            or old.dtype.hasobject
            or old.size < MIN_DIFF_SIZE
        ):
            return None
        limit = min(MAX_CHANGED, int(old.size * MAX_CHANGED_FRACTION))
        found: list[Any] = []
        count = runs = 0
        if not new.flags.c_contiguous:  # read it once in C order, not on every pass
            new = np.ascontiguousarray(new)
        try:
            scan = _Scan(np, old, new)
            for at in range(start, scan.size, scan.step):
                idx = scan.changed(at)
                if not idx.size:
                    continue
                count += int(idx.size)
                runs += 1 + int(np.count_nonzero(np.diff(idx) != 1))
                # a run across a chunk boundary is counted once per chunk here
                if count > limit or runs - len(found) > MAX_RUNS:
                    return None
                found.append(idx + at)
        except TypeError:
            return None
        if not found:
            return None
        bounds = _runs(np.concatenate(found))
        if len(bounds) > 2 * MAX_RUNS:
            return None
        loc = Elements(tuple(bounds))
        return [(loc, loc.get(old), loc.get(new))]

    def encode(self, value: Any, ctx: EncodeContext) -> tuple[int, Any] | None:
        """``[descr, shape, bytes]``, or ``["|O", shape, items]`` with secrets scrubbed."""
        np = _numpy()
        shape = list(value.shape)
        if value.dtype.hasobject:
            return EXT_NDARRAY, ["|O", shape, ctx.scrub(value.ravel().tolist())]
        descr = np.lib.format.dtype_to_descr(value.dtype)
        return EXT_NDARRAY, [descr, shape, value.tobytes(order="C")]

    def decode(self, code: int, payload: Any) -> Any:
        """The array from :meth:`encode`'s payload, checked (see the module docstring); an
        object record describing it when numpy is not installed."""
        from .._codec import DecodeError

        if code != EXT_NDARRAY:
            raise DecodeError(f"numpy can't read extension type {code}")
        if not isinstance(payload, list) or len(payload) != 3:
            raise DecodeError("an array record needs dtype, shape and data")
        descr, shape, data = payload
        dims = _shape(shape)
        count = 1
        for d in dims:
            count *= d
        _check_positions(dims, count)
        try:
            np = _numpy() or _import_numpy()
        except ImportError:
            from .._records import ObjectRecord

            return ObjectRecord("numpy.ndarray", {"dtype": str(descr), "shape": shape})
        if descr == "|O":
            if not isinstance(data, list) or len(data) != count:
                raise DecodeError(f"object array of shape {list(dims)} does not hold {count} items")
            arr = np.empty(count, dtype=object)
            for i, v in enumerate(data):  # one by one: a list item must stay a list
                arr[i] = v
            return arr.reshape(dims)
        if not isinstance(data, bytes):
            raise DecodeError("array data is not bytes")
        if isinstance(descr, list):
            descr = [tuple(d) if isinstance(d, list) else d for d in descr]
        elif not isinstance(descr, str):
            raise DecodeError(f"bad array dtype {descr!r}")
        try:
            dtype = np.lib.format.descr_to_dtype(descr)
        except Exception as exc:
            raise DecodeError(f"bad array dtype {descr!r}: {exc}") from exc
        if dtype.hasobject:  # raw bytes must never become object pointers
            raise DecodeError("array of objects stored as raw bytes")
        if count * dtype.itemsize != len(data):
            raise DecodeError(
                f"array of shape {list(dims)} and dtype {dtype} needs "
                f"{count * dtype.itemsize:,} bytes, the record holds {len(data):,}"
            )
        if dtype.itemsize == 0:
            _check_positions(dims, 0)
            return np.zeros(dims, dtype=dtype)
        arr = np.frombuffer(data, dtype=dtype).reshape(dims).copy()
        _check_text(arr, np)
        return arr

    def nesting(self, code: int, payload: Any) -> int:
        """The array's dimensions (an object array exports as that many nested lists)."""
        if isinstance(payload, list) and len(payload) > 1 and isinstance(payload[1], list):
            return len(payload[1])
        return 0

    def to_json(self, value: Any, to_json: Callable[[Any], Any]) -> Any:
        """``{"$ndarray": dtype, "shape": [...], "data": nested lists}``."""
        return {
            "$ndarray": str(value.dtype),
            "shape": list(value.shape),
            "data": to_json(value.tolist()),
        }

    def size(self, value: Any) -> int:
        """The array's data bytes plus the array object."""
        return int(value.nbytes) + 112


def _subclass_equal(np: Any, a: Any, b: Any) -> bool:
    """Whole-array comparison for subclasses and dtypes the chunked scan can't compare."""
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:  # equal_nan is not defined for non-numeric dtypes
        return bool(np.array_equal(a, b))


# --- decoding checks --------------------------------------------------------------------------


def _shape(shape: Any) -> tuple[int, ...]:
    """A declared ndarray shape, checked: a short list of non-negative ints."""
    from .._codec import MAX_NDIM, DecodeError

    if not isinstance(shape, list) or len(shape) > MAX_NDIM:
        raise DecodeError(f"an array shape must be a list of at most {MAX_NDIM} sizes")
    if not all(type(d) is int and d >= 0 for d in shape):
        raise DecodeError(f"bad array shape {shape!r}")
    return tuple(shape)


def _check_positions(shape: tuple[int, ...], count: int) -> None:
    """An empty array's other dimensions still make lists on export: bound them."""
    from .._codec import MAX_EMPTY, DecodeError

    if count == 0:
        spans = 1
        for d in shape:
            spans *= max(d, 1)
            if spans > MAX_EMPTY:
                raise DecodeError(
                    f"empty array of shape {list(shape)} spans more than {MAX_EMPTY:,} positions"
                )


def _check_text(arr: Any, np: Any) -> None:
    """Unicode arrays (and fields) must hold code points Python can make strings of."""
    from .._codec import DecodeError

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
