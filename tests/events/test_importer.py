from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from events.importer import find_speakers, parse_date, parse_event_page
from events.models import Event, EventNote, KeyPoint, Series, Speaker

CORPUS_002 = next(Path(settings.DEMO_CORPUS_DIR).glob("002_*.txt"))


def _import() -> str:
    out = StringIO()
    call_command("import_content", str(CORPUS_002), stdout=out)
    return out.getvalue()


def _speakers(note: EventNote) -> list[tuple[str, str, str]]:
    return [(s.name, s.role_label, s.organisation) for s in note.speakers.all()]


@pytest.mark.django_db
def test_corpus_002_becomes_seven_published_events_with_notes():
    _import()
    notes = {note.title: note for note in EventNote.objects.published().select_related("event")}
    assert len(notes) == 7
    assert Event.objects.published().count() == 7

    power = notes["Shifting power in favour of those experiencing health inequalities"]
    assert _speakers(power) == [
        ("Arvinda Gohil", "Thought leader", ""),
        ("Samira Ben Omar", "Provocateur", ""),
    ]
    assert power.key_points.count() == 11
    assert power.key_points.first().text == (
        "We need to use the power that we have wherever we are in the system."
    )
    assert timezone.localtime(power.event.starts_at).date() == date(2023, 5, 30)
    assert power.event.organiser == "A Better Way"
    assert set(power.tags.names()) >= {"health", "power"}

    first = notes["Better leadership for health and care (first meeting)"]
    assert _speakers(first) == [
        ("Nick Sinclair", "Thought leader", "Local Area Co-ordination Network"),
        ("Luan Grugeon", "Speaker", "NHS Grampian"),
        ("Sam Spencer", "Respondent", "Kensington & Chelsea council"),
        ("Will Nicholson", "Respondent", ""),
        ("Olivia Butterworth", "Respondent", "NHS England"),
    ]
    assert first.key_points.count() == 9

    relational = notes["Creating a relational welfare state"]
    assert [name for name, _, _ in _speakers(relational)] == [
        "David Robinson",
        "Laura Seebolm",
        "Olivia Field",
        "Caroline Slocock",
    ]
    assert relational.speakers.get(name="Caroline Slocock").role_label == "Co-convenor"
    assert timezone.localtime(relational.event.starts_at).date() == date(2023, 3, 2)
    # Names the notes only quote or cite are not speakers.
    assert not Speaker.objects.filter(name__in=["Geoff Mulgan", "Hilary Cottam", "Judith Glaser"])

    wellbeing = notes["Leadership and Well-being"]
    assert wellbeing.question_list == [
        "How can we create a better working environment for those in front-line roles who "
        "have, for example, caring responsibilities.",
        "As leaders, where does our responsibility for the well-being of others stop?",
    ]
    assert wellbeing.key_points.count() == 5
    assert notes["Connecting the connectors"].key_points.count() == 4
    assert len(notes["Connecting the connectors"].question_list) == 7


@pytest.mark.django_db
def test_the_two_leadership_meetings_form_a_series_and_only_stated_dates_are_kept():
    _import()
    series = Series.objects.get(name="Better leadership for health and care")
    first, second = series.events.order_by("series_position")
    assert (first.series_position, second.series_position) == (1, 2)
    # The first meeting's note dates the second ("on April 17th 2023"); its own is never given.
    assert first.starts_at is None
    assert timezone.localtime(second.starts_at).date() == date(2023, 4, 17)
    assert not second.time_recorded
    # "Connecting the connectors" mentions 17 April and 30 March, but as other events' dates.
    assert Event.objects.get(title="Connecting the connectors").starts_at is None
    first_note, second_note = first.notes.get(), second.notes.get()
    assert list(first_note.related_notes.all()) == [second_note]
    assert "note of the" not in second_note.body.lower()


@pytest.mark.django_db
def test_importing_twice_creates_nothing_new(client):
    _import()
    counts = [model.objects.count() for model in (Event, EventNote, Speaker, KeyPoint, Series)]
    output = _import()
    assert [m.objects.count() for m in (Event, EventNote, Speaker, KeyPoint, Series)] == counts
    assert "Created 0 event(s) with notes; 7 already imported." in output


@pytest.mark.django_db
def test_an_undated_meeting_says_so_instead_of_inventing_a_date(client):
    _import()
    event = Event.objects.get(title="Leadership and Well-being")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Date not recorded" in page
    assert "Add to calendar" not in page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on 30th May 2023 was", date(2023, 5, 30)),
        ("Cell on 2nd March 23 was to consider", date(2023, 3, 2)),
        ("the second meeting, on April 17th 2023, can be found", date(2023, 4, 17)),
        ("explored further on 17 April.", date(2023, 4, 17)),
        ("on 31 February 2023", None),
        ("no date here at all", None),
    ],
)
def test_dates_are_read_the_ways_the_notes_write_them(text, expected):
    assert parse_date(text, default_year=2023) == expected


def test_a_day_and_month_without_a_year_is_not_guessed():
    assert parse_date("explored further on 17 April.") is None


def test_speaker_patterns_from_other_pages():
    speakers = find_speakers(
        [
            "Our chair (Priya Shah) welcomed everyone.",
            "Tom Jones, Head of Care at Leeds City Council, spoke about home care.",
            "Responses came from two panellists: Ann Lee, GP; and Bob Hart, carer.",
        ]
    )
    assert [(s.name, s.role, s.organisation) for s in speakers] == [
        ("Priya Shah", "chair", ""),
        ("Tom Jones", "speaker", "Leeds City Council"),
        ("Ann Lee", "panellist", ""),
        ("Bob Hart", "panellist", ""),
    ]


def test_the_organiser_is_what_every_category_line_ends_with():
    page = (
        "Carers, Housing Leeds Network Carers, Housing Leeds Network\n\nCarers at home\n\n"
        "This meeting on 3 June 2024 asked how carers are supported. Here are some of the "
        "key points:\n\n  • Carers need breaks.\n\n  • Respite is scarce.\n\nRead More\n"
        "Dementia Leeds Network Dementia Leeds Network\n\nDementia cafes\n\nWe met online to "
        "share what works in dementia cafes and what does not.\n\nRead More\n"
    )
    carers, cafes = parse_event_page("page.txt", page)
    assert carers.organiser == cafes.organiser == "Leeds Network"
    assert carers.tags[:2] == ["carers", "housing"]
    assert carers.date == date(2024, 6, 3)
    assert carers.key_points == ["Carers need breaks.", "Respite is scarce."]
    assert cafes.date is None
    # Each event says what it is from the facts, never with its note's summary.
    assert carers.description == "A meeting held by Leeds Network on 3 June 2024."
    assert cafes.description == "A meeting held by Leeds Network."
