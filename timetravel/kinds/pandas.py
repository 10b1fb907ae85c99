"""pandas DataFrames and Series: private copies, NaN-aware equality, cell-level diffs, and an
exact file encoding (Arrow IPC for extension dtypes).

pandas is never imported here unless the app has imported it (:meth:`PandasKind.claims` looks
in ``sys.modules``); decoding a file may import it, and pyarrow, lazily.

File encoding (see :meth:`PandasKind.encode`):

* ``EXT_FRAME`` (20) ``[columns, index, cols, ipc]``: ``columns`` and ``index`` are index
  payloads (below); ``cols`` holds one entry per column, in order: either an int, the column of
  that number in the Arrow IPC stream ``ipc`` (bytes, or None when no column needs Arrow), or a
  column payload ``[dtype, data]`` (numpy columns as raw arrays, object columns as lists).
* ``EXT_SERIES`` (21) ``[name, index, column]``: ``column`` is IPC bytes holding one column, or
  a column payload.
* Index payloads: ``["range", start, stop, step, name]``, ``["multi", tuples, names]``,
  ``["index", column payload, name(, freq)]`` or ``["arrow", ipc, names(, freq)]``.
* The codes of older files, 12 (``[columns, index, [column payload, ...]]``) and 13
  (``[name, index, column payload]``), are still read, and written when pyarrow is missing.

Numpy-dtype columns are stored as raw arrays (exact and compact); extension dtypes (Period,
Interval, categorical, tz-aware, nullable, string) go through Arrow; object columns, and
anything Arrow can't hold exactly, are stored as lists of values (secrets scrubbed).

Reading IPC never unpickles nor imports: every field's type must be one of a short list of
plain Arrow types or pandas' own period and interval extension types, compressed bodies are
refused, and the cells a table declares must be backed by the bytes present.
"""

from __future__ import annotations

import contextlib
import copy as _copy
import importlib
import struct
import sys
from collections.abc import Callable
from typing import Any, Final

from .._records import MISSING, REDACTED, ObjectRecord, Redacted
from .base import EncodeContext, Kind, Located, Locator
from .numpy import NumpyKind

__all__ = [
    "EXT_FRAME",
    "EXT_FRAME_V1",
    "EXT_SERIES",
    "EXT_SERIES_V1",
    "Cells",
    "Column",
    "PandasKind",
    "Rows",
]

EXT_FRAME_V1: Final = 12  # the first DataFrame encoding (no Arrow), still read
EXT_SERIES_V1: Final = 13
EXT_FRAME: Final = 20
EXT_SERIES: Final = 21

# Limits that keep decoding a stranger's file bounded (as in timetravel._codec).
MAX_EMPTY: Final = 1_000_000  # rows of a frame without columns
MAX_INDEX: Final = 100_000_000  # rows a RangeIndex may declare, rows a locator may name
MAX_COLUMNS: Final = 10_000_000  # column positions a locator may name

#: Above this share of a value's cells changed, a diff records the value whole.
WHOLE_SHARE: Final = 0.5

_ATOMIC: Final[frozenset[type]] = frozenset({int, float, complex, bool, str, bytes, type(None)})
_SHORT: Final = 10_000  # string columns up to this length are written as lists
_ARROW_EXTENSIONS: Final = frozenset({"pandas.period", "pandas.interval"})
_MIN_PYARROW: Final = (14, 0, 1)  # refuses arrow.py_extension_type (pickle) by default


# --- helpers ---------------------------------------------------------------------------------


def _pd() -> Any:
    return importlib.import_module("pandas")


def _np() -> Any:
    return importlib.import_module("numpy")


def _values_module() -> Any:
    return importlib.import_module("timetravel.values")


def _missing() -> Any:
    return MISSING


def _absent(part: Any) -> bool:
    """No part: MISSING, or None as a file writes MISSING (a column or rows are never None)."""
    return part is MISSING or part is None


def _pyarrow() -> Any:
    """pyarrow, or None if it can't be imported (or is too old to read files safely), with
    pandas' period and interval types registered (pandas registers them on first use)."""
    try:
        pa = importlib.import_module("pyarrow")
        importlib.import_module("pyarrow.ipc")
    except Exception:
        return None
    with contextlib.suppress(Exception):  # unregistered, they are refused as any unknown
        importlib.import_module("pandas.core.arrays.arrow.extension_types")
    parts: list[int] = []
    for part in str(pa.__version__).split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        parts.append(int(digits) if digits else 0)
    return pa if tuple(parts) >= _MIN_PYARROW else None


def _np_dtype(dtype: Any) -> bool:
    """Whether a pandas dtype is a plain numpy dtype (not an extension dtype)."""
    np = _np()
    return isinstance(dtype, np.dtype)


def _is_object(dtype: Any) -> bool:
    return _np_dtype(dtype) and dtype.kind == "O"


def _has_mutable_cells(values: Any) -> bool:
    """False for object cells that are all strings, numbers and None (nothing to copy)."""
    return not set(map(type, values.tolist())) <= _ATOMIC


def _copy_objects(arr: Any, copy_item: Callable[[Any], Any] | None = None) -> Any:
    """A copy of a 1-d object array whose items are copied too."""
    np = _np()
    out = np.empty(len(arr), dtype=object)
    if not _has_mutable_cells(arr):
        out[:] = arr
        return out
    for i, v in enumerate(arr.tolist()):
        if copy_item is not None:
            out[i] = copy_item(v)
        else:
            try:
                out[i] = _copy.deepcopy(v)
            except Exception:
                out[i] = v
    return out


def _private(value: Any, copy_item: Callable[[Any], Any] | None = None) -> Any:
    """A deep copy of a DataFrame or Series whose object cells are copied too."""
    pd = _pd()
    out = value.copy(deep=True)
    if isinstance(out, pd.Series):
        if _is_object(out.dtype) and _has_mutable_cells(out.to_numpy()):
            cells = _copy_objects(out.to_numpy(), copy_item)
            out = pd.Series(cells, index=out.index, name=out.name, dtype=object)
        return out
    for i, dtype in enumerate(out.dtypes):
        if _is_object(dtype):
            cells = out.iloc[:, i].to_numpy()
            if _has_mutable_cells(cells):
                out.isetitem(i, _as_series(_copy_objects(cells, copy_item), out.index))
    return out


def _same_axis(a: Any, b: Any) -> bool:
    """Two pandas indexes with the same labels, names and dtypes (``Index.equals`` ignores
    names and dtypes)."""
    if a is b:
        return True
    try:
        if type(a) is not type(b) and (hasattr(a, "levels") or hasattr(b, "levels")):
            return False
        if len(a) != len(b) or list(a.names) != list(b.names):
            return False
        if hasattr(a, "levels"):
            if list(a.dtypes) != list(b.dtypes):
                return False
        elif a.dtype != b.dtype:
            return False
        return bool(a.equals(b))
    except Exception:
        return False


def _same_dtypes(a: Any, b: Any) -> bool:
    try:
        return len(a.dtypes) == len(b.dtypes) and all(
            x == y for x, y in zip(a.dtypes, b.dtypes, strict=True)
        )
    except Exception:
        return False


def _same_label(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _as_series(values: Any, index: Any, name: Any = None) -> Any:
    """A Series of ``values`` in their own dtype (pandas 3 would make object arrays of
    strings ``str``)."""
    return _pd().Series(values, index=index, dtype=values.dtype, name=name, copy=False)


def _column(value: Any, pos: int | None) -> Any:
    return value if pos is None else value.iloc[:, pos]


def _raise_value_error(what: str, exc: BaseException | None = None) -> Any:
    detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
    raise ValueError(f"{what}{detail}")


# --- locators --------------------------------------------------------------------------------


def _int_arg(value: Any, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{what} must be an int from {low} to {high:,}, not {value!r}")
    return value


class Cells(Locator):
    """Some cells of one column of a DataFrame (``column`` its position) or of a Series
    (``column`` None), at the row positions ``rows`` (strictly increasing).

    Args in files: ``[column or None, [row, ...]]``. :meth:`get` gives the cells' values: a
    Series with their row labels, named by the column's label (so a file redacts secret
    ones). :meth:`put` writes values in place.
    """

    __slots__ = ("column", "rows")
    name = "pandas.cells"

    def __init__(self, column: int | None, rows: Any) -> None:
        np = _np()
        self.column = column
        arr = np.array(rows, dtype=np.int64)
        arr.flags.writeable = False
        self.rows: Any = arr

    def args(self) -> list[Any]:
        """``[column, rows]``."""
        return [self.column, self.rows.tolist()]

    @classmethod
    def from_args(cls, args: list[Any]) -> Cells:
        """Check ``[column, rows]`` read from a file."""
        if not isinstance(args, list) or len(args) != 2:
            raise ValueError("pandas.cells needs [column, rows]")
        column, rows = args
        if column is not None:
            _int_arg(column, "a column position", 0, MAX_COLUMNS)
        if not isinstance(rows, list) or not rows or len(rows) > MAX_INDEX:
            raise ValueError("pandas.cells needs a non-empty list of row positions")
        if not all(type(r) is int and 0 <= r < MAX_INDEX for r in rows):
            raise ValueError(f"row positions must be ints from 0 to {MAX_INDEX:,}")
        np = _np()
        arr = np.array(rows, dtype=np.int64)
        if arr.size > 1 and not bool((arr[1:] > arr[:-1]).all()):
            raise ValueError("row positions must be strictly increasing")
        return cls(column, arr)

    def describe(self) -> str:
        """``cells [3, 7] of column 2``."""
        n = len(self.rows)
        rows = repr(self.rows.tolist()) if n <= 5 else f"{n:,} rows"
        where = "" if self.column is None else f" of column {self.column}"
        return f"cells {rows}{where}"

    def _target(self, value: Any) -> Any:
        pd = _pd()
        if (self.column is None) != isinstance(value, pd.Series):
            raise ValueError(f"{self.describe()} does not apply to a {type(value).__name__}")
        if self.column is not None and self.column >= value.shape[1]:
            raise ValueError(f"{self.describe()}: the frame has {value.shape[1]} columns")
        if int(self.rows[-1]) >= len(value):
            raise ValueError(f"{self.describe()}: the value has {len(value):,} rows")
        return _column(value, self.column)

    def get(self, value: Any) -> Any:
        """The cells' values (a private copy)."""
        return _take(self._target(value), self.rows)

    def put(self, value: Any, item: Any, replaced: Any) -> Any:
        """Write ``item`` (from :meth:`get`) into the cells, in place (a file's view of
        secret cells turns a Series into a new one of objects)."""
        self._target(value)
        value = _redacted_view(value, self.column, item)
        column = self._target(value)
        values = _cell_values(item, column.dtype, len(self.rows))
        if self.column is None:
            value.iloc[self.rows] = values
        else:
            value.iloc[self.rows, self.column] = values
        return value


def _take(column: Any, rows: Any) -> Any:
    """The cells at ``rows`` as a Series keeping their row labels and the column's label:
    a file redacts them as it redacts a column or rows labelled like secrets."""
    return _private(column.iloc[rows])


def _redacted_view(value: Any, column: int | None, item: Any) -> Any:
    """``value`` with the column ``item`` goes into made an object column, if ``item``
    holds redaction markers (a file's view of secret cells, as it shows a secret column)."""
    pd, np = _pd(), _np()
    if not isinstance(item, (pd.Series, np.ndarray)) or item.dtype != object:
        return value
    if not any(isinstance(v, Redacted) for v in item.tolist()):
        return value
    target = _column(value, column)
    if _is_object(target.dtype):
        return value
    cells = np.empty(len(target), dtype=object)
    cells[:] = target.tolist()
    if column is None:
        return _as_series(cells, value.index, value.name)
    value.isetitem(column, _as_series(cells, value.index))
    return value


def _cell_values(item: Any, dtype: Any, count: int) -> Any:
    """What to assign to cells of ``dtype``: an array of ``count`` values (object values
    copied, so the value never shares them with the history)."""
    pd, np = _pd(), _np()
    if isinstance(item, pd.Series):
        values = item.array
        if _np_dtype(item.dtype):
            values = item.to_numpy()
    elif isinstance(item, np.ndarray) and item.ndim == 1:
        values = item
    else:
        raise ValueError(f"cells need an array of values, not {type(item).__name__}")
    if len(values) != count:
        raise ValueError(f"{len(values):,} values for {count:,} cells")
    if values.dtype != dtype:
        if not _is_object(dtype):
            raise ValueError(f"values of dtype {values.dtype} for cells of dtype {dtype}")
        # A file keeps a column with secret cells as objects: typed cells go in as objects.
        cells = np.empty(count, dtype=object)
        cells[:] = list(values)
        values = cells
    if isinstance(values, np.ndarray) and values.dtype.kind == "O":
        values = _copy_objects(values)
    return values


class Column(Locator):
    """The column at position ``pos`` of a DataFrame, as a Series named by its label.

    Args in files: ``[pos]``. :meth:`get` gives MISSING past the last column. :meth:`put`
    inserts the column when ``replaced`` is MISSING (or None, as files write MISSING),
    removes it when ``item`` is, and
    replaces its values otherwise (in place, except a removal from a frame with duplicate
    column labels, which gives a new frame).
    """

    __slots__ = ("pos",)
    name = "pandas.column"

    def __init__(self, pos: int) -> None:
        self.pos = pos

    def args(self) -> list[Any]:
        """``[pos]``."""
        return [self.pos]

    @classmethod
    def from_args(cls, args: list[Any]) -> Column:
        """Check ``[pos]`` read from a file."""
        if not isinstance(args, list) or len(args) != 1:
            raise ValueError("pandas.column needs [position]")
        return cls(_int_arg(args[0], "a column position", 0, MAX_COLUMNS))

    def describe(self) -> str:
        """``column 3``."""
        return f"column {self.pos}"

    def _frame(self, value: Any) -> Any:
        pd = _pd()
        if not isinstance(value, pd.DataFrame):
            raise ValueError(f"{self.describe()} does not apply to a {type(value).__name__}")
        return value

    def get(self, value: Any) -> Any:
        """The column (a private copy) or MISSING."""
        frame = self._frame(value)
        if self.pos >= frame.shape[1]:
            return _missing()
        return _private(frame.iloc[:, self.pos])

    def put(self, value: Any, item: Any, replaced: Any) -> Any:
        """Insert, remove or replace the column."""
        pd = _pd()
        frame = self._frame(value)
        ncols = frame.shape[1]
        if _absent(item):
            if self.pos >= ncols:
                raise ValueError(f"no {self.describe()} to remove: the frame has {ncols}")
            if frame.columns.is_unique:
                del frame[frame.columns[self.pos]]
                return frame
            return frame.take([i for i in range(ncols) if i != self.pos], axis=1)
        if not isinstance(item, pd.Series):
            raise ValueError(f"a column must be a Series, not {type(item).__name__}")
        if len(item) != len(frame):
            raise ValueError(f"a column of {len(item):,} rows for a frame of {len(frame):,}")
        values = _private(item)
        values = values.to_numpy() if _np_dtype(values.dtype) else values.array
        if _absent(replaced):
            if self.pos > ncols:
                raise ValueError(f"can't insert {self.describe()}: the frame has {ncols}")
            column = _as_series(values, frame.index)
            frame.insert(self.pos, item.name, column, allow_duplicates=True)
        else:
            if self.pos >= ncols:
                raise ValueError(f"no {self.describe()} to replace: the frame has {ncols}")
            frame.isetitem(self.pos, _as_series(values, frame.index))
        return frame


class Rows(Locator):
    """The rows of a DataFrame or Series from position ``start`` to the end.

    Args in files: ``[start]``. :meth:`get` gives them as a value of the same type, or
    MISSING when there are none. :meth:`put` appends rows when ``replaced`` is MISSING (or
    None, as files write MISSING), cuts them off when ``item`` is, and replaces them
    otherwise; it returns a new value.
    """

    __slots__ = ("start",)
    name = "pandas.rows"

    def __init__(self, start: int) -> None:
        self.start = start

    def args(self) -> list[Any]:
        """``[start]``."""
        return [self.start]

    @classmethod
    def from_args(cls, args: list[Any]) -> Rows:
        """Check ``[start]`` read from a file."""
        if not isinstance(args, list) or len(args) != 1:
            raise ValueError("pandas.rows needs [start]")
        return cls(_int_arg(args[0], "a row position", 0, MAX_INDEX))

    def describe(self) -> str:
        """``rows 10:``."""
        return f"rows {self.start}:"

    def get(self, value: Any) -> Any:
        """The rows from ``start`` on (a private copy), or MISSING."""
        if len(value) <= self.start:
            return _missing()
        return _private(value.iloc[self.start :])

    def put(self, value: Any, item: Any, replaced: Any) -> Any:
        """A new value: ``value``'s rows up to ``start``, then ``item``'s."""
        pd = _pd()
        if len(value) < self.start:
            raise ValueError(f"{self.describe()}: the value has only {len(value):,} rows")
        head = value.iloc[: self.start] if len(value) > self.start else value
        if _absent(item):
            return head.copy(deep=True)
        if type(item) is not type(value) or not isinstance(value, (pd.DataFrame, pd.Series)):
            raise ValueError(f"rows of a {type(value).__name__} must be one too")
        if isinstance(value, pd.DataFrame) and item.shape[1] != value.shape[1]:
            raise ValueError(f"rows of {item.shape[1]} columns for a frame of {value.shape[1]}")
        return _concat_rows(head, _private(item), pd)


def _join_index(head: Any, tail: Any) -> Any:
    """``head.append(tail)``, keeping their dtype when they share one (pandas 3 infers
    ``str`` for object labels that are all strings)."""
    out = head.append(tail)
    if head.nlevels == 1 and head.dtype == tail.dtype and out.dtype != head.dtype:
        out = out.astype(head.dtype)
    return out


def _concat_rows(head: Any, tail: Any, pd: Any) -> Any:
    if isinstance(head, pd.Series):
        out = pd.concat([head, tail])
        out.name = head.name
    else:
        labels = head.columns
        a, b = head.copy(deep=False), tail.copy(deep=False)
        a.columns = b.columns = pd.RangeIndex(head.shape[1])
        out = pd.concat([a, b])
        out.columns = labels
    out.index = _join_index(head.index, tail.index)
    return out


# --- diffs -----------------------------------------------------------------------------------


def _changed_rows(a: Any, b: Any) -> Any:
    """Positions where two columns (Series of one dtype and length) differ, NaN equal to NaN;
    None when they can't be compared cell by cell."""
    np = _np()
    dtype = a.dtype
    if _np_dtype(dtype):
        x, y = a.to_numpy(), b.to_numpy()
        if dtype.kind == "O":
            try:
                ne = np.asarray(x != y, dtype=bool)
                if ne.shape != x.shape:
                    raise TypeError("not an elementwise comparison")
            except Exception:
                ne = np.ones(len(x), dtype=bool)
            candidates = np.flatnonzero(ne)
            if not candidates.size:
                return candidates
            values_equal = _values_module().values_equal
            keep = [i for i in candidates.tolist() if not values_equal(x[i], y[i])]
            return np.array(keep, dtype=np.int64)
        rows = np.flatnonzero(x != y)
        if rows.size and dtype.kind in "fc":
            rows = rows[~(np.isnan(x[rows]) & np.isnan(y[rows]))]
        elif rows.size and dtype.kind in "mM":
            rows = rows[~(np.isnat(x[rows]) & np.isnat(y[rows]))]
        return rows
    try:
        ea, eb = a.array, b.array
        # Same dtype: categoricals compare by their codes (missing is -1), datetimes, periods
        # and timedeltas by their int64 values (NaT is one value).
        # Unordered categoricals of one dtype may list their categories in different orders:
        # then the column is replaced whole, so that the order is kept.
        if isinstance(a.dtype, _pd().CategoricalDtype) and not _same_axis(
            ea.categories, eb.categories
        ):
            return None
        for attr in ("codes", "asi8"):
            x, y = getattr(ea, attr, None), getattr(eb, attr, None)
            if isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.shape == y.shape:
                return np.flatnonzero(x != y)
        na_a = np.asarray(ea.isna(), dtype=bool)
        na_b = np.asarray(eb.isna(), dtype=bool)
        ne = ea != eb
        if hasattr(ne, "to_numpy"):
            ne = ne.to_numpy(dtype=bool, na_value=True)
        ne = np.asarray(ne, dtype=bool)
        if ne.shape != na_a.shape or na_a.shape != na_b.shape:
            return None
        return np.flatnonzero((ne & ~(na_a & na_b)) | (na_a ^ na_b))
    except Exception:
        return None


def _same_column(a: Any, b: Any) -> bool:
    """Whether two columns of one dtype are equal: numpy columns by the numpy kind's chunked
    comparison (NaN equal to NaN, stopping at the first difference), others by their arrays'
    own ``equals`` (Arrow strings compared without building a result); False if it can't tell."""
    try:
        if _np_dtype(a.dtype) and a.dtype.kind != "O":
            return _NUMPY.equal(a.to_numpy(), b.to_numpy(), _never)
        return bool(a.array.equals(b.array))
    except Exception:
        return False


def _never(x: Any, y: Any) -> bool:
    return False


_NUMPY = NumpyKind()


def _column_changes(
    old: Any, new: Any, pairs: list[tuple[int, int]], nrows: int
) -> tuple[list[Located], int] | None:
    """Cells (or whole columns) that differ between columns ``old[i]`` and ``new[j]`` for
    ``(i, j)`` in pairs, of ``nrows`` rows each (a prefix), addressed in ``new``; and their
    cost in cells."""
    out: list[Located] = []
    cost = 0
    for i, j in pairs:
        a, b = old.iloc[:nrows, i], new.iloc[:nrows, j]
        if a.dtype == b.dtype and _same_column(a, b):
            continue  # one pass in C with no result array: most columns didn't change
        rows = None if a.dtype != b.dtype else _changed_rows(a, b)
        if rows is not None and not rows.size:
            continue
        if rows is None or 2 * rows.size > nrows:
            if nrows != len(new) or nrows != len(old):
                return None  # whole columns only when every row is compared
            loc: Locator = Column(j)
            out.append((loc, _private(old.iloc[:, i]), _private(new.iloc[:, j])))
            cost += 2 * nrows
            continue
        cells = Cells(j, rows)
        out.append((cells, _take(a, rows), _take(b, rows)))
        cost += 2 * rows.size
    return out, cost


def _rows_change(old: Any, new: Any, pd: Any) -> tuple[int, Located] | None:
    """Rows added or removed at the end (the rest of the index the same), or None. Either
    way the longer value must be what joining its last rows to the shorter one makes."""
    short, long = (old, new) if len(old) < len(new) else (new, old)
    n = len(short)
    if not n or not _same_axis(long.index[:n], short.index):
        return None
    if not _same_axis(_join_index(short.index, long.index[n:]), long.index):
        return None
    probe = _concat_rows(short.iloc[:1], long.iloc[n : n + 1], pd)
    if isinstance(long, pd.Series) and probe.dtype != long.dtype:
        return None
    if isinstance(long, pd.DataFrame) and not _same_dtypes(probe, long):
        return None
    loc = Rows(n)
    return n, (loc, loc.get(old), loc.get(new))


def _frame_diff(old: Any, new: Any, pd: Any) -> list[Located] | None:
    n_old, n_new = len(old), len(new)
    ncols = new.shape[1]
    if not (n_old and n_new and ncols and old.shape[1]):
        return None
    budget = WHOLE_SHARE * 2 * max(n_old * old.shape[1], n_new * ncols)
    if not _same_axis(old.index, new.index):
        if not (_same_axis(old.columns, new.columns) and _same_dtypes(old, new)):
            return None
        found = _rows_change(old, new, pd)
        if found is None:
            return None
        n, rows = found
        cells = _column_changes(old, new, [(i, i) for i in range(ncols)], n)
        if cells is None:
            return None
        changes, cost = cells
        cost += abs(n_new - n_old) * ncols
        return [*changes, rows] if cost <= budget else None
    if not _same_axis(old.columns, new.columns):
        return _columns_diff(old, new, budget, pd)
    found_cells = _column_changes(old, new, [(i, i) for i in range(ncols)], n_new)
    if found_cells is None:
        return None
    changes, cost = found_cells
    return changes if changes and cost <= budget else None


def _empty(part: Any) -> Any:
    return part if part is MISSING else part.iloc[:0]


def _columns_diff(old: Any, new: Any, budget: float, pd: Any) -> list[Located] | None:
    """Columns removed and inserted in one place (the others in the same order)."""
    missing = _missing()
    a, b = list(old.columns), list(new.columns)
    p = 0
    while p < min(len(a), len(b)) and _same_label(a[p], b[p]):
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and _same_label(a[len(a) - 1 - s], b[len(b) - 1 - s]):
        s += 1
    removed = range(p, len(a) - s)
    inserted = range(p, len(b) - s)
    nrows = len(new)
    changes: list[Located] = []
    for i in reversed(removed):
        changes.append((Column(i), _private(old.iloc[:, i]), missing))
    for j in inserted:
        changes.append((Column(j), missing, _private(new.iloc[:, j])))
    cost = (len(removed) + len(inserted)) * nrows
    # The frame the structural changes make must have new's columns and dtypes exactly.
    probe = old.iloc[:0].copy()
    for loc, before, after in changes:
        probe = loc.put(probe, _empty(after), _empty(before))
    if not (_same_axis(probe.columns, new.columns) and _same_dtypes(probe, new)):
        return None
    pairs = [(i, i) for i in range(p)]
    pairs += [(len(a) - s + k, len(b) - s + k) for k in range(s)]
    found = _column_changes(old, new, pairs, nrows)
    if found is None:
        return None
    cells, cell_cost = found
    cost += cell_cost
    return [*changes, *cells] if cost <= budget else None


def _series_diff(old: Any, new: Any) -> list[Located] | None:
    values_equal = _values_module().values_equal
    if old.dtype != new.dtype or not values_equal(old.name, new.name):
        return None
    n_old, n_new = len(old), len(new)
    if not (n_old and n_new):
        return None
    budget = WHOLE_SHARE * 2 * max(n_old, n_new)
    out: list[Located] = []
    n = n_new
    if not _same_axis(old.index, new.index):
        found = _rows_change(old, new, _pd())
        if found is None:
            return None
        n, rows = found
        out.append(rows)
    changed = _changed_rows(old.iloc[:n], new.iloc[:n])
    if changed is None:
        return None
    cost = 2 * changed.size + abs(n_new - n_old)
    if changed.size:
        out.insert(0, (Cells(None, changed), _take(old, changed), _take(new, changed)))
    return out if out and cost <= budget else None


# --- file encoding ---------------------------------------------------------------------------


def _plain_strings(values: Any, pd: Any, short: int = _SHORT) -> bool:
    """A column (or index) of a string dtype of at most ``short`` values: cheaper as a list
    of strings than as Arrow data (whose schema alone takes some 600 bytes)."""
    return isinstance(values.dtype, pd.StringDtype) and len(values) <= short


def _dtype_name(dtype: Any, pd: Any) -> str:
    """A dtype's name in a column payload; string dtypes name their storage and missing
    value (``str[pyarrow]`` has NaN for missing values, ``string[pyarrow]`` NA)."""
    if isinstance(dtype, pd.StringDtype):
        kind = "string" if dtype.na_value is pd.NA else "str"
        return f"{kind}[{dtype.storage}]"
    return str(dtype)


def _dtype_named(name: str, pd: Any) -> Any:
    if name in ("str[python]", "str[pyarrow]"):
        return pd.StringDtype(name[4:-1], na_value=float("nan"))
    return name


def _is_na(value: Any, pd: Any) -> bool:
    try:
        return value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)
    except Exception:
        return False


def _column_payload(values: Any, pd: Any, ctx: EncodeContext | None) -> list[Any]:
    """``[dtype, data]``: a numpy column as its array, any other as a list of values."""
    dtype = values.dtype
    if _np_dtype(dtype) and not dtype.hasobject:
        return [str(dtype), values.to_numpy()]
    items = [None if _is_na(v, pd) else v for v in values.tolist()]
    if isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype)):
        # Without Arrow these have no exact form: keep them readable, as text.
        return ["object", [None if v is None else str(v) for v in items]]
    return [_dtype_name(dtype, pd), ctx.scrub(items) if ctx is not None else items]


def _redacted_payload(values: Any, pd: Any, positions: list[int] | None, ctx: Any) -> list[Any]:
    """A column payload with the values at ``positions`` (all if None) redacted."""
    redacted = REDACTED
    if positions is None:
        return ["object", [redacted] * len(values)]
    items = [None if _is_na(v, pd) else v for v in values.tolist()]
    if isinstance(values.dtype, (pd.PeriodDtype, pd.IntervalDtype)):
        items = [None if v is None else str(v) for v in items]  # no plain form: as text
    for i in positions:
        items[i] = redacted
    return ["object", ctx.scrub(items)]


def _secret_positions(index: Any, pd: Any, ctx: EncodeContext) -> list[int]:
    """Positions of the secret labels of a pandas index (only text labels can be secret)."""
    if not ctx.redacting or isinstance(index, pd.RangeIndex):
        return []
    textual = index.dtype.kind in "OSU" or isinstance(index.dtype, pd.StringDtype)
    if not isinstance(index, pd.MultiIndex) and not textual:
        return []
    return [i for i, label in enumerate(index) if ctx.is_secret_label(label)]


def _arrow_entry(ref: Any, dtype: Any, pd: Any) -> Any:
    """A column's entry for Arrow data ``ref``: the reference itself, or ``[dtype, ref]``
    for string dtypes, whose storage Arrow does not keep."""
    return [_dtype_name(dtype, pd), ref] if isinstance(dtype, pd.StringDtype) else ref


def _ipc_bytes(frame: Any, pa: Any, preserve_index: bool) -> bytes:
    # One batch even without rows: its dictionaries hold a categorical's categories.
    batch = pa.RecordBatch.from_pandas(frame, preserve_index=preserve_index)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue().to_pybytes())


def _arrow_type_ok(t: Any, pa: Any, depth: int = 0) -> bool:
    """Whether an Arrow type is one this kind writes: plain scalars, dictionaries of them
    (categoricals) and pandas' own period and interval types."""
    types = pa.types
    if isinstance(t, pa.ExtensionType):
        if t.extension_name not in _ARROW_EXTENSIONS or depth:
            return False
        storage = t.storage_type
        if types.is_struct(storage):
            fields = [storage.field(i) for i in range(storage.num_fields)]
            return len(fields) == 2 and all(_arrow_type_ok(f.type, pa, 1) for f in fields)
        return bool(types.is_int64(storage))
    if types.is_dictionary(t):
        return not depth and types.is_integer(t.index_type) and _arrow_type_ok(t.value_type, pa, 1)
    return bool(
        types.is_boolean(t)
        or types.is_integer(t)
        or types.is_floating(t)
        or types.is_decimal(t)
        or types.is_timestamp(t)
        or types.is_duration(t)
        or types.is_date(t)
        or types.is_time(t)
        or types.is_string(t)
        or types.is_large_string(t)
        or types.is_binary(t)
        or types.is_large_binary(t)
    )


def _field_ok(field: Any, pa: Any) -> bool:
    meta = field.metadata or {}
    if any(bytes(k).startswith(b"ARROW:extension") for k in meta):
        return False  # an extension type this process doesn't know
    return _arrow_type_ok(field.type, pa)


def _arrow_columns(frame: Any, positions: list[int], pa: Any) -> tuple[bytes | None, list[int]]:
    """IPC bytes holding the columns at ``positions`` that Arrow holds exactly, and which
    those are (in order)."""
    pd = _pd()
    ok: list[int] = []
    for pos in positions:
        probe = pd.DataFrame({"0": frame.iloc[:0, pos]})
        try:
            table = pa.Table.from_pandas(probe, preserve_index=False)
        except Exception:
            continue
        if _field_ok(table.schema.field(0), pa):
            ok.append(pos)
    if not ok:
        return None, ok
    sub = frame.iloc[:, ok].copy(deep=False)
    sub.columns = [str(j) for j in range(len(ok))]
    sub.index = pd.RangeIndex(len(sub))
    try:
        return _ipc_bytes(sub, pa, False), ok
    except Exception:
        return None, []


def _index_payload(index: Any, pd: Any, pa: Any, ctx: EncodeContext | None) -> list[Any]:
    """An index as ``range``, ``multi``, ``index`` or ``arrow`` payload."""
    if isinstance(index, pd.RangeIndex):
        return ["range", index.start, index.stop, index.step, index.name]
    freq = getattr(index, "freqstr", None)
    freq = freq if isinstance(freq, str) else None
    plain = not isinstance(index, pd.MultiIndex) and (
        _np_dtype(index.dtype) or _plain_strings(index, pd, MAX_INDEX)
    )
    if not plain and pa is not None:
        try:
            names = list(index.names)
            anon = index.set_names([None] * len(names)) if len(names) > 1 else index.rename(None)
            data = _ipc_bytes(pd.DataFrame(index=anon), pa, True)
            schema = pa.ipc.open_stream(data).schema
            if all(_field_ok(f, pa) for f in schema):
                return ["arrow", data, names, freq]
        except Exception:
            pass
    if isinstance(index, pd.MultiIndex):
        return ["multi", [tuple(v) for v in index.tolist()], list(index.names)]
    return ["index", _column_payload(index, pd, ctx), index.name, freq]


def _frame_payload(df: Any, pd: Any, pa: Any, ctx: EncodeContext) -> tuple[int, list[Any]]:
    # Columns and rows labelled like secrets keep their labels, not their values.
    secret_cols = set(_secret_positions(df.columns, pd, ctx))
    secret_rows = _secret_positions(df.index, pd, ctx)
    cols: list[Any] = []
    for i in range(df.shape[1]):
        column = df.iloc[:, i]
        if i in secret_cols:
            cols.append(_redacted_payload(column, pd, None, ctx))
        elif secret_rows:
            cols.append(_redacted_payload(column, pd, secret_rows, ctx))
        else:
            cols.append(None)
    if pa is None:
        cols = [c or _column_payload(df.iloc[:, i], pd, ctx) for i, c in enumerate(cols)]
        return EXT_FRAME_V1, [
            _index_payload(df.columns, pd, None, ctx),
            _index_payload(df.index, pd, None, ctx),
            cols,
        ]
    wanted = [
        i
        for i, c in enumerate(cols)
        if c is None and not _np_dtype(df.dtypes.iloc[i]) and not _plain_strings(df.iloc[:, i], pd)
    ]
    ipc, arrow = _arrow_columns(df, wanted, pa)
    for j, pos in enumerate(arrow):
        cols[pos] = _arrow_entry(j, df.dtypes.iloc[pos], pd)
    cols = [
        c if c is not None else _column_payload(df.iloc[:, i], pd, ctx) for i, c in enumerate(cols)
    ]
    return EXT_FRAME, [
        _index_payload(df.columns, pd, pa, ctx),
        _index_payload(df.index, pd, pa, ctx),
        cols,
        ipc,
    ]


def _series_payload(s: Any, pd: Any, pa: Any, ctx: EncodeContext) -> tuple[int, list[Any]]:
    column: Any = None
    if ctx.redacting and s.name is not None and ctx.is_secret_label(s.name):
        column = _redacted_payload(s, pd, None, ctx)
    else:
        rows = _secret_positions(s.index, pd, ctx)
        if rows:
            column = _redacted_payload(s, pd, rows, ctx)
    if pa is None:
        return EXT_SERIES_V1, [
            s.name,
            _index_payload(s.index, pd, None, ctx),
            column or _column_payload(s, pd, ctx),
        ]
    if column is None and not _np_dtype(s.dtype) and not _plain_strings(s, pd):
        ipc, arrow = _arrow_columns(s.to_frame(name="0"), [0], pa)
        column = _arrow_entry(ipc, s.dtype, pd) if arrow else None
    return EXT_SERIES, [
        s.name,
        _index_payload(s.index, pd, pa, ctx),
        column if column is not None else _column_payload(s, pd, ctx),
    ]


# --- file decoding ---------------------------------------------------------------------------


def _fb_field(buf: bytes, table: int, i: int) -> int:
    """The position of field ``i`` of the flatbuffer table at ``table`` (0 if absent)."""
    (back,) = struct.unpack_from("<i", buf, table)
    vtable = table - back
    if vtable < 0:
        raise ValueError("bad Arrow message metadata")
    (size,) = struct.unpack_from("<H", buf, vtable)
    if 4 + 2 * i + 2 > size:
        return 0
    (off,) = struct.unpack_from("<H", buf, vtable + 4 + 2 * i)
    return table + int(off) if off else 0


def _fb_table(buf: bytes, table: int, i: int) -> int:
    pos = _fb_field(buf, table, i)
    if not pos:
        return 0
    (off,) = struct.unpack_from("<I", buf, pos)
    return pos + int(off)


def _batch_rows(metadata: bytes, kind: str) -> int:
    """The rows a record (or dictionary) batch message declares; refuses compressed bodies,
    which could expand to far more than the file holds."""
    try:
        (root,) = struct.unpack_from("<I", metadata, 0)
        header = _fb_table(metadata, root, 2)  # Message.header
        if kind == "dictionary":
            header = _fb_table(metadata, header, 1) if header else 0  # DictionaryBatch.data
        if not header:
            raise ValueError("Arrow batch message without a header")
        if _fb_field(metadata, header, 3):  # RecordBatch.compression
            raise ValueError("compressed Arrow data is not read")
        pos = _fb_field(metadata, header, 0)  # RecordBatch.length
        rows = struct.unpack_from("<q", metadata, pos)[0] if pos else 0
    except struct.error as exc:
        raise ValueError(f"bad Arrow message metadata: {exc}") from exc
    if rows < 0:
        raise ValueError("Arrow batch of negative length")
    return int(rows)


def _read_ipc(data: Any, pa: Any) -> Any:
    """An Arrow table from IPC stream bytes a stranger may have written: every field of a type
    :func:`_arrow_type_ok` accepts, no compression, cells backed by the bytes present."""
    if not isinstance(data, bytes):
        raise ValueError(f"Arrow data must be bytes, not {type(data).__name__}")
    try:
        rows = 0
        schema = None
        for message in pa.ipc.MessageReader.open_stream(pa.py_buffer(data)):
            if message.type == "schema":
                if schema is not None:
                    raise ValueError("Arrow stream with two schemas")
                schema = pa.ipc.read_schema(message)
            elif message.type in ("record batch", "dictionary"):
                count = _batch_rows(message.metadata.to_pybytes(), message.type)
                if message.type == "record batch":
                    rows += count
            else:
                raise ValueError(f"unexpected Arrow message {message.type!r}")
        if schema is None:
            raise ValueError("Arrow stream without a schema")
        for field in schema:
            if not _field_ok(field, pa):
                raise ValueError(f"Arrow column of a type this file can't hold: {field.type}")
        ncols = len(schema)
        if not ncols:
            raise ValueError("Arrow table without columns")
        if rows * ncols > 8 * len(data) + 1024:
            raise ValueError(
                f"Arrow table of {rows:,} rows and {ncols:,} columns in {len(data):,} bytes"
            )
        table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
        if table.num_rows != rows or not table.schema.equals(schema):
            raise ValueError("Arrow stream read differently twice")
        table.validate(full=True)
        return table
    except Exception as exc:
        if isinstance(exc, ValueError) and not isinstance(exc, pa.ArrowException):
            raise  # ours, saying what is wrong
        return _raise_value_error("bad Arrow data", exc)


def _arrow_frame(data: Any, pa: Any) -> Any:
    table = _read_ipc(data, pa)
    try:
        return table.to_pandas()
    except Exception as exc:
        return _raise_value_error("Arrow data pandas can't read", exc)


def _decode_values(payload: Any, pd: Any) -> Any:
    np = _np()
    if not isinstance(payload, list) or len(payload) != 2:
        raise ValueError("a column payload must be [dtype, data]")
    dtype, values = payload
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"column data has {values.ndim} dimensions, not 1")
        return values
    if not isinstance(values, list):
        raise ValueError("column data is not an array")
    if not isinstance(dtype, str):
        raise ValueError(f"bad column dtype {dtype!r}")
    return pd.array(values, dtype=_dtype_named(dtype, pd))


def _set_freq(index: Any, freq: Any, pd: Any) -> Any:
    if not isinstance(freq, str) or not hasattr(index, "freq"):
        return index
    try:
        if isinstance(index, pd.DatetimeIndex):
            return pd.DatetimeIndex(index, freq=freq)
        if isinstance(index, pd.TimedeltaIndex):
            return pd.TimedeltaIndex(index, freq=freq)
    except Exception:
        pass  # a frequency the labels don't follow: keep them without
    return index


def _decode_index(payload: Any, pd: Any) -> Any:
    if not isinstance(payload, list) or not payload:
        raise ValueError("an index payload must be a non-empty array")
    kind = payload[0]
    if kind == "range":
        if len(payload) != 5:
            raise ValueError("a range index needs start, stop, step and name")
        start, stop, step = payload[1:4]
        if not all(type(v) is int for v in (start, stop, step)) or step == 0:
            raise ValueError("a range index needs integer start, stop and a non-zero step")
        if len(range(start, stop, step)) > MAX_INDEX:
            raise ValueError(f"a range index of more than {MAX_INDEX:,} rows")
        return pd.RangeIndex(start, stop, step, name=payload[4])
    if kind == "multi":
        if len(payload) != 3 or not isinstance(payload[1], list):
            raise ValueError("a multi-index needs tuples and names")
        names = payload[2]
        if not isinstance(names, list) or not names:
            raise ValueError("a multi-index needs a list of names")
        tuples = payload[1]
        if not all(type(t) is tuple and len(t) == len(names) for t in tuples):
            raise ValueError(f"a multi-index of {len(names)} levels needs tuples of that size")
        if not tuples:
            return pd.MultiIndex.from_arrays([[] for _ in names], names=names)
        return pd.MultiIndex.from_tuples(tuples, names=names)
    if kind == "index":
        if len(payload) not in (3, 4):
            raise ValueError("an index needs values and a name")
        values = _decode_values(payload[1], pd)
        index = pd.Index(values, dtype=values.dtype, name=payload[2])
        return _set_freq(index, payload[3] if len(payload) > 3 else None, pd)
    if kind == "arrow":
        if len(payload) != 4 or not isinstance(payload[2], list):
            raise ValueError("an Arrow index needs data, names and a frequency")
        pa = _pyarrow()
        if pa is None:
            raise ValueError("install pyarrow (14.0.1 or later) to read this value")
        frame = _arrow_frame(payload[1], pa)
        index = frame.index
        if frame.shape[1] or index.nlevels != len(payload[2]):
            raise ValueError("an Arrow index holds columns or a different number of levels")
        index = index.set_names(payload[2])
        return _set_freq(index, payload[3], pd)
    raise ValueError(f"unknown index kind {kind!r}")


_STRING_NAMES: Final = frozenset(
    {"string[python]", "string[pyarrow]", "str[python]", "str[pyarrow]"}
)


def _arrow_ref(entry: Any) -> Any:
    """The Arrow reference (column number or IPC bytes) of a column entry, or None."""
    ref = entry[1] if isinstance(entry, list) and len(entry) == 2 else entry
    return ref if type(ref) is int or isinstance(ref, bytes) else None


def _as_string(values: Any, entry: Any, pd: Any) -> Any:
    """Arrow values in the string dtype a ``[dtype, ref]`` entry names."""
    if not isinstance(entry, list):
        return values
    if entry[0] not in _STRING_NAMES:
        raise ValueError(f"Arrow data can't be cast to {entry[0]!r}")
    if not isinstance(values.dtype, (pd.StringDtype, type(pd.array([], dtype=object).dtype))):
        raise ValueError(f"Arrow data of dtype {values.dtype} is not text")
    return values.astype(_dtype_named(entry[0], pd))


def _same_length(values: Any, index: Any) -> None:
    if len(values) != len(index):
        raise ValueError(f"{len(values):,} values for an index of {len(index):,} rows")


def _decode_frame(payload: Any, pd: Any, pa: Any, v1: bool) -> Any:
    if not isinstance(payload, list) or len(payload) != (3 if v1 else 4):
        raise ValueError(f"a frame needs {3 if v1 else 4} parts")
    col_index = _decode_index(payload[0], pd)
    row_index = _decode_index(payload[1], pd)
    cols = payload[2]
    if not isinstance(cols, list):
        raise ValueError("a frame's columns must be an array")
    _same_length(cols, col_index)
    if not cols and len(row_index) > MAX_EMPTY:
        raise ValueError(f"a frame without columns declares more than {MAX_EMPTY:,} rows")
    arrow = None
    used = [c for c in map(_arrow_ref, cols) if type(c) is int]
    if not v1 and payload[3] is not None:
        if pa is None:
            raise ValueError("install pyarrow (14.0.1 or later) to read this value")
        arrow = _arrow_frame(payload[3], pa)
        names = [str(j) for j in range(len(used))]
        if list(arrow.columns) != names or len(arrow) != len(row_index):
            raise ValueError("the Arrow columns don't match the frame")
    if used != list(range(len(used))) or (used and arrow is None):
        raise ValueError("a frame's Arrow columns must be numbered 0, 1, ... in order")
    data: dict[int, Any] = {}
    for i, c in enumerate(cols):
        ref = _arrow_ref(c)
        if type(ref) is int:
            assert arrow is not None
            values = _as_string(arrow.iloc[:, ref].array, c, pd)
        else:
            values = _decode_values(c, pd)
        _same_length(values, row_index)
        data[i] = _as_series(values, row_index)
    frame = pd.DataFrame(data, index=row_index) if data else pd.DataFrame(index=row_index)
    frame.columns = col_index
    return frame


def _decode_series(payload: Any, pd: Any, pa: Any, v1: bool) -> Any:
    if not isinstance(payload, list) or len(payload) != 3:
        raise ValueError("a series needs a name, an index and values")
    name, index, column = payload
    row_index = _decode_index(index, pd)
    ref = _arrow_ref(column)
    if isinstance(ref, bytes) and not v1:
        if pa is None:
            raise ValueError("install pyarrow (14.0.1 or later) to read this value")
        arrow = _arrow_frame(ref, pa)
        if list(arrow.columns) != ["0"]:
            raise ValueError("a series' Arrow data must hold one column")
        values = _as_string(arrow.iloc[:, 0].array, column, pd)
    else:
        values = _decode_values(column, pd)
    _same_length(values, row_index)
    return _as_series(values, row_index, name)


# --- the kind --------------------------------------------------------------------------------


class PandasKind(Kind):
    """pandas DataFrames and Series."""

    name = "pandas"
    codes = (EXT_FRAME_V1, EXT_SERIES_V1, EXT_FRAME, EXT_SERIES)
    locators = (Cells, Column, Rows)

    def claims(self, value: Any) -> bool:
        """A DataFrame or Series (pandas already imported by the app)."""
        pd = sys.modules.get("pandas")
        return pd is not None and isinstance(value, (pd.DataFrame, pd.Series))

    def copy(self, value: Any, copy_item: Callable[[Any], Any]) -> Any:
        """A deep copy whose object cells are copied with ``copy_item`` (``copy(deep=True)``
        shares the objects in object columns)."""
        return _private(value, copy_item)

    def equal(self, a: Any, b: Any, equal_item: Callable[[Any, Any], bool]) -> bool:
        """``equals`` (NaN equals NaN) with labels, names and dtypes the same, then object
        cells compared with ``equal_item``."""
        pd = _pd()
        if a is b:
            return True
        if isinstance(a, pd.DataFrame):
            if a.shape != b.shape:
                return False
            if not (_same_axis(a.columns, b.columns) and _same_dtypes(a, b)):
                return False
            objects = [i for i, dtype in enumerate(a.dtypes) if _is_object(dtype)]
        else:
            if len(a) != len(b) or a.dtype != b.dtype or not equal_item(a.name, b.name):
                return False
            objects = [-1] if _is_object(a.dtype) else []
        if not _same_axis(a.index, b.index):
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
        return all(all(map(equal_item, ca.tolist(), cb.tolist())) for ca, cb in pairs)

    def diff(self, old: Any, new: Any) -> list[Located] | None:
        """Changed cells (:class:`Cells`), whole columns changed, added or removed
        (:class:`Column`), rows added or removed at the end (:class:`Rows`); None (record
        the value whole) when the index changed elsewhere, columns moved, or more than
        :data:`WHOLE_SHARE` of the cells changed."""
        pd = _pd()
        try:
            if isinstance(old, pd.DataFrame):
                return _frame_diff(old, new, pd)
            return _series_diff(old, new)
        except Exception:
            return None  # recording the value whole is always right

    def update(
        self, value: Any, new: Any, parts: list[Located], copy_item: Callable[[Any], Any]
    ) -> Any:
        """Cells of extension columns (Arrow strings, categoricals...) are taken from ``new``
        as a copy of the whole column: setting one cell of an immutable Arrow array rebuilds it
        (100 ms on a million strings), while a copy shares its buffers."""
        pd = _pd()
        for part in parts:  # in order: rows or columns added before may shape the cells
            loc, old, item = part
            if (
                isinstance(loc, Cells)
                and value.shape == new.shape
                and not _np_dtype(_column(value, loc.column).dtype)
            ):
                if loc.column is None:
                    value = new.copy(deep=True)
                    continue
                if isinstance(value, pd.DataFrame):
                    value.isetitem(loc.column, new.iloc[:, loc.column].array.copy())
                    continue
            value = loc.put(value, copy_item(item), old)
        return value

    def encode(self, value: Any, ctx: EncodeContext) -> tuple[int, Any] | None:
        """Code 20 or 21 (Arrow for extension dtypes), or 12 or 13 without pyarrow."""
        pd = _pd()
        pa = _pyarrow()
        if isinstance(value, pd.DataFrame):
            return _frame_payload(value, pd, pa, ctx)
        if isinstance(value, pd.Series):
            return _series_payload(value, pd, pa, ctx)
        return None

    def decode(self, code: int, payload: Any) -> Any:
        """A DataFrame or Series; a note in an object record when pandas (or, for Arrow
        data, pyarrow) is missing here."""
        if code not in self.codes:
            raise ValueError(f"pandas can't read extension type {code}")
        frame = code in (EXT_FRAME, EXT_FRAME_V1)
        type_name = "pandas.DataFrame" if frame else "pandas.Series"
        try:
            pd = _pd()
        except ImportError:
            return ObjectRecord(type_name, {"note": "install pandas to read this value"})
        v1 = code in (EXT_FRAME_V1, EXT_SERIES_V1)
        pa = None if v1 else _pyarrow()
        try:
            if frame:
                return _decode_frame(payload, pd, pa, v1)
            return _decode_series(payload, pd, pa, v1)
        except ValueError as exc:
            if pa is None and "install pyarrow" in str(exc):
                return ObjectRecord(type_name, {"note": "install pyarrow to read this value"})
            raise
        except Exception as exc:
            return _raise_value_error(f"bad {type_name}", exc)

    def to_json(self, value: Any, to_json: Callable[[Any], Any]) -> Any:
        """``{"$dataframe": split dict}`` or ``{"$series": {name, index, data}}``."""
        pd = _pd()
        if isinstance(value, pd.DataFrame):
            return {"$dataframe": to_json(value.to_dict(orient="split"))}
        return {
            "$series": to_json(
                {"name": value.name, "index": value.index.tolist(), "data": value.tolist()}
            )
        }

    def size(self, value: Any) -> int:
        """Shallow memory use (object cells counted as pointers)."""
        try:
            usage = value.memory_usage(index=True, deep=False)
            return int(usage if isinstance(usage, int) else usage.sum()) + 200
        except Exception:
            return int(sys.getsizeof(value, 256))
