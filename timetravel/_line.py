"""The undo line: which frames undo and redo step through, and the tree of every step taken.

A :class:`~timetravel.Recorder` records frames; only some of them are undo *steps* (a capture
that changed something, a jump). :class:`UndoLine` keeps that bookkeeping, knowing nothing
of frames' contents: its nodes are frame indices.

- The *line* is what undo and redo walk: the steps from the oldest one undo can reach to the
  newest one redo can reach, with a *cursor* on the current one (whose state the mapping
  holds).
- The *tree* keeps every step ever taken, with its parent (the step it was taken from). A
  new step after an undo drops the undone steps from the line, as an editor's undo does, but
  the tree keeps them: they are a *branch* (:meth:`UndoLine.branches`), which a jump can
  still reach.

A frame that joins the current step (coalesced typing, a run no user action started, what a
restore's own run wrote) takes that step's place, in the line and in the tree: the step is
then named by its newest frame, which holds its state.

Every change to the line can be logged (:attr:`UndoLine.log`) as a small tuple of ints, an
*operation*, and :meth:`UndoLine.apply` replays one: the same operations on an empty line
build the same line and tree. A recorder writes them into its frames, so that a recording
can be resumed with its undo history (``Recorder.resume_from``; docs/format.md, "Frame").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

__all__ = ["FOLD", "MERGE", "REDO", "RESET", "STEP", "UNDO", "UndoLine", "valid_op"]

# Operation codes (the first item of a logged operation; docs/format.md, "Frame").
STEP: Final = 0  # (STEP, index): step(index)
MERGE: Final = 1  # (MERGE, index): merge(index)
UNDO: Final = 2  # (UNDO,): undo() that moved the cursor
REDO: Final = 3  # (REDO,): redo() that moved the cursor
RESET: Final = 4  # (RESET, index): reset(index)
FOLD: Final = 5  # (FOLD, base, node, stand-in, node, stand-in, ...): fold(base, ...)

_ARITY: Final = {STEP: 2, MERGE: 2, UNDO: 1, REDO: 1, RESET: 2}


def valid_op(op: object) -> bool:
    """Whether ``op`` (read from a file: untrusted) has the shape of an operation."""
    if not isinstance(op, (tuple, list)) or not op:
        return False
    if not all(type(x) is int for x in op):
        return False
    code = op[0]
    if code == FOLD:
        return len(op) >= 2 and len(op) % 2 == 0
    return _ARITY.get(code) == len(op)


class UndoLine:
    """The undo line over frame indices, and the tree of all steps taken (see the module).

    Invariants: the cursor is on the line whenever the line is not empty (``-1`` when it is);
    every node on the line is in the tree; parents are nodes of the tree or None (a root: the
    first step, or one whose parent was folded away); the tree has no cycles.
    """

    __slots__ = ("_children", "_cursor", "_line", "_parent", "_repeats", "log")

    def __init__(self) -> None:
        # Where operations are logged as they happen, if anywhere (see the module).
        self.log: list[tuple[int, ...]] | None = None
        self._line: list[int] = []
        self._cursor = -1
        self._parent: dict[int, int | None] = {}
        self._children: dict[int, list[int]] = {}
        # Whether a node may be on the line twice: a fold can relink two steps to one frame
        # (a step and a jump back to it), and a frame standing in for a step can become a
        # step again. Only reset clears it: it costs a scan of the line per merge.
        self._repeats = False

    # --- the line -------------------------------------------------------------------------

    @property
    def steps(self) -> tuple[int, ...]:
        """The line, oldest step first: what undo and redo can reach from the current step."""
        return tuple(self._line)

    @property
    def cursor(self) -> int:
        """Where the current step is on :attr:`steps` (``-1`` while the line is empty)."""
        return self._cursor

    def __len__(self) -> int:
        return len(self._line)

    @property
    def position(self) -> int | None:
        """The current step (a frame index), or None before the first one."""
        return self._line[self._cursor] if self._cursor >= 0 else None

    @property
    def at_newest(self) -> bool:
        """Whether the current step is the newest on the line (nothing to redo)."""
        return self._cursor == len(self._line) - 1

    @property
    def can_undo(self) -> bool:
        """Whether there is an earlier step to undo to."""
        return self._cursor > 0

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone step to redo."""
        return 0 <= self._cursor < len(self._line) - 1

    def undo_target(self) -> int | None:
        """The step :meth:`undo` would go back to, or None."""
        return self._line[self._cursor - 1] if self._cursor > 0 else None

    def redo_target(self) -> int | None:
        """The step :meth:`redo` would go forward to, or None."""
        return self._line[self._cursor + 1] if self.can_redo else None

    def undo(self) -> int | None:
        """Move the cursor back one step; the step now current, or None (nothing moved)."""
        if self._cursor <= 0:
            return None
        self._cursor -= 1
        if self.log is not None:
            self.log.append((UNDO,))
        return self._line[self._cursor]

    def redo(self) -> int | None:
        """Move the cursor forward one step; the step now current, or None (nothing moved)."""
        if not self.can_redo:
            return None
        self._cursor += 1
        if self.log is not None:
            self.log.append((REDO,))
        return self._line[self._cursor]

    def step(self, index: int) -> None:
        """Frame ``index`` is a new step taken from the current one (a capture, a jump).

        The undone steps after the cursor leave the line (redo can't reach them) and stay in
        the tree as a branch; ``index`` becomes the newest step and the current one.
        """
        if self.log is not None:
            self.log.append((STEP, index))
        if index in self._parent:
            self._repeats = True  # it may be on the line already
        self._add(index, self.position)
        del self._line[self._cursor + 1 :]
        self._line.append(index)
        self._cursor = len(self._line) - 1

    def merge(self, index: int) -> None:
        """Frame ``index`` joins the current step and stands for it from now on.

        The line keeps its length and cursor (what could be redone still can be); in the tree
        ``index`` takes the current node's place: its parent, and its children. (If the
        current node is on the line elsewhere too, after a fold, it stays in the tree and
        ``index`` becomes its sibling.)
        """
        old = self._line[self._cursor]
        if self.log is not None:
            self.log.append((MERGE, index))
        self._line[self._cursor] = index
        if index in self._parent:
            self._repeats = True  # it may be on the line already
        if self._repeats and old in self._line:
            self._add(index, self._parent.get(old))  # ``old`` stays, for its other place
        else:
            self._rename(old, index)

    def reset(self, index: int) -> None:
        """Forget everything: ``index`` is the only step (on the line and in the tree)."""
        if self.log is not None:
            self.log.append((RESET, index))
        self._line = [index]
        self._cursor = 0
        self._parent = {index: None}
        self._children = {index: []}
        self._repeats = False

    def fold(self, base: int, stand_ins: Callable[[], Mapping[int, int]]) -> None:
        """Forget the steps before frame ``base`` (older frames left memory).

        A step on the line that was folded is replaced by its stand-in, a frame in memory
        holding its state, if ``stand_ins()`` (asked only when a step on the line was folded)
        names one. A folded step with none ends the line there: undo can't go back past it,
        nor redo forward to it. In the tree, folded nodes are dropped and their children
        become roots.
        """
        used: dict[int, int] = {}
        if self._line and min(self._line) < base:
            stand_in = stand_ins()
            # What the relinking reads of the stand-ins: the folded steps on the line.
            used = {n: stand_in[n] for n in self._line if n < base and n in stand_in}
            self._relink(base, used)
        self._prune(base)
        if self.log is not None:
            self.log.append((FOLD, base, *(x for pair in used.items() for x in pair)))

    def apply(self, op: Sequence[int]) -> None:
        """Replay a logged operation (see the module); the operation is logged again.

        Raises ValueError for one that can't have been logged at this point (a merge on an
        empty line, an undo with nothing to undo, a shape :func:`valid_op` rejects).
        """
        if not valid_op(op):
            raise ValueError(f"not an undo-line operation: {op!r}")
        code = op[0]
        if code == STEP:
            self.step(op[1])
        elif code == MERGE:
            if not self._line:
                raise ValueError("a merge on an empty undo line")
            self.merge(op[1])
        elif code == UNDO:
            if self.undo() is None:
                raise ValueError("an undo with nothing to undo")
        elif code == REDO:
            if self.redo() is None:
                raise ValueError("a redo with nothing to redo")
        elif code == RESET:
            self.reset(op[1])
        else:
            pairs = dict(zip(op[2::2], op[3::2], strict=True))
            self.fold(op[1], lambda: pairs)

    def seek(self, index: int) -> bool:
        """Move the cursor to step ``index`` if it is on the line (the occurrence nearest the
        cursor); False if it is not. Not logged: for rebuilding a line approximately."""
        line = self._line
        places = [i for i, n in enumerate(line) if n == index]
        if not places:
            return False
        self._cursor = min(places, key=lambda i: abs(i - self._cursor))
        return True

    def _relink(self, base: int, stand_in: Mapping[int, int]) -> None:
        line: list[int] = []
        cursor = 0
        for i, node in enumerate(self._line):
            if node < base:
                new = stand_in.get(node, -1)
                if new >= base:
                    self._rename(node, new)
                node = new
            if node < base:
                if i < self._cursor:
                    line = []  # undo can't go back past a step it can no longer restore
                    continue
                break  # nor can redo go forward to one
            line.append(node)
            if i == self._cursor:
                cursor = len(line) - 1
        self._line = line
        self._cursor = cursor
        self._repeats = self._repeats or len(set(line)) < len(line)

    def _prune(self, base: int) -> None:
        parent = self._parent
        if not parent or min(parent) >= base:
            return
        self._parent = {
            k: (p if p is not None and p >= base else None) for k, p in parent.items() if k >= base
        }
        self._children = {
            k: [c for c in kids if c >= base] for k, kids in self._children.items() if k >= base
        }

    # --- the tree -------------------------------------------------------------------------

    def __contains__(self, index: object) -> bool:
        """Whether frame ``index`` is a node of the tree (a step, on the line or not)."""
        return index in self._parent

    def nodes(self) -> list[int]:
        """Every node of the tree, in index order."""
        return sorted(self._parent)

    def parent_of(self, index: int) -> int | None:
        """The step ``index`` was taken from; None for a root. KeyError if not a node."""
        return self._parent[index]

    def children_of(self, index: int) -> tuple[int, ...]:
        """The steps taken from ``index``, oldest first. KeyError if not a node."""
        return tuple(self._children[index])

    def roots(self) -> list[int]:
        """The nodes without a parent, in index order."""
        return sorted(k for k, p in self._parent.items() if p is None)

    def branches(self) -> list[tuple[int, ...]]:
        """The nodes off the line, as chains of steps (each oldest first).

        Every node not on the line is on exactly one branch. A branch goes on from a node to
        its oldest child off the line, while there is one; any other child off the line
        starts a branch of its own. ``parent_of`` a branch's first node is where it forks:
        a step on the line, a node of an earlier branch, or None (it starts at a root).
        Branches are listed in the order of a walk of the tree from its roots, children
        oldest first, so a branch comes after the one it forks from.

        The steps an undo left behind, dropped from the line by a new step, make a branch
        forking from the step the new one was taken from (or several, if new steps were
        taken among them before).
        """
        on_line = set(self._line)
        kids = self._children

        def first_off(node: int) -> int | None:
            return next((c for c in kids[node] if c not in on_line), None)

        out: list[tuple[int, ...]] = []
        for node in self._walk():
            if node in on_line:
                continue
            parent = self._parent[node]
            if parent is not None and parent not in on_line and first_off(parent) == node:
                continue  # it goes on its parent's branch
            chain = [node]
            at = first_off(node)
            while at is not None:
                chain.append(at)
                at = first_off(at)
            out.append(tuple(chain))
        return out

    def _walk(self) -> Iterator[int]:
        """Every node, parents before children, siblings oldest first."""
        todo = list(reversed(self.roots()))
        while todo:
            node = todo.pop()
            yield node
            todo.extend(reversed(self._children[node]))

    def _add(self, index: int, parent: int | None) -> None:
        if index in self._parent:
            return  # already a node (a stand-in made current by a fold): it stays put
        self._parent[index] = parent
        self._children[index] = []
        if parent is not None:
            self._children[parent].append(index)

    def _rename(self, old: int, new: int) -> None:
        """``new`` takes node ``old``'s place in the tree (``old`` leaves it)."""
        if old == new:
            return
        if old not in self._parent:
            self._add(new, None)
            return
        parent = self._parent.pop(old)
        kids = self._children.pop(old)
        siblings = self._children[parent] if parent is not None else None
        if new in self._parent:
            # Already a node: ``old`` is spliced out, its children moving up to its parent
            # (never under ``new``, which may be one of their descendants).
            if siblings is not None:
                at = siblings.index(old)
                siblings[at : at + 1] = kids
            for kid in kids:
                self._parent[kid] = parent
            return
        self._parent[new] = parent
        self._children[new] = kids
        for kid in kids:
            self._parent[kid] = new
        if siblings is not None:
            siblings[siblings.index(old)] = new

    def __repr__(self) -> str:
        return f"<UndoLine {self._line} at {self._cursor}, {len(self._parent)} nodes>"
