"""The diff engine: find what changed between two states, fast, and apply changes.

Whole-state DeepDiff costs seconds on a large state. Here equality runs in C first
(``a == b`` on whole values, slices of lists) and Python descends only into the subtrees that
differ, emitting deepdiff flat rows. Rows are ordered so that applying them one after another
gives the same result as deepdiff's ``Delta``, which applies them grouped by action: a list is
either diffed position by position (no index shifts) or has one block removed (highest index
first) and one inserted (lowest first), with no rows beneath a shifted list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, MutableMapping
from itertools import compress, count, repeat
from operator import is_not, ne
from typing import Any

from .kinds import Located, Locator, kind_of
from .model import Change
from .values import ATOMIC, MISSING, ObjectRecord, Opaque, Redacted, copy_value, values_equal

Path = tuple[Hashable, ...]
Copier = Callable[[Any], Any]

_LONG_LIST = 256  # from this length, lists of containers skip ``==`` (see quick_equal)
_RESHUFFLE = 32  # more paired items than this, and over half the list: replace it whole


def _history(value: Any) -> Any:
    return copy_value(value, keep_refs=False)


_ABSENT: Any = object()  # a key missing from one of the mappings being synced


def quick_equal(a: Any, b: Any) -> bool:
    """C-speed equality, with False for anything it can't decide (the caller descends).

    False is not "different": NaN, objects without ``__eq__`` (compared by their fields) and
    containers holding them are equal for recording purposes although ``==`` says no. The
    descent decides them with :func:`values_equal`, only where ``==`` failed.

    Long lists of containers (their first item tells) of the same length are left to the
    descent, whose one pass over them finds every changed index: ``==`` first would compare
    them twice when they differ. Long lists of scalars do try ``==``: the items are mostly the
    very objects of the copy, so it costs next to nothing when nothing changed.
    """
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    t = type(a)
    if t is list:
        if len(a) > _LONG_LIST and len(a) == len(b) and type(a[0]) not in ATOMIC:
            return False
    elif t not in ATOMIC and t is not dict and kind_of(a) is not None:
        return False  # arrays and frames: == is elementwise; the kind compares once
    try:
        return (a == b) is True
    except Exception:
        return False


class Syncer:
    """Makes ``dst`` equal to ``src`` in place and records each change as a row.

    Capture syncs the recorder's shadow from the live state; a restore syncs the live state
    from the shadow. ``to_dst`` copies a value from ``src`` into ``dst``.
    """

    __slots__ = ("in_place", "rows", "to_dst")

    def __init__(self, to_dst: Copier, in_place: bool = True) -> None:
        self.to_dst = to_dst
        self.rows: list[Change] = []
        # Whether values of ``dst`` may be changed in place where a kind diffs them (the
        # recorder's own copies); the app's values get a new copy instead.
        self.in_place = in_place

    def sync_mapping(
        self,
        dst: MutableMapping[Any, Any],
        src: Any,
        keys: Iterable[Hashable],
        prefix: Path = (),
    ) -> list[Change]:
        """Sync ``keys`` (which may be in either mapping, or neither) of two mappings at
        ``prefix`` (the top level by default)."""
        rows = self.rows
        if type(src) is dict and type(dst) is dict:
            # Read both sides in C: only the keys whose values are not the very same object
            # (copies, changed values, added and removed keys) need a look in Python.
            keys = keys if type(keys) is list else list(keys)
            absent = repeat(_ABSENT)
            differ = map(is_not, map(dst.get, keys, absent), map(src.get, keys, absent))
            keys = list(compress(keys, differ))
        for key in keys:
            path = (*prefix, key)
            if key in src:
                s = src[key]
                if key in dst:
                    d = dst[key]
                    if d is not s and not quick_equal(d, s):
                        self._sync_value(dst, key, d, s, path)
                else:
                    rows.append(Change.make(path, "dictionary_item_added", MISSING, _history(s)))
                    dst[key] = self.to_dst(s)
            elif key in dst:
                rows.append(
                    Change.make(path, "dictionary_item_removed", _history(dst[key]), MISSING)
                )
                del dst[key]
        return rows

    def sync_dicts(self, dst: dict[Any, Any], src: dict[Any, Any]) -> list[Change]:
        """Sync every key of two dicts (a capture with no key filter).

        When the keys are the same, in the same order (the usual case), both sides are read
        as lists and only the values that are not the very same object are compared; with
        nothing changed this costs a few passes in C, close to ``dst == src``.
        """
        if len(dst) == len(src):
            keys = list(dst)
            if keys == list(src):
                dvals, svals = list(dst.values()), list(src.values())
                if not any(map(is_not, dvals, svals)):
                    return self.rows  # every value the very same object
                for i in compress(count(), map(is_not, dvals, svals)):
                    d, s = dvals[i], svals[i]
                    if not quick_equal(d, s):
                        self._sync_value(dst, keys[i], d, s, (keys[i],))
                return self.rows
        keys = list(src)
        if len(dst) > len(src) or not dst.keys() <= src.keys():
            keys.extend(k for k in dst if k not in src)
        return self.sync_mapping(dst, src, keys)

    def sync_paths(
        self, dst: MutableMapping[Any, Any], src: Any, changes: Iterable[Change]
    ) -> list[Change]:
        """Sync only where ``changes`` could have made ``dst`` and ``src`` differ.

        Each change's path is a root to sync, except that under a list whose items shifted
        (an item added or removed) the root is that list. A root that can't be walked in both
        states falls back to its top-level key.
        """
        changes = list(changes)
        shifts = ("iterable_item_added", "iterable_item_removed")
        shifted = {c.path[:-1] for c in changes if c.action in shifts}
        roots: dict[Path, None]
        if shifted:
            roots = {}
            for c in changes:
                path = c.path
                for i in range(1, len(path)):
                    if path[:i] in shifted:
                        path = path[:i]
                        break
                roots[path] = None
        else:
            roots = dict.fromkeys(c.path for c in changes)
        # A root under another root is synced with it: each root looks up its prefixes in a
        # set (not a scan of the roots kept so far, which is quadratic).
        top_level: dict[Hashable, None] = {}
        ordered = sorted(roots, key=len)
        shortest = len(ordered[0]) if ordered else 0  # no shorter root is anyone's prefix
        sync_at = self._sync_at
        for root in ordered:
            n = len(root)
            if n == 1:
                top_level[root[0]] = None
                continue
            for i in range(shortest, n):
                if root[:i] in roots:
                    break
            else:
                if not sync_at(dst, src, root):
                    top_level[root[0]] = None
        self.sync_mapping(dst, src, list(top_level))
        return self.rows

    def _sync_at(self, dst: Any, src: Any, path: Path) -> bool:
        """Sync the value at ``path`` (below the top level); False if the path isn't there."""
        d_parent, s_parent = dst, src
        try:
            for p in path[:-1]:
                d_parent, s_parent = d_parent[p], s_parent[p]
        except (LookupError, TypeError):
            return False
        t = type(d_parent)
        if t is not type(s_parent):
            return False
        key = path[-1]
        if t is dict:
            if key in d_parent and key in s_parent:
                d, s = d_parent[key], s_parent[key]
                if d is s:
                    return True
                ts = type(s)
                if ts is type(d) and ts in _PLAIN:
                    # What quick_equal and _sync_value do for these immutable values, inline:
                    # restores write thousands of them.
                    if d != s and (ts is not float or not values_equal(d, s)):  # NaN
                        self.rows.append(Change(path, "changed", d, s, "values_changed"))
                        d_parent[key] = s
                elif not quick_equal(d, s):
                    self._sync_value(d_parent, key, d, s, path)
            else:
                self.sync_mapping(d_parent, s_parent, [key], path[:-1])
            return True
        if t is list and isinstance(key, int) and 0 <= key < len(d_parent) == len(s_parent):
            d, s = d_parent[key], s_parent[key]
            if d is not s and not quick_equal(d, s):
                self._sync_value(d_parent, key, d, s, path)
            return True
        return False

    def _sync_value(self, parent: Any, key: Hashable, d: Any, s: Any, path: Path) -> None:
        t = type(d)
        if t is not type(s):
            self.rows.append(Change.make(path, "type_changes", _history(d), _history(s)))
            parent[key] = self.to_dst(s)
        elif t is dict:
            self._sync_dict(d, s, path)
        elif t is list:
            self._sync_list(parent, key, d, s, path)
        elif t is set:
            self._sync_set(d, s, path)
        elif t in ATOMIC and t is not str:
            if not values_equal(d, s):
                self.rows.append(Change.make(path, "values_changed", _history(d), _history(s)))
                parent[key] = self.to_dst(s)
        else:
            self._sync_kind(parent, key, d, s, path)

    def _sync_kind(self, parent: Any, key: Hashable, d: Any, s: Any, path: Path) -> None:
        """A value of a registered kind: compared once, recorded where it changed inside."""
        kind = kind_of(d)
        parts: list[Located] | None = None
        if kind is None:
            if values_equal(d, s):
                return
        elif kind.equal(d, s, values_equal):
            return
        else:
            parts = kind.diff(d, s)
        if kind is None or parts is None:
            self.rows.append(Change.make(path, "values_changed", _history(d), _history(s)))
            parent[key] = self.to_dst(s)
            return
        for loc, old, new in parts:
            self.rows.append(Change((*path, loc), "changed", old, new, "values_changed"))
        if self.in_place:
            parent[key] = kind.update(d, s, parts, self.to_dst)
        else:
            parent[key] = self.to_dst(s)

    def _sync_dict(self, d: dict[Any, Any], s: dict[Any, Any], path: Path) -> None:
        rows = self.rows
        common = 0
        for k, sv in s.items():
            if k in d:
                common += 1
                dv = d[k]
                if dv is not sv and not quick_equal(dv, sv):
                    self._sync_value(d, k, dv, sv, (*path, k))
            else:
                rows.append(Change.make((*path, k), "dictionary_item_added", MISSING, _history(sv)))
                d[k] = self.to_dst(sv)
        if len(d) > len(s):
            for k in [k for k in d if k not in s]:
                rows.append(
                    Change.make((*path, k), "dictionary_item_removed", _history(d[k]), MISSING)
                )
                del d[k]

    def _sync_set(self, d: set[Any], s: set[Any], path: Path) -> None:
        removed, added = d - s, s - d
        for item in removed:
            self.rows.append(Change.make(path, "set_item_removed", item, MISSING))
        for item in added:
            self.rows.append(Change.make(path, "set_item_added", MISSING, item))
        d -= removed
        d |= added

    def _replace(self, parent: Any, key: Hashable, d: list[Any], s: list[Any], path: Path) -> None:
        # A reshuffle rather than an edit: one row for the whole list is smaller.
        self.rows.append(Change.make(path, "values_changed", _history(d), _history(s)))
        parent[key] = self.to_dst(s)

    def _sync_list(
        self, parent: Any, key: Hashable, d: list[Any], s: list[Any], path: Path
    ) -> None:
        nd, ns = len(d), len(s)
        if nd == ns:
            changed = changed_indices(d, s)
            if len(changed) > _RESHUFFLE and len(changed) * 2 > ns:
                self._replace(parent, key, d, s, path)
                return
            for i in changed:
                self._sync_value(d, i, d[i], s[i], (*path, i))
            return
        shortest = min(nd, ns)
        p = _first_difference(d, s, shortest)
        q = _first_difference(d[::-1], s[::-1], shortest - p)
        removed, inserted = nd - p - q, ns - p - q
        paired = min(removed, inserted)
        if paired > _RESHUFFLE and paired * 2 > ns:
            self._replace(parent, key, d, s, path)
            return
        # Items in both middles pair up by position; the rest are removed or inserted after
        # them, so no paired index shifts (deepdiff applies value rows before removals).
        for i in range(p, p + paired):
            dv, sv = d[i], s[i]
            if dv is not sv and not quick_equal(dv, sv):
                self._sync_value(d, i, dv, sv, (*path, i))
        p += paired
        removed -= paired
        inserted -= paired
        rows = self.rows
        for i in range(p + removed - 1, p - 1, -1):
            rows.append(Change.make((*path, i), "iterable_item_removed", _history(d[i]), MISSING))
        del d[p : p + removed]
        for j in range(p, p + inserted):
            rows.append(Change.make((*path, j), "iterable_item_added", MISSING, _history(s[j])))
        d[p:p] = [self.to_dst(x) for x in s[p : p + inserted]]


_PLAIN = frozenset((bool, int, float, str, bytes, type(None)))


def _first_difference(a: list[Any], b: list[Any], limit: int) -> int:
    """Index of the first position below ``limit`` where a and b differ (``limit`` if none)."""
    try:
        candidates = compress(count(), map(ne, a[:limit], b[:limit]))
        return next((i for i in candidates if not values_equal(a[i], b[i])), limit)
    except Exception:  # elements whose != doesn't give a bool (numpy arrays)
        return next((i for i in range(limit) if not values_equal(a[i], b[i])), limit)


def changed_indices(a: list[Any], b: list[Any]) -> list[int]:
    """Indices where two equal-length lists differ, in one pass compared in C.

    ``!=`` finds the candidates; those it can't settle (NaN, objects without ``__eq__``,
    containers holding them) are checked with :func:`values_equal`.
    """
    try:
        candidates = list(compress(count(), map(ne, a, b)))
    except Exception:  # elements whose != doesn't give a bool (numpy arrays)
        return [i for i in range(len(a)) if not values_equal(a[i], b[i])]
    return [i for i in candidates if _differ(a[i], b[i])]


# Types whose != is exact: a candidate of these types really changed.
_EXACT: frozenset[type] = frozenset({int, str, bool, bytes, type(None)})


def _differ(a: Any, b: Any) -> bool:
    t = type(a)
    if t in _EXACT and t is type(b):
        return True
    return not values_equal(a, b)


class Skip(Exception):
    """Raised by a value maker to leave a path as it is (an unrestorable value)."""


class _Unknown(Exception):
    """A path leads into a value a file keeps only as a stand-in (opaque or redacted)."""


# What a file holds in place of a value it could not keep: rows never go inside these.
_STAND_INS = (Opaque, Redacted, ObjectRecord)


def _walk(root: Any, path: Path) -> Any:
    node = root
    for p in path:
        if type(node) in _STAND_INS:
            raise _Unknown
        node = node[p]
    if type(node) in _STAND_INS:
        raise _Unknown
    return node


def apply_change(
    root: Any,
    change: Change,
    inverse: bool,
    make: Copier,
    on_skip: Callable[[Change], None],
    strict: bool = True,
) -> None:
    """Apply one change (or undo it, when ``inverse``) to ``root`` in place.

    ``make`` turns a recorded value into the value to store (a copy); it may raise
    :class:`Skip`, and then ``on_skip`` hears of it and the value at the path stays. Where
    values were skipped, a later removal may find nothing to remove: ``strict=False`` lets it.
    """
    action, path = change.action, change.path
    if inverse:
        put, drop = change.old, change.new
    else:
        put, drop = change.new, change.old
    try:
        if action.startswith("set_item"):
            target = _walk(root, path)
            adding = (action == "set_item_added") != inverse
            if adding:
                target.add(put)
            else:
                target.discard(drop)
            return
        parent = _walk(root, path[:-1])
        last = path[-1]
        if isinstance(last, Locator):
            _apply_located(root, path, last, put, drop, make)
            return
        if action == "iterable_item_added" or action == "iterable_item_removed":
            inserting = (action == "iterable_item_added") != inverse
            _check_index(parent, last, inserting, strict)
            if inserting:
                parent.insert(last, _make_or_keep(put, make, change, on_skip))
            else:
                del parent[last]
            return
        if type(parent) is list:
            _check_index(parent, last, False, True)
        if put is MISSING:
            if strict or last in parent:
                del parent[last]
        else:
            parent[last] = make(put)
    except Skip:
        on_skip(change)
    except _Unknown:
        pass  # a change inside a value the file could not keep: it stays unknown


def _apply_located(
    root: Any, path: Path, loc: Locator, put: Any, drop: Any, make: Copier
) -> None:
    """A change inside a value (a kind's granular diff): the locator puts the part back."""
    holder = _walk(root, path[:-2])
    key = path[-2]
    if type(holder[key]) in _STAND_INS:
        return
    if isinstance(put, (Redacted, Opaque)) or isinstance(drop, (Redacted, Opaque)):
        # A file's view of a secret, or of a part it could not write: the value is unknown.
        holder[key] = put if isinstance(put, (Redacted, Opaque)) else drop
        return
    holder[key] = loc.put(holder[key], make(put), drop)


def _check_index(parent: Any, index: Any, inserting: bool, strict: bool) -> None:
    """A list index from a change must be an int in range (``len`` too when inserting):
    never negative, never one that overflows, and in range unless ``strict`` is off."""
    if not isinstance(index, int) or index < 0 or index > len(parent) + (1 << 32):
        raise IndexError(f"bad list index {index!r}")
    if strict and index > len(parent) - (0 if inserting else 1):
        raise IndexError(f"list index {index} out of range for a list of {len(parent)} items")


def _make_or_keep(
    value: Any, make: Copier, change: Change, on_skip: Callable[[Change], None]
) -> Any:
    # A list slot can't stay empty: an unrestorable item goes back as its recorded stand-in.
    try:
        return make(value)
    except Skip:
        on_skip(change)
        return value


def apply_changes(
    root: Any,
    changes: Iterable[Change],
    inverse: bool,
    make: Copier,
    on_skip: Callable[[Change], None],
    strict: bool = True,
) -> None:
    """Apply a frame's changes in order, or undo them in reverse order."""
    seq = list(changes)
    if inverse:
        seq.reverse()
    for change in seq:
        apply_change(root, change, inverse, make, on_skip, strict)
