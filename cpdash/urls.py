from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cpdash import profiles, views

# The admin says the app's name, not Django's ("Trang quản trị cho Django").
admin.site.site_header = admin.site.site_title = _("Cleaner-production programme")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("targets.home_urls")),  # home: the top layer's page, it reads targets and records
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profiles.profile, name="profile"),
    # Django's set_language, which also keeps a signed-in user's choice on their account.
    path("i18n/setlang/", profiles.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("record/", include("programmes.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("targets.urls")),
    # Before the facility pages, whose last pattern takes any path as a facility's code.
    path("facilities/register-versions/", include("facilities.urls")),
    path("facilities/", include("targets.facility_urls")),
]
