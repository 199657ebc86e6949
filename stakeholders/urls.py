from django.urls import path

from stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("check-your-email/", views.check_email, name="check_email"),
    path("link/", views.request_link, name="request_link"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("preferences/<str:token>/action/", views.preferences_action, name="preferences_action"),
    path("preferences/<str:token>/my-data.json", views.export, name="export"),
    path("preferences/<str:token>/delete/", views.erase, name="erase"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("staff/", views.staff_dashboard, name="staff"),
    path("staff/preview/", views.staff_preview, name="staff_preview"),
    path("staff/preview/email.html", views.staff_preview_html, name="staff_preview_html"),
    path("staff/subscribers.csv", views.staff_export, name="staff_export"),
]
