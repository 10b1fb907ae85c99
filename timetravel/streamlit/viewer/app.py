"""The page ``timetravel view`` serves: ``streamlit run app.py -- [RECORDING | STORE[#SESSION]]``.

Without an argument the page opens with the opener: an upload, a path or a store.
"""

from __future__ import annotations

import sys

import streamlit as st

from timetravel.streamlit.viewer import viewer

st.set_page_config(page_title="timetravel viewer", page_icon=":material/history:", layout="wide")
viewer(sys.argv[1] if len(sys.argv) > 1 else None, open_paths=True)
