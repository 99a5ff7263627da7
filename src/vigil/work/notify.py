"""Telling people about work: a ``Notification`` row in the same transaction as the change, and
an email after it commits (Django's email framework: the console in development and the demo,
SMTP as docs/operations.md sets out). The email says what and why and where to look, and
leaves out the colleague's note: mail leaves Vigil, the note may name people, and the page it
links to shows the note after its own permission check and access log."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from vigil.accounts.models import User
from vigil.work.models import Notification
from vigil.work.registry import WorkKind

logger = logging.getLogger(__name__)


def send(
    recipients: Iterable[User],
    *,
    kind: WorkKind,
    item: Any,
    reason: str,
    title: str,
    why: str,
    at: dt.datetime,
    note: str = "",
) -> list[Notification]:
    made = Notification.objects.bulk_create(
        [
            Notification(
                recipient=r,
                reason=reason,
                kind=kind.key,
                item_key=kind.item_key(item),
                title=title[:200],
                why=why[:300],
                note=note,
                link=kind.url(item),
                created_at=at,
            )
            for r in {r.pk: r for r in recipients}.values()
        ]
    )
    to_mail = [(n.pk, n.recipient.email) for n in made if n.recipient.email]
    if to_mail:
        transaction.on_commit(lambda: _email(to_mail))
    return made


def _email(to_mail: list[tuple[int, str]]) -> None:
    from django.utils import timezone

    base = settings.VIGIL_BASE_URL.rstrip("/")
    for pk, address in to_mail:
        n = Notification.objects.get(pk=pk)
        body = (
            f"{n.why}.\n\n{n.title}\n\nOpen it in Vigil: {base}{n.link}\n\n"
            f"Your notifications: {base}/work/notifications/\n"
        )
        try:
            send_mail(
                f"Vigil: {n.get_reason_display()}: {n.title}",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        except Exception:  # a mail server that is down must not undo the change it reports
            logger.exception("could not email notification %s", pk)
            continue
        Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())
