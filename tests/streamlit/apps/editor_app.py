"""A table edited in an undoable data editor (the browser test's app)."""

import pandas as pd
import streamlit as st

import timetravel.streamlit as tt

tt.track()
tt.undo_buttons()
groceries = tt.data_editor(
    pd.DataFrame({"item": ["milk", "eggs"], "qty": [1, 12]}), key="groceries", num_rows="dynamic"
)
st.write(f"Total: {int(groceries['qty'].sum())} items")
