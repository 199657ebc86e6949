"""Turn scraped blog pages and plain-text or Markdown files into write-ups.

A scraped page is one of three shapes, told apart by its text alone:

- an archive page ("Category: ..." first) holding several posts, each starting with a
  title line after two or more blank lines;
- an index page of excerpts, each ending in "Read more", with no titles: titles are derived
  from each excerpt's text;
- a single post, whose first short line is its title.

Every post is cleaned of site chrome (comment forms, social-login boilerplate, "Read more",
orphan image captions), stripped of injected advertising (see `is_spam_paragraph`), given
a title, a summary and tags, and keyed by a hash of its text so importing twice creates
nothing new. Reader comments are kept aside, not published.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from django.db.models import QuerySet

SUMMARY_LIMIT = 300
TITLE_LIMIT = 110

# --- Site chrome -------------------------------------------------------------------------

READ_MORE = re.compile(r"^\s*read more\s*[.…]*\s*$", re.IGNORECASE)
_TRAILING_READ_MORE = re.compile(r"\s+read more\s*[.…]*\s*$", re.IGNORECASE)
_COMMENT_FORM_START = re.compile(r"^\s*(leave a reply|leave a comment|post a comment)\b", re.I)
_COMMENTS_HEADER = re.compile(
    r"^\s*(\d+|one|two|three|four|five)\s+(thoughts?|comments?|responses?|replies)\s+on\s+[“\"']",
    re.IGNORECASE,
)
_CHROME_LINES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^this slideshow requires javascript\.?$",
        r"^connecting to %s$",
        r"^fill in your details below or click an icon to log in",
        r"^you are commenting using your .* account",
        r"^(twitter|facebook|google\+?|wordpress\.com) (picture|photo|logo)$",
        r"^(share this|like this|related|loading\.\.\.|notify me of .*)[:.]?$",
        r"^\(?\s*log\s*out\s*/\s*change\s*\)?$",
        r"^posted (in|by) .{0,60}$",
        r"^(click here to )?(subscribe|follow) (to )?(this blog|by email)\.?$",
    )
]
# Captions whose images were lost: gallery file names, credits, and stock-photo keywords.
_CAPTION_LINES = [
    re.compile(r"\(\d+ of \d+\)$"),
    re.compile(r"^\((image|photo|picture|credit)\b", re.IGNORECASE),
    re.compile(r"^(image|photo) (by|credit|courtesy)\b", re.IGNORECASE),
]
_CATEGORY_LINE = re.compile(r"^\s*categor(y|ies)\s*:\s*(?P<names>.+)$", re.IGNORECASE)
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[A-Z0-9][\w .]{0,30}$")


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def is_chrome_line(line: str) -> bool:
    stripped = line.strip()
    return any(pattern.search(stripped) for pattern in _CHROME_LINES)


def is_orphan_caption(line: str) -> bool:
    """A caption left behind by an image: a credit, a gallery name, or bare stock keywords."""
    stripped = " ".join(line.split())
    if any(pattern.search(stripped) for pattern in _CAPTION_LINES):
        return True
    words = stripped.split()
    # Stock-photo keyword strings: a handful of lower-case words with no punctuation at all.
    return (
        2 <= len(words) <= 8
        and stripped[0].islower()
        and all(word.isalpha() and word.islower() for word in words)
    )


# --- Spam --------------------------------------------------------------------------------

# Words of pharmaceutical sales copy. Clinical words appear in real health writing too, so a
# paragraph needs many of them, densely, or the language of selling, to count as spam.
_PHARMA_TERMS = {
    "antibiotic",
    "antibiotics",
    "antibacterial",
    "dosage",
    "dose",
    "doses",
    "pills",
    "pill",
    "tablets",
    "capsules",
    "mg",
    "prescribed",
    "prescription",
    "drug",
    "drugs",
    "excreted",
    "hemodialysis",
    "haemodialysis",
    "anaphylaxis",
    "angioedema",
    "vasculitis",
    "necrolysis",
    "hepatitis",
    "flatulence",
    "bloating",
    "nausea",
    "colitis",
    "candidiasis",
    "epigastric",
    "gastrointestinal",
    "superinfection",
    "therapy",
    "therapeutic",
    "toxic",
    "side",
    "effects",
    "breastfeeding",
    "fetus",
    "allergic",
    "infection",
    "membranes",
    "clavulanic",
    "clavulonic",
    "fermentation",
    "bacteria",
    "gram-positive",
    "pharmacy",
    "viagra",
    "cialis",
    "generic",
}
_SELLING = re.compile(
    r"\b(buy|order|purchase|cheap|discount)\b[\w\s-]{0,40}\b(online|canada|no prescription|"
    r"without (a )?prescription|overnight|pharmacy)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z][a-z'’-]*", re.IGNORECASE)


def is_spam_paragraph(paragraph: str) -> bool:
    words = [word.lower() for word in _WORD.findall(paragraph)]
    if len(words) < 15:
        return False
    pharma = sum(1 for word in words if word in _PHARMA_TERMS)
    density = pharma / len(words)
    online = words.count("online")
    if _SELLING.search(paragraph) and (pharma >= 3 or online >= 2):
        return True
    # Sales copy scattered with "online" where no web context makes sense.
    if online >= 3 and density >= 0.04:
        return True
    return density >= 0.08 and pharma >= 8


# --- Topics ------------------------------------------------------------------------------

# Tag name -> the phrases that signal it. Matched case-insensitively on word boundaries.
TOPICS: dict[str, tuple[str, ...]] = {
    "co-production": ("co-production", "coproduction", "co-produce", "coproduce", "co-produced"),
    "wellbeing": ("wellbeing", "well-being"),
    "wellbeing teams": ("wellbeing teams",),
    "learning disability": ("learning disability", "learning disabilities", "ldweek"),
    "mental health": ("mental health",),
    "social care": ("social care", "care sector"),
    "leadership": ("leadership", "leaders", "future leaders"),
    "workforce": ("workforce",),
    "health inequalities": ("health inequalities", "inequalities", "inequality"),
    "community": ("community", "communities", "community business", "neighbourhoods"),
    "care homes": ("care home", "care homes"),
    "commissioning": ("commissioning", "commissioned", "commission"),
    "self-management": ("self-management", "self management", "self-managed", "self-managing"),
    "co-operatives": ("co-operative", "co-operatives", "cooperative", "cooperatives", "co-ops"),
    "equality and diversity": ("equality", "diversity", "inclusion", "all means all"),
    "lived experience": ("lived experience",),
    "families and carers": ("carer", "carers", "parent carers", "families", "family members"),
    "local government": ("local government", "council", "councils", "local authorities"),
    "social media": ("social media", "twitter", "facebook"),
    "JSNA": ("jsna", "joint strategic needs assessment"),
    "support at home": ("at home", "home care", "living well at home", "own homes"),
    "hospitals": ("hospital", "hospitals", "hospital admission"),
    "dementia": ("dementia",),
    "measuring outcomes": ("measure", "measuring", "outcomes"),
    "social enterprise": ("social enterprise", "social franchising", "employee ownership"),
    "sharing practice": ("share", "sharing", "wheel"),
    "public services": ("public services", "public servants", "public servant"),
    "cancer": ("cancer", "macmillan"),
    "older people": ("older people",),
    "voluntary sector": ("voluntary sector", "voluntary", "charities", "vcse"),
    "social prescribing": ("social prescribing",),
    "relationships": ("relationships", "relational", "connecting", "connector", "connectors"),
    "NHS": ("nhs",),
    "empathy": ("empathy", "humanity", "compassionate"),
}
_TOPIC_PATTERNS = {
    name: re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in phrases) + r")(?![\w-])", re.I)
    for name, phrases in TOPICS.items()
}
MAX_TAGS = 6


def derive_tags(title: str, text: str, categories: list[str]) -> list[str]:
    """Category names, then the topics the text keeps coming back to."""
    counts: Counter[str] = Counter()
    for name, pattern in _TOPIC_PATTERNS.items():
        in_body = len(pattern.findall(text))
        in_title = len(pattern.findall(title))
        if in_body + in_title >= 2 or in_title:
            counts[name] = in_body + 3 * in_title
    tags = [category.lower() for category in categories]
    for name, _ in counts.most_common():
        if len(tags) >= MAX_TAGS:
            break
        if name.lower() not in tags:
            tags.append(name)
    return tags


ImportedTextT = TypeVar("ImportedTextT", bound="ImportedText")

# --- Posts -------------------------------------------------------------------------------


@dataclass
class ImportedText:
    """What every importer reads from a source: a titled text, and where it came from."""

    source: str
    title: str
    summary: str
    body: str
    tags: list[str] = field(default_factory=list)

    @staticmethod
    def key(prefix: str, *parts: str) -> str:
        """A stable key for the same source text, so importing twice creates nothing new."""
        digest = hashlib.sha1("\n".join(parts).encode(), usedforsecurity=False)
        return f"{prefix}{digest.hexdigest()}"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def not_yet_imported(
    queryset: QuerySet, texts: Sequence[ImportedTextT], report: ImportReport
) -> Iterator[ImportedTextT]:
    """Each text whose `source_key` nothing in `queryset` has yet, once; the report lists
    them as created and the others (imported before, or twice in `texts`) as skipped."""
    existing = set(
        queryset.filter(source_key__in=[t.source_key for t in texts]).values_list(
            "source_key", flat=True
        )
    )
    for text in texts:
        if text.source_key in existing:
            report.skipped.append(text.title)
            continue
        existing.add(text.source_key)
        report.created.append(text.title)
        yield text


@dataclass
class ImportedComment:
    author_name: str
    body: str


@dataclass
class ImportedPost(ImportedText):
    comments: list[ImportedComment] = field(default_factory=list)
    removed_spam: list[str] = field(default_factory=list)
    comment_note: str = ""

    @property
    def source_key(self) -> str:
        return self.key("import:", self.title, self.summary)


def split_paragraphs(lines: list[str]) -> list[str]:
    """Join lines into paragraphs; a bullet (U+2022 or a dash) starts its own paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        stripped = line.strip()
        is_bullet = stripped.startswith(("•", "- ", "* "))
        if (not stripped or is_bullet) and current:
            paragraphs.append(" ".join(current))
            current = []
        if stripped:
            current.append(stripped)
    return [" ".join(p.split()) for p in paragraphs if p.strip()]


def _split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?…])\s+(?=[“\"'A-Z0-9])", text) if s]


def _is_epigraph(paragraph: str) -> bool:
    return paragraph.startswith(("“", '"')) and bool(re.search(r"[”\"]\s*[~–—-]\s*\w+", paragraph))


def _clean_title(text: str) -> str:
    title = " ".join(text.split()).strip(" “”\"'")
    title = _SITE_SUFFIX.sub("", title) if " | " in title else title
    title = title.split(" | ")[0].strip()
    title = title.rstrip(".").rstrip()
    if len(title) > TITLE_LIMIT:
        # Prefer ending at a clause boundary; otherwise at a word, marked as cut.
        clause = max(title.rfind(mark, 40, 95) for mark in (", ", " – ", " — ", ": "))
        if clause > 0:
            return title[:clause].rstrip()
        cut = title[:85].rsplit(" ", 1)[0]
        title = cut.rstrip(",;:–—- ") + "…"
    return title


def derive_title(paragraphs: list[str]) -> str:
    """A title for an untitled excerpt: its opening question or first sentence."""
    for paragraph in paragraphs:
        if _is_epigraph(paragraph) or len(paragraph.split()) < 4:
            continue
        first = _split_sentences(paragraph)[0]
        return _clean_title(first)
    return _clean_title(paragraphs[0]) if paragraphs else "Untitled"


def derive_summary(paragraphs: list[str]) -> str:
    """Whole sentences from the opening, up to 300 characters; never cut mid-word."""
    text = " ".join(p for p in paragraphs if not _is_epigraph(p) and not p.startswith("•"))
    text = text or " ".join(paragraphs)
    summary = ""
    for sentence in _split_sentences(text):
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > SUMMARY_LIMIT:
            break
        summary = candidate
    if not summary:
        summary = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:–—- ") + "…"
    return summary


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _markdown_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"^(#+|\d+\.)(?=\s)", r"\\\1", text)


def _is_subheading(paragraph: str) -> bool:
    words = paragraph.split()
    return (
        1 <= len(words) <= 6
        and paragraph[0].isupper()
        and not re.search(r"[.!?:;,…)”\"]$", paragraph)
    )


def paragraphs_to_markdown(paragraphs: list[str]) -> str:
    blocks: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph.startswith("•"):
            item = _markdown_escape(paragraph.lstrip("• ").strip())
            if blocks and blocks[-1].startswith("- "):
                blocks[-1] += f"\n- {item}"
            else:
                blocks.append(f"- {item}")
        elif _is_subheading(paragraph) and index + 1 < len(paragraphs):
            blocks.append(f"## {_markdown_escape(paragraph)}")
        else:
            blocks.append(_markdown_escape(paragraph))
    return "\n\n".join(blocks)


def _split_comments(lines: list[str]) -> tuple[list[str], list[ImportedComment], str]:
    """Separate the post from its reader comments and drop the comment form after them."""
    for index, line in enumerate(lines):
        if _COMMENT_FORM_START.match(line):
            lines = lines[:index]
            break
    for index, line in enumerate(lines):
        match = _COMMENTS_HEADER.match(line)
        if match:
            comment_lines = lines[index + 1 :]
            comments = []
            for paragraph in _split_comment_blocks(comment_lines):
                comments.append(ImportedComment(author_name="", body=paragraph))
            announced = match.group(1)
            note = (
                f"The page announced {announced} comment(s); {len(comments)} survived the scrape."
            )
            return lines[:index], comments, note
    return lines, [], ""


def _split_comment_blocks(lines: list[str]) -> list[str]:
    """Numbered comments ("1. ...") start a new comment; indented lines continue it."""
    comments: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        numbered = re.match(r"^\d+\.\s+(.*)$", stripped)
        if numbered or not comments:
            comments.append([numbered.group(1) if numbered else stripped])
        else:
            comments[-1].append(stripped)
    return ["\n\n".join(parts) for parts in comments if parts]


def clean_lines(lines: list[str]) -> list[str]:
    """Lines with site chrome, "Read more" links and captions of lost images blanked."""
    cleaned = []
    for line in lines:
        if READ_MORE.match(line) or is_chrome_line(line):
            cleaned.append("")
            continue
        if line.strip() and is_orphan_caption(line):
            cleaned.append("")
            continue
        cleaned.append(_TRAILING_READ_MORE.sub("", line))
    return cleaned


def _blank_runs(lines: list[str]) -> list[int]:
    """For each line, how many blank lines come straight before it."""
    runs, blank = [], 0
    for line in lines:
        runs.append(blank)
        blank = blank + 1 if not line.strip() else 0
    return runs


def _build_post(
    source: str, title: str | None, lines: list[str], categories: list[str]
) -> ImportedPost | None:
    lines, comments, comment_note = _split_comments(lines)
    paragraphs = split_paragraphs(clean_lines(lines))
    kept, spam = [], []
    for paragraph in paragraphs:
        (spam if is_spam_paragraph(paragraph) else kept).append(paragraph)
    if not kept or sum(len(p.split()) for p in kept) < 25:
        return None
    title = _clean_title(title) if title else derive_title(kept)
    summary = derive_summary(kept)
    text = " ".join(kept)
    return ImportedPost(
        source=source,
        title=title,
        summary=summary,
        body=paragraphs_to_markdown(kept),
        tags=derive_tags(title, text, categories),
        comments=comments,
        removed_spam=spam,
        comment_note=comment_note,
    )


def _split_segments(lines: list[str]) -> list[list[str]]:
    segments, current = [], []
    for line in lines:
        if READ_MORE.match(line):
            segments.append(current)
            current = []
        else:
            current.append(line)
    segments.append(current)
    return [segment for segment in segments if any(line.strip() for line in segment)]


def _is_title_line(line: str) -> bool:
    stripped = line.strip()
    words = stripped.split()
    return (
        1 <= len(words) <= 20
        and not stripped.endswith((":", ",", ";"))
        and not stripped.startswith(("•", "(", "-"))
        and not is_chrome_line(stripped)
        and not is_orphan_caption(stripped)
    )


def _first_content_index(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line.strip()), len(lines))


def parse_archive(source: str, lines: list[str], categories: list[str]) -> list[ImportedPost]:
    """Several titled posts on one page: a title follows two or more blank lines."""
    runs = _blank_runs(lines)
    starts = [_first_content_index(lines)]
    for index, line in enumerate(lines):
        if index > starts[0] and runs[index] >= 2 and _is_title_line(line):
            starts.append(index)
    posts = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        post = _build_post(source, lines[start], lines[start + 1 : end], categories)
        if post:
            posts.append(post)
    return posts


def parse_page(source: str, text: str) -> list[ImportedPost]:
    """Every post on one scraped page or plain-text file."""
    lines = _normalise(text).split("\n")
    start = _first_content_index(lines)
    categories: list[str] = []
    category = _CATEGORY_LINE.match(lines[start]) if start < len(lines) else None
    if category:
        categories = [name.strip() for name in category.group("names").split(",") if name.strip()]
        return parse_archive(source, lines[start + 1 :], categories)

    segments = _split_segments(lines)
    if len(segments) > 1:
        # An index page of excerpts: no titles of their own.
        posts = [_build_post(source, None, segment, categories) for segment in segments]
        return [post for post in posts if post]

    first = _first_content_index(lines)
    if first < len(lines) and _is_title_line(lines[first]):
        post = _build_post(source, lines[first], lines[first + 1 :], categories)
    else:
        post = _build_post(source, None, lines, categories)
    return [post] if post else []


def parse_markdown(source: str, text: str) -> list[ImportedPost]:
    """A Markdown file: optional `key: value` front matter, then `# Title` and the body."""
    text = _normalise(text)
    meta: dict[str, str] = {}
    front = re.match(r"^---\n(.*?)\n---\n", text, re.DOTALL)
    if front:
        for line in front.group(1).split("\n"):
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    title = meta.get("title") or (heading.group(1) if heading else "")
    if heading:
        text = text[: heading.start()] + text[heading.end() :]
    plain = [p for p in split_paragraphs(text.split("\n")) if not p.startswith("#")]
    kept = [p for p in plain if not is_spam_paragraph(p)]
    spam = [p for p in plain if is_spam_paragraph(p)]
    if not kept:
        return []
    body = "\n\n".join(
        block
        for block in re.split(r"\n\s*\n", text.strip())
        if block.strip() and " ".join(block.split()) not in spam
    )
    title = _clean_title(title) if title else derive_title(kept)
    tags = [t.strip() for t in meta.get("tags", "").strip("[]").split(",") if t.strip()]
    return [
        ImportedPost(
            source=source,
            title=title,
            summary=meta.get("summary", "")[:SUMMARY_LIMIT] or derive_summary(kept),
            body=body,
            tags=tags or derive_tags(title, " ".join(kept), []),
            removed_spam=spam,
        )
    ]


def looks_like_event_notes(text: str) -> bool:
    """Event-note pages open with a category line repeated twice ("X, Y Site X, Y Site")."""
    first = next((line.strip() for line in _normalise(text).split("\n") if line.strip()), "")
    words = first.split()
    half = len(words) // 2
    return len(words) >= 4 and len(words) % 2 == 0 and words[:half] == words[half:]


def read_folder(folder: Path) -> list[tuple[Path, str]]:
    """The .txt and .md files of `folder` (or the one file), in name order."""
    paths = [folder] if folder.is_file() else sorted(folder.iterdir())
    return [
        (path, path.read_text(encoding="utf-8", errors="replace"))
        for path in paths
        if path.is_file()
        and path.suffix.lower() in {".txt", ".md", ".markdown"}
        # A folder's README describes the folder; it is not content.
        and not (folder.is_dir() and path.stem.upper() == "README")
    ]
