"""The exit codes and the variables are written once in the code and said the same everywhere:
docs/operations.md's table lists exactly the codes of growth_analytics/exits.py, the systemd unit
counts exactly the "try again later" codes as success, and docs/configuration.md names every
variable growth_analytics/variables.py checks."""

from __future__ import annotations

import re

from conftest import PROJECT_ROOT

from growth_analytics import exits
from growth_analytics.variables import CHECKS

CODES = {value for name, value in vars(exits).items() if name.startswith("EXIT_")}


def test_the_operations_table_lists_every_exit_code_and_no_other():
    text = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", text, re.MULTILINE)}
    assert listed == CODES


def test_the_systemd_unit_counts_only_try_again_later_as_success():
    unit = (PROJECT_ROOT / "deploy" / "systemd" / "growth-analytics.service").read_text()
    (success,) = re.findall(r"^SuccessExitStatus=(.*)$", unit, re.MULTILINE)
    assert {int(code) for code in success.split()} == set(exits.RETRY_LATER)
    assert exits.EXIT_LOCK_STUCK not in exits.RETRY_LATER


def test_the_command_line_help_names_every_exit_code():
    from growth_analytics import cli

    for code in CODES - {exits.EXIT_OK}:
        assert re.search(rf"\b{code} ", cli.__doc__), code


def test_the_configuration_page_names_every_checked_variable():
    text = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in CHECKS if f"`{name}`" not in text and f"`{name}=" not in text]
    assert not missing, f"docs/configuration.md does not name {missing}"
