"""My work, the team page and notifications."""

from django.urls import URLPattern, path

from vigil.work import views

app_name = "work"
urlpatterns: list[URLPattern] = [
    path("", views.my_work, name="mine"),
    path("team/", views.team, name="team"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_read, name="mark-read"),
]
