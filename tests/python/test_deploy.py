"""The production examples in deploy/: systemd accepts the units, they run the project's cron
entry point with the documented environment file, and the example environment names only
variables the project reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = ("growth-analytics.service", "growth-analytics.timer")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path: Path):
    # The units name /srv/growth-analytics and a service user; point them at this checkout.
    for unit in UNITS:
        text = (DEPLOY / "systemd" / unit).read_text()
        text = text.replace("/srv/growth-analytics", str(PROJECT_ROOT))
        text = re.sub(r"^(User|Group)=.*$", r"\1=root", text, flags=re.MULTILINE)
        (tmp_path / unit).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_service_runs_the_locked_entry_point_with_the_example_settings():
    service = (DEPLOY / "systemd" / "growth-analytics.service").read_text()
    assert "ExecStart=/srv/growth-analytics/.venv/bin/growth-analytics run\n" in service
    assert "SuccessExitStatus=75" in service  # the lock's "another run holds it"
    assert "EnvironmentFile=/etc/growth-analytics/env" in service
    timer = (DEPLOY / "systemd" / "growth-analytics.timer").read_text()
    assert "Persistent=true" in timer and "OnCalendar=" in timer


def test_the_example_environment_names_only_variables_the_project_reads():
    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "growth-analytics.env.example").read_text(), re.M)
    assert "ANALYTICS_GATEWAY" in names and "ANALYTICS_BQ_PROJECT" in names
    read = (PROJECT_ROOT / "config.yaml").read_text() + "".join(
        path.read_text() for path in (PROJECT_ROOT / "growth_analytics").rglob("*.py")
    )
    unknown = [n for n in names if n != "GOOGLE_APPLICATION_CREDENTIALS" and n not in read]
    assert not unknown, f"deploy/growth-analytics.env.example sets unused variables: {unknown}"
