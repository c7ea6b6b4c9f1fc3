"""The failure notification for what `growth-analytics run` refuses on its own (a stuck lock, a
landing day in the future, settings that differ from production's, a setting that cannot work):
SQLMesh notifies its own failures (config.yaml's notification_targets), never these, and a
scheduled run that exits non-zero without a word in the channel is a silent one.

The same Slack webhook (ANALYTICS_SLACK_WEBHOOK_URL), through SQLMesh's own notification target,
so that the message looks like SQLMesh's. A notification that cannot be sent is a warning line:
the exit code already says what happened."""

from __future__ import annotations

import os
import sys


def notify_failure(line: str) -> None:
    url = os.environ.get("ANALYTICS_SLACK_WEBHOOK_URL")
    if not url:
        return
    try:
        from sqlmesh.core.notification_target import (
            NotificationStatus,
            SlackWebhookNotificationTarget,
        )

        SlackWebhookNotificationTarget(url=url).send(NotificationStatus.FAILURE, line)
    except Exception as error:  # any failure to notify is only reported
        print(f"warning: the failure notification was not sent: {error}", file=sys.stderr)
