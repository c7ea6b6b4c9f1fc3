"""Failure notifications through SQLMesh's notification targets: a real pipeline run that fails
posts to the Slack webhook configured by ANALYTICS_SLACK_WEBHOOK_URL (here a real HTTP server on
127.0.0.1 standing in for Slack), and so does what `growth-analytics run` refuses on its own; a run
that succeeds, or that another run's lock turns away (exit 75), posts nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import hold_lock_since, write_csv

pytestmark = pytest.mark.pipeline

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country\n"
)


class Webhook:
    """Collects what is POSTed to it and answers as Slack does ("ok")."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def notified_pipeline(make_pipeline, webhook, name: str):
    pipeline = make_pipeline(name)
    pipeline.env["ANALYTICS_SLACK_WEBHOOK_URL"] = webhook.url
    write_csv(
        pipeline.landing / "dt=2025-03-01" / "events.csv",
        HEADER + "2025-03-01 10:00:00,u1,share,,,web,google,SG\n",
    )
    return pipeline


def test_a_failed_first_plan_notifies_the_webhook(make_pipeline, webhook):
    """Builds its own warehouse: the failure of its first plan is the subject."""
    pipeline = notified_pipeline(make_pipeline, webhook, "failing_plan")
    # A Parquet file that cannot be read fails the ingestion model, inside SQLMesh.
    write_csv(pipeline.landing / "dt=2025-03-01" / "events.parquet", b"not a parquet file")
    done = pipeline.cli("run", "--init", "--end", "2025-03-01", check=False)
    assert done.returncode != 0
    assert webhook.received, f"no notification for a failed plan:\n{done.stdout[-2000:]}"
    (message,) = webhook.received
    assert "in environment `prod` apply failed" in message["text"]
    assert "*Status:* `failure`" in json.dumps(message)


def test_a_failed_daily_run_notifies_the_webhook(make_pipeline, webhook):
    """Builds its own warehouse: the failure of a run on it is the subject."""
    pipeline = notified_pipeline(make_pipeline, webhook, "failing_run")
    pipeline.cli("run", "--init", "--end", "2025-03-01")
    assert webhook.received == []
    write_csv(pipeline.landing / "dt=2025-03-02" / "events.parquet", b"not a parquet file")
    done = pipeline.cli("run", "--end", "2025-03-02", check=False)
    assert done.returncode != 0
    assert webhook.received, f"no notification for a failed run:\n{done.stdout[-2000:]}"
    (message,) = webhook.received
    # SQLMesh 0.236 says that the run failed and sends the details to the run's log.
    assert message["text"] == "SQLMesh run failed."
    assert "*Status:* `failure`" in json.dumps(message)
    assert "events.parquet" in done.stdout + done.stderr


def test_a_successful_run_notifies_nobody(make_pipeline, webhook):
    """Builds its own warehouse: that its build posts nothing is the subject."""
    pipeline = notified_pipeline(make_pipeline, webhook, "passing")
    pipeline.cli("run", "--init", "--end", "2025-03-01")
    assert webhook.received == []


def test_what_the_run_refuses_on_its_own_is_posted_too(make_pipeline, webhook):
    """Refusals that never reach SQLMesh: a file type the readers do not take (65), a stuck lock
    (69). A lock held by a run in progress (75) is not a failure and posts nothing."""
    import datetime as dt

    from growth_analytics.exits import EXIT_LANDING, EXIT_LOCK_STUCK, EXIT_LOCKED

    pipeline = notified_pipeline(make_pipeline, webhook, "refused")
    spreadsheet = write_csv(pipeline.landing / "dt=2025-03-01" / "events.xlsx", b"a spreadsheet")
    done = pipeline.cli("run", "--init", check=False)
    assert done.returncode == EXIT_LANDING
    (message,) = webhook.received
    assert message["text"].startswith("growth-analytics run exited 65: landing file ")
    assert "events.xlsx: unsupported file type" in message["text"]
    assert "*Status:* `failure`" in json.dumps(message)
    spreadsheet.unlink()

    webhook.received.clear()
    now = dt.datetime.now(dt.UTC)
    for since, code in [(now, EXIT_LOCKED), (now - dt.timedelta(hours=7), EXIT_LOCK_STUCK)]:
        holder = hold_lock_since(pipeline.warehouse, since)
        try:
            assert pipeline.cli("run", "--init", check=False).returncode == code
        finally:
            holder.kill()
            holder.wait()
    (message,) = webhook.received
    assert message["text"].startswith("growth-analytics run exited 69: the run lock ")
