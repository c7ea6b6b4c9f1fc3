"""The growth-analytics project's own Python code: landing-file ingestion, the synthetic event
generator, the locked cron entry point and the demo summary. The models live in ../models."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
