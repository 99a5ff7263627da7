from django.urls import path

from vigil.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("imports/", views.import_status, name="imports"),
]
