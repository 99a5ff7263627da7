"""The project's URLs plus pages under /people/ that do and do not write to the access log."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from vigil.audit.access import discloses_nothing, log_access, nothing_disclosed
from vigil.audit.actions import AuditAction


def unlogged(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Amy Stone, born 2009-04-01")


def logged(request: HttpRequest) -> HttpResponse:
    log_access(request, AuditAction.PERSON_VIEW, "person:1")
    return HttpResponse("Amy Stone, born 2009-04-01")


@discloses_nothing
def empty_form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<form></form>")


def empty_search(request: HttpRequest) -> HttpResponse:
    nothing_disclosed(request)
    return HttpResponse("<form></form>")


def unlogged_change(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=302, headers={"Location": "/"})


urlpatterns = [
    path("people/test-unlogged/", unlogged),
    path("people/test-logged/", logged),
    path("people/test-empty-form/", empty_form),
    path("people/test-empty-search/", empty_search),
    path("alerts/test-unlogged-change/", unlogged_change),
    path("", include("vigil.urls")),
]
