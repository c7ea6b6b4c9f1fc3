"""A small client for Superset's REST API: log in, then read charts, dashboards and chart data.

Writes need a JWT from /api/v1/security/login plus the X-CSRFToken from
/api/v1/security/csrf_token/, the session cookie and a Referer header; this client sends all
four, so it can also run SQL Lab queries.
"""

from __future__ import annotations

import requests


class SupersetClient:
    def __init__(self, base_url: str, username: str, password: str, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        login = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=timeout,
        )
        login.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        self.session.headers["Referer"] = self.base_url
        csrf = self.session.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=timeout)
        csrf.raise_for_status()
        self.session.headers["X-CSRFToken"] = csrf.json()["result"]

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(f"{self.base_url}{path}", params=params, timeout=self.timeout)

    def post(self, path: str, payload: dict) -> requests.Response:
        return self.session.post(f"{self.base_url}{path}", json=payload, timeout=self.timeout)

    def listing(self, resource: str, columns: list[str]) -> list[dict]:
        """Every row of /api/v1/<resource>/ (chart, dashboard, dataset, database)."""
        rows, page = [], 0
        while True:
            query = f"(columns:!({','.join(columns)}),page:{page},page_size:100)"
            response = self.get(f"/api/v1/{resource}/", q=query)
            response.raise_for_status()
            batch = response.json()["result"]
            rows += batch
            if len(batch) < 100:
                return rows
            page += 1

    def chart_data(self, chart_id: int) -> requests.Response:
        """The chart's rows, from the query context saved with it."""
        return self.get(f"/api/v1/chart/{chart_id}/data/")

    def sql(self, database_id: int, sql: str) -> requests.Response:
        """Run a statement in SQL Lab, synchronously."""
        return self.post(
            "/api/v1/sqllab/execute/",
            {"database_id": database_id, "sql": sql, "runAsync": False, "schema": "analytics"},
        )
