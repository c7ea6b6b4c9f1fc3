"""python_models/ is loaded through models/raw/python_models.py on every load, not only once."""

from __future__ import annotations

import os

from conftest import PROJECT_ROOT
from sqlmesh import Context

from growth_analytics.model_loading import import_python_models


def test_python_models_survive_a_second_load_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.chdir(PROJECT_ROOT)
    for _ in range(2):
        context = Context(paths=str(PROJECT_ROOT))
        names = {model.name for model in context.models.values()}
        assert '"warehouse"."raw"."landed_events"' in {m.fqn for m in context.models.values()}, (
            names
        )
        context.close()


def test_import_python_models_finds_the_files():
    assert import_python_models() == ["python_models.landed_events"]
    assert os.path.exists(PROJECT_ROOT / "python_models" / "landed_events.py")
