import re
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from practice.importer import (
    ImportedText,
    derive_title,
    drop_dangling_ending,
    drop_leftovers,
    is_orphan_caption,
    is_spam_paragraph,
    parse_markdown,
    parse_page,
    written_date,
)
from practice.models import Comment, EvidenceLevel, WriteUp
from practice.publishing import Status

pytestmark = pytest.mark.django_db

CHROME = [
    "Read more",
    "Leave a Reply",
    "Connecting to %s",
    "You are commenting using",
    "Log Out",
    "This slideshow requires JavaScript",
    "Fill in your details below",
    "business city clock construction",
    "person gather hand and foot in center",
    "Notwestminster16 (134 of 135)",
]
SPAM = ["augmentin", "antibiotic", "hemodialysis", "buy ", "candidiasis"]


def _import(*args, **options) -> str:
    out = StringIO()
    call_command("import_content", *args, stdout=out, **options)
    return out.getvalue()


def test_corpus_becomes_fourteen_published_writeups_with_sensible_titles():
    _import()
    writeups = list(WriteUp.objects.all())
    # 000: one post, 001: nine excerpts, 003: one post, 004: three posts; 002 is event notes.
    assert len(writeups) == 14
    assert all(w.status == Status.PUBLISHED for w in writeups)
    titles = {w.title for w in writeups}
    assert "All should mean all" in titles
    assert (
        "Do we need to do more or should we just get better at sharing what we have first?"
        in titles
    )
    assert "NHS Improving Qualities" in titles
    assert "The future of local government: being human" in titles
    assert "What would Wellbeing Teams and self-management look like in mental health?" in titles
    for writeup in writeups:
        assert 3 <= len(writeup.title.split()) <= 20 or writeup.title == "All should mean all"
        assert len(writeup.title) <= 110
        assert not writeup.title.lower().startswith("read more")
        assert 40 <= len(writeup.summary) <= 300
        assert writeup.tags.exists(), writeup.title


def test_no_chrome_or_spam_reaches_any_public_page():
    _import()
    public = Client()
    pages = [public.get("/").content.decode(), public.get("/practice/").content.decode()]
    pages += [public.get(w.get_absolute_url()).content.decode() for w in WriteUp.objects.all()]
    for html in pages:
        text = re.sub(r"<[^>]+>", " ", html)
        for chrome in CHROME:
            assert chrome not in text, chrome
        for spam in SPAM:
            assert spam not in text.lower(), spam


def test_spam_is_dropped_and_noted_for_staff_while_the_post_survives():
    _import()
    post = WriteUp.objects.get(title__startswith="I met Neil last year")
    assert "elephants" in post.body_html
    assert "augmentin" not in post.body.lower()
    assert "injected advertising" in post.review_note


def test_reader_comment_is_kept_aside_and_not_shown():
    _import()
    post = WriteUp.objects.get(title="All should mean all")
    comments = list(Comment.objects.filter(writeup=post))
    assert len(comments) == 1
    assert comments[0].body.startswith("All should definitely mean All")
    assert comments[0].is_public is False
    assert "2 comment(s); 1 survived" in post.review_note
    assert (
        "All should definitely mean All"
        not in Client().get(post.get_absolute_url()).content.decode()
    )


def test_category_line_becomes_a_tag():
    _import()
    post = WriteUp.objects.get(title="NHS Improving Qualities")
    assert "health and social care" in {t.name for t in post.tags.all()}


def test_importing_twice_creates_nothing_new():
    _import()
    counts = (WriteUp.objects.count(), Comment.objects.count())
    output = _import()
    assert (WriteUp.objects.count(), Comment.objects.count()) == counts
    assert "Created 0 write-up(s); 14 already imported" in output


def test_dry_run_reports_and_saves_nothing():
    output = _import(dry_run=True)
    assert "Would create 14 write-up(s)" in output
    assert "would create: All should mean all" in output
    assert "removed 1 spam paragraph" in output
    assert not WriteUp.objects.exists()


def test_imports_any_folder_of_markdown_and_text(tmp_path):
    (tmp_path / "carers.md").write_text(
        "---\ntags: carers, peer support\n---\n# Carers cafe in Leeds\n\n"
        "We opened a monthly cafe for carers in a community centre. Twenty carers came to the "
        "first one and most came back; the GP practice now refers people to it.\n"
    )
    (tmp_path / "notes.txt").write_text(
        "Hospital discharge huddles\n\nEvery morning the ward team and the council's social "
        "workers meet for ten minutes to agree who can go home that day and what support they "
        "need. Delays fell within a month.\n"
    )
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    _import(str(tmp_path), draft=True)
    titles = dict(WriteUp.objects.values_list("title", "status"))
    assert titles == {"Carers cafe in Leeds": "draft", "Hospital discharge huddles": "draft"}
    cafe = WriteUp.objects.get(title="Carers cafe in Leeds")
    assert sorted(t.name for t in cafe.tags.all()) == ["carers", "peer support"]


def test_spam_detector_spares_real_clinical_writing():
    clinical = (
        "The pharmacist reviewed every resident's medicines with the GP, and where a drug was "
        "no longer needed the dose was reduced or stopped. Families were involved in each "
        "decision, and falls in the home dropped over the following six months."
    )
    assert not is_spam_paragraph(clinical)
    # Only 001 carries spam; nothing in the other blog pages may be mistaken for it.
    for path in settings.DEMO_CORPUS_DIR.glob("00[0234]_*.txt"):
        for post in parse_page(path.name, path.read_text()):
            assert post.removed_spam == [], path.name


def test_orphan_captions_are_recognised_but_real_headings_are_not():
    assert is_orphan_caption("business city clock construction")
    assert is_orphan_caption("(Image Anthony Mckeown. cc)")
    assert not is_orphan_caption("Care homes")
    assert not is_orphan_caption("We met the team on Monday.")


def test_writeups_imported_under_the_old_keys_are_not_imported_again():
    """Before issue 12 a post was keyed by its title and summary as the old rules made them;
    re-importing a database that holds one must not add the post a second time."""
    old_title = "Carol works in the care sector visiting clients in their own homes for which she…"
    old_summary = (
        "Carol works in the care sector visiting clients in their own homes for which she "
        "receives the National Minimum Wage and 7p a mile mileage. She has been doing it for "
        "three years, but says she is increasingly thinking of leaving because in her view the "
        "industry is getting worse."
    )
    WriteUp.objects.create(
        title=old_title,
        summary=old_summary,
        status=Status.PUBLISHED,
        source_key=ImportedText.key("import:", old_title, old_summary),
    )
    output = _import()
    assert "Created 13 write-up(s); 1 already imported" in output
    assert not WriteUp.objects.filter(title__startswith="Carol works").exclude(title=old_title)


def test_leftover_calls_to_action_and_lost_links_and_media_are_dropped():
    paragraphs = [
        "We ran six sessions for carers in the library. Watch the video below to see how.",
        "Monday 25th June I shared the work with the board members click the image below to "
        "watch the prezi",
        "If you want updates click here and if you want to tell us what you think contact us at",
        "The sessions were free. You can see some highlights here and sign up too. It's free.",
        "The day ended with a conference find out more at",
        "Update – this appeared on twitter this morning (19th Feb 2016)",
        "More from the day: (update – a full round up of blogs can be found here:",
        "Paul Mackay’s round up",
        "Notes from all the sessions.",
        "Carers said the sessions helped them feel less alone, and most came back every week.",
    ]
    assert drop_leftovers(paragraphs) == [
        "We ran six sessions for carers in the library.",
        "Monday 25th June I shared the work with the board members.",
        "The sessions were free.",
        "The day ended with a conference.",
        "Carers said the sessions helped them feel less alone, and most came back every week.",
    ]


def test_an_excerpt_ending_that_promises_more_is_dropped():
    paragraphs = [
        "We met the GP practice to plan the next two teams.",
        "We think there are five ways teams can help people home from hospital. Here is a "
        "summary of the approaches, and what we have tried so far.",
    ]
    assert drop_dangling_ending(paragraphs, excerpt=True) == paragraphs[:1]
    # A whole post keeps its last word; only a colon or an ellipsis at the end goes.
    assert drop_dangling_ending(paragraphs, excerpt=False) == paragraphs
    assert drop_dangling_ending(["First point.", "Here are our thoughts:"], excerpt=False) == [
        "First point."
    ]


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        (
            "Carol works in the care sector visiting clients in their own homes for which she "
            "receives the National Minimum Wage and 7p a mile mileage.",
            "Carol works in the care sector visiting clients in their own homes",
        ),
        (
            "Yesterday I met with colleagues from the hospice, to share how our teams are "
            "working, and what could be possible for people living with cancer at home.",
            "I met with colleagues from the hospice, to share how our teams are working",
        ),
        ("Working out how to measure the right things can be difficult.", None),
    ],
)
def test_a_long_first_sentence_gives_its_main_clause_as_the_title(sentence, title):
    derived = derive_title([sentence])
    assert derived == (title or sentence.rstrip("."))
    assert not derived.endswith(("…", "..."))


def test_a_dateline_gives_the_date_written_and_prose_dates_do_not():
    assert written_date("Posted on 3 May 2016") == date(2016, 5, 3)
    assert written_date("Tuesday, 19 February 2016") == date(2016, 2, 19)
    assert written_date("2016-02-19") == date(2016, 2, 19)
    assert written_date("Monday 4th June was the VODG sector event") is None
    assert written_date("3 May") is None
    page = (
        "Carers cafe in Leeds\n\nPosted on 3 May 2016\n\nWe opened a monthly cafe for carers in "
        "a community centre. Twenty carers came to the first one and most came back; the GP "
        "practice now refers people to it.\n"
    )
    (post,) = parse_page("cafe.txt", page)
    assert post.written_on == date(2016, 5, 3)
    assert "Posted on" not in post.body
    (markdown,) = parse_markdown("cafe.md", "---\ndate: 2016-05-03\n---\n" + page)
    assert markdown.written_on == date(2016, 5, 3)


def test_an_imported_writeup_has_no_date_of_its_own_but_one_written_here_does():
    _import()
    imported = WriteUp.objects.get(title="All should mean all")
    assert imported.published_at is not None and imported.shown_date is None
    assert imported.evidence_level == EvidenceLevel.NOT_ASSESSED
    imported.written_on = date(2016, 2, 19)
    assert imported.shown_date == date(2016, 2, 19)
    written_here = WriteUp.objects.create(
        title="Carers cafe", summary="A monthly cafe for carers.", status=Status.PUBLISHED
    )
    assert written_here.shown_date == timezone.localdate(written_here.published_at)
    assert written_here.evidence_level == EvidenceLevel.TRIED_ONCE  # the form's default
