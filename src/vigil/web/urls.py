from django.urls import path

from vigil.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("held/", views.records_held, name="records-held"),
]
