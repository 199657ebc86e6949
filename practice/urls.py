from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("", views.writeup_list, name="list"),
    path("new/", views.writeup_create, name="create"),
    path("<slug:slug>/", views.writeup_detail, name="detail"),
    path("<slug:slug>/edit/", views.writeup_edit, name="edit"),
]
