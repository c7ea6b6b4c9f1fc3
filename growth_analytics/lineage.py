"""The models' lineage as a picture: SQLMesh's own DAG (the project loaded with SQLMesh's Context,
no warehouse opened) drawn as a Mermaid flowchart, which GitHub renders wherever Markdown shows a
```mermaid block.

`growth-analytics lineage` (or `make lineage`) writes it into docs/lineage.md, with a table of
every model, and into README.md between the two marker comments below; `--check` only says
whether both are current (exit status 1 if not), and tests/python/test_lineage.py fails when they
are not. Nothing here is written by hand: a model added, removed or reading another table shows
up in the picture by running the command.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT

DOCS = Path("docs") / "lineage.md"
README = Path("README.md")
START = "<!-- lineage:start -->"
END = "<!-- lineage:end -->"
WRITTEN_BY = (
    "<!-- Written by `growth-analytics lineage` (make lineage) from SQLMesh's DAG; do not edit "
    "by hand: tests/python/test_lineage.py fails when it is stale. -->"
)
# The layers, left to right; a schema not listed here gets a box of its own after them.
LAYERS = ("raw", "staging", "intermediate", "analytics")
# SQLMesh's model kinds, as the picture draws them: (Mermaid shape, class).
SHAPES = {
    "EMBEDDED": ('>"{}"]', "embedded"),
    "VIEW": ('("{}")', "view"),
    "FULL": ('["{}"]', "full"),
}
INCREMENTAL = ('["{}"]', "incremental")
WORDS = {
    "incremental": "blue, a table SQLMesh fills incrementally (only the new intervals)",
    "full": "grey, a table rebuilt in full on every run",
    "view": "dashed and rounded, a view",
    "embedded": "the flag, an embedded model (inlined into the models that read it, not stored)",
}
# A little tighter than Mermaid's defaults: ~40 boxes stay readable at GitHub's page width.
INIT = '%%{init: {"flowchart": {"nodeSpacing": 14, "rankSpacing": 40}}}%%'
CLASSES = {
    "incremental": "fill:#dbeafe,stroke:#1d4ed8,color:#111",
    "full": "fill:#f3f4f6,stroke:#4b5563,color:#111",
    "view": "fill:#fff,stroke:#4b5563,stroke-dasharray:4 3,color:#111",
    "embedded": "fill:#fef3c7,stroke:#b45309,color:#111",
}


@dataclass(frozen=True)
class Model:
    name: str  # schema.table, as the models name it (no catalog: that is the warehouse file's)
    kind: str  # SQLMesh's kind name: INCREMENTAL_BY_TIME_RANGE, VIEW, ...
    path: str  # its file, relative to the project
    description: str
    upstream: tuple[str, ...]  # the models it reads, by name

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[-1]

    @property
    def node(self) -> str:
        """Its Mermaid id: letters, digits and underscores only."""
        return re.sub(r"\W", "_", self.name)

    @property
    def shape(self) -> tuple[str, str]:
        return SHAPES.get(self.kind, INCREMENTAL if "INCREMENTAL" in self.kind else SHAPES["FULL"])


def load_models(root: Path = PROJECT_ROOT) -> list[Model]:
    """Every model of the project at root, with its upstream models, from SQLMesh's DAG. Loading
    reads the project's files only: no gateway's connection is opened (any gateway will do, the
    DAG is the same on all of them)."""
    from sqlmesh import Context

    context = Context(paths=str(root))
    try:
        by_fqn = dict(context.models)
        graph = context.dag.graph
        models = []
        for fqn, model in by_fqn.items():
            path = Path(model._path) if model._path else None
            if path is not None and path.is_relative_to(root):
                path = path.relative_to(root)
            models.append(
                Model(
                    name=model.name,
                    kind=model.kind.name.value,
                    path=path.as_posix() if path is not None else "",
                    description=" ".join((model.description or "").split()),
                    upstream=tuple(
                        sorted(by_fqn[parent].name for parent in graph[fqn] if parent in by_fqn)
                    ),
                )
            )
        return sorted(models, key=lambda m: m.name)
    finally:
        context.close()


def _layers(models: list[Model]) -> list[str]:
    present = {m.layer for m in models}
    return [layer for layer in LAYERS if layer in present] + sorted(present - set(LAYERS))


def _depths(models: list[Model]) -> dict[str, int]:
    """Each model's distance from the models that read no other model."""
    by_name = {m.name: m for m in models}
    depths: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in depths:
            depths[name] = 1 + max((depth(p) for p in by_name[name].upstream), default=-1)
        return depths[name]

    for m in models:
        depth(m.name)
    return depths


def in_order(models: list[Model]) -> list[Model]:
    """Layer by layer, and within a layer from the models read to the models reading them (by
    name among equals): a stable order, and the one Mermaid's layout does best from."""
    depths = _depths(models)
    layers = {layer: i for i, layer in enumerate(_layers(models))}
    return sorted(models, key=lambda m: (layers[m.layer], depths[m.name], m.name))


def drawn_edges(models: list[Model]) -> list[tuple[Model, Model]]:
    """(table read, model reading it), without the arrows a longer path already implies: where a
    model reads a table both directly and through another of the tables it reads, only that path
    is drawn (the DAG's transitive reduction). docs/lineage.md's table lists every read."""
    by_name = {m.name: m for m in models}
    depths = _depths(models)
    ancestors: dict[str, set[str]] = {}

    def above(name: str) -> set[str]:
        if name not in ancestors:
            ancestors[name] = set()
            for parent in by_name[name].upstream:
                ancestors[name] |= {parent} | above(parent)
        return ancestors[name]

    edges = []
    for m in sorted(models, key=lambda m: (depths[m.name], m.name)):
        for parent in m.upstream:
            if not any(parent in above(other) for other in m.upstream if other != parent):
                edges.append((by_name[parent], m))
    return edges


def render_mermaid(models: list[Model]) -> str:
    """The ```mermaid block: one box per layer, left to right, the models in it by table name."""
    ordered = in_order(models)
    lines = ["```mermaid", INIT, "flowchart LR"]
    for layer in _layers(models):
        members = [m for m in ordered if m.layer == layer]
        lines.append(f'    subgraph {layer}["{layer} ({len(members)})"]')
        for m in members:
            shape, _ = m.shape
            lines.append(f"        {m.node}{shape.format(m.table)}")
        lines.append("    end")
    lines += [f"    {parent.node} --> {child.node}" for parent, child in drawn_edges(models)]
    used = [cls for cls in CLASSES if any(m.shape[1] == cls for m in models)]
    lines += [f"    classDef {cls} {CLASSES[cls]}" for cls in used]
    for cls in used:
        nodes = ",".join(m.node for m in ordered if m.shape[1] == cls)
        lines.append(f"    class {nodes} {cls}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def legend(models: list[Model]) -> str:
    used = [cls for cls in CLASSES if any(m.shape[1] == cls for m in models)]
    reads = sum(len(m.upstream) for m in models)
    return (
        "An arrow runs from a table to a model that reads it; where a model reads a table both "
        "directly and through another model, only the longer path is drawn "
        f"({len(drawn_edges(models))} arrows for {reads} reads). Boxes: "
        + "; ".join(WORDS[cls] for cls in used)
        + "."
    )


def _first_sentence(text: str) -> str:
    """The description's first sentence (up to a full stop, colon or semicolon outside
    parentheses), for the table."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in ".:;" and (i + 1 == len(text) or text[i + 1] == " "):
            text = text[:i]
            break
    return text.replace("|", "\\|")


def render_docs(models: list[Model]) -> str:
    rows = [
        f"| `{m.name}` | {m.kind.lower()} | [{m.path}](../{m.path}) | "
        f"{', '.join(f'`{p}`' for p in m.upstream) or '(the landing files)'} | "
        f"{_first_sentence(m.description)} |"
        for m in in_order(models)
    ]
    return "\n".join(
        [
            "# Model lineage",
            "",
            WRITTEN_BY,
            "",
            f"The {len(models)} models SQLMesh loads from models/, in their layers (schemas), "
            f"and the tables each reads. {legend(models)}",
            "",
            render_mermaid(models),
            "Every model and every table it reads, arrow or not:",
            "",
            "| model | kind | file | reads | what |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def render_readme_section(models: list[Model]) -> str:
    """What goes between the README's markers."""
    return (
        f"{START}\n{WRITTEN_BY}\n\n{render_mermaid(models)}\n"
        f"{legend(models)} Every model, with its file and what it reads: "
        f"[docs/lineage.md](docs/lineage.md).\n{END}"
    )


class LineageError(RuntimeError):
    """README.md has no place for the picture (its markers are missing)."""


def splice_readme(readme: str, section: str) -> str:
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise LineageError(f"README.md has no {START} ... {END} markers")
    return readme[:start] + section + readme[end + len(END) :]


def write(check: bool = False, root: Path = PROJECT_ROOT) -> int:
    """Write docs/lineage.md and README.md's lineage section; with check, only say whether they
    are current (exit status 1 if not)."""
    models = load_models(root)
    readme_path = root / README
    try:
        wanted = {
            root / DOCS: render_docs(models),
            readme_path: splice_readme(readme_path.read_text(), render_readme_section(models)),
        }
    except LineageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
    if check:
        for path in stale:
            print(f"{path.relative_to(root)} is stale: run `growth-analytics lineage`")
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path])
        print(f"wrote {path.relative_to(root)}")
    if not stale:
        print(f"{DOCS} and {README} are current")
    return 0
