"""`growth-analytics` against the local BigQuery API emulator: the project's own command, with the
client-side patches sqlmesh_on_emulator.py applies for the emulator. For tests only; never for
real BigQuery.

    BIGQUERY_EMULATOR_HOST=http://127.0.0.1:P ANALYTICS_GATEWAY=bigquery .venv/bin/python \\
        tests/python/bigquery_emulator/growth_analytics_on_emulator.py run --end 2025-03-05

SQLMesh runs inside the command's process, so the patches reach it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlmesh_on_emulator import apply_patches


def main() -> int:
    apply_patches()
    from growth_analytics.cli import main as growth_analytics

    return growth_analytics(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
