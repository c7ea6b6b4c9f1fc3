"""The launcher's faster catalog lookups (bigquery_emulator/launcher.py, patch_catalog_lookups)
answer exactly as local-bigquery's own: an emulator started with the check on compares both at
every lookup and fails the request on any difference, while the BigQuery client creates, fills,
deletes from, replaces, lists, reads and drops tables (one with NOT NULL columns, one
partitioned by ingestion time, whose hidden column stays hidden) and views in two datasets."""

from __future__ import annotations

import pytest
from bigquery_emulator.emulator import EMULATOR_PYTHON, running_emulator

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not EMULATOR_PYTHON.exists(),
        reason=f"no BigQuery emulator at {EMULATOR_PYTHON}: make bigquery-emulator-venv",
    ),
]


def test_catalog_lookups_answer_as_local_bigquery_does(tmp_path):
    with running_emulator(tmp_path, check_patches=True) as emulator:
        client = emulator.client()

        def sql(text: str) -> list[tuple]:
            return [tuple(row.values()) for row in client.query(text).result()]

        def listed(dataset: str) -> list[tuple[str, str]]:
            return sorted((t.table_id, t.table_type) for t in client.list_tables(dataset))

        for dataset in ("first", "second"):
            client.create_dataset(dataset)
        assert listed("first") == []
        sql("CREATE TABLE first.numbers AS SELECT 1 AS x UNION ALL SELECT 2 AS x")
        sql("CREATE TABLE second.numbers (x INT64 NOT NULL, label STRING)")
        sql("INSERT INTO second.numbers VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        sql("DELETE FROM second.numbers WHERE x = 1")
        sql("CREATE VIEW first.evens AS SELECT x FROM first.numbers WHERE MOD(x, 2) = 0")
        assert listed("first") == [("evens", "VIEW"), ("numbers", "TABLE")]
        assert listed("second") == [("numbers", "TABLE")]
        assert [f.name for f in client.get_table("second.numbers").schema] == ["x", "label"]
        assert client.get_table("first.evens").table_type == "VIEW"
        assert sql("SELECT x FROM first.evens") == [(2,)]
        sql("CREATE OR REPLACE TABLE first.numbers AS SELECT 4 AS x")
        assert sql("SELECT x FROM first.evens") == [(4,)]
        assert sql("SELECT COUNT(*) FROM second.numbers") == [(2,)]
        # Ingestion-time partitioned: its hidden _PARTITIONTIME column stays out of SELECT *.
        sql("CREATE TABLE second.arrivals (x INT64) PARTITION BY _PARTITIONDATE")
        sql("INSERT INTO second.arrivals (x) VALUES (7)")
        assert sql("SELECT * FROM second.arrivals") == [(7,)]
        assert [f.name for f in client.get_table("second.arrivals").schema] == ["x"]
        client.delete_table("first.evens")
        client.delete_table("first.numbers")
        assert listed("first") == []
        client.delete_table("first.numbers", not_found_ok=True)
        assert "Traceback" not in emulator.log.read_text()
