"""Who is around a person (``/people/<id>/around/``) and the exploitation network around them
(``/people/<id>/network/``). Thin: the work is in ``around`` and ``network``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from vigil.access.disclosure import viewer_for
from vigil.access.permissions import Capability, can, requires
from vigil.alerts.models import Alert
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.identity.models import Person
from vigil.people.around import around as around_of
from vigil.people.network import CODE, network_around

C = Capability


def _in_network(person_id: str) -> bool:
    """Whether an open or acknowledged EXPLOITATION_NETWORK alert is about the person."""
    return Alert.objects.live().filter(code=CODE, person_id=person_id).exists()


@requires(C.VIEW_PERSON)
@require_GET
def around(request: HttpRequest, person_id: str) -> HttpResponse:
    subject = get_object_or_404(Person, person_id=person_id)
    viewer = viewer_for(request.user)
    found = around_of(subject, viewer)
    log_access(
        request,
        AuditAction.PERSON_VIEW_ASSOCIATIONS,
        person_id,
        detail={
            "associates": [a.person_id for a in found.associates],
            "withheld": found.withheld,
        },
    )
    return render(
        request,
        "people/around.html",
        {
            "found": found,
            "in_network": can(request.user, C.VIEW_INTELLIGENCE) and _in_network(person_id),
        },
    )


@requires(C.VIEW_PERSON, C.VIEW_INTELLIGENCE)
@require_GET
def network(request: HttpRequest, person_id: str) -> HttpResponse:
    subject = get_object_or_404(Person, person_id=person_id)
    found = network_around(subject, viewer_for(request.user))
    log_access(
        request,
        AuditAction.PERSON_VIEW_NETWORK,
        person_id,
        detail={
            "adults": [n.key for n in found.adults],
            "children": [n.key for n in found.children],
            "links": len(found.links),
        },
    )
    alerts = list(
        Alert.objects.live()
        .filter(code=CODE, person_id=person_id)
        .values_list("alert_id", flat=True)
    )
    return render(
        request,
        "people/network.html",
        {"network": found, "alerts": alerts if can(request.user, C.VIEW_ALERTS) else []},
    )
