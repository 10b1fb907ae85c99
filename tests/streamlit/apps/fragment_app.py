"""A slider inside an @st.fragment, a text input outside it: Undo must see fragment changes."""

from __future__ import annotations

import streamlit as st

import timetravel.streamlit as tt

tt.track()
tt.undo_buttons()


@st.fragment
def volume() -> None:
    level = st.slider("Volume", 0, 10, key="volume")
    st.write(f"Volume is {level}")


volume()
st.text_input("Note", key="note")
tt.history_panel()
