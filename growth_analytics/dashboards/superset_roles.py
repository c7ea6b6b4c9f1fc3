"""The "Dashboard Viewer" role: for people who only read the dashboards.

Imported by superset_setup.py (the Superset environment's Python, after `superset init`) and
importing nothing from this project; superset_import.py calls sync_viewer_role after an import
too, once the project's database exists. The role gets exactly the permissions below (anything
added to it in the UI is taken away again), plus read access to the data of the databases named
by uuid.

What it leaves out is the point: SQL Lab, database entries (adding, editing, even listing
them), writing charts, dashboards or datasets, uploads, and every admin view. Superset's own
Gamma role cannot serve: it may create charts and dashboards.
"""

from __future__ import annotations

VIEWER_ROLE = "Dashboard Viewer"
VIEWER_PERMISSIONS = (
    # A dashboard as it is drawn: its charts' data, native filters, permalinks.
    ("can_read", "Dashboard"),
    ("can_read", "Chart"),
    ("can_read", "Dataset"),
    ("can_dashboard", "Superset"),
    ("can_slice", "Superset"),
    ("can_explore_json", "Superset"),
    ("can_dashboard_permalink", "Superset"),
    ("can_read", "DashboardPermalinkRestApi"),
    ("can_read", "DashboardFilterStateRestApi"),
    ("can_write", "DashboardFilterStateRestApi"),
    ("can_query", "Api"),
    ("can_query_form_data", "Api"),
    ("can_time_range", "Api"),
    # Download > Export to .CSV: the user lists are for acting on.
    ("can_csv", "Superset"),
    ("can_get", "Datasource"),
    ("can_external_metadata", "Datasource"),
    ("can_read", "Annotation"),
    ("can_read", "CssTemplate"),
    ("can_read", "Theme"),
    ("can_read", "CurrentUserRestApi"),
    # A chart opened on its own, in Explore: changing it there is possible, saving is not
    # (that needs can_write on Chart). The form-data cache is the browser's scratch state.
    ("can_explore", "Superset"),
    ("can_read", "Explore"),
    ("can_read", "ExploreFormDataRestApi"),
    ("can_write", "ExploreFormDataRestApi"),
    ("can_read", "ExplorePermalinkRestApi"),
    # Menus, the home page and the user's own account.
    ("menu_access", "Home"),
    ("menu_access", "Dashboards"),
    ("menu_access", "Charts"),
    ("menu_access", "Datasets"),
    ("can_recent_activity", "Log"),
    ("can_log", "Superset"),
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    # The CSRF token (all this permission opens), which a page carries anyway: a script reading
    # the dashboards through the API needs it to POST a chart query.
    ("can_read", "SecurityRestApi"),
)


class RoleError(RuntimeError):
    """A permission the role needs does not exist in this Superset (renamed by an upgrade?)."""


def sync_viewer_role(database_uuids: list[str]) -> list[str]:
    """Create or reset the viewer role; the names of the databases whose data it may read.
    Needs an app context."""
    from superset import db, security_manager
    from superset.models.core import Database

    wanted = []
    for permission, view in VIEWER_PERMISSIONS:
        found = security_manager.find_permission_view_menu(permission, view)
        if found is None:
            raise RoleError(f"Superset has no permission {permission} on {view}: run superset init")
        wanted.append(found)
    databases = (
        db.session.query(Database).filter(Database.uuid.in_(database_uuids)).all()
        if database_uuids
        else []
    )
    for database in databases:
        # The permission exists once the database does; add_permission_view_menu only finds it
        # then, and creates it for an entry written without Superset's hooks.
        wanted.append(security_manager.add_permission_view_menu("database_access", database.perm))
    role = security_manager.add_role(VIEWER_ROLE)
    role.permissions = wanted
    db.session.commit()
    return sorted(database.database_name for database in databases)
