"""Import a bundle into Superset, overwriting its database entries too.

Imported by superset_setup.py (the Superset environment's Python), importing nothing from this
project. `superset import-dashboards` alone
never overwrites a database that already exists (6.1.0 imports a dashboard's databases with
overwrite=False), so a new serving path or a switch to the BigQuery target would silently keep
the old connection; nor, importing a dashboard, its datasets and charts, so a chart or a metric
changed in superset_exports/ would never reach a Superset that already has it. This does what
that command does, after importing the bundle's databases, datasets and charts the way their own
imports do, with overwrite. Then the dashboard viewer role
(superset_roles.py) is given read access to the bundle's databases, which exist only now.
"""

from __future__ import annotations

import sys
from uuid import UUID
from zipfile import ZipFile

import yaml
from superset_roles import VIEWER_ROLE, sync_viewer_role


def import_bundle(path: str, username: str) -> int:
    """Import the bundle as the user; 0, or 1 saying why on standard error. Needs an app
    context."""
    from flask import g

    # Superset's models can be imported only once the app exists.
    from superset import security_manager
    from superset.commands.chart.importers.dispatcher import ImportChartsCommand
    from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
    from superset.commands.database.exceptions import DatabaseInvalidError
    from superset.commands.database.importers.dispatcher import ImportDatabasesCommand
    from superset.commands.dataset.importers.dispatcher import ImportDatasetsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle

    with ZipFile(path) as bundle:
        contents = get_contents_from_bundle(bundle)
    metadata = yaml.safe_load(contents["metadata.yaml"])

    def part(kind: str, *folders: str) -> dict[str, str]:
        """The bundle's files of these folders, as an export of `kind` would hold them."""
        files = {name: text for name, text in contents.items() if name.startswith(folders)}
        return {"metadata.yaml": yaml.safe_dump({**metadata, "type": kind}), **files}

    databases = part("Database", "databases/")
    g.user = security_manager.find_user(username=username)
    if g.user is None:
        print(f"no Superset user {username!r}: run growth-analytics superset init", file=sys.stderr)
        return 1
    try:
        ImportDatabasesCommand(databases, overwrite=True).run()
    except DatabaseInvalidError as refused:
        # superset_config.py refused an entry as it was about to be written: its reason,
        # rather than the exception's own "Database parameters are invalid."
        reasons = [text for texts in refused.normalized_messages().values() for text in texts]
        print(f"databases not imported: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    ImportDatasetsCommand(part("SqlaTable", "databases/", "datasets/"), overwrite=True).run()
    ImportChartsCommand(part("Slice", "databases/", "datasets/", "charts/"), overwrite=True).run()
    ImportDashboardsCommand(contents, overwrite=True).run()
    readable = sync_viewer_role(
        [UUID(yaml.safe_load(text)["uuid"]) for name, text in databases.items() if "/" in name]
    )
    names = sorted(name for name in contents if name.startswith("dashboards/"))
    print(f"imported {len(names)} dashboards: {', '.join(names)}")
    print(f"role {VIEWER_ROLE!r} reads {', '.join(readable)}")
    return 0
