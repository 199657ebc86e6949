import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from practice.importer import is_orphan_caption, is_spam_paragraph, parse_page
from practice.models import Comment, WriteUp
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
