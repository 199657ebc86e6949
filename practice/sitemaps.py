from django.contrib.sitemaps import Sitemap

from practice.models import WriteUp


class WriteUpSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return WriteUp.objects.published().order_by("pk")

    def lastmod(self, writeup: WriteUp):
        return writeup.updated_at
