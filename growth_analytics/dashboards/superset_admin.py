"""Create Superset's admin user, or set its password.

Imported by superset_setup.py (run with the Superset environment's Python, after `superset init`
has made the Admin role), which reads the password on its standard input: `superset fab
create-admin` takes it as an argument, which every user of the machine can read in `ps`
(/proc/PID/cmdline) while the command runs; standard input is the process's own.

An existing admin gets the password it is given: SUPERSET_ADMIN_PASSWORD, or the one generated
into the Superset home, is the admin's password after every `growth-analytics superset init`.
"""

from __future__ import annotations


def set_admin(username: str, password: str) -> str | None:
    """Create the admin, or set its password when it differs; what was done, or None when
    Superset refused to create it. Needs an app context."""
    # Superset's security manager exists only once the app does.
    from superset import security_manager
    from werkzeug.security import check_password_hash

    user = security_manager.find_user(username=username)
    if user is None:
        role = security_manager.find_role(security_manager.auth_role_admin)
        created = security_manager.add_user(
            username, "Growth", "Admin", f"{username}@localhost", role, password
        )
        return f"admin user {username!r} created" if created else None
    if not check_password_hash(user.password, password):
        security_manager.reset_password(user.id, password)
        return f"admin user {username!r}: password set"
    return f"admin user {username!r} exists"
