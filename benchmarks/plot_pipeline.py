r"""Draw benchmarks/pipeline.png from benchmarks/pipeline_results.json: the backfill's wall time
and peak memory against the number of events, with the floor measured in the same runs.

    .venv/bin/python benchmarks/bench_pipeline.py --preset sample \
        --record benchmarks/pipeline_results.json
    .venv/bin/python benchmarks/plot_pipeline.py

matplotlib is not one of the project's dependencies (only this picture needs it): run the script
with any Python that has it, for example a scratch environment,
`python3 -m venv /tmp/plot && /tmp/plot/bin/pip install matplotlib==3.11.2`, then
`/tmp/plot/bin/python benchmarks/plot_pipeline.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "pipeline_results.json"
PICTURE = HERE / "pipeline.png"


def main() -> int:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("matplotlib is needed for the picture (see this script's docstring)")
    runs = sorted(json.loads(RESULTS.read_text()).values(), key=lambda run: run["events"])
    events = [run["events"] / 1e6 for run in runs]
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for name, style in (("backfill", "o-"), ("floor", "s--")):
        time_ax.plot(events, [run["steps"][name]["seconds"] for run in runs], style, label=name)
        memory_ax.plot(
            events, [run["steps"][name]["peak_rss_mb"] / 1024 for run in runs], style, label=name
        )
    for run, x in zip(runs, events, strict=True):
        ratio = run["steps"]["backfill"]["seconds"] / run["steps"]["floor"]["seconds"]
        time_ax.annotate(
            f"{ratio:.0f}x floor",
            (x, run["steps"]["backfill"]["seconds"]),
            textcoords="offset points",
            xytext=(6, -12),
        )
    time_ax.set(
        xscale="log",
        yscale="log",
        xlabel="events (millions)",
        ylabel="wall seconds",
        title="Backfill time (one growth-analytics plan)",
    )
    memory_ax.set(
        xscale="log",
        xlabel="events (millions)",
        ylabel="peak RSS (GB)",
        title="Backfill peak memory",
    )
    for ax in (time_ax, memory_ax):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("2 cores, 24 GB; measured with benchmarks/bench_pipeline.py", fontsize=9)
    fig.tight_layout()
    fig.savefig(PICTURE)
    print(f"wrote {PICTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
