"""The lineage picture (docs/lineage.md and README.md's Lineage section, which `growth-analytics
lineage` writes from SQLMesh's DAG) is current, and goes stale as soon as the DAG changes: a
model added to a copy of the project shows up in the check, and in the picture once redrawn."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import PROJECT_ROOT, model_files

from growth_analytics import cli, lineage
from growth_analytics.lineage import Model

PROJECT_PARTS = ("models", "macros", "audits", "metrics", "seeds", "config.yaml", "README.md")
PROBE = """/* A model added to a copy of the project by tests/python/test_lineage.py. */
MODEL (
    name analytics.lineage_probe,
    kind VIEW
);

SELECT
    period_start /* First day of the period. */
FROM analytics.growth_alerts
"""


def test_the_committed_picture_is_current(capsys):
    status = cli.main(["lineage", "--check"])
    assert status == 0, capsys.readouterr().out + "(`make lineage` redraws it)"


def test_every_model_file_has_a_row_and_a_box():
    # Checked against the model files themselves, not against SQLMesh (conftest.model_files).
    docs = (PROJECT_ROOT / lineage.DOCS).read_text()
    rows = set(re.findall(r"^\| `([\w.]+)` \|", docs, re.MULTILINE))
    assert rows == set(model_files())
    readme = (PROJECT_ROOT / lineage.README).read_text()
    section = readme[readme.index(lineage.START) : readme.index(lineage.END)]
    for name in rows:
        node = re.sub(r"\W", "_", name)
        assert f'{node}["' in section or f'{node}("' in section or f'{node}>"' in section, name


def test_a_model_added_makes_it_stale_until_redrawn(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, project / part)
    (project / "docs").mkdir()
    shutil.copy(PROJECT_ROOT / lineage.DOCS, project / lineage.DOCS)
    (project / "models" / "analytics" / "lineage_probe.sql").write_text(PROBE)
    # Loading the project opens no warehouse: the configured one need not exist.
    nowhere = tmp_path / "nowhere" / "warehouse.duckdb"
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", str(nowhere))

    assert lineage.write(check=True, root=project) == 1
    out = capsys.readouterr().out
    assert "docs/lineage.md is stale: run `growth-analytics lineage`" in out
    assert "README.md is stale" in out
    assert not nowhere.parent.exists()

    # One more box in the analytics layer than the committed picture has.
    committed_count = re.search(
        r'subgraph analytics\["analytics \((\d+)\)"\]', (PROJECT_ROOT / lineage.DOCS).read_text()
    )
    assert committed_count, "the committed picture has an analytics layer"
    analytics_box = f'subgraph analytics["analytics ({int(committed_count.group(1)) + 1})"]'

    assert lineage.write(root=project) == 0
    docs = (project / lineage.DOCS).read_text()
    readme = (project / lineage.README).read_text()
    for text in (docs, readme):
        assert 'analytics_lineage_probe("lineage_probe")' in text
        assert "    analytics_growth_alerts --> analytics_lineage_probe\n" in text
        assert analytics_box in text
    assert "| `analytics.lineage_probe` | view |" in docs
    # Only the section between the markers changed in the README.
    committed = (PROJECT_ROOT / lineage.README).read_text()
    for text in (committed, readme):
        assert text.count(lineage.START) == text.count(lineage.END) == 1
    assert readme.split(lineage.START)[0] == committed.split(lineage.START)[0]
    assert readme.split(lineage.END)[1] == committed.split(lineage.END)[1]


def model(name: str, *upstream: str, kind: str = "INCREMENTAL_BY_TIME_RANGE") -> Model:
    return Model(name, kind, f"models/{name}.sql", f"{name}.", tuple(sorted(upstream)))


def test_an_edge_moved_changes_the_picture():
    before = [
        model("staging.a"),
        model("intermediate.b", "staging.a"),
        model("analytics.c", "intermediate.b"),
        model("analytics.d", "intermediate.b", kind="VIEW"),
    ]
    after = [*before[:3], model("analytics.d", "analytics.c", kind="VIEW")]
    old, new = lineage.render_mermaid(before), lineage.render_mermaid(after)
    assert "    intermediate_b --> analytics_d\n" in old
    assert "    analytics_c --> analytics_d\n" in new
    assert "intermediate_b --> analytics_d" not in new
    assert lineage.render_docs(before) != lineage.render_docs(after)


def test_an_arrow_a_longer_path_implies_is_left_out_of_the_picture_but_not_the_table():
    models = [
        model("staging.a"),
        model("intermediate.b", "staging.a"),
        model("analytics.c", "staging.a", "intermediate.b"),
    ]
    picture = lineage.render_mermaid(models)
    assert "staging_a --> intermediate_b" in picture
    assert "intermediate_b --> analytics_c" in picture
    assert "staging_a --> analytics_c" not in picture
    assert "| `analytics.c` | incremental_by_time_range |" in lineage.render_docs(models)
    assert "| `intermediate.b`, `staging.a` |" in lineage.render_docs(models)
    assert "(2 arrows for 3 reads)" in lineage.legend(models)


def test_the_readme_needs_its_markers():
    section = f"{lineage.START}\nnew\n{lineage.END}"
    text = f"top\n{lineage.START}\nold\n{lineage.END}\nbottom\n"
    assert lineage.splice_readme(text, section) == f"top\n{section}\nbottom\n"
    with pytest.raises(lineage.LineageError, match="lineage:start"):
        lineage.splice_readme("no markers\n", section)
