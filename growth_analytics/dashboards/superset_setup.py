"""Set Superset up in one process: the metadata database, Superset's roles, the admin user, the
dashboard viewer role, and the import of a bundle; any of them, in that order.

Runs with the Superset environment's Python and imports nothing from this project:

    .venv/superset/bin/python superset_setup.py --init ADMIN [--databases UUID ...] < password
    .venv/superset/bin/python superset_setup.py --import BUNDLE.zip --user ADMIN
    .venv/superset/bin/python superset_setup.py --init ADMIN --import BUNDLE.zip < password

Every Superset process spends about 5 s creating its app before it does anything (Superset 6.1.0,
measured on 2 cores): `superset db upgrade`, `superset init`, then the admin and the roles as
scripts of their own took 32.9 s on a new home and 20.1 s on an initialised one; here the app is
made once (14.6 s and 6.3 s, back to back), and `up` imports in the same process as well.

--init does what `superset db upgrade` and `superset init` do (Flask-Migrate's upgrade to the
head revision; every permission, then Superset's role definitions), then superset_admin.py's
set_admin with the password read from standard input (never a command line, which any user of
the machine reads in `ps`), then superset_roles.py's viewer role with read access to the
databases named by uuid. --import is superset_import.py's import_bundle, which grants the viewer
the bundle's databases.
"""

from __future__ import annotations

import argparse
import gc
import sys
from uuid import UUID

from superset_admin import set_admin
from superset_import import import_bundle
from superset_roles import VIEWER_PERMISSIONS, VIEWER_ROLE, sync_viewer_role


def upgrade_and_init() -> None:
    """`superset db upgrade` then `superset init`, in the app context."""
    from flask_migrate import upgrade
    from superset import appbuilder, db, security_manager

    upgrade()  # the directory Superset gave Flask-Migrate: its own migrations
    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    db.session.commit()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--init", metavar="ADMIN", help="upgrade, init, this admin, the viewer")
    parser.add_argument("--databases", nargs="*", default=[], metavar="UUID")
    parser.add_argument("--import", dest="bundle", metavar="BUNDLE", help="a bundle to import")
    parser.add_argument("--user", help="the user the import runs as (default: --init's admin)")
    args = parser.parse_args(argv)
    importer = args.user or args.init
    if args.bundle and not importer:
        parser.error("--import needs --user (or --init)")
    password = sys.stdin.readline().rstrip("\n") if args.init else None
    if args.init and not password:
        print("no password on standard input", file=sys.stderr)
        return 1

    # Creating Superset's app makes millions of objects: with a young collection every 10,000
    # allocations instead of 700, --init on a new home took 11.7-13.5 s instead of 13.8-14.4 s.
    gc.set_threshold(10_000, 10, 10)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        if args.init:
            upgrade_and_init()
            message = set_admin(args.init, password)
            if message is None:
                print(f"admin user {args.init!r} not created (see Superset's log)", file=sys.stderr)
                return 1
            print(message)
            names = sync_viewer_role([UUID(value) for value in args.databases])
            print(
                f"role {VIEWER_ROLE!r}: {len(VIEWER_PERMISSIONS)} permissions, "
                f"data of {names or 'none'}"
            )
        if args.bundle:
            return import_bundle(args.bundle, importer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
