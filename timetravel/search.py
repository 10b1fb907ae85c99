"""Search across time: every frame where a value matching a query appeared, changed or
disappeared (:meth:`timetravel.Recording.search`).

Queries
-------

A query is one of three kinds, told apart by how it is written:

- **Text**, ``milk``: a case-insensitive substring. It matches a *value* whose text contains
  it (``str(value)`` of a ``str``, ``int``, ``float``, ``bool``, ``None``, ``complex``,
  ``Decimal``, date and time values, ``UUID``, ``range``; ``bytes`` decoded as UTF-8 with bad
  bytes replaced) and a *key* whose text contains it (``str(key)`` of the dict key that
  ends the value's path). ``buy milk`` is one text, spaces and all.
- **Regex**, ``/mi+lk/`` or ``/mi+lk/i`` (flags ``i``, ``m``, ``s``), or a compiled
  ``re.Pattern`` given as the query: the same values and keys, matched with
  ``pattern.search``. A regex sees at most the first :data:`REGEX_LIMIT` (100,000)
  characters of a value or key, so a pattern can't run away on a huge string. (Text queries
  read the whole value: a substring test is linear.)
- **Path**, with an optional predicate: ``todos[*].title == "buy milk"``, ``count > 10``,
  ``user.name``, ``todos[0]``, ``settings["dark mode"] != true``, ``items[*] ~ "mi+lk"``.
  The path starts with a name, a quoted key (``"dark mode"``), ``[...]`` or ``*``, then any
  number of ``.name``, ``.*``, ``[0]`` (an index; also an integer dict key), ``["key"]`` /
  ``['key']`` and ``[*]`` (any key, index or set element). Names are letters, digits, ``_``
  and ``-``, not starting with a digit or ``-``; quote any other key. The operators are
  ``== != > >= < <= ~``; the value after one is read with :func:`ast.literal_eval` (never
  ``eval``), and ``true``, ``false`` and ``null`` are JSON's. ``~`` matches a regex, written
  as a string (``~ "mi+lk"``) or as ``/mi+lk/i``, against the value's text as a text query
  sees it. Comparisons are Python's, except that a bool equals (and orders against) only a
  bool; one that raises (``"a" > 3``) or does not give a single True/False (an array) is
  false. Without a predicate, a path query matches any value at a path that fits.

How a query is read, in this order (surrounding spaces are ignored):

1. ``$`` first forces a path: ``$count`` (a bare word is otherwise text).
2. ``/`` first is a regex: ``/body/flags``, the body up to the last ``/``.
3. One quoted string alone is text: ``"user.name"`` searches for that text (a way to search
   for anything that would read as a path or a regex).
4. A name, quoted key or ``*`` followed at once by ``.`` or ``[``, or (spaces allowed) by an
   operator, or anything starting with ``[``, is a path: ``user.name``, ``count > 10``.
5. Anything else is text: ``milk``, ``count``, ``buy milk``, ``3.14``, ``hello!``.

A query that reads as a path or regex but is malformed raises :class:`QueryError`, which
says what is wrong and at which column (``query "todos[*.title": unclosed "[" at column 6``).

What "appeared, changed or disappeared" means
---------------------------------------------

For a state, the *matches* are a multiset of ``(path, fingerprint)`` entries, one per thing
the query matches: a value (text, regex: a scalar whose text matches), a key (text, regex:
its value's fingerprint if it is a scalar, else only its type, so a change *inside* a
matching key's dict is not a change of the key: the values inside count on their own), or
for a path query a value at a fitting path that satisfies the predicate, fingerprinted
whole (a dict at ``$settings`` changes when anything inside it does). In the path, integer
components (list and tuple indices, and integer dict keys) are erased, so deleting another
todo, which shifts the indices after it, does not count as a change of "buy milk". The
fingerprint of a value is equality-faithful (NaN equals NaN, 1 and True differ).

A frame matches when the matches after it differ from the matches before it; the first
frame of a recording is compared with an empty state. Undo, redo and jump frames are
ordinary frames: a value they bring back appeared again, so they match.

Containers walked: ``dict``, ``list``, ``tuple``, ``set`` and ``frozenset`` (a set's
elements sit under the path of the set, at a place ``[*]`` reaches). Anything else is a
leaf. Numpy arrays, pandas objects and other kinds are not searched inside by text or regex
(a path query can follow one whole: ``$prices`` matches where it changed). The stand-ins a
file holds for values it could not keep, :class:`~timetravel.Opaque`,
:class:`~timetravel.Redacted` and :class:`~timetravel.ObjectRecord`, are never searched
inside nor matched by a predicate, so a redacted secret never matches on what it hid.

How it is fast
--------------

The scan never rebuilds whole states: each change of a frame moves the matches by what it
took away (its old value, walked under its path) and what it put (its new value). Only a
change that needs more reads a running state, started from
:meth:`~timetravel.Recording.state_at` and kept up to date from then on: a change inside
a long string (a text splice) or another kind's value, a change below a path query's
matched value (``$todos`` when one todo's ``done`` flips), a set that is itself the matched
value, and a list insertion or removal that shifts the index a path query names
(``todos[0]``). Fingerprints of the running state's containers are kept until a change
goes through them, so a change inside a matched ``$todos`` costs the containers on its path
and one pass over the list's items, not a walk of every todo. A frame whose state a damaged
file lost (frames missing before it, see
:attr:`~timetravel.Recording.gaps`) is skipped, as is the frame after which states are
readable again, rather than the search stopping there. A change a file records below a
value it only keeps as a stand-in (an ``Opaque``) counts as written, although rebuilding
the state leaves the stand-in as it is.
"""

from __future__ import annotations

import ast
import contextlib
import decimal
import hashlib
import operator
import re
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast

from ._engine import apply_change
from .errors import QueryError, RecordingError
from .kinds import Locator
from .kinds.text import Splice
from .model import Change, Frame
from .values import (
    ATOMIC,
    MISSING,
    ObjectRecord,
    Opaque,
    Redacted,
    copy_value,
    safe_repr,
    type_name,
)

if TYPE_CHECKING:
    from .recording import Recording

__all__ = ["MAX_PATHS", "REGEX_LIMIT", "Match", "Query", "QueryError", "parse_query"]

REGEX_LIMIT = 100_000
"""Characters of a value (or key) a regex sees: the first ones."""

MAX_PATHS = 20
"""The most change paths a :class:`Match` lists."""

MAX_QUERY = 10_000
"""The longest query :func:`parse_query` reads, in characters."""


class _Marker:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


ANY: Hashable = _Marker("*")
"""A path query step that fits any key, index or set element."""
INDEX: Hashable = _Marker("[#]")
"""What an integer path component is erased to in a match entry."""
ELEMENT: Hashable = _Marker("<element>")
"""The path component of a set's element."""

Entry = tuple[Hashable, ...]
"""One match: for text and regex ``(tag, erased path, fingerprint)``, tag ``"k"`` for a key
and ``"v"`` for a value; for a path query ``(erased path, fingerprint)``."""

# Values text and regex queries read as text; everything else is a container or a leaf
# they never look inside.
_SCALARS: frozenset[type] = frozenset(ATOMIC - {Opaque, Redacted, type(MISSING)} | {bytearray})
_STAND_INS = (Opaque, Redacted, ObjectRecord)
_CONTAINERS = (dict, list, tuple, set, frozenset)

_OPERATORS = ("==", "!=", ">=", "<=", ">", "<", "~")  # longest first, for reading
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
_NAME = re.compile(r"[^\W\d][\w-]*")
_INDEX = re.compile(r"-?\d+")
_SET_ACTIONS = ("set_item_added", "set_item_removed")
_SHIFTS = ("iterable_item_added", "iterable_item_removed")


# --- values: text and fingerprints -------------------------------------------------------------


def _text(value: Any) -> str:
    """The text a text or regex query reads from a scalar (or a key)."""
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bytes or t is bytearray:
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception:  # an int too long for str(), a hostile __str__
        return ""


def scalar_fingerprint(value: Any) -> Hashable:
    """A hashable stand-in for a scalar, equal exactly when the scalars are (NaN equals NaN;
    ``1``, ``1.0`` and ``True`` differ)."""
    t = type(value)
    if t is float:
        return (float, "nan") if value != value else (float, value + 0.0)
    if t is complex:
        return (complex, repr(value)) if value != value else (complex, value)
    if t is bytearray:
        return (bytearray, bytes(value))
    try:
        if value != value:  # Decimal NaN
            return (t, repr(value))
        hash(value)
    except Exception:
        return (t, safe_repr(value, REGEX_LIMIT))
    return (t, value)


def _leaf_bytes(value: Any) -> bytes:
    t = type(value)
    if t is str:
        text: str = value
        return b"s" + text.encode("utf-8", "surrogatepass")
    if t is bytes or t is bytearray:
        return b"b" + bytes(value)
    if t is bool:
        return b"T" if value else b"F"
    if t is int:
        return b"i" + format(value, "x").encode()
    if t is float:
        return b"f" + repr(value + 0.0).encode()
    if value is None:
        return b"N"
    if t is Redacted:
        return b"R"
    if t is Opaque:
        return b"O" + f"{value.type}\0{value.repr}".encode("utf-8", "surrogatepass")
    name = type_name(value).encode("utf-8", "surrogatepass")
    if t in _SCALARS:
        if t is decimal.Decimal:
            with contextlib.suppress(Exception):
                value = value.normalize()  # 1.0 and 1.00 are equal
        return b"a" + name + b"\0" + repr(value).encode("utf-8", "surrogatepass")
    from . import _codec

    try:  # arrays, frames and other kinds: their bytes in a file say what they hold
        return b"k" + name + b"\0" + _codec.encode(value)
    except Exception:
        return b"r" + name + b"\0" + safe_repr(value, REGEX_LIMIT).encode("utf-8", "replace")


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


Digests = dict[int, tuple[Any, bytes]]
"""Digests of containers by ``id``, with the container (so that the id is not reused)."""


def _children(value: Any) -> list[Any]:
    """What a container's digest is made of: a dict's keys and values in turn, an object
    record's fields, a sequence's or set's items."""
    t = type(value)
    if t is dict:
        out: list[Any] = []
        for k, x in value.items():
            out.append(k)
            out.append(x)
        return out
    if t is ObjectRecord:
        return [value.fields]
    return list(value)


def _combine(value: Any, parts: list[bytes]) -> bytes:
    t = type(value)
    if t is dict:
        body = b"d" + b"".join(sorted(a + b for a, b in zip(parts[::2], parts[1::2], strict=True)))
    elif t is list or t is tuple:
        body = (b"l" if t is list else b"t") + b"".join(parts)
    elif t is ObjectRecord:
        body = b"o" + str(value.type).encode("utf-8", "surrogatepass") + b"\0" + parts[0]
    else:
        body = (b"S" if t is set else b"F") + b"".join(sorted(parts))
    return _digest(body)


_BRANCHES = (*_CONTAINERS, ObjectRecord)


def fingerprint(value: Any, digests: Digests | None = None) -> Hashable:
    """A hashable stand-in for any value, equal exactly when the values are (up to a
    128-bit hash for containers and other non-scalars: dicts and sets regardless of
    order). Iterative: nesting depth costs no recursion.

    ``digests`` keeps the digest of every container met, and gives it back for the same
    container the next time: whoever changes a container in place must drop its entry, and
    its parents' (the scan's running state does, along each change's path)."""
    if type(value) in _SCALARS:
        return scalar_fingerprint(value)
    if type(value) not in _BRANCHES:
        return ("#", _digest(_leaf_bytes(value)))
    known = digests.get(id(value)) if digests is not None else None
    if known is not None and known[0] is value:
        return ("#", known[1])
    # Each container's digest from its children's, like a Merkle tree: a stack of
    # [container, children, their digests so far] instead of recursion.
    stack: list[tuple[Any, list[Any], list[bytes]]] = [(value, _children(value), [])]
    while True:
        node, kids, parts = stack[-1]
        for i in range(len(parts), len(kids)):
            child = kids[i]
            if type(child) not in _BRANCHES:
                parts.append(_digest(_leaf_bytes(child)))
                continue
            known = digests.get(id(child)) if digests is not None else None
            if known is not None and known[0] is child:
                parts.append(known[1])
                continue
            stack.append((child, _children(child), []))
            break
        else:
            stack.pop()
            digest = _combine(node, parts)
            if digests is not None:
                digests[id(node)] = (node, digest)
            if not stack:
                return ("#", digest)
            stack[-1][2].append(digest)


def _erase(path: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
    return tuple(INDEX if type(c) is int else c for c in path)


def _truth(result: Any) -> bool:
    if type(result) is bool:
        return result
    # A numpy bool scalar is a single answer; an array of them is not.
    dtype = getattr(result, "dtype", None)
    if getattr(result, "shape", None) == () and getattr(dtype, "kind", "") == "b":
        return bool(result)
    return False


def _fits(step: Hashable, component: Hashable) -> bool:
    return step is ANY or (type(component) is type(step) and component == step)


# --- queries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A parsed search query (see :mod:`timetravel.search` for the syntax). Build one with
    :func:`parse_query`.

    ``text`` is the query as written, ``kind`` is ``"text"``, ``"regex"`` or ``"path"``.
    ``needle`` is a text query's text (case-folded); ``pattern`` a regex query's pattern,
    or a path query's ``~`` pattern; ``steps``, ``op`` and ``operand`` a path query's path
    (names, indices and :data:`ANY`), operator (None without a predicate) and value.
    """

    text: str
    kind: Literal["text", "regex", "path"]
    needle: str = ""
    pattern: re.Pattern[str] | None = None
    steps: tuple[Hashable, ...] = ()
    op: str | None = None
    operand: Any = None

    # --- the predicates, shared by the scan and anyone checking it ----------------------------

    def key_matches(self, key: Hashable) -> bool:
        """Text and regex: whether a dict key matches (never an integer key, which is an
        index to a query). Always False for a path query."""
        if self.kind == "path" or type(key) is int or key is ELEMENT:
            return False
        return self._text_matches(_text(key))

    def value_matches(self, value: Any) -> bool:
        """Text and regex: whether a value is a scalar whose text matches. Path: whether the
        value satisfies the predicate (always, without one; never for a stand-in)."""
        if self.kind != "path":
            return type(value) in _SCALARS and self._text_matches(_text(value))
        op = self.op
        if op is None:
            return True
        if isinstance(value, _STAND_INS) or value is MISSING:
            return False
        if op == "~":
            return type(value) in _SCALARS and self._text_matches(_text(value))
        operand = self.operand
        if (type(value) is bool) != (type(operand) is bool):
            return op == "!="  # a bool equals, and orders against, only a bool
        try:
            return _truth(_COMPARE[op](value, operand))
        except Exception:  # "a" > 3, or a value whose comparison fails
            return False

    def path_matches(self, path: tuple[Hashable, ...]) -> bool:
        """Path: whether a whole path (from a top-level key) fits the query's path."""
        steps = self.steps
        return len(path) == len(steps) and all(map(_fits, steps, path))

    def prefix_matches(self, path: tuple[Hashable, ...]) -> bool:
        """Path: whether a path could lead to one that fits (its first steps fit)."""
        steps = self.steps
        return len(path) <= len(steps) and all(map(_fits, steps, path))

    def _text_matches(self, text: str) -> bool:
        pattern = self.pattern
        if pattern is not None:
            return pattern.search(text[:REGEX_LIMIT]) is not None
        return self.needle in text.casefold()

    # --- the matches of a value ------------------------------------------------------------

    def matches(self, value: Any, prefix: tuple[Hashable, ...] = ()) -> Counter[Entry]:
        """The multiset of matches of ``value`` found at ``prefix`` (a whole state when
        ``prefix`` is empty): the node at ``prefix`` itself and everything below it. Two
        states' matches differ exactly when a frame between them would match."""
        out: dict[Entry, int] = {}
        self._collect(value, prefix, 1, out)
        return Counter(out)

    def _collect(
        self,
        value: Any,
        prefix: tuple[Hashable, ...],
        sign: int,
        out: dict[Entry, int],
        digests: Digests | None = None,
    ) -> None:
        if self.kind == "path":
            self._collect_path(value, prefix, sign, out, digests)
        else:
            self._collect_text(value, prefix, sign, out)

    def _collect_text(
        self, value: Any, prefix: tuple[Hashable, ...], sign: int, out: dict[Entry, int]
    ) -> None:
        key_matches, text_matches = self.key_matches, self._text_matches
        stack = [(prefix, value)]
        while stack:
            path, v = stack.pop()
            t = type(v)
            if path and key_matches(path[-1]):
                # A key stands for its value if that is a scalar, else for the value's type.
                held = scalar_fingerprint(v) if t in _SCALARS else cast(Hashable, t)
                entry: Entry = ("k", _erase(path), held)
                out[entry] = out.get(entry, 0) + sign
            if t in _SCALARS:
                if path and text_matches(_text(v)):
                    entry = ("v", _erase(path), scalar_fingerprint(v))
                    out[entry] = out.get(entry, 0) + sign
            elif t is dict:
                stack.extend(((*path, k), x) for k, x in v.items())
            elif t is list or t is tuple:
                stack.extend(((*path, i), x) for i, x in enumerate(v))
            elif t is set or t is frozenset:
                stack.extend(((*path, ELEMENT), x) for x in v)

    def _collect_path(
        self,
        value: Any,
        prefix: tuple[Hashable, ...],
        sign: int,
        out: dict[Entry, int],
        digests: Digests | None = None,
    ) -> None:
        steps = self.steps
        if not self.prefix_matches(prefix):
            return
        frontier: list[tuple[tuple[Hashable, ...], Any]] = [(prefix, value)]
        for step in steps[len(prefix) :]:
            below: list[tuple[tuple[Hashable, ...], Any]] = []
            for path, v in frontier:
                t = type(v)
                if t is dict:
                    if step is ANY:
                        below.extend(((*path, k), x) for k, x in v.items())
                    elif type(step) is str:
                        if step in v:
                            below.append(((*path, step), v[step]))
                    else:  # an int key: the very type (not 1.0 nor True)
                        below.extend(((*path, k), x) for k, x in v.items() if _fits(step, k))
                elif t is list or t is tuple:
                    if step is ANY:
                        below.extend(((*path, i), x) for i, x in enumerate(v))
                    elif type(step) is int and 0 <= step < len(v):
                        below.append(((*path, step), v[step]))
                elif (t is set or t is frozenset) and step is ANY:
                    below.extend(((*path, ELEMENT), x) for x in v)
            frontier = below
        value_matches = self.value_matches
        for path, v in frontier:
            if value_matches(v):
                entry: Entry = (_erase(path), fingerprint(v, digests))
                out[entry] = out.get(entry, 0) + sign

    def __str__(self) -> str:
        return self.text


# --- reading a query ------------------------------------------------------------------------


class _Reader:
    """Reads one query string; every error names its column (1-based, in the text given)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.hint = False  # a path the rules took for one: say how to search for the text

    def fail(self, message: str, at: int | None) -> NoReturn:
        shown = self.text if len(self.text) <= 200 else self.text[:200] + "…"
        where = "" if at is None else f" at column {at + 1}"
        hint = "; to search for it as text, put it in quotes" if self.hint else ""
        raise QueryError(
            f'query "{shown}": {message}{where}{hint}',
            self.text,
            None if at is None else at + 1,
        )

    def read(self) -> Query:
        s = self.text
        if len(s) > MAX_QUERY:
            self.fail(f"longer than {MAX_QUERY:,} characters", None)
        i, j = len(s) - len(s.lstrip()), len(s.rstrip())
        if i >= j:
            self.fail("empty query", None)
        c = s[i]
        if c == "$":
            return self.path(i + 1, j)
        if c == "/":
            return Query(s, "regex", pattern=self.regex(i, j))
        if c in "\"'" and self.string_end(i, j) == j:
            needle = self.string(i, j)[0]
            if not needle:
                self.fail("empty query", i)
            return Query(s, "text", needle=needle.casefold())
        if self.looks_like_path(i, j):
            self.hint = True
            return self.path(i, j)
        return Query(s, "text", needle=s[i:j].casefold())

    def looks_like_path(self, i: int, j: int) -> bool:
        s = self.text
        c = s[i]
        if c == "[":
            return True
        if c == "*":
            k: int | None = i + 1
        elif c in "\"'":
            k = self.string_end(i, j)
        else:
            m = _NAME.match(s, i, j)
            k = m.end() if m else None
        if k is None:
            return False
        if k < j and s[k] in ".[":
            return True
        k = self.skip(k, j)
        return any(s.startswith(op, k, j) for op in _OPERATORS if op not in ("!", "="))

    def skip(self, k: int, j: int) -> int:
        s = self.text
        while k < j and s[k].isspace():
            k += 1
        return k

    def string_end(self, i: int, j: int) -> int | None:
        """The index after the closing quote of the string starting at ``i``, or None."""
        s, quote, k = self.text, self.text[i], i + 1
        while k < j:
            if s[k] == "\\":
                k += 2
            elif s[k] == quote:
                return k + 1
            else:
                k += 1
        return None

    def string(self, i: int, j: int) -> tuple[str, int]:
        end = self.string_end(i, j)
        if end is None:
            self.fail(f"unclosed quote {self.text[i]}", i)
        value = self.literal(self.text[i:end], i)
        if type(value) is not str:  # pragma: no cover - a quoted literal is a string
            self.fail("expected a quoted string", i)
        return value, end

    def literal(self, source: str, at: int) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes ("\d") warn
                return ast.literal_eval(source)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            self.fail(
                f"can't read the value {safe_repr(source, 60)}: write a string in quotes "
                '("done"), a number, true, false, null, or a list, tuple, dict or set of them',
                at,
            )

    def regex(self, i: int, j: int) -> re.Pattern[str]:
        """``/body/flags`` at ``i`` (the opening slash) up to ``j``."""
        s = self.text
        last = s.rfind("/", i + 1, j)
        if last < 0:
            self.fail('unclosed regex: "/" has no closing "/"', i)
        flags = 0
        for k in range(last + 1, j):
            if s[k] not in _FLAGS:
                self.fail(f'unknown regex flag "{s[k]}" (the flags are i, m and s)', k)
            flags |= _FLAGS[s[k]]
        if last == i + 1:
            self.fail("empty regex", i)
        return self.compile(s[i + 1 : last], flags, i + 1)

    def compile(self, body: str, flags: int, at: int) -> re.Pattern[str]:
        try:
            return re.compile(body, flags)
        except re.error as exc:
            self.fail(f"bad regex: {exc.msg}", at + (exc.pos or 0))
        except (OverflowError, RecursionError, MemoryError, ValueError) as exc:
            self.fail(f"bad regex: {exc}", at)

    def path(self, i: int, j: int) -> Query:
        s = self.text
        steps: list[Hashable] = []
        if i >= j:
            self.fail("expected a key name, a quoted key, [ or * after $", i)
        c = s[i]
        if c == "*":
            steps.append(ANY)
            i += 1
        elif c in "\"'":
            key, i = self.string(i, j)
            steps.append(key)
        elif c == "[":
            i = self.bracket(i, j, steps)
        else:
            m = _NAME.match(s, i, j)
            if m is None:
                self.fail("expected a key name, a quoted key, [ or *", i)
            steps.append(m.group())
            i = m.end()
        while i < j and s[i] in ".[":
            if s[i] == "[":
                i = self.bracket(i, j, steps)
                continue
            i += 1
            if i < j and s[i] == "*":
                steps.append(ANY)
                i += 1
                continue
            m = _NAME.match(s, i, j)
            if m is None:
                self.fail('expected a name or * after "."', i)
            steps.append(m.group())
            i = m.end()
        k = self.skip(i, j)
        if k == j:
            return Query(s, "path", steps=tuple(steps))
        op = next((o for o in _OPERATORS if s.startswith(o, k, j)), None)
        if op is None:
            self.fail(
                f'expected ".", "[", an operator (== != > >= < <= ~) or the end, found "{s[k]}"',
                k,
            )
        k = self.skip(k + len(op), j)
        if k == j:
            self.fail(f'expected a value after "{op}"', k)
        if op == "~":
            if s[k] == "/":
                pattern = self.regex(k, j)
            else:
                body = self.literal(s[k:j], k)
                if type(body) is not str:
                    self.fail('"~" takes a regex: a string in quotes, or /regex/flags', k)
                pattern = self.compile(body, 0, k)
            return Query(s, "path", pattern=pattern, steps=tuple(steps), op=op)
        word = s[k:j]
        words = {"true": True, "false": False, "null": None}
        operand = words[word] if word in words else self.literal(word, k)
        return Query(s, "path", steps=tuple(steps), op=op, operand=operand)

    def bracket(self, i: int, j: int, steps: list[Hashable]) -> int:
        """``[*]``, ``[3]`` or ``["key"]`` at ``i``; returns the index after it."""
        s = self.text
        k = self.skip(i + 1, j)
        if k < j and s[k] == "*":
            steps.append(ANY)
            k += 1
        elif k < j and s[k] in "\"'":
            key, k = self.string(k, j)
            steps.append(key)
        elif k < j and (m := _INDEX.match(s, k, j)) is not None:
            if m.group().startswith("-"):
                self.fail("negative indices are not supported", k)
            if len(m.group()) > 30:
                self.fail("index too large", k)
            steps.append(int(m.group()))
            k = m.end()
        else:
            self.fail('expected an index, a quoted key or * after "["', k)
        k = self.skip(k, j)
        if k >= j or s[k] != "]":
            self.fail('unclosed "["', i)
        return k + 1


def parse_query(query: str | re.Pattern[str] | Query) -> Query:
    """Read a search query: text (``milk``), a regex (``/mi+lk/i`` or a compiled pattern)
    or a key path with an optional predicate (``todos[*].title == "buy milk"``); see
    :mod:`timetravel.search`. Raises :class:`QueryError` for a malformed query, saying
    what is wrong and at which column."""
    if isinstance(query, Query):
        return query
    if isinstance(query, re.Pattern):
        if not isinstance(query.pattern, str):
            raise QueryError(f"query {query!r}: a bytes pattern; search with a str pattern")
        flags = "".join(f for f, bit in _FLAGS.items() if query.flags & bit)
        return Query(f"/{query.pattern}/{flags}", "regex", pattern=query)
    if not isinstance(query, str):
        raise TypeError(f"a query is a str, a compiled re.Pattern or a Query, not {type(query)}")
    return _Reader(query).read()


# --- matches ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One frame where something matching the query appeared, changed or disappeared.

    ``position`` is the frame's position in the recording (0-based, what
    ``recording[position]`` takes) and ``frame`` the frame. ``paths`` are the paths, from a
    top-level key, of the frame's changes that made the matches differ, in change order, at
    most :data:`MAX_PATHS`: a change's ``path``, the value's path for a change inside a
    value (a text splice: the path without its locator), the set's path for a set change.
    (For the first frame of a recording not written from its start, those of the
    top-level keys whose values match.) ``how`` says what the first of them did:
    ``"appeared"`` (matches that were not there are), ``"disappeared"`` (matches that
    were there are not) or ``"changed"`` (some went, some came: ``milk`` -> ``oat milk``).
    """

    position: int
    frame: Frame
    paths: tuple[tuple[Hashable, ...], ...]
    how: Literal["appeared", "changed", "disappeared"] = "changed"

    @property
    def index(self) -> int:
        """The frame's ``Frame.index`` (what ``Recorder.jump`` and ``restores`` use)."""
        return self.frame.index


# --- the scan -----------------------------------------------------------------------------------

_SKIP, _ROWS, _ELEMENT, _STATE = range(4)
_DIGESTS_KEPT = 250_000  # containers whose digests the scan keeps, at most

Plan = tuple[int, tuple[Hashable, ...]]


def _copy(value: Any) -> Any:
    return copy_value(value, keep_refs=False)


def _ignore(change: Change) -> None:
    pass


def _lookup(state: Any, path: tuple[Hashable, ...]) -> Any:
    node = state
    for p in path:
        t = type(node)
        try:
            if t is dict or ((t is list or t is tuple) and type(p) is int and p >= 0):
                node = node[p]
            else:
                return MISSING
        except (LookupError, TypeError):
            return MISSING
    return node


class _Scan:
    """One search over a recording: frames in order, a match out as soon as it is known."""

    def __init__(self, rec: Recording, query: Query, first: int, end: int) -> None:
        self.rec = rec
        self.query = query
        self.first, self.end = first, end
        self.state: dict[Any, Any] | None = None  # the running state, once one is needed
        # Digests of the running state's containers: a change inside a big matched value
        # (``$todos``) re-digests the containers on its path, not the whole value.
        self.digests: Digests = {}
        self.path_query = query.kind == "path"
        steps = query.steps
        self.depth = len(steps)
        self.top: Hashable = steps[0] if steps else ANY
        # Rows under other top-level keys can't reach a path query's matches: the running
        # state skips them.
        self.relevant = (lambda key: _fits(self.top, key)) if self.path_query else None
        # Where states can't be rebuilt: positions of gaps that lost frames, and keyframes.
        self.lossy = sorted(g.position for g in rec.gaps if g.lost != 0)
        self.keyframes = rec.keyframes

    def unknown(self, pos: int) -> bool:
        """Whether the state after frame ``pos`` can't be rebuilt (as ``state_at`` finds)."""
        k = bisect_right(self.keyframes, pos) - 1
        if k < 0:
            return True
        g = bisect_right(self.lossy, self.keyframes[k])
        return g < len(self.lossy) and self.lossy[g] <= pos

    def run(self) -> Iterator[Match]:
        rec = self.rec
        for pos in range(self.first, self.end):
            if self.lossy and (self.unknown(pos) or (pos > 0 and self.unknown(pos - 1))):
                self.state = None
                self.digests.clear()
                continue
            frame = rec[pos]
            if not frame.changes and pos:
                continue
            match = self.frame(pos, frame)
            if match is not None:
                yield match

    def plan(self, change: Change) -> Plan:
        """How a change moves the matches: not at all, by its own values, by a set's
        element, or as read from the running state before and after it (at a root path)."""
        path = change.path
        last = path[-1]
        located = isinstance(last, Locator)
        value_path = path[:-1] if located else path
        if not value_path:
            return _SKIP, ()
        if not self.path_query:
            if located:
                return (_STATE, value_path) if isinstance(last, Splice) else (_SKIP, ())
            if change.action in _SET_ACTIONS:
                return _ELEMENT, value_path
            return _ROWS, value_path
        top = value_path[0]
        if not _fits(self.top, top):
            return _SKIP, ()
        steps, depth = self.query.steps, self.depth
        n = len(value_path)
        if n > depth:  # below a matched value: it changed as a whole
            root = value_path[:depth]
            return (_STATE, root) if self.query.prefix_matches(root) else (_SKIP, ())
        if change.action in _SET_ACTIONS:
            if not self.query.prefix_matches(value_path):
                return _SKIP, ()
            return (_STATE if n == depth else _ELEMENT), value_path
        if located:
            return (_STATE, value_path) if self.query.prefix_matches(value_path) else (_SKIP, ())
        step = steps[n - 1]
        if change.action in _SHIFTS and type(step) is int:
            # An insertion or removal at index i moves every item from i on: a query naming
            # index step >= i sees another item there.
            if type(last) is not int or step < last:
                return _SKIP, ()
            root = value_path[:-1]
            return (_STATE, root) if self.query.prefix_matches(root) else (_SKIP, ())
        return (_ROWS, value_path) if self.query.prefix_matches(value_path) else (_SKIP, ())

    def apply(self, state: dict[Any, Any], change: Change, pos: int) -> None:
        digests = self.digests
        if digests:
            # The containers on the change's path are changed in place: drop their digests.
            if len(digests) > _DIGESTS_KEPT:
                digests.clear()
            node: Any = state
            digests.pop(id(node), None)
            for p in change.path:
                t = type(node)
                if t is dict and not isinstance(p, Locator):
                    node = node.get(p, MISSING)
                elif t is list and type(p) is int and 0 <= p < len(node):
                    node = node[p]
                else:
                    break
                digests.pop(id(node), None)
        try:
            apply_change(state, change, False, _copy, _ignore)
        except Exception as exc:  # a hostile row can make any container method fail
            raise RecordingError(
                f"{self.rec.path}: frame {pos} does not apply to the state before it "
                f"({type(exc).__name__}: {exc}); the file is corrupted"
            ) from None

    def frame(self, pos: int, frame: Frame) -> Match | None:
        query = self.query
        plans = [self.plan(c) for c in frame.changes]
        if self.state is None and pos and any(mode == _STATE for mode, _ in plans):
            self.state = self.rec.state_at(pos - 1)
        state = self.state
        relevant = self.relevant
        total: dict[Entry, int] = {}
        moved: list[tuple[tuple[Hashable, ...], dict[Entry, int]]] = []
        for change, (mode, root) in zip(frame.changes, plans, strict=True):
            contribution: dict[Entry, int] = {}
            if mode == _ROWS:
                if change.old is not MISSING:
                    query._collect(change.old, root, -1, contribution)
                if change.new is not MISSING:
                    query._collect(change.new, root, 1, contribution)
            elif mode == _ELEMENT:
                added = change.action == "set_item_added"
                element = change.new if added else change.old
                query._collect(element, (*root, ELEMENT), 1 if added else -1, contribution)
            elif mode == _STATE and state is not None:
                before = _lookup(state, root)
                if before is not MISSING:
                    query._collect(before, root, -1, contribution, self.digests)
                self.apply(state, change, pos)
                after = _lookup(state, root)
                if after is not MISSING:
                    query._collect(after, root, 1, contribution, self.digests)
            if (
                state is not None
                and mode != _STATE
                and (relevant is None or relevant(change.path[0]))
            ):
                self.apply(state, change, pos)
            if any(contribution.values()):
                for entry, n in contribution.items():
                    total[entry] = total.get(entry, 0) + n
                where = change.path[:-1] if isinstance(change.path[-1], Locator) else change.path
                moved.append((where, contribution))
        if pos == 0:
            # The first frame against an empty state: exact from the state after it (a file
            # saved after folding starts with a frame whose changes are from an older state).
            whole = self.rec.state_at(0)
            total = dict(query.matches(whole))
            if not any(total.values()):
                return None
            if not any(e in total for _, c in moved for e in c):
                per_key = [((k,), dict(query.matches(v, (k,)))) for k, v in whole.items()]
                moved = [(where, found) for where, found in per_key if found]
        changed = {e for e, n in total.items() if n}
        if not changed:
            return None
        paths: list[tuple[Hashable, ...]] = []
        how: Literal["appeared", "changed", "disappeared"] | None = None
        for where, contribution in moved:
            signs = {n > 0 for e, n in contribution.items() if n and e in changed}
            if not signs:
                continue
            if how is None:
                how = (
                    "changed" if len(signs) == 2 else "appeared" if True in signs else "disappeared"
                )
            if where not in paths and len(paths) < MAX_PATHS:
                paths.append(where)
        return Match(pos, frame, tuple(paths), how or "changed")


def search(
    rec: Recording, query: str | re.Pattern[str] | Query, start: int = 0, stop: int | None = None
) -> Iterator[Match]:
    """What :meth:`Recording.search <timetravel.Recording.search>` returns: the query is
    read now (a bad one raises :class:`QueryError` here), the frames as the iterator is
    consumed."""
    parsed = parse_query(query)
    first, end, _ = slice(start, stop).indices(len(rec))
    return _Scan(rec, parsed, first, end).run()
