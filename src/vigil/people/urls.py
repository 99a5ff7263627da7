"""Pages about people and places: search, a person's page, a record, an address briefing.

Only internal ids appear in these URLs; names, dates of birth, addresses and phone numbers are
always POSTed (search forms) so they never reach a URL, a browser history or a server log.
"""

from django.urls import URLPattern, path

from vigil.people import around_views, views
from vigil.ui import converters  # noqa: F401 (registers <ref:…> and <key:…>)

app_name = "people"
urlpatterns: list[URLPattern] = [
    path("search/", views.search, name="search"),
    path("people/<ref:person_id>/", views.person, name="person"),
    path("people/<ref:person_id>/review/", views.request_review, name="person-review"),
    path("people/<ref:person_id>/around/", around_views.around, name="around"),
    path("people/<ref:person_id>/network/", around_views.network, name="network"),
    path("records/<key:pk>/", views.record, name="record"),
    path("addresses/", views.address_search, name="address-search"),
    path("addresses/<key:location_id>/", views.address, name="address"),
]
