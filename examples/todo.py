"""A todo app with Undo/Redo and a history panel: `streamlit run examples/todo.py`.

Every interaction (add, edit, toggle, delete, filter) is one frame; Undo and Redo restore the
list and the widgets with it. The history panel names each action after the widget's label
("New todo: buy milk", "Toggle 'buy milk'", "Show: done") or by the name the app gives it
with tt.action(...) ("Delete 'buy milk'"). Set TIMETRAVEL_RECORD_DIR to write each session
to a file. TODO_SEED=1000 starts with 1,000 todos (the overhead benchmark uses it).
"""

from __future__ import annotations

import os

import streamlit as st

import timetravel.streamlit as tt

st.set_page_config(page_title="Todos · timetravel", page_icon=":material/checklist:")

# Defaults first, so the first frame holds them: undoing everything returns to them.
if "todos" not in st.session_state:
    seed = int(os.environ.get("TODO_SEED", "0"))
    st.session_state.todos = [
        {"id": i, "title": f"Task {i}", "done": i % 3 == 0} for i in range(seed)
    ]
    st.session_state.next_id = seed

# One frame per user action, recorded to TIMETRAVEL_STORE or TIMETRAVEL_RECORD_DIR if set;
# resume=True brings a session back after a refresh, with its undo history.
rec = tt.track(resume=True)


def find(todo_id: int) -> dict:
    return next(t for t in st.session_state.todos if t["id"] == todo_id)


def add() -> None:
    title = st.session_state.new_todo.strip()
    if title:
        st.session_state.todos.append(
            {"id": st.session_state.next_id, "title": title, "done": False}
        )
        st.session_state.next_id += 1
    st.session_state.new_todo = ""


def toggle(todo_id: int) -> None:
    find(todo_id)["done"] = st.session_state[f"done_{todo_id}"]


def rename(todo_id: int) -> None:
    title = st.session_state[f"title_{todo_id}"].strip()
    if title:
        find(todo_id)["title"] = title


def delete(todo_id: int) -> None:
    st.session_state.todos = [t for t in st.session_state.todos if t["id"] != todo_id]


@tt.action("Remove done todos")  # the history's name for it (else its button's: "Clear done")
def clear_done() -> None:
    st.session_state.todos = [t for t in st.session_state.todos if not t["done"]]


st.title("Todos")
tt.undo_buttons()
st.text_input("New todo", key="new_todo", on_change=add, placeholder="What needs doing?")
show = st.radio("Show", ["all", "open", "done"], key="filter", horizontal=True)

todos = st.session_state.todos
visible = [t for t in todos if show == "all" or t["done"] == (show == "done")]
open_count = sum(not t["done"] for t in todos)
count_col, clear_col = st.columns([4, 1], vertical_alignment="center")
count_col.caption(f"{open_count} open · {len(todos) - open_count} done")
clear_col.button(
    "Clear done", key="clear_done", on_click=clear_done, disabled=open_count == len(todos)
)

for todo in visible:
    # Widgets take their value from session state (seeded once), so undo can restore them.
    st.session_state.setdefault(f"done_{todo['id']}", todo["done"])
    st.session_state.setdefault(f"title_{todo['id']}", todo["title"])
    done_col, title_col, delete_col = st.columns([1, 12, 2], vertical_alignment="center")
    # The checkbox's label is the todo's title (hidden): the history says "Toggle 'buy milk'".
    done_col.checkbox(
        todo["title"],
        key=f"done_{todo['id']}",
        on_change=toggle,
        args=(todo["id"],),
        label_visibility="collapsed",
    )
    title_col.text_input(
        "title",
        key=f"title_{todo['id']}",
        on_change=tt.action(f"Rename '{todo['title']}'", rename),
        args=(todo["id"],),
        label_visibility="collapsed",
    )
    delete_col.button(
        "Delete",
        key=f"delete_{todo['id']}",
        on_click=tt.action(f"Delete '{todo['title']}'", delete),
        args=(todo["id"],),
    )

tt.history_panel()
