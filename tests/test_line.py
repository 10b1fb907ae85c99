"""UndoLine: the undo line a Recorder steps through, and the tree of every step taken."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from timetravel import Recorder
from timetravel._line import UndoLine


def line_of(*steps: int) -> UndoLine:
    line = UndoLine()
    for index in steps:
        line.step(index)
    return line


def check_tree(line: UndoLine) -> None:
    """The invariants UndoLine promises, whatever happened to it."""
    nodes = set(line.nodes())
    steps = line.steps
    assert (line.cursor == -1) == (not steps)
    if steps:
        assert 0 <= line.cursor < len(steps)
        assert line.position == steps[line.cursor]
    assert set(steps) <= nodes
    for node in nodes:
        parent = line.parent_of(node)
        assert parent is None or parent in nodes
        if parent is not None:
            assert node in line.children_of(parent)
        for kid in line.children_of(node):
            assert line.parent_of(kid) == node
        seen = {node}
        while parent is not None:  # no cycles
            assert parent not in seen
            seen.add(parent)
            parent = line.parent_of(parent)
    # The branches cover every node off the line, once, each a chain forking off the line,
    # off a branch before it, or off nothing.
    branches = line.branches()
    listed = [n for b in branches for n in b]
    assert len(listed) == len(set(listed))
    assert set(listed) == nodes - set(steps)
    before = set(steps)
    for branch in branches:
        assert branch
        fork = line.parent_of(branch[0])
        assert fork is None or fork in before
        for a, b in pairwise(branch):
            assert line.parent_of(b) == a
        assert set(line.children_of(branch[-1])) <= set(steps)  # it goes on while it can
        before.update(branch)


# --- the line -----------------------------------------------------------------------------


def test_an_empty_line() -> None:
    line = UndoLine()
    assert line.steps == () and line.cursor == -1 and len(line) == 0
    assert line.position is None and not line.can_undo and not line.can_redo
    assert line.undo_target() is None and line.redo_target() is None
    assert line.undo() is None and line.redo() is None
    assert line.nodes() == [] and line.branches() == [] and line.roots() == []
    check_tree(line)


def test_undo_and_redo_walk_the_line() -> None:
    line = line_of(0, 1, 2)
    assert line.steps == (0, 1, 2) and line.position == 2 and line.at_newest
    assert line.can_undo and not line.can_redo and line.undo_target() == 1
    assert line.undo() == 1 and line.position == 1 and not line.at_newest
    assert line.redo_target() == 2 and line.undo_target() == 0
    assert line.undo() == 0 and not line.can_undo and line.undo() is None
    assert line.position == 0
    assert line.redo() == 1 and line.redo() == 2 and line.redo() is None
    assert line.steps == (0, 1, 2)
    check_tree(line)


def test_a_step_after_undo_drops_the_redo_steps_but_the_tree_keeps_them() -> None:
    line = line_of(0, 1, 2, 3)
    line.undo()
    line.undo()  # at 1; 2 and 3 could be redone
    line.step(4)
    assert line.steps == (0, 1, 4) and line.position == 4 and not line.can_redo
    assert line.branches() == [(2, 3)]
    assert line.parent_of(2) == 1 and line.parent_of(3) == 2 and line.parent_of(4) == 1
    assert line.children_of(1) == (2, 4)  # oldest first
    assert line.roots() == [0] and line.nodes() == [0, 1, 2, 3, 4]
    assert 3 in line and 5 not in line
    check_tree(line)


def test_branches_of_branches() -> None:
    line = line_of(0, 1, 2)
    line.step(3)
    line.undo()  # at 2
    line.step(4)  # 3 left behind, forking from 2
    line.undo()
    line.undo()  # at 1
    line.step(5)  # 2 and 4 left behind, forking from 1
    assert line.steps == (0, 1, 5)
    # Walked from the root, children oldest first: 2, then 3 (a leaf), then 4.
    assert line.branches() == [(2, 3), (4,)]
    assert line.parent_of(4) == 2
    check_tree(line)


def test_merge_keeps_the_redo_steps_and_renames_the_node() -> None:
    line = line_of(0, 1, 2)
    line.undo()  # at 1
    line.merge(5)  # a frame joins step 1 and stands for it
    assert line.steps == (0, 5, 2) and line.position == 5 and line.redo_target() == 2
    assert 1 not in line and line.parent_of(5) == 0 and line.children_of(5) == (2,)
    assert line.parent_of(2) == 5 and line.children_of(0) == (5,)
    assert line.redo() == 2
    check_tree(line)


def test_merge_of_the_first_step_keeps_it_a_root() -> None:
    line = line_of(0)
    line.merge(1)
    assert line.steps == (1,) and line.roots() == [1] and line.parent_of(1) is None
    check_tree(line)


def test_merge_into_a_node_already_in_the_tree_splices_the_old_one_out() -> None:
    line = line_of(0, 1, 2)
    line.undo()
    line.step(3)  # 2 on a branch from 1
    line.undo()  # at 1
    line.merge(2)  # can't happen in a Recorder; the tree must stay a tree all the same
    assert line.steps == (0, 2, 3) and 1 not in line
    assert line.parent_of(2) == 0 and line.parent_of(3) == 0
    check_tree(line)


def test_reset_keeps_one_step() -> None:
    line = line_of(0, 1, 2)
    line.undo()
    line.step(3)
    line.reset(7)
    assert line.steps == (7,) and line.position == 7 and line.nodes() == [7]
    assert line.branches() == [] and not line.can_undo and not line.can_redo
    check_tree(line)


def test_a_step_that_is_already_a_node_stays_put_in_the_tree() -> None:
    # A fold can make the open frame the current step's stand-in; when that frame then
    # becomes a step of its own, the line repeats it (as the Recorder always did).
    line = line_of(0, 1)
    line.step(1)
    assert line.steps == (0, 1, 1) and line.parent_of(1) == 0
    check_tree(line)


# --- folding ------------------------------------------------------------------------------


def test_fold_replaces_folded_steps_by_their_stand_ins() -> None:
    line = line_of(0, 1, 2, 3)
    line.undo()  # at 2
    asked: list[int] = []

    def stand_ins() -> dict[int, int]:
        asked.append(1)
        return {0: 5, 1: 6, 2: 7}

    line.fold(4, stand_ins)
    assert asked == [1]
    assert line.steps == (5, 6, 7) and line.position == 7 and line.cursor == 2
    assert line.nodes() == [5, 6, 7]
    assert line.parent_of(6) == 5 and line.parent_of(7) == 6 and line.roots() == [5]
    check_tree(line)


def test_fold_without_a_stand_in_ends_the_line_there() -> None:
    line = line_of(0, 1, 2, 3, 4)
    line.undo()
    line.undo()  # at 2
    line.fold(4, lambda: {1: 10, 2: 11})  # 0 and 3 have none
    assert line.steps == (10, 11) and line.position == 11 and not line.can_redo
    assert line.roots() == [4, 10]  # 4 lost its parent; it stays as a branch of its own
    assert line.branches() == [(4,)]
    check_tree(line)


def test_fold_asks_for_stand_ins_only_when_a_step_was_folded() -> None:
    line = line_of(0, 1)
    line.undo()
    line.step(2)  # 1 on a branch
    line.undo()
    line.merge(3)  # 3 stands for step 0
    assert line.steps == (3, 2) and line.children_of(3) == (1, 2)
    line.fold(2, lambda: pytest.fail("no step of the line was folded"))
    assert line.steps == (3, 2) and line.nodes() == [2, 3] and line.children_of(3) == (2,)
    check_tree(line)


# --- against a reference model ------------------------------------------------------------


def old_relink(
    steps: list[int], cursor: int, base: int, stand_in: Mapping[int, int]
) -> tuple[list[int], int]:
    """How the Recorder relinked its undo line before UndoLine did (the reference)."""
    line: list[int] = []
    new_cursor = 0
    for i, node in enumerate(steps):
        node = node if node >= base else stand_in.get(node, -1)
        if node < base:
            if i < cursor:
                line = []
                continue
            break
        line.append(node)
        if i == cursor:
            new_cursor = len(line) - 1
    return line, new_cursor


class LineVersusEditor(RuleBasedStateMachine):
    """UndoLine against an editor's undo: a stack of done steps and a stack of undone ones.

    A new step empties the redo stack; those steps are remembered as a branch hanging off
    the step the new one was taken from. A merge renames the current step.
    """

    def __init__(self) -> None:
        super().__init__()
        self.line = UndoLine()
        self.done: list[int] = []  # the current step last
        self.undone: list[int] = []  # the next redo last
        self.parent: dict[int, int | None] = {}
        self.left: list[list[int]] = []  # steps dropped from the line, oldest first
        self.next = 0
        self.unmodelled = False  # after a fold (or the like) the tree is only checked

    def fresh(self) -> int:
        self.next += 1
        return self.next - 1

    @rule()
    def step(self) -> None:
        index = self.fresh()
        self.parent[index] = self.done[-1] if self.done else None
        if self.undone:
            self.left.append(self.undone[::-1])
        self.undone = []
        self.done.append(index)
        self.line.step(index)

    @precondition(lambda self: self.done)
    @rule()
    def merge(self) -> None:
        index, old = self.fresh(), self.done[-1]
        self.done[-1] = index
        if not self.unmodelled:
            self.parent[index] = self.parent.pop(old)
            for k, p in self.parent.items():
                if p == old:
                    self.parent[k] = index
        self.line.merge(index)

    @precondition(lambda self: self.done)
    @rule(data=st.data())
    def merge_a_node(self, data: st.DataObject) -> None:
        # Not what a Recorder does but after a fold (an open frame already standing in for
        # a step joins the current one): the tree must stay a tree all the same.
        index = data.draw(st.sampled_from(self.line.nodes()), label="node")
        self.done[-1] = index
        self.line.merge(index)
        self.unmodelled = True

    @rule(data=st.data())
    def step_a_node(self, data: st.DataObject) -> None:
        # After a fold a Recorder's open frame may stand in for the current step, and then
        # become a step of its own: the line repeats it, the tree stays a tree.
        nodes = self.line.nodes()
        index = data.draw(st.sampled_from(nodes), label="node") if nodes else self.fresh()
        self.done.append(index)
        self.undone = []
        self.line.step(index)
        self.unmodelled = True

    @rule()
    def undo(self) -> None:
        target = self.line.undo_target()
        moved = self.line.undo()
        assert moved == target
        if len(self.done) > 1:
            self.undone.append(self.done.pop())
            assert moved == self.done[-1]
        else:
            assert moved is None

    @rule()
    def redo(self) -> None:
        target = self.line.redo_target()
        moved = self.line.redo()
        assert moved == target
        if self.undone:
            self.done.append(self.undone.pop())
            assert moved == self.done[-1]
        else:
            assert moved is None

    @precondition(lambda self: self.done)
    @rule(data=st.data())
    def fold(self, data: st.DataObject) -> None:
        # As a Recorder folds: the current step's stand-in is the newest frame; a frame in
        # memory (a restore frame) may stand in for any other folded step.
        base = data.draw(st.integers(0, self.next), label="base")
        stand_in = {self.done[-1]: self.fresh()}
        for node in data.draw(st.lists(st.sampled_from(self.done + self.undone)), label="by"):
            if node < base and node != self.done[-1]:
                stand_in[node] = data.draw(st.integers(base, self.next - 1), label="stand-in")
        steps, cursor = old_relink(
            self.done + self.undone[::-1], len(self.done) - 1, base, stand_in
        )
        self.line.fold(base, lambda: stand_in)
        self.done, self.undone = steps[: cursor + 1], steps[cursor + 1 :][::-1]
        self.unmodelled = True

    @invariant()
    def the_line_is_the_editors(self) -> None:
        line = self.line
        assert line.steps == tuple(self.done + self.undone[::-1])
        assert line.position == (self.done[-1] if self.done else None)
        assert line.can_undo == (len(self.done) > 1)
        assert line.can_redo == bool(self.undone)
        assert line.undo_target() == (self.done[-2] if len(self.done) > 1 else None)
        assert line.redo_target() == (self.undone[-1] if self.undone else None)
        assert line.at_newest == (not self.undone)

    @invariant()
    def the_tree_keeps_every_step(self) -> None:
        check_tree(self.line)
        if self.unmodelled:
            return
        assert self.line.nodes() == sorted(self.parent)
        for node, parent in self.parent.items():
            assert self.line.parent_of(node) == parent
        for tail in self.left:  # every step left behind is still there, as it was linked
            for a, b in pairwise(tail):
                assert self.line.parent_of(b) == a
            assert tail[0] not in self.line.steps


TestLineVersusEditor = LineVersusEditor.TestCase
TestLineVersusEditor.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["step", "undo", "redo"]), max_size=40))
def test_without_merges_the_branches_are_exactly_the_dropped_redo_steps(ops: list[str]) -> None:
    """Each new step after undo leaves the undone steps behind as one branch of their own."""
    line = UndoLine()
    dropped: list[tuple[int, ...]] = []
    for n, op in enumerate(ops):
        if op == "step":
            tail = line.steps[line.cursor + 1 :]
            if tail:
                dropped.append(tail)
            line.step(n)
        elif op == "undo":
            line.undo()
        else:
            line.redo()
    # A later branch may fork off an earlier one, splitting it: compare the steps.
    assert sorted(n for b in line.branches() for n in b) == sorted(n for d in dropped for n in d)
    check_tree(line)


# --- in a Recorder --------------------------------------------------------------------------


def test_a_recorder_keeps_its_branches_in_the_tree() -> None:
    state = {"v": "a"}
    rec = Recorder(state)
    rec.capture()  # 0
    state["v"] = "b"
    rec.capture()  # 1
    state["v"] = "c"
    rec.capture()  # 2
    rec.undo()  # 3: restores 1
    state["v"] = "x"
    rec.capture()  # 4: a new step from 1; 2 is left behind
    line = rec._line
    assert line.steps == (0, 1, 4) and line.branches() == [(2,)] and line.parent_of(2) == 1
    rec.jump(2)  # 5: a step from 4
    assert list(line.steps) == [0, 1, 4, 5] and line.parent_of(5) == 4
    check_tree(line)


def test_a_limited_recorder_relinks_its_line_to_frames_in_memory() -> None:
    state = {"n": 0}
    rec = Recorder(state, limit=3)
    rec.capture()
    for n in range(1, 6):
        state["n"] = n
        rec.capture()
    assert [f.index for f in rec.frames] == [3, 4, 5]
    assert rec._line.steps == (3, 4, 5) and rec._line.nodes() == [3, 4, 5]
    assert rec.undo() and state == {"n": 4}
    # Frame 3 left memory with the undo frame, and no frame in memory holds its state.
    assert list(rec._line.steps) == [4, 5] and not rec.can_undo
    assert rec.redo() and state == {"n": 5}
    check_tree(rec._line)


ops = st.sampled_from(["set", "del", "capture", "hold", "empty", "undo", "redo", "jump"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(ops, st.integers(0, 9), st.booleans()), max_size=50),
    st.sampled_from([None, 2, 4]),
)
def test_a_recorder_keeps_its_tree_a_tree(
    steps: list[tuple[str, int, bool]], limit: int | None
) -> None:
    """Whatever a Recorder does (holds, restores, folds), its UndoLine keeps its promises."""
    state: dict[str, int] = {"n": 0}
    rec = Recorder(state, limit=limit)
    rec.merge_if = lambda changes: all(c.path[0] == "w" for c in changes)
    rec.capture()
    for op, n, hold in steps:
        key = "w" if n % 3 == 0 else "n" if n % 3 == 1 else "m"
        if op == "set":
            state[key] = n
        elif op == "del":
            state.pop(key, None)
        elif op == "capture":
            rec.capture(hold=hold)
        elif op == "empty":
            rec.capture(empty=True, hold=hold)
        elif op == "undo":
            rec.undo(hold=hold)
        elif op == "redo":
            rec.redo(hold=hold)
        else:
            frames = rec.frames
            rec.jump(frames[n % len(frames)].index, hold=hold)
        check_tree(rec._line)
        assert rec.position == rec._line.position
        assert rec.position is None or rec.frames[0].index <= rec.position


def test_an_open_frame_that_stood_in_for_a_step_and_became_one_stays_in_the_tree() -> None:
    state: dict[str, object] = {}
    rec = Recorder(state, limit=6)
    rec.capture()  # 0
    rec.capture(hold=True, empty=True)  # 1
    rec.jump(0)  # 2: changed nothing, no step
    for _ in range(2):
        rec.capture(hold=True, empty=True)  # 3, 4
        rec.settle()
    rec.jump(0)  # 5
    rec.capture(hold=True, empty=True)  # 6: frame 0 folds, 6 stands in for it
    assert rec._line.steps == (6,)
    state["a"] = None
    assert rec.undo(hold=True)  # 6 becomes a step (from itself); 7: back to 6, held
    assert list(rec._line.steps) == [6, 6] and rec.position == 6
    state["a"] = []
    assert rec.redo()  # 7 joins the step undo went back to
    assert list(rec._line.steps) == [7, 6] and rec.position == 6
    check_tree(rec._line)
    rec.jump(rec.frames[0].index)
    check_tree(rec._line)
