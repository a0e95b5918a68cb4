"""The map page (placeholder until the map lands): the data's state at a glance."""

import streamlit as st

from borderstates.load import load_dataset

st.set_page_config(page_title="borderstates", layout="wide")
st.title("borderstates")
data = load_dataset()
st.write(f"{len(data.events)} events, {len(data.articles)} articles, {len(data.problems)} problems.")
