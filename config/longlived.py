"""Garbage collection in a long-running server process.

Python's full collection walks every object the collector tracks. In a worker that has served
its pages that is about 130,000 (modules, the URLconf, compiled templates, querysets' and
forms' classes), a walk of 50 to 80 ms on these machines, paid by whichever request happens
to trigger it: one request in fifty or so, seen as a spike in the 95th and 99th percentiles.
Almost all of them live as long as the process, so they are frozen (`gc.freeze()`: kept out
of every later collection): once when the application has loaded, and once more after the
first WARM_REQUESTS requests, by when the templates are compiled and the caches filled. What
a request leaves behind after that is collected as before, from a small heap.
"""

from __future__ import annotations

import gc

from django.core.signals import request_finished

WARM_REQUESTS = 200

_served = 0


def freeze() -> None:
    """Collect what is garbage now, then keep everything left out of later collections."""
    gc.collect()
    gc.freeze()


def _count_request(**kwargs) -> None:
    global _served
    _served += 1
    if _served == WARM_REQUESTS:
        freeze()


def settle() -> None:
    """For a server process once its application has loaded (config/wsgi.py)."""
    freeze()
    request_finished.connect(_count_request, dispatch_uid="config.longlived")
