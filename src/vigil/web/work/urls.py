"""Pages for work: alert queues, the supervisor's view, imports, identity review."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
