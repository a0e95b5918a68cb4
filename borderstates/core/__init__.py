"""The core: the data contract and what every other layer stands on.

It holds the contract (columns, vocabularies, the rules every part shares: date spans, first
articles, URLs), reading and writing CSV, loading a data directory into typed frames and
problems, the columnar cache, the one filter, the exports, and the country geometry with its
builder. It knows nothing of pages, maps or charts: it imports no Streamlit, Folium or Altair,
and no other layer of the package.
"""
