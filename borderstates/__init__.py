"""Borderstates: events on Russia's southern border states, on a map."""

import warnings

# PySpark 4.3 warns that pandas 3 is new to it whenever pyspark.pandas is imported: by pandera on
# every command when PySpark is installed, and by Spark on every answer. Our answers are tested
# alike on both engines (tests/test_engines.py), so the warning says nothing to a reader.
warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
