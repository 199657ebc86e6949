from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView
from django.views.static import serve

from config import audit_views, history_views, views
from config.forms import SignInForm
from events.sitemaps import EventNoteSitemap, EventSitemap
from practice import uploads
from practice import views as practice_views
from practice.sitemaps import WriteUpSitemap

sitemaps = {"practice": WriteUpSitemap, "events": EventSitemap, "event-notes": EventNoteSitemap}

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", practice_views.about, name="about"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("contact/", views.ContactView.as_view(), name="contact"),
    path("practice/", include("practice.urls")),
    path("search/", include("search.urls")),
    path("events/", include("events.urls")),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("review/", views.review_queue, name="review"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("my-work/", views.my_work, name="my_work"),
    path("review/changes/", views.request_changes, name="request_changes"),
    path("history/<str:kind>/<int:pk>/", history_views.item_history, name="item_history"),
    path(
        "history/<str:kind>/<int:pk>/restore/<int:version_id>/",
        history_views.restore,
        name="history_restore",
    ),
    path("review/approve/", views.approve, name="approve"),
    path("review/unschedule/", views.unschedule, name="unschedule"),
    path("review/reviewed/", views.mark_reviewed, name="mark_reviewed"),
    path("updates/", include("stakeholders.urls")),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("config.accounts.urls")),  # people, invitations, password reset
    path("staff/markdown/preview/", uploads.markdown_preview, name="markdown_preview"),
    path("staff/markdown/upload/", uploads.image_upload, name="markdown_upload"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
    ),
    # Uploaded images: small and few, so Django serves them; a larger site puts them on a CDN.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
