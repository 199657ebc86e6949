"""Turn scraped blog pages and plain-text or Markdown files into write-ups.

A scraped page is one of three shapes, told apart by its text alone:

- an archive page ("Category: ..." first) holding several posts, each starting with a
  title line after two or more blank lines;
- an index page of excerpts, each ending in "Read more", with no titles: titles are derived
  from each excerpt's text;
- a single post, whose first short line is its title.

Every post is cleaned of site chrome (comment forms, social-login boilerplate, "Read more",
orphan image captions), stripped of injected advertising (see `is_spam_paragraph`), of
calls to action and references to lost links and media (`drop_leftovers`) and of an ending
that leads into what the page did not keep (`drop_dangling_ending`), given a title, a
summary and tags, and keyed by a hash of its source text so importing twice creates nothing
new. Reader comments are kept aside, not published.

Nothing is claimed that the text does not say: a post a "Read more" link followed is marked
as the opening of a longer post (`is_excerpt`); a derived title is the main clause of the
opening sentence, never cut mid-clause; a summary never repeats the first paragraph word for
word; the date written is taken only from a dateline (`written_date`), never from the import.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
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

# --- Dates -------------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_DAY_FIRST = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE)
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE)
YEAR_IN_TEXT = re.compile(r"\b(19|20)\d{2}\b")


def parse_date(text: str, *, default_year: int | None = None) -> date | None:
    """The first date written out in `text`: "30th May 2023", "2nd March 23", "April 17th
    2023", or "17 April" (taking `default_year`, or nothing when there is none)."""
    matches = [m for m in (_DAY_FIRST.search(text), _MONTH_FIRST.search(text)) if m]
    for match in sorted(matches, key=lambda m: m.start()):
        year_text = match.group("year")
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        elif default_year:
            year = default_year
        else:
            continue
        try:
            return date(year, MONTHS[match.group("month").lower()], int(match.group("day")))
        except ValueError:
            continue
    return None


# A line that is only a date, as blogs print when a post was written: "Posted on 3 May 2016",
# "Tuesday, 19 February 2016", "2016-02-19". A date inside the prose is not one.
_DATELINE_PREFIX = re.compile(
    r"^(?:(?:posted|published|written)\s+(?:on\s+)?)?"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?",
    re.IGNORECASE,
)


def written_date(line: str) -> date | None:
    """The date of a dateline (a line that is only a date, with its year), else None."""
    text = _DATELINE_PREFIX.sub("", " ".join(line.split())).rstrip(".")
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    for pattern in (_DAY_FIRST, _MONTH_FIRST):
        match = pattern.fullmatch(text)
        if match and match.group("year") and len(match.group("year")) == 4:
            return parse_date(text)
    return None


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

    @property
    def legacy_keys(self) -> tuple[str, ...]:
        """Keys the same text was imported under by earlier rules, if they differ."""
        return ()

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
    keys = [key for t in texts for key in (t.source_key, *t.legacy_keys)]
    existing = set(queryset.filter(source_key__in=keys).values_list("source_key", flat=True))
    for text in texts:
        if text.source_key in existing or existing.intersection(text.legacy_keys):
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
    # Only the opening of a longer post: the page linked to the rest ("Read more").
    is_excerpt: bool = False
    # The day the text says it was written (a dateline), if it says so.
    written_on: date | None = None
    # The post's source text, whitespace-normalised: its key does not change when the rules
    # that clean, title and summarise it do.
    raw: str = ""
    # Its key under the rules before issue 12 (the old title and summary).
    legacy_key: str = ""

    @property
    def source_key(self) -> str:
        if self.raw:
            return self.key("import:post:", self.raw)
        return self.key("import:", self.title, self.summary)

    @property
    def legacy_keys(self) -> tuple[str, ...]:
        return (self.legacy_key,) if self.legacy_key else ()


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
    # A sentence ends at . ! ? or …, also when a closing quote follows ("…health?” The").
    return [
        s for s in re.split(r"(?:(?<=[.!?…])|(?<=[.!?…][”\"’']))\s+(?=[“‘\"'A-Z0-9])", text) if s
    ]


def _is_epigraph(paragraph: str) -> bool:
    return paragraph.startswith(("“", '"')) and bool(re.search(r"[”\"]\s*[~–—-]\s*\w+", paragraph))


# --- Leftovers of the page: calls to action, lost links and lost media ---------------------
#
# A scrape keeps the words of links, buttons and embeds but not what they pointed at. These
# rules work on sentences: a sentence that only makes sense with its lost link or image goes;
# a trailing clause that does ("... board members click the image below to watch the prezi")
# goes and the rest of the sentence stays.

# Asks the reader to click a link that did not survive.
_CLICK_HERE = re.compile(r"\bclick(?:ing)?\s+(?:on\s+)?(?:here|this link|the link)\b", re.I)
# "click the image below to watch the prezi": this clause and what follows it in the sentence.
_CLICK_MEDIA = re.compile(
    r"[\s,–—-]*\b(?:please\s+)?(?:click|tap)\s+(?:on\s+)?(?:the|this|my|our)\s+"
    r"(?:image|picture|photo|video|button|link|logo|banner|icon|prezi|slides?)\b.*$",
    re.I,
)
# Points at an embed that is not there: "Watch the video below", "this appeared on twitter".
_LOST_MEDIA = re.compile(
    r"\b(?:watch|see|view|play|listen\s+to)\s+(?:the|this|our|my)\s+(?:short\s+)?"
    r"(?:video|prezi|slideshow|slides|clip|film|presentation|animation|podcast|tweet)s?\b"
    r"|\b(?:video|image|picture|photo|prezi|slideshow|clip|tweet|infographic|podcast)s?\s+"
    r"(?:below|above)\b"
    r"|\b(?:this|it)\s+appeared\s+on\s+(?:twitter|facebook|instagram|youtube|linkedin)\b"
    r"|\bprezi\b",
    re.I,
)
# "here" as the words of a lost link: "You can see some highlights here", "become a member
# here", "a full round up of blogs can be found here:".
_LINK_HERE = re.compile(
    r"\b(?:see|find|read|view|download|watch|sign\s+up|register|join|become\s+a\s+member"
    r"|access|book|listen)\b[^.!?]{0,60}?\bhere\b(?=\s*(?:[.:;,!)]|$)|\s+(?:and|to|for|or)\b)"
    r"|\b(?:can|may)\s+be\s+(?:found|seen|read|viewed|downloaded|accessed)\s+here\b"
    r"|\b(?:is|are)\s+(?:available\s+)?here\s*[.:]?\s*$",
    re.I,
)
# An address that was a link and is gone: "find out more at", "contact us at" with nothing after.
_NOTHING_AFTER = re.compile(
    r"[\s,–—-]*\b(?:find\s+out\s+more|more\s+(?:information|details)|contact\s+(?:us|me)"
    r"|e-?mail\s+(?:us|me)|get\s+in\s+touch|visit\s+(?:us|our\s+website))"
    r"\s+(?:at|on|via|here|from)\s*[:.]?\s*$",
    re.I,
)
# What a sentence starting this way says leans on the one before ("It's free and ...").
_LEANS_BACK = re.compile(r"^(?:it|it[’']s|this|that|they|these)\b", re.I)
_NOT_A_SENTENCE_ON_ITS_OWN = re.compile(r"^(?:if|to|for|please|why not|when|so)\b", re.I)


def _complete(text: str) -> bool:
    """Whether what is left of a sentence stands on its own."""
    return (
        len(text.split()) >= 4
        and not _NOT_A_SENTENCE_ON_ITS_OWN.match(text)
        and not ends_mid_clause(text)
    )


def _without_leftovers(sentence: str) -> str | None:
    """The sentence without its lost link or media, or None when nothing worth keeping is left."""
    if _CLICK_HERE.search(sentence) or _LINK_HERE.search(sentence):
        return None
    for clause in (_CLICK_MEDIA, _NOTHING_AFTER):
        match = clause.search(sentence)
        if match:
            head = sentence[: match.start()].rstrip(" ,;:–—-")
            if not _complete(head.lstrip("• ")):
                return None
            sentence = f"{head}."
    if _LOST_MEDIA.search(sentence):
        return None
    return sentence


def _is_link_title(paragraph: str) -> bool:
    """A short line left where a list of links was: "Notes from all the sessions."."""
    return len(paragraph.split()) <= 12 and len(_split_sentences(paragraph)) <= 1


def drop_leftovers(paragraphs: list[str]) -> list[str]:
    """Paragraphs without calls to action, references to lost links and lost media, and the
    bare link titles of a lost list of links ("can be found here:" and the titles after it)."""
    kept: list[str] = []
    link_titles_follow = False
    for paragraph in paragraphs:
        if link_titles_follow and _is_link_title(paragraph):
            continue
        link_titles_follow = False
        sentences: list[str] = []
        dropped = False
        for sentence in _split_sentences(paragraph):
            cleaned = _without_leftovers(sentence)
            if cleaned is None:
                dropped = True
                link_titles_follow = sentence.rstrip().endswith(":")
                continue
            if dropped and _LEANS_BACK.match(cleaned) and len(cleaned.split()) <= 15:
                continue
            dropped = False
            sentences.append(cleaned)
        if sentences:
            kept.append(" ".join(sentences))
            link_titles_follow = False
    return kept


# An ending that promises what the page went on to (and the scrape did not keep): "Here is a
# summary of the approaches", "we also think there are three reasons to ...", "Here I want to
# share ...".
_ANNOUNCES = re.compile(
    r"^(?:here|below)\b"
    r"|\bthere\s+(?:are|were|is)\s+(?:two|three|four|five|six|seven|eight|nine|ten|\d+|a\s+few"
    r"|several|some|a\s+number\s+of)\s+(?:\w+\s+)?(?:reasons|ways|examples|things|lessons|steps"
    r"|ideas|approaches|questions|points|tips|options|areas|principles|features|stages|themes)\b"
    r"|^(?:i|we)\s+(?:want|would\s+like|[’']d\s+like|will|am\s+going|are\s+going|plan)\s+to\s+"
    r"(?:share|call\s+out|explain|set\s+out|describe|look\s+at|explore|tell|show|outline|list"
    r"|introduce|talk\s+about|summari[sz]e)\b",
    re.I,
)
# A text never ends on a colon or trailing off: what followed was lost.
_TRAILS_OFF = re.compile(r"(?::|…|\.\.\.)[.”\"’')]*$")


def drop_dangling_ending(paragraphs: list[str], *, excerpt: bool) -> list[str]:
    """Without the closing sentences that lead into what is missing: a colon or an ellipsis
    at the very end, and, in the opening of a longer post, announcements of what follows."""
    paragraphs = list(paragraphs)
    while paragraphs and not paragraphs[-1].startswith("•"):
        sentences = _split_sentences(paragraphs[-1])
        last = sentences[-1]
        if not (_TRAILS_OFF.search(last) or (excerpt and _ANNOUNCES.search(last))):
            break
        if len(sentences) > 1:
            paragraphs[-1] = " ".join(sentences[:-1])
        else:
            paragraphs.pop()
    return paragraphs


# --- Titles and summaries ----------------------------------------------------------------

# A derived title is at most this long: a person's title, not a sentence.
TITLE_SHORT = 90
# Words a clause cannot end on: articles, prepositions, conjunctions, relative and
# interrogative words, subject pronouns, possessives and auxiliaries ("... for which she").
_DANGLING_GROUPS = (
    "a an the",  # articles
    "of to for in on at by with from about into onto over under through between after before "
    "during without within than as like via per upon towards toward across against among around",
    "and or but nor so yet because although though while whilst whereas if unless until since "
    "that whether",  # conjunctions
    "which who whom whose where when what how why",  # relative and interrogative words
    "i we you he she they my our your his their its this these those such",
    "is are was were be been being am has have had do does did can could will would shall "
    "should may might must not very",
)
DANGLING_WORDS = frozenset(word for group in _DANGLING_GROUPS for word in group.split())


def ends_mid_clause(text: str) -> bool:
    """Whether `text` stops before its clause does: on a word such as "the", "and", "of",
    "which" or "she", on a comma or dash, or trailing off in an ellipsis."""
    stripped = text.rstrip()
    if stripped.endswith(("…", "...", ",", ";", ":", "–", "—", "-")):
        return True
    words = re.findall(r"[\w’'-]+", stripped.lower())
    return not words or words[-1] in DANGLING_WORDS


# Where a clause may end and a title be taken: punctuation, or before a relative clause, a
# subordinate clause or a second main clause. Not before "how", "what", "that" and the like,
# which often start the object the verb before them needs ("to share how ...").
_PUNCTUATION_BREAK = r"(?=,\s|;\s|:\s|\s[–—]\s)"
_WORD_BREAK = re.compile(
    r"(?=\s(?:(?:for|in|to|with|by|of|on|at|from|through)\s+)?(?:which|whom|whose)\b)"
    r"|(?=\s(?:who|where|because|although|though|whereas|while|whilst|but|and|or|so that"
    r"|about how)\b)",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(f"{_PUNCTUATION_BREAK}|{_WORD_BREAK.pattern}", re.IGNORECASE)
# Openings that date a sentence relative to when it was written: meaningless in a title.
_TIME_OPENER = re.compile(
    r"^(?:yesterday|today|this (?:morning|afternoon|evening|week|month|year)"
    r"|last (?:night|week|month|year)|recently|earlier (?:today|this week)"
    r"|(?:over|in) the (?:last|past) (?:few |couple of )?(?:days|weeks|months|years)),?\s+",
    re.IGNORECASE,
)


def _balanced(text: str) -> bool:
    return all(
        text.rfind(opening) <= text.rfind(closing)
        for opening, closing in (("“", "”"), ("‘", "’"), ("(", ")"), ("[", "]"))
    )


def _clause_head(text: str, limit: int, *, at_punctuation: bool = True) -> str:
    """The longest start of `text`, at most `limit` characters, that ends where a clause does;
    "" when there is none. Not `at_punctuation`: only before a relative, subordinate or second
    clause, so that the start holds its verb (a comma may follow a subject: "X, our
    thought leader, spoke")."""
    best = ""
    for match in (_CLAUSE_BREAK if at_punctuation else _WORD_BREAK).finditer(text):
        head = text[: match.start()].rstrip(" ,;:–—")
        if len(head) > limit:
            break
        if len(head.split()) >= 3 and _balanced(head) and not ends_mid_clause(head):
            best = head
    return best


def _shorten_title(title: str, limit: int) -> str:
    """`title` if it fits, else its longest start that ends at a clause boundary; never cut
    mid-clause when a boundary exists, and never marked with an ellipsis."""
    if len(title) <= limit:
        return title
    head = _clause_head(title, limit)
    if head:
        return head
    # No boundary at all: whole words, without a dangling last word.
    words = title[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:–—- ").split()
    while len(words) > 3 and ends_mid_clause(" ".join(words)):
        words.pop()
    return " ".join(words)


def _clean_title(text: str, limit: int = TITLE_LIMIT) -> str:
    title = " ".join(text.split()).strip(" “”\"'")
    title = _SITE_SUFFIX.sub("", title) if " | " in title else title
    title = title.split(" | ")[0].strip()
    title = title.rstrip(".…").rstrip()
    return _shorten_title(title, limit)


def _derived_title(paragraphs: list[str]) -> tuple[str, int | None]:
    """A title for an untitled excerpt, from its opening question or first sentence (its
    main clause when the sentence is long), and the paragraph it came from."""
    for index, paragraph in enumerate(paragraphs):
        if _is_epigraph(paragraph) or len(paragraph.split()) < 4 or paragraph.startswith("•"):
            continue
        first = _split_sentences(paragraph)[0]
        first = " ".join(first.split()).strip(" “”\"'")
        opener = _TIME_OPENER.match(first)
        if opener and len(first[opener.end() :].split()) >= 4:
            rest = first[opener.end() :]
            first = rest[:1].upper() + rest[1:]
        return _clean_title(first, TITLE_SHORT), index
    return (_clean_title(paragraphs[0], TITLE_SHORT) if paragraphs else "Untitled"), None


def derive_title(paragraphs: list[str]) -> str:
    return _derived_title(paragraphs)[0]


def derive_summary(paragraphs: list[str], *, split=None) -> str:
    """Whole sentences from the opening, up to 300 characters; never cut mid-word.

    `split` cuts text into sentences: this module's rules unless told otherwise (the legacy
    key below passes the old ones)."""
    text = " ".join(p for p in paragraphs if not _is_epigraph(p) and not p.startswith("•"))
    text = text or " ".join(paragraphs)
    summary = ""
    for sentence in (split or _split_sentences)(text):
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > SUMMARY_LIMIT:
            break
        summary = candidate
    if not summary:
        summary = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:–—- ") + "…"
    return summary


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def distinct_from_lead(summary: str, paragraphs: list[str]) -> str:
    """`summary`, unless it is the first paragraph word for word: then the first paragraph
    and the main clause of the next one, or a shorter part of the first paragraph."""
    lead = paragraphs[0] if paragraphs else ""
    if not _same_text(summary, lead):
        return summary
    following = next((p for p in paragraphs[1:] if not p.startswith("•")), "")
    if following:
        sentence = _split_sentences(following)[0]
        room = SUMMARY_LIMIT - len(summary) - 1
        if len(sentence) <= room and not _TRAILS_OFF.search(sentence):
            return f"{summary} {sentence}"
        head = _clause_head(sentence, room - 1, at_punctuation=False)
        if head:
            return f"{summary} {head}."
    sentences = _split_sentences(lead)
    if len(sentences) > 1:
        return " ".join(sentences[:-1])
    head = _clause_head(lead, len(lead) - 2, at_punctuation=False)
    return f"{head}." if head else summary


def _summary(paragraphs: list[str], title_from: int | None) -> str:
    """The opening sentences; after the sentence the title was made from, if it was, so that
    the summary does not say the title again; never the first paragraph word for word."""
    summary = ""
    if title_from is not None:
        rest = " ".join(_split_sentences(paragraphs[title_from])[1:])
        after = ([rest] if rest else []) + paragraphs[title_from + 1 :]
        summary = derive_summary(after) if after else ""
    if len(summary) < 40:
        summary = derive_summary(paragraphs)
    return distinct_from_lead(summary, paragraphs)


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


def _raw_text(lines: list[str]) -> str:
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def _ends_in_read_more(lines: list[str]) -> bool:
    last = next((line for line in reversed(lines) if line.strip()), "")
    return bool(READ_MORE.match(last) or _TRAILING_READ_MORE.search(last))


def _take_dateline(lines: list[str]) -> tuple[list[str], date | None]:
    """The lines without a dateline among the first three, and its date."""
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        written = written_date(line)
        if written:
            return lines[:index] + lines[index + 1 :], written
        seen += 1
        if seen == 3:
            break
    return lines, None


def _build_post(
    source: str,
    title: str | None,
    lines: list[str],
    categories: list[str],
    *,
    excerpt: bool = False,
) -> ImportedPost | None:
    raw = _raw_text([title or "", *lines])
    excerpt = excerpt or _ends_in_read_more(lines)
    lines, comments, comment_note = _split_comments(lines)
    lines, written_on = _take_dateline(lines)
    paragraphs = split_paragraphs(clean_lines(lines))
    kept, spam = [], []
    for paragraph in paragraphs:
        (spam if is_spam_paragraph(paragraph) else kept).append(paragraph)
    if not kept or sum(len(p.split()) for p in kept) < 25:
        return None
    legacy_key = _legacy_key(title, kept)
    kept = drop_dangling_ending(drop_leftovers(kept), excerpt=excerpt)
    if not kept:
        return None
    title_from = None
    if title:
        title = _clean_title(title)
    else:
        title, title_from = _derived_title(kept)
    summary = _summary(kept, title_from)
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
        is_excerpt=excerpt,
        written_on=written_on,
        raw=raw,
        legacy_key=legacy_key,
    )


def _split_segments(lines: list[str]) -> list[tuple[list[str], bool]]:
    """The parts of an index page between "Read more" links, and whether one followed."""
    segments: list[tuple[list[str], bool]] = []
    current: list[str] = []
    for line in lines:
        if READ_MORE.match(line):
            segments.append((current, True))
            current = []
        else:
            current.append(line)
    segments.append((current, False))
    return [(segment, more) for segment, more in segments if any(line.strip() for line in segment)]


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
        # An index page of excerpts: no titles of their own; each one that a "Read more"
        # follows is the opening of a longer post.
        posts = [
            _build_post(source, None, segment, categories, excerpt=more)
            for segment, more in segments
        ]
        return [post for post in posts if post]

    first = _first_content_index(lines)
    if first < len(lines) and _is_title_line(lines[first]):
        post = _build_post(source, lines[first], lines[first + 1 :], categories)
    else:
        post = _build_post(source, None, lines, categories)
    return [post] if post else []


def parse_markdown(source: str, text: str) -> list[ImportedPost]:
    """A Markdown file: optional `key: value` front matter, then `# Title` and the body."""
    text = raw_text = _normalise(text)
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
    legacy_key = _legacy_key(title, kept, summary=meta.get("summary", "")[:SUMMARY_LIMIT])
    # Markdown is written for Wheelhouse: its body is kept as written, less any spam.
    body = "\n\n".join(
        block
        for block in re.split(r"\n\s*\n", text.strip())
        if block.strip() and " ".join(block.split()) not in spam
    )
    title_from = None
    if title:
        title = _clean_title(title)
    else:
        title, title_from = _derived_title(kept)
    tags = [t.strip() for t in meta.get("tags", "").strip("[]").split(",") if t.strip()]
    return [
        ImportedPost(
            source=source,
            title=title,
            summary=meta.get("summary", "")[:SUMMARY_LIMIT] or _summary(kept, title_from),
            body=body,
            tags=tags or derive_tags(title, " ".join(kept), []),
            removed_spam=spam,
            written_on=written_date(meta.get("date", "")),
            raw=_raw_text(raw_text.split("\n")),
            legacy_key=legacy_key,
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


# --- Keys of earlier imports ---------------------------------------------------------------
#
# Before issue 12 a write-up was keyed by its title and summary, so every change to the rules
# that make them would import the same post again. Posts are now keyed by their source text
# (ImportedPost.raw); the old key, made by the old rules below (kept verbatim, for nothing
# else), is still recognised so that content imported before is not imported twice. Remove
# this once no database holds write-ups imported before issue 12.


def _legacy_split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?…])\s+(?=[“\"'A-Z0-9])", text) if s]


def _legacy_clean_title(text: str) -> str:
    title = " ".join(text.split()).strip(" “”\"'")
    title = _SITE_SUFFIX.sub("", title) if " | " in title else title
    title = title.split(" | ")[0].strip()
    title = title.rstrip(".").rstrip()
    if len(title) > TITLE_LIMIT:
        clause = max(title.rfind(mark, 40, 95) for mark in (", ", " – ", " — ", ": "))
        if clause > 0:
            return title[:clause].rstrip()
        cut = title[:85].rsplit(" ", 1)[0]
        title = cut.rstrip(",;:–—- ") + "…"
    return title


def _legacy_derive_title(paragraphs: list[str]) -> str:
    for paragraph in paragraphs:
        if _is_epigraph(paragraph) or len(paragraph.split()) < 4:
            continue
        return _legacy_clean_title(_legacy_split_sentences(paragraph)[0])
    return _legacy_clean_title(paragraphs[0]) if paragraphs else "Untitled"


def _legacy_key(title: str | None, kept: list[str], *, summary: str = "") -> str:
    """The key the old rules gave the post whose cleaned paragraphs are `kept`."""
    title = _legacy_clean_title(title) if title else _legacy_derive_title(kept)
    return ImportedText.key(
        "import:", title, summary or derive_summary(kept, split=_legacy_split_sentences)
    )
