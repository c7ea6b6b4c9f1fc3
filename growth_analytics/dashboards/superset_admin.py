"""Create Superset's admin user, or set its password, with the password read from standard input.

Runs with the Superset environment's Python (`.venv/superset/bin/python superset_admin.py USER`,
after `superset init`, which makes the Admin role) and imports nothing from this project.
`superset fab create-admin` takes the password as an argument, which every user of the machine
can read in `ps` (/proc/PID/cmdline) while the command runs; standard input is the process's own.

An existing admin gets the password it is given: SUPERSET_ADMIN_PASSWORD, or the one generated
into the Superset home, is the admin's password after every `growth-analytics superset init`.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    (username,) = argv
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        print("no password on standard input", file=sys.stderr)
        return 1
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        # Superset's security manager exists only once the app does.
        from superset import security_manager
        from werkzeug.security import check_password_hash

        user = security_manager.find_user(username=username)
        if user is None:
            role = security_manager.find_role(security_manager.auth_role_admin)
            created = security_manager.add_user(
                username, "Growth", "Admin", f"{username}@localhost", role, password
            )
            if not created:
                print(f"admin user {username!r} not created (see Superset's log)", file=sys.stderr)
                return 1
            print(f"admin user {username!r} created")
        elif not check_password_hash(user.password, password):
            security_manager.reset_password(user.id, password)
            print(f"admin user {username!r}: password set")
        else:
            print(f"admin user {username!r} exists")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
