"""Importers of ACLED, UCDP GED and GDELT 2.0 event files: the layer beside the app's.

Each format has a module of its own (`acled`, `ucdp`, `gdelt`) that maps a chunk of the
source's rows to the data contract; `source` reads and recognises files, `common` holds what the
mappings share, `actors` and `countries` the lookup tables, `pipeline` and `merge` write new
files or merge into a data directory, and `run` is the entry point the command line calls. The
importers may import `borderstates.core` only; the formats do not import each other.
"""
