"""Casework pages: one form per workflow (about a record it completes, or a person a record of
its own names), then the pages every workflow shares. Each workflow's form needs its own
capability, so each has its own URL, guarded by it."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from vigil.access.permissions import requires
from vigil.casework import inbox, registry, views
from vigil.ui import converters  # noqa: F401 (registers <ref:…> and <key:…>)

app_name = "casework"


def _form_view(workflow: registry.Workflow) -> Any:
    def view(request: Any, **kwargs: Any) -> Any:
        return views.start(request, workflow.key, **kwargs)

    view.__name__ = f"start_{workflow.key.replace('-', '_')}"
    return requires(workflow.capability)(view)


urlpatterns: list[URLPattern] = [
    path("casework/mine/", views.mine, name="mine"),
    path("casework/check/<uuid:token>/", views.check, name="check"),
    path("casework/written/<uuid:token>/", views.written, name="written"),
    path("casework/referrals/", inbox.referrals, name="referrals"),
]
for _w in registry.all_workflows():
    _route = "record/<key:pk>" if _w.subject == "record" else "person/<ref:person_id>"
    urlpatterns.append(path(f"casework/{_w.key}/{_route}/", _form_view(_w), name=_w.key))
