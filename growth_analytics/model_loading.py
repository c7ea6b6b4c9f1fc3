"""SQLMesh 0.236 loads Python models only from models/. The project keeps them in python_models/
and a one-line module in models/ calls `import_python_models()` on every load.

Each file is executed afresh: SQLMesh clears its model registry before every load (a second
Context in one process, the UI's reload), and a module cached in sys.modules would not run its
@model decorator again, so the model would silently vanish from the project."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from growth_analytics import PROJECT_ROOT

PACKAGE = "python_models"


def import_python_models(root: Path = PROJECT_ROOT) -> list[str]:
    """Import (again) every python_models/*.py; returns the module names imported."""
    folder = root / PACKAGE
    names = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"{PACKAGE}.{path.stem}"
        sys.modules.pop(name, None)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        names.append(name)
    if not names:
        raise ImportError(f"no Python models found in {folder}")
    return names
