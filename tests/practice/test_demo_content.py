"""The demo content states no false facts (issue 12): it is imported from the real demo
corpus into the real test database, and every imported item is checked."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import Event, EventNote, KeyPoint, Series, Speaker
from practice.models import SECTIONS, Comment, EvidenceLevel, WriteUp
from search.queries import search_run
from search.results import SearchFilters

pytestmark = pytest.mark.django_db

# Words a title cannot stop on without stopping mid-clause ("... in their own homes for which
# she"): articles, prepositions, conjunctions, relative words, subject pronouns, possessives.
DANGLING = set(
    " ".join(
        (
            "a an the",
            "of to for in on at by with from about into over under through after before as than",
            "and or but nor so because although though while whereas if that whether",
            "which who whom whose where when what how why",
            "i we you he she they my our your their its",
            "is are was were be been has have had can could will would should may might must",
        )
    ).split()
)
LEFTOVERS = [
    "click here",
    "click the image",
    "click on the image",
    "can be found here:",
    "watch the prezi",
    "prezi",
    "video below",
    "watch the video",
    "image below",
    "contact us at",
    "find out more at",
    "appeared on twitter",
]
# Endings that promise what the page went on to and the scrape did not keep.
PROMISES = re.compile(
    r"^here (is|are)\b|\bhere i want to\b|\bthere are (two|three|four|five|\d+) "
    r"(reasons|ways|examples)\b|[:…]$|\.\.\.$",
    re.IGNORECASE,
)


def _import() -> str:
    out = StringIO()
    call_command("import_content", stdout=out)
    return out.getvalue()


def _plain(markdown: str) -> str:
    """Markdown of the importer's making as the text a reader sees."""
    text = re.sub(r"^(#+|-)\s+", "", markdown.strip(), flags=re.MULTILINE)
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


def _first_paragraph(markdown: str) -> str:
    return _plain(re.split(r"\n\s*\n", markdown.strip())[0])


def _last_sentence(markdown: str) -> str:
    last = _plain(re.split(r"\n\s*\n", markdown.strip())[-1])
    return re.split(r"(?<=[.!?])\s+", last)[-1]


def _imported_texts() -> list[tuple[str, str]]:
    """(where, text) for every text the import wrote that readers can see."""
    texts: list[tuple[str, str]] = []
    for writeup in WriteUp.objects.all():
        texts += [(f"{writeup.title}: title", writeup.title)]
        texts += [(f"{writeup.title}: summary", writeup.summary)]
        texts += [(f"{writeup.title}: body", writeup.body)]
        texts += [(f"{writeup.title}: {key}", getattr(writeup, key)) for key, _ in SECTIONS]
    for event in Event.objects.all():
        texts += [(f"{event.title}: event title", event.title)]
        texts += [(f"{event.title}: event description", event.description)]
    for note in EventNote.objects.prefetch_related("key_points"):
        texts += [(f"{note.title}: note summary", note.summary)]
        texts += [(f"{note.title}: note body", note.body)]
        texts += [(f"{note.title}: questions", note.questions)]
        texts += [(f"{note.title}: key point", point.text) for point in note.key_points.all()]
    return texts


def test_no_title_stops_mid_clause_or_trails_off():
    _import()
    titles = [w.title for w in WriteUp.objects.all()]
    titles += [e.title for e in Event.objects.all()] + [n.title for n in EventNote.objects.all()]
    assert len(titles) == 14 + 7 + 7
    for title in titles:
        assert not title.endswith(("…", "...", ",", ";", ":", "–", "-")), title
        last_word = re.findall(r"[\w’'-]+", title.lower())[-1]
        assert last_word not in DANGLING, title
    # Write-up titles are made by the import; events and notes keep their own.
    assert all(len(w.title) <= 110 for w in WriteUp.objects.all())


def test_no_summary_repeats_the_first_paragraph_or_the_title():
    _import()
    items = [*WriteUp.objects.all(), *EventNote.objects.all()]
    for item in items:
        assert item.summary, item.title
        assert " ".join(item.summary.split()) != _first_paragraph(item.body), item.title
        assert item.summary.rstrip(".?") != item.title.rstrip(".?"), item.title
        assert not item.summary.startswith(item.title), item.title


def test_no_imported_item_is_dated_by_the_day_of_the_import():
    _import()
    import_day = timezone.localdate()
    items = [*WriteUp.objects.all(), *Event.objects.all(), *EventNote.objects.all()]
    for item in items:
        assert item.published_at is not None  # still published, sorted and sent by this
        assert item.shown_date != import_day, item.title
    # The blog pages give no date for their posts; the meeting notes give some.
    assert {w.shown_date for w in WriteUp.objects.all()} == {None}
    shown = {e.title: e.shown_date for e in Event.objects.all()}
    assert shown["Shifting power in favour of those experiencing health inequalities"] == date(
        2023, 5, 30
    )
    assert shown["Leadership and Well-being"] is None
    for note in EventNote.objects.select_related("event"):
        assert note.shown_date == note.event.shown_date


def test_search_counts_only_stated_years():
    _import()
    results = search_run(raw_query="", filters=SearchFilters(), log=False)
    years = {value.value: value.count for value in results.facets["year"]}
    assert str(timezone.localdate().year) not in years
    # 002's three dated meetings, each an event and its note.
    assert years == {"2023": 6}
    undated = [hit for hit in results.hits if hit.date is None]
    assert undated and all(hit.date_label == "" for hit in undated)


def test_imported_writeups_are_not_assessed():
    _import()
    writeups = list(WriteUp.objects.all())
    assert {w.evidence_level for w in writeups} == {EvidenceLevel.NOT_ASSESSED}
    for writeup in writeups:
        assert writeup.get_evidence_level_display() == "Not assessed"
        assert not writeup.is_assessed
        assert writeup.evidence_description
    # "Not assessed" is not a level to filter search results by.
    results = search_run(raw_query="", filters=SearchFilters(), log=False)
    assert results.facets["evidence"] == []


def test_no_calls_to_action_or_references_to_lost_links_and_media():
    _import()
    for where, text in _imported_texts():
        for leftover in LEFTOVERS:
            assert leftover not in text.lower(), (where, leftover)
        # "here" as the words of a lost link.
        assert not re.search(r"\b(see|found|member|sign up)\b[^.]{0,40}\bhere\b[.:]", text), where


def test_excerpts_are_marked_and_end_without_promising_more():
    _import()
    excerpts = WriteUp.objects.filter(is_excerpt=True)
    # 001 is an index page of nine excerpts; in 004 the JSNA post is cut short by "Read more".
    assert excerpts.count() == 10
    assert not WriteUp.objects.get(title="All should mean all").is_excerpt
    for writeup in WriteUp.objects.all():
        assert not PROMISES.search(_last_sentence(writeup.body)), writeup.title
    macmillan = WriteUp.objects.get(title__contains="Macmillann")
    assert "Here is a summary" not in macmillan.body
    assert "five ways" not in macmillan.body
    assert "three reasons" not in WriteUp.objects.get(title__startswith="Co-operatives").body
    assert "opening of a longer post" in macmillan.review_note


def test_events_describe_themselves_not_with_their_notes_summaries():
    _import()
    for note in EventNote.objects.select_related("event"):
        description = " ".join(note.event.description.split())
        assert description, note.title
        assert description != " ".join(note.summary.split()), note.title
        assert note.summary not in description
    second = Event.objects.get(title="Better leadership for health and care (second meeting)")
    assert second.description == (
        "The second meeting in the series “Better leadership for health and care”, held by "
        "A Better Way on 17 April 2023."
    )


def test_importing_the_demo_again_duplicates_nothing():
    _import()
    models = (WriteUp, Comment, Event, EventNote, KeyPoint, Speaker, Series)
    counts = [model.objects.count() for model in models]
    output = _import()
    assert [model.objects.count() for model in models] == counts
    assert "Created 0 write-up(s); 14 already imported" in output
    assert "Created 0 event(s) with notes; 7 already imported." in output
