"""The Celery application: configured from Django settings (keys prefixed CELERY_)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from kyivguide.env import check_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyivguide.settings")

app = Celery("kyivguide")


@app.on_configure.connect
def _refuse_bad_settings(sender: Celery, **kwargs: Any) -> None:
    # Runs when Celery first reads its configuration (worker or beat start-up): a bad environment
    # stops the process with one line naming the variable, as manage.py and gunicorn do.
    check_settings_or_exit()


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
