"""The state tree: the whole state at the selected frame, expanded lazily."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from timetravel import ObjectRecord

from ..formatting import (
    ValueStyles,
    container_summary,
    format_key,
    is_container,
    set_order,
    value_text,
)

__all__ = ["CHUNK", "StateNode", "StateTree"]

CHUNK = 200
"""Children added at a time when a big container is expanded."""


@dataclass
class StateNode:
    """What a tree node shows.

    ``path`` leads from a top-level key to the value; it is the path for key history. Set
    elements and object fields have no path of their own, so theirs is their container's
    (``exact`` is False).
    """

    path: tuple[Hashable, ...]
    key: Hashable | None
    value: Any
    exact: bool = True
    loaded: int = 0
    more: bool = False


Entry = tuple[Hashable | None, Any, tuple[Hashable, ...], bool]


def _entries(value: Any, path: tuple[Hashable, ...]) -> list[Entry]:
    """The children of a container value: (key, value, path, exact)."""
    if isinstance(value, dict):
        return [(k, v, (*path, k), True) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [(i, v, (*path, i), True) for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return [(None, v, path, False) for v in sorted(value, key=set_order)]
    if isinstance(value, ObjectRecord):
        return [(k, v, path, False) for k, v in value.fields.items()]
    return []


class StateTree(Tree[StateNode]):
    """The state at one frame as an expandable tree.

    Containers get their children when first expanded (:data:`CHUNK` at a time, then a
    "… N more" node). Moving to another frame updates the tree in place, so expanded nodes
    and the cursor stay where they were. Keys changed by the frame are highlighted.
    """

    DEFAULT_CSS = """
    StateTree {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        background: $surface;
        border: round $border-blurred;
        border-title-color: $text-muted;

        &:focus {
            border: round $border;
            border-title-color: $text;
        }
        & > .state-tree--key { color: $text; }
        & > .state-tree--changed {
            color: $text-warning;
            text-style: bold;
        }
        & > .state-tree--string { color: $text-success; }
        & > .state-tree--number { color: $text-accent; }
        & > .state-tree--constant {
            color: $text-secondary;
            text-style: italic;
        }
        & > .state-tree--redacted {
            color: $text-error;
            text-style: italic reverse;
        }
        & > .state-tree--opaque {
            color: $text-warning;
            text-style: italic;
        }
        & > .state-tree--object {
            color: $text-primary;
            text-style: italic;
        }
        & > .state-tree--container { color: $text-muted; }
        & > .state-tree--more {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "state-tree--key",
        "state-tree--changed",
        "state-tree--string",
        "state-tree--number",
        "state-tree--constant",
        "state-tree--redacted",
        "state-tree--opaque",
        "state-tree--object",
        "state-tree--container",
        "state-tree--more",
    }

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__("state", StateNode((), None, {}), name=name, id=id, classes=classes)
        self.show_root = False
        self.auto_expand = False
        self._changed: frozenset[tuple[Hashable, ...]] = frozenset()

    # --- public ------------------------------------------------------------------------------

    @property
    def state(self) -> dict[Any, Any]:
        """The state shown."""
        data = self.root.data
        return data.value if data is not None and isinstance(data.value, dict) else {}

    def show_state(
        self, state: dict[Any, Any], changed: Iterable[tuple[Hashable, ...]] = ()
    ) -> None:
        """Show ``state``, highlighting the keys on the way to each of the ``changed`` paths."""
        prefixes: set[tuple[Hashable, ...]] = set()
        for path in changed:
            for n in range(1, len(path) + 1):
                prefixes.add(tuple(path[:n]))
        self._changed = frozenset(prefixes)
        root = self.root
        assert root.data is not None
        root.data.value = state
        root.data.loaded = max(root.data.loaded, 1)
        self._sync(root)

    def selected_path(self) -> tuple[Hashable, ...] | None:
        """The key path of the node under the cursor (None if there is none)."""
        node = self.cursor_node
        if node is None or node.data is None:
            return None
        if node.data.more and node.parent is not None and node.parent.data is not None:
            return node.parent.data.path or None
        return node.data.path or None

    def find(self, path: tuple[Hashable, ...]) -> TreeNode[StateNode] | None:
        """The loaded node whose exact path is ``path``."""
        node = self.root
        for depth in range(1, len(path) + 1):
            for child in node.children:
                data = child.data
                if data is not None and data.exact and data.path == path[:depth]:
                    node = child
                    break
            else:
                return None
        return node

    # --- building ---------------------------------------------------------------------------

    def _styles(self) -> ValueStyles:
        get = self.get_component_rich_style
        return ValueStyles(
            string=get("state-tree--string", partial=True),
            number=get("state-tree--number", partial=True),
            constant=get("state-tree--constant", partial=True),
            redacted=get("state-tree--redacted", partial=True),
            opaque=get("state-tree--opaque", partial=True),
            object=get("state-tree--object", partial=True),
            container=get("state-tree--container", partial=True),
        )

    def _label(self, data: StateNode, styles: ValueStyles) -> Text:
        if data.more:
            return Text(f"… {data.value} more", style=self._part("state-tree--more"))
        label = Text(no_wrap=True, overflow="ellipsis")
        if not is_container(data.value):
            label.append("  ")  # line leaves up with the keys of expandable nodes (after "▶ ")
        changed = data.exact and data.path in self._changed
        key_style = self._part("state-tree--changed" if changed else "state-tree--key")
        if data.key is None:
            label.append("• ", style=key_style)
        else:
            label.append(format_key(data.key), style=key_style)
            label.append(": ")
        value = data.value
        if is_container(value):
            label.append(container_summary(value), style=styles.container)
        else:
            label.append_text(value_text(value, styles))
        return label

    def _part(self, component: str) -> Any:
        return self.get_component_rich_style(component, partial=True)

    def _add(self, parent: TreeNode[StateNode], entry: Entry, styles: ValueStyles) -> None:
        key, value, path, exact = entry
        data = StateNode(path, key, value, exact)
        parent.add(self._label(data, styles), data, allow_expand=is_container(value))

    def _populate(self, node: TreeNode[StateNode], upto: int) -> None:
        """Add children up to ``upto`` of them (plus a "more" node if some are left)."""
        data = node.data
        assert data is not None
        entries = _entries(data.value, data.path)
        styles = self._styles()
        for child in list(node.children):
            if child.data is not None and child.data.more:
                child.remove()
        upto = min(upto, len(entries))
        for entry in entries[data.loaded : upto]:
            self._add(node, entry, styles)
        data.loaded = max(data.loaded, upto)
        if data.loaded < len(entries):
            more = StateNode(data.path, None, len(entries) - data.loaded, data.exact, more=True)
            node.add_leaf(self._label(more, styles), more)

    def _sync(self, node: TreeNode[StateNode]) -> None:
        """Bring a loaded node's children in line with its (new) value, in place."""
        data = node.data
        assert data is not None
        entries = _entries(data.value, data.path)
        styles = self._styles()
        children = [c for c in node.children if c.data is not None and not c.data.more]
        target = min(len(entries), max(data.loaded, CHUNK))
        keep = 0
        for child, (key, value, _, _) in zip(children, entries[:target], strict=False):
            cdata = child.data
            assert cdata is not None
            if cdata.key != key or (key is None and cdata.value != value):
                break
            keep += 1
        for child in list(node.children):
            if child.data is None or child.data.more or child in children[keep:]:
                child.remove()
        for child, (_, value, path, exact) in zip(children[:keep], entries, strict=False):
            cdata = child.data
            assert cdata is not None
            cdata.value, cdata.path, cdata.exact = value, path, exact
            expandable = is_container(value)
            if child.allow_expand != expandable or (cdata.loaded and not child.is_expanded):
                # Drop children that are hidden or no longer make sense; expanding reloads.
                child.remove_children()
                cdata.loaded = 0
                child.allow_expand = expandable
            elif cdata.loaded:
                self._sync(child)
            child.set_label(self._label(cdata, styles))
        data.loaded = keep
        self._populate(node, target)

    # --- events ----------------------------------------------------------------------------

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[StateNode]) -> None:
        data = event.node.data
        if data is not None and not data.loaded:
            self._populate(event.node, CHUNK)

    def on_tree_node_selected(self, event: Tree.NodeSelected[StateNode]) -> None:
        data = event.node.data
        parent = event.node.parent
        if data is not None and data.more and parent is not None and parent.data is not None:
            event.stop()
            self._populate(parent, parent.data.loaded + CHUNK)
