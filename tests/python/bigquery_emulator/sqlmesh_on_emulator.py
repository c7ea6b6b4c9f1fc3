"""`sqlmesh` against the local BigQuery API emulator: the sqlmesh CLI, with two client-side
patches to google-cloud-bigquery that only the emulator needs. For tests only; never for real
BigQuery.

    BIGQUERY_EMULATOR_HOST=http://127.0.0.1:P .venv/bin/python \\
        tests/python/bigquery_emulator/sqlmesh_on_emulator.py --gateway bigquery plan ...

google-cloud-bigquery sends every request to BIGQUERY_EMULATOR_HOST when it is set (SQLMesh's
BigQuery connection has no endpoint setting of its own). The patches
(/work/shared/notes/bigquery-emulator.md):

- `Client._ensure_bqstorage_client` returns None: result downloads otherwise dial the Storage Read
  API's real host, which ignores BIGQUERY_EMULATOR_HOST; the client falls back to the REST API.
- `QueryJob.destination` falls back to `ddl_target_table`: local-bigquery reports the table a
  CREATE TABLE AS SELECT made only there, and SQLMesh reads `destination` to count its rows
  (without the patch: `'NoneType' object has no attribute 'path'`).
"""

from __future__ import annotations

import os
import sys


def apply_patches() -> None:
    from google.cloud.bigquery import Client, QueryJob

    if not os.environ.get("BIGQUERY_EMULATOR_HOST"):
        raise SystemExit(
            "sqlmesh_on_emulator: BIGQUERY_EMULATOR_HOST is not set; this wrapper is for the "
            "local emulator only (e.g. BIGQUERY_EMULATOR_HOST=http://127.0.0.1:9050)"
        )

    def no_bqstorage_client(self, *args, **kwargs):
        return None

    Client._ensure_bqstorage_client = no_bqstorage_client

    original = QueryJob.destination

    def destination(self):
        return original.fget(self) or self.ddl_target_table

    QueryJob.destination = property(destination)

    # Not a patch: with ANALYTICS_TEST_JOB_LOG set, every job the run issues is appended there,
    # one per line: its type and, for a load, its destination table ("load dataset.table"), so
    # that a test can count the jobs ingestion costs apart from the seeds' loads.
    job_log = os.environ.get("ANALYTICS_TEST_JOB_LOG")
    if job_log:
        for method, kind in (
            ("query", "query"),
            ("load_table_from_file", "load"),
            ("load_table_from_dataframe", "load"),
            ("load_table_from_uri", "load"),
            ("insert_rows_json", "streaming_insert"),
        ):
            original_method = getattr(Client, method)

            def logged(self, *args, _original=original_method, _kind=kind, **kwargs):
                line = _kind
                if _kind == "load":
                    table = kwargs.get("destination", args[1] if len(args) > 1 else "")
                    if not isinstance(table, str):  # a Table or TableReference
                        table = f"{table.dataset_id}.{table.table_id}"
                    line += " " + ".".join(table.split(":")[-1].split(".")[-2:])
                with open(job_log, "a") as out:
                    out.write(line + "\n")
                return _original(self, *args, **kwargs)

            setattr(Client, method, logged)


def main(argv: list[str]) -> int:
    apply_patches()
    from sqlmesh.cli.main import cli

    return cli.main(args=argv, prog_name="sqlmesh", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
