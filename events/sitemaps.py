from django.contrib.sitemaps import Sitemap

from events.models import Event, EventNote


class EventSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Event.objects.published().order_by("pk")

    def lastmod(self, event: Event):
        return event.updated_at


class EventNoteSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return EventNote.objects.published().order_by("pk")

    def lastmod(self, note: EventNote):
        return note.updated_at
