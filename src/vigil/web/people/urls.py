"""Pages about people and places: search, a person's page, a record, an address briefing."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
