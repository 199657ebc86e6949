from django.urls import path

from events import views

app_name = "events"

# Fixed pages come before `<slug>/`; events.models.RESERVED_SLUGS keeps events off them.
urlpatterns = [
    path("", views.upcoming, name="upcoming"),
    path("past/", views.past, name="past"),
    path("feed.ics", views.feed_ics, name="feed"),
    path("new/", views.event_create, name="create"),
    path("write-up/", views.meeting_create, name="meeting_create"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("notes/<slug:slug>/", views.note_detail, name="note"),
    path("notes/<slug:slug>/edit/", views.note_edit, name="note_edit"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/event.ics", views.event_ics, name="ics"),
    path("<slug:slug>/notes/new/", views.note_create, name="note_create"),
]
