"""The home page and the records-held page.

Pages about people live in ``vigil.people``, the supervisor's in ``vigil.oversight``.
"""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from vigil.access.disclosure import viewer_for
from vigil.access.permissions import Capability, can, requires
from vigil.records.models import Record


@requires(Capability.HOME)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Police and MASH roles land on My work; an inspector on the case audits they are invited
    to; the rest see the record store's counts."""
    if can(request.user, Capability.MY_WORK):
        return redirect("work:mine")
    if can(request.user, Capability.INSPECT) and not can(request.user, Capability.RECORD_COUNTS):
        return redirect("inspection:audits")
    return records_held(request)


@requires(Capability.HOME)
@require_GET
def records_held(request: HttpRequest) -> HttpResponse:
    """Counts of records by type, for roles that may see them, and of the types they may see
    (no intelligence count for a role that may not see intelligence)."""
    by_type: list[dict[str, object]] | None = None
    if can(request.user, Capability.RECORD_COUNTS):
        hidden = viewer_for(request.user).excluded_types()
        by_type = list(
            Record.objects.exclude(record_type__in=hidden)
            .values("record_type")
            .annotate(n=Count("id"))
            .order_by("record_type")
        )
    return render(request, "web/home.html", {"by_type": by_type})
