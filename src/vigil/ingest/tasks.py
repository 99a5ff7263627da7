"""Pipeline work the web app hands to django-tasks rather than doing inside a request.

With no ``TASKS`` setting django-tasks runs a task at once (its immediate backend), so an
identity decision re-assesses alerts before the page answers; a deployment that configures a
background backend (e.g. the database backend and a worker) gets the same work done off the
request, with no change here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.dispatch import receiver
from django_tasks import task

from vigil.identity.signals import persons_relinked


@task()
def reassess_alerts() -> dict[str, Any]:
    """Re-evaluate every rule now and store the alerts (after identities changed)."""
    from vigil.ingest.pipeline import reassess

    _, outcome = reassess()
    return dataclasses.asdict(outcome)


@receiver(persons_relinked)
def reassess_when_persons_relinked(sender: Any, **kwargs: Any) -> None:
    """A decision about identity changed who is who (sent once it committed), so what the
    rules find may have too."""
    reassess_alerts.enqueue()
