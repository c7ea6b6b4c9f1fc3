"""Superset dashboards as code: bundle, normalise, run and check them."""
