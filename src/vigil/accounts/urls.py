from django.contrib.auth import views as auth_views
from django.urls import path

from vigil.accounts import manage, teams, views
from vigil.ui import converters  # noqa: F401 (registers <key:…>)

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.second_factor, name="second-factor"),
    path("sign-in/set-up-code/", views.second_factor_enrol, name="second-factor-enrol"),
    path("sign-out/", auth_views.LogoutView.as_view(next_page="accounts:sign-in"), name="sign-out"),
    path("", views.account, name="account"),
    path("password/", views.password_change, name="password-change"),
    path("second-factor/", views.enrol, name="enrol"),
    path("second-factor/remove/", views.remove_second_factor, name="remove-second-factor"),
    path("users/", manage.accounts, name="users"),
    path("users/<key:pk>/", manage.account, name="user"),
    path("users/<key:pk>/password/", manage.account_password, name="user-password"),
    path("users/<key:pk>/unlock/", manage.account_unlock, name="user-unlock"),
    path("teams/", teams.teams, name="teams"),
    path("teams/<key:pk>/", teams.team, name="team"),
    path("teams/<key:pk>/status/", teams.team_status, name="team-status"),
]
