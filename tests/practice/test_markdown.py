import pytest

from practice.markdown import render_markdown
from tests.conftest import make_writeup

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src="x.png" onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">hi</div>',
    "<svg onload=alert(1)><circle /></svg>",
    '<form action="https://evil.example"><input name="password"></form>',
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<object data="evil.swf"></object><embed src="evil.swf">',
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_comes_out_inert(source):
    html = render_markdown(source).lower()
    for dangerous in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<iframe",
        "style=",
        "<svg",
        "<form",
        "<input",
        "data:text",
        "<object",
        "<embed",
    ):
        assert dangerous not in html, (source, html)


def test_safe_markdown_survives_with_accessible_headings_and_links():
    html = render_markdown(
        "# Heading one\n\nSome **bold** text and a [link](https://example.org).\n\n"
        "![](https://example.org/a.png)\n\n[](https://example.org/empty)\n\n- one\n- two"
    )
    assert "<h2>Heading one</h2>" in html  # the page title is the only <h1>
    assert "<h1" not in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'alt=""' in html  # images always carry alt text
    assert ">https://example.org/empty</a>" in html  # empty links get their address as text
    assert "<li>one</li>" in html


@pytest.mark.django_db
def test_saved_writeup_stores_sanitised_html_for_body_and_sections():
    writeup = make_writeup(
        body="Hello <script>steal()</script> **world**",
        outcomes='<img src=x onerror="steal()"> Numbers went up',
    )
    assert "<script" not in writeup.body_html and "<strong>world</strong>" in writeup.body_html
    assert "onerror" not in writeup.sections_html["outcomes"]
    assert "Numbers went up" in writeup.sections_html["outcomes"]
