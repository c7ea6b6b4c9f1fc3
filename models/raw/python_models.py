"""Registers the Python models kept in python_models/ (SQLMesh loads models only from models/)."""

from pathlib import Path

from growth_analytics.model_loading import import_python_models

# The project this file belongs to, wherever it was loaded from (not the installed package's).
import_python_models(Path(__file__).resolve().parents[2])
