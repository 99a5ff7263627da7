"""The identity review pages, under /identity/."""

from django.urls import URLPattern, path

from vigil.identity import views
from vigil.ui import converters  # noqa: F401 (registers <key:…> and <ref:…>)

app_name = "identity"
urlpatterns: list[URLPattern] = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<key:pk>/decide/", views.decide_pair, name="decide"),
    path("people/<ref:person_id>/links/", views.person_links, name="person-links"),
    path("decisions/<key:pk>/undo/", views.undo_decision, name="undo"),
]
