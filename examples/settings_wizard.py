"""A settings wizard across pages, with Undo/Redo: `streamlit run examples/settings_wizard.py`.

The patterns of Streamlit's session-state docs: a multi-step form whose step lives in
session state, a reset, and st.navigation pages. Settings live in permanent keys; each
widget has its own key ("w_" + name), loaded before it is drawn and stored back by its
callback, because Streamlit drops a widget's key when the widget is not drawn (step 1's
fields on step 2). Each page calls tt.track() too: within one run that adds nothing, and
each frame records its page.
"""

from __future__ import annotations

import streamlit as st

import timetravel.streamlit as tt

DEFAULTS = {"name": "", "email": "", "theme": "light", "notify": True, "font_size": 14}

# Defaults first; then one frame per user action.
for key, value in DEFAULTS.items():
    st.session_state.setdefault(key, value)
st.session_state.setdefault("step", 1)
st.session_state.setdefault("saved", None)
tt.track()


def load(*keys: str) -> None:
    for key in keys:
        st.session_state[f"w_{key}"] = st.session_state[key]


def store(*keys: str) -> None:
    for key in keys:
        st.session_state[key] = st.session_state[f"w_{key}"]


def submit_profile() -> None:
    store("name", "email")
    next_step()


def next_step() -> None:
    st.session_state.step = min(3, st.session_state.step + 1)


def back() -> None:
    st.session_state.step = max(1, st.session_state.step - 1)


def reset() -> None:
    for key, value in DEFAULTS.items():
        st.session_state[key] = value
    st.session_state.step = 1
    st.session_state.saved = None


def wizard() -> None:
    tt.track()  # a page may call it too: still one frame per user action
    st.title("Settings wizard")
    step = st.session_state.step
    st.progress(step / 3, text=f"Step {step} of 3")
    if step == 1:
        load("name", "email")
        with st.form("profile"):
            st.text_input("Name", key="w_name")
            st.text_input("Email", key="w_email")
            st.form_submit_button("Next", on_click=submit_profile)
    elif step == 2:
        load("theme", "notify", "font_size")
        options = ["light", "dark", "system"]
        st.radio("Theme", options, key="w_theme", horizontal=True, on_change=store, args=["theme"])
        st.toggle("Email notifications", key="w_notify", on_change=store, args=["notify"])
        st.slider("Font size", 10, 24, key="w_font_size", on_change=store, args=["font_size"])
        left, right = st.columns(2)
        left.button("Back", on_click=back, key="back_2")
        right.button("Next", on_click=next_step, key="next_2")
    else:
        st.json({key: st.session_state[key] for key in DEFAULTS})
        left, right = st.columns(2)
        left.button("Back", on_click=back, key="back_3")
        if right.button("Save", key="save", type="primary"):
            st.session_state.saved = {key: st.session_state[key] for key in DEFAULTS}
            st.success("Saved")


def summary() -> None:
    tt.track()
    st.title("Summary")
    saved = st.session_state.saved
    st.write("Nothing saved yet." if saved is None else saved)
    st.button("Reset everything", on_click=reset, key="reset")


page = st.navigation(
    [st.Page(wizard, title="Wizard", url_path="wizard"), st.Page(summary, title="Summary")]
)
with st.sidebar:
    tt.undo_buttons()
page.run()
tt.history_panel()
