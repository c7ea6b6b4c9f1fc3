"""The event contract as the project's seeds write it (seeds/event_types.csv,
seeds/activity_event_types.csv, seeds/platforms.csv), for the Python that needs it outside
SQLMesh: the generator and the tests. The models read the same files as seed tables."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"

# The eight fields of an event, in contract order: the columns a landing file must have (header
# names), and all there is to an event (its fingerprint, event_id, is over exactly these). Read by
# the landing readers, the generator and the macros (macros/fingerprint.py).
EVENT_COLUMNS = (
    "event_time",
    "user_id",
    "event_type",
    "transaction_category",
    "miles_amount",
    "platform",
    "utm_source",
    "country",
)


@dataclass(frozen=True)
class EventType:
    name: str
    miles_effect: str | None  # "earned", "redeemed" or None (the event carries no miles)
    counts_as_activity: bool


def _rows(name: str, seeds: Path) -> list[dict[str, str]]:
    with (seeds / name).open(newline="") as f:
        return list(csv.DictReader(f))


def event_types(seeds: Path = SEEDS) -> tuple[EventType, ...]:
    """The event types in the seed's order."""
    activity = {row["event_type"] for row in _rows("activity_event_types.csv", seeds)}
    return tuple(
        EventType(
            name=row["event_type"],
            miles_effect=row["miles_effect"] or None,
            counts_as_activity=row["event_type"] in activity,
        )
        for row in _rows("event_types.csv", seeds)
    )


def platforms(seeds: Path = SEEDS) -> tuple[str, ...]:
    """The platforms in the seed's order."""
    return tuple(row["platform"] for row in _rows("platforms.csv", seeds))
