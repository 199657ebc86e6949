from django.urls import path

from config.accounts import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/role/", views.change_role, name="people_role"),
    path("people/<int:pk>/deactivate/", views.deactivate, name="people_deactivate"),
    path("people/<int:pk>/reactivate/", views.reactivate, name="people_reactivate"),
    path("people/<int:pk>/invite-again/", views.invite_again, name="people_invite_again"),
    path(
        "people/<int:pk>/cancel-invitation/",
        views.cancel_invitation,
        name="people_cancel_invitation",
    ),
    path(
        "sign-in/invitation/<uidb64>/<token>/",
        views.accept_invitation,
        name="accept_invitation",
    ),
    # Django's names, which its views reverse.
    path("sign-in/reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path("sign-in/reset/sent/", views.ResetSentView.as_view(), name="password_reset_done"),
    path(
        "sign-in/reset/complete/",
        views.ResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "sign-in/reset/<uidb64>/<token>/",
        views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
