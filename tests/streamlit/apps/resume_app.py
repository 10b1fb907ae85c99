"""A todo list written as Streamlit's docs write apps, recorded to a store and resumable."""

import os

import streamlit as st

import timetravel.streamlit as tt

tt.track(store=os.environ["TT_TEST_STORE"], resume=True)
tt.undo_buttons()

if "todos" not in st.session_state:
    st.session_state.todos = []


def add() -> None:
    if st.session_state.new_todo:
        st.session_state.todos.append(st.session_state.new_todo)
        st.session_state.new_todo = ""


st.text_input("New todo", key="new_todo", on_change=add)
st.checkbox("Show done", key="show_done")
st.radio("Sort", ["newest", "oldest"], key="sort")
for todo in st.session_state.todos:
    st.write(todo)
tt.history_panel()
