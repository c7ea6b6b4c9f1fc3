"""Registers the Python models kept in python_models/ (SQLMesh loads models only from models/)."""

from growth_analytics.model_loading import import_python_models

import_python_models()
