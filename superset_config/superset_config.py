"""Superset configuration for this project, read by Superset through SUPERSET_CONFIG_PATH.

Every value comes from the environment that `growth-analytics superset` sets up: the metadata
database (SQLite) and the secret key live in SUPERSET_HOME, outside git.
"""

import os

SUPERSET_HOME = os.environ["SUPERSET_HOME"]
# Generated once per SUPERSET_HOME by growth_analytics.superset and kept there, never in git.
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = (
    f"sqlite:///{os.path.join(SUPERSET_HOME, 'superset.db')}?check_same_thread=false"
)
DATA_DIR = SUPERSET_HOME
# The dashboards read one local DuckDB file; nothing here needs a cache server or workers.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# Keep the default: SQLite and other local-file databases cannot be registered from the UI.
PREVENT_UNSAFE_DB_CONNECTIONS = True
# Charts are read-only views of the marts: no uploads, no example data.
CSV_EXTENSIONS: set[str] = set()
