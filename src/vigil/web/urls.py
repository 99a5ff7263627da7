from django.urls import include, path

from vigil.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("held/", views.records_held, name="records-held"),
    path("", include("vigil.web.people.urls")),
    path("", include("vigil.web.work.urls")),
]
