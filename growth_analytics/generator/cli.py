"""`growth-analytics generate`: the command line of the generator."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from growth_analytics.generator.config import PRESETS, GeneratorConfig, GeneratorError
from growth_analytics.generator.parameters import FORMATS
from growth_analytics.generator.run import generate, stderr_progress


def _whole_number(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: expected at least {minimum}")
        return value

    return parse


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction between 0 and 0.5")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_generate_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Registers `generate` on a subparsers object; sets func=run_generate."""
    parser = subparsers.add_parser(
        "generate",
        help="write synthetic landing files (seeded, partitioned by landing day)",
        description=(
            "Write a seeded synthetic event stream as landing files OUT/dt=YYYY-MM-DD/events.* "
            "(one per landing day, every column text). Options override the preset; rates are "
            "fractions of generated events."
        ),
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="sample",
        help="base settings (default: sample)",
    )
    parser.add_argument("--users", type=_whole_number(1), metavar="N", help="number of users")
    parser.add_argument("--days", type=_whole_number(1), metavar="N", help="number of days")
    parser.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="first day")
    parser.add_argument("--seed", type=_whole_number(0), metavar="N", help="random seed")
    rate = {"type": _rate, "metavar": "RATE"}
    parser.add_argument("--bad-rate", dest="bad_row_rate", help="share of bad rows", **rate)
    parser.add_argument("--duplicate-rate", help="share of duplicated rows", **rate)
    parser.add_argument("--late-rate", help="share of late events", **rate)
    parser.add_argument(
        "--format", dest="fmt", choices=FORMATS, help="file format (default: the preset's, parquet)"
    )
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument(
        "--clean", action="store_true", help="delete the dt=* folders already in OUT first"
    )
    parser.set_defaults(func=run_generate)
    return parser


def config_from_args(args: argparse.Namespace) -> GeneratorConfig:
    overrides = {
        name: getattr(args, name)
        for name in (field.name for field in dataclasses.fields(GeneratorConfig))
        if getattr(args, name, None) is not None
    }
    return dataclasses.replace(PRESETS[args.preset], **overrides)


def run_generate(args: argparse.Namespace) -> int:
    try:
        cfg = config_from_args(args)
        stats = generate(cfg, args.out, clean=args.clean, progress=stderr_progress())
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {stats.files} files ({cfg.fmt}, {stats.bytes_written / 1e6:,.1f} MB) to "
        f"{args.out}: {stats.events_written:,} rows = {stats.valid_events:,} valid + "
        f"{stats.bad_rows:,} bad + {stats.duplicate_rows:,} duplicates; "
        f"{stats.late_rows:,} late; {stats.negative_balance_users:,} of "
        f"{stats.users_with_events:,} users below zero miles; {stats.seconds:,.1f} s"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m growth_analytics.generator")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_generate_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
