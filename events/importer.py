"""Turn scraped pages of meeting notes into events with notes.

A page of event notes holds several meetings, each ending in "Read More". Each starts with
its category line printed twice ("Leadership, Health A Better Way Leadership, Health A Better
Way"), then the title, then prose: who spoke and in what role, what they said, bullet points
(U+2022) from the discussion, sometimes questions to explore next.

Everything here is a heuristic on the text, not on one file:

- the words every category line of the page ends with name the organiser ("A Better Way");
  the rest are categories, which become tags;
- a title ending "(first meeting)" or a sentence "This was the second meeting" puts the
  meeting in a series; "the note of the second meeting, on April 17th 2023" dates the other one;
- a date counts as the meeting's own only in a sentence about "this meeting" or "this session",
  so dates of other events that a note mentions are not taken; no date found means none stored;
- speakers are names in the patterns notes use to introduce them: "X, our thought leader",
  "our provocateur (X)", "X was our second speaker", "X, Director of Y, spoke", "three
  respondents: X, ...; Y, ...; and Z, ...";
- bullets after a lead-in such as "Here are some of the key points" or "it was agreed that"
  are key points; after "questions which could be explored further" or "topics that might be
  explored", questions; other bullets stay in the body;
- the event's description is made from these facts (`event_description`), the note's
  summary from its opening prose: the two never repeat each other.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from practice.importer import (
    READ_MORE,
    YEAR_IN_TEXT,
    ImportedText,
    clean_lines,
    derive_summary,
    derive_tags,
    distinct_from_lead,
    drop_leftovers,
    looks_like_event_notes,
    paragraphs_to_markdown,
    parse_date,
    split_paragraphs,
)

# --- Dates (parse_date is shared with write-ups: practice/importer.py) ---------------------

# A sentence about the meeting itself, not about another event it mentions.
_OWN_MEETING = re.compile(
    r"\b(this|today[’']s)\s+(meeting|session|event|round\s?table|workshop|gathering)\b"
    r"|\bthe meeting (took place|was held)\b",
    re.IGNORECASE,
)

# --- Series ------------------------------------------------------------------------------

ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "6th": 6,
}
_ORDINAL = r"(?P<ordinal>" + "|".join(ORDINALS) + r")"
_TITLE_SERIES = re.compile(
    rf"^(?P<name>.+?)\s*[(\[–—-]\s*{_ORDINAL}\s+(meeting|session|event)\s*[)\]]?$", re.I
)
_TEXT_SERIES = re.compile(rf"\bthis was the {_ORDINAL}\s+(of \w+\s+)?(meeting|session)s?\b", re.I)
_CROSS_REFERENCE = re.compile(
    rf"(\b(the|a)\s+)?\bnote of the {_ORDINAL} (meeting|session)\b(?P<rest>[^.]*?)"
    r"(is|can be found) here\.?",
    re.IGNORECASE,
)

# --- Lists -------------------------------------------------------------------------------

_KEY_POINTS_LEAD = re.compile(
    r"\b(key points|points (that|which)?\s*(emerged|came out|coming out|made|raised)"
    r"|some of the points|it was agreed|were agreed|concluded the (session|meeting|discussion)"
    r"|main points|take-?aways)\b",
    re.IGNORECASE,
)
_QUESTIONS_LEAD = re.compile(
    r"\b(questions?\b[^.]*\b(explore|explored|further|next)|might be explored|to explore next"
    r"|explored further)\b",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^[\s—–_*=~-]+$")
_BULLET = re.compile(r"^(•|-\s|\*\s)\s*")

# --- Speakers ----------------------------------------------------------------------------

_NAME_WORD = r"[A-Z][a-z’']+(?:-[A-Z][a-z’']+)?"
_NAME = rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})"
_ROLE = (
    r"(?P<role>(?i:thought leader|provocateur|co-?convenor|convenor|chair(?:person)?|"
    r"respondent|panellist|panelist|facilitator|host|(?:introductory |keynote |first |second "
    r"|third |guest )?(?:speaker|presenter)))"
)
_DETERMINER = r"(?:our|a|an|the|the then|then)"
_ORG_WORD = r"[A-Z0-9][\w’'&.-]*"
_ORG = (
    rf"(?P<org>(?:(?:a|A)\s+(?={_ORG_WORD}))?{_ORG_WORD}"
    rf"(?:\s+(?:&|and|of|for|on|council|{_ORG_WORD}))*)"
)
# "X, our thought leader", "X from Y, our thought leader", "X, the then co-convenor of Y".
_NAME_COMMA_ROLE = re.compile(
    rf"{_NAME}(?:\s+from\s+(?:the\s+)?(?P<from>[^,]+))?,\s+{_DETERMINER}\s+{_ROLE}\b"
    rf"(?:\s+(?:for|of)\s+{_ORG})?"
)
# "our provocateur (X)", "the cell's thought leader (X)".
_ROLE_PAREN_NAME = re.compile(rf"\b{_ROLE}\s*\(\s*{_NAME}\s*\)")
# "X, CEO of Y, was our introductory speaker", "X was our second speaker".
_NAME_WAS_ROLE = re.compile(rf"{_NAME}(?:,\s+(?P<desc>[^.]*?),)?\s+was\s+our\s+{_ROLE}\b")
# "The first speaker was X, Director of Y", "our first presenter, X, who ...".
_ROLE_WAS_NAME = re.compile(rf"\b{_ROLE}\s*(?:was|,)\s+{_NAME}(?:,\s+(?P<desc>[^.]*?)[.,])?")
# "X, Director of Y, spoke", "X spoke first", "X, from Y, then followed".
_SPEAKING_VERB = (
    r"(?:then\s+)?(?:spoke|shared|opened|began|concluded|explained|presented|described"
    r"|followed|introduced|talked|gave)\b"
)
_NAME_DESC_VERB = re.compile(rf"^{_NAME}(?:,\s+(?P<desc>[^.]*?),)?\s+{_SPEAKING_VERB}")
_RESPONDENTS = re.compile(
    r"\b(?:respondents?|panellists?|panel)\b[^:.]*:\s*(?P<list>[^.]+)", re.IGNORECASE
)
_PRONOUN_DESC = re.compile(r"^(?:He|She|They) (?:is|are|was|were) (?P<desc>[^.]+)")
_DESC_ROLE = re.compile(r"\b(?P<role>thought leader|provocateur|co-?convenor)\b", re.I)
_ORG_IN_DESC = [
    re.compile(rf"\bat\s+(?:the\s+)?{_ORG}"),
    re.compile(rf"\bfrom\s+(?:the\s+)?{_ORG}"),
    re.compile(rf"\bwith\s+(?:the\s+)?{_ORG}"),
    re.compile(rf"\b(?:of|for)\s+(?:the\s+)?{_ORG}"),
    re.compile(rf"^{_ORG}[’']s\b"),
]
# Capitalised sentence openers that the name pattern would otherwise take for a first name.
_NOT_NAMES = {
    "as",
    "the",
    "when",
    "if",
    "so",
    "but",
    "and",
    "our",
    "this",
    "that",
    "then",
    "here",
    "there",
    "we",
    "it",
    "in",
    "on",
    "at",
    "for",
    "after",
    "before",
    "finally",
    "building",
}
_ORG_TRAILING = re.compile(r"(\s+(?:&|and|of|for|on))+$")

ROLE_CHOICES = {
    "thought leader": "thought-leader",
    "provocateur": "provocateur",
    "chair": "chair",
    "chairperson": "chair",
    "respondent": "respondent",
    "panellist": "panellist",
    "panelist": "panellist",
    "speaker": "speaker",
    "presenter": "speaker",
}
# Roles that identify the speaker's part in this meeting when they appear in a description;
# "Chair of the Board" in a job title is not the meeting's chair.
_SPECIFIC_ROLES = {"thought-leader", "provocateur", "other"}


@dataclass
class ImportedSpeaker:
    name: str
    organisation: str = ""
    role: str = "speaker"
    custom_role: str = ""


@dataclass
class ImportedMeeting(ImportedText):
    organiser: str = ""
    date: date | None = None
    series_name: str = ""
    series_position: int | None = None
    speakers: list[ImportedSpeaker] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    # What the event says about itself, made from the facts (see event_description): the
    # note's summary is the note's, and the event must not repeat it.
    description: str = ""
    # The raw first line after the title: with the title, it identifies the meeting even
    # when the cleaning rules change.
    opening: str = ""

    @property
    def source_key(self) -> str:
        return self.key("import:event:", self.title, self.opening)


def _role(raw: str) -> tuple[str, str]:
    """("speaker", "") for a listed role; ("other", "Co-convenor") for any other."""
    words = raw.lower().split()
    key = " ".join(
        word
        for word in words
        if word not in {"introductory", "keynote", "first", "second", "third", "guest"}
    )
    if key in ROLE_CHOICES:
        return ROLE_CHOICES[key], ""
    label = re.sub(r"^co-?convenor$", "co-convenor", key)
    return "other", label[:1].upper() + label[1:]


def _clean_org(org: str | None) -> str:
    if not org:
        return ""
    org = _ORG_TRAILING.sub("", " ".join(org.split())).strip(" ,.")
    return org[:1].upper() + org[1:]


def organisation_in(description: str | None) -> str:
    if not description:
        return ""
    for pattern in _ORG_IN_DESC:
        match = pattern.search(description)
        if match:
            return _clean_org(match.group("org"))
    return ""


def _list_name(item: str) -> tuple[str, str]:
    """Split "Will Nicholson, independent consultant" or "Sam Spencer Officer at Y"."""
    item = re.sub(r"^(and|&)\s+", "", item.strip())
    head, _, tail = item.partition(",")
    words = head.split()
    if tail and 2 <= len(words) <= 3:
        return head.strip(), tail.strip()
    return " ".join(words[:2]), " ".join(words[2:] + ([tail] if tail else []))


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“‘\"'])", paragraph) if s.strip()]


def find_speakers(paragraphs: list[str]) -> list[ImportedSpeaker]:
    """The people the note introduces as speaking, in the order it introduces them."""
    found: dict[str, ImportedSpeaker] = {}

    def add(name: str, raw_role: str, organisation: str = "") -> ImportedSpeaker | None:
        if name.split()[0].lower() in _NOT_NAMES:
            return None
        role, custom = _role(raw_role)
        speaker = found.get(name)
        if speaker is None:
            speaker = found[name] = ImportedSpeaker(name, organisation, role, custom)
        else:
            if role in _SPECIFIC_ROLES and speaker.role == "speaker":
                speaker.role, speaker.custom_role = role, custom
            speaker.organisation = speaker.organisation or organisation
        return speaker

    for paragraph in paragraphs:
        sentences = _sentences(paragraph.lstrip("• "))
        for index, sentence in enumerate(sentences):
            before = set(found)
            for match in _NAME_COMMA_ROLE.finditer(sentence):
                organisation = _clean_org(match.group("from")) or _clean_org(match.group("org"))
                add(match.group("name"), match.group("role"), organisation)
            for match in _ROLE_PAREN_NAME.finditer(sentence):
                add(match.group("name"), match.group("role"))
            for pattern in (_NAME_WAS_ROLE, _ROLE_WAS_NAME):
                for match in pattern.finditer(sentence):
                    add(match.group("name"), match.group("role"), organisation_in(match["desc"]))
            match = _NAME_DESC_VERB.search(sentence)
            if match:
                add(match.group("name"), "speaker", organisation_in(match.group("desc")))
            match = _RESPONDENTS.search(sentence)
            if match:
                role = "respondent" if "respond" in match.group(0).lower() else "panellist"
                separator = r";\s*" if ";" in match["list"] else r",\s*(?:and\s+)?|\s+and\s+"
                for item in re.split(separator, match["list"]):
                    name, description = _list_name(item)
                    if re.fullmatch(rf"{_NAME_WORD}(\s+{_NAME_WORD}){{1,2}}", name):
                        add(name, role, organisation_in(description))
            # "X spoke first. He is the Director of Y, and a thought leader for Z."
            new = [name for name in found if name not in before]
            if new and index + 1 < len(sentences):
                described = _PRONOUN_DESC.match(sentences[index + 1])
                if described:
                    speaker = found[new[-1]]
                    speaker.organisation = speaker.organisation or organisation_in(
                        described["desc"]
                    )
                    role = _DESC_ROLE.search(described["desc"])
                    if role:
                        add(speaker.name, role.group("role"))
    return list(found.values())


# --- Pages -------------------------------------------------------------------------------


def _header_half(line: str) -> str:
    words = line.split()
    return " ".join(words[: len(words) // 2])


def _common_suffix(headers: list[str]) -> list[str]:
    """The words every header ends with, leaving each at least one category word."""
    if len(headers) < 2:
        return []
    word_lists = [header.split() for header in headers]
    suffix: list[str] = []
    for words in zip(*(reversed(w) for w in word_lists), strict=False):
        if len(set(words)) != 1:
            break
        suffix.insert(0, words[0])
    shortest = min(len(words) for words in word_lists)
    return suffix[: max(shortest - 1, 0)] if len(suffix) >= shortest else suffix


def _categories(header: str, suffix: list[str]) -> list[str]:
    words = header.split()
    if suffix:
        words = words[: len(words) - len(suffix)]
    return [part.strip().lower() for part in " ".join(words).split(",") if part.strip()]


def _split_meetings(text: str) -> list[tuple[str, str, str, list[str]]]:
    """(header, title, opening line, body lines) for each meeting on the page."""
    lines = text.replace("\r\n", "\n").replace("\u00a0", " ").split("\n")
    segments: list[list[str]] = [[]]
    for line in lines:
        if READ_MORE.match(line):
            segments.append([])
        else:
            segments[-1].append(line)
    meetings = []
    for segment in segments:
        content = [(i, line.strip()) for i, line in enumerate(segment) if line.strip()]
        if len(content) < 3 or not looks_like_event_notes(content[0][1]):
            continue
        (_, header), (title_index, title) = content[0], content[1]
        opening = content[2][1]
        meetings.append(
            (_header_half(header), " ".join(title.split()), opening, segment[title_index + 1 :])
        )
    return meetings


def _split_lists(paragraphs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Body paragraphs, key points and questions."""
    body: list[str] = []
    key_points: list[str] = []
    questions: list[str] = []
    target: list[str] | None = None
    for index, paragraph in enumerate(paragraphs):
        if _SEPARATOR.match(paragraph):
            continue
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
        # A lead-in ends with a colon, or is followed straight away by the bullets it introduces.
        introduces = paragraph.rstrip().endswith(":") or bool(_BULLET.match(following))
        if _BULLET.match(paragraph):
            if target is None:
                body.append(paragraph)
            else:
                target.append(_BULLET.sub("", paragraph).strip())
            continue
        last_sentence = _sentences(paragraph)[-1]
        if introduces and _QUESTIONS_LEAD.search(paragraph):
            target = questions
        elif introduces and _KEY_POINTS_LEAD.search(last_sentence):
            target = key_points
            # The lead-in sentence goes (the list is shown on its own); the rest is prose.
            rest = paragraph[: paragraph.rfind(last_sentence)].strip()
            if rest:
                body.append(rest)
        else:
            target = None
            body.append(paragraph)
    return body, key_points, questions


def _summary(paragraphs: list[str]) -> str:
    """The opening prose, stopping at the first paragraph that introduces a list."""
    opening: list[str] = []
    for paragraph in paragraphs:
        if _BULLET.match(paragraph):
            break
        if paragraph.rstrip().endswith(":"):
            opening.append(paragraph.rstrip()[:-1].rstrip() + ".")
            break
        opening.append(paragraph)
    # The note's body starts with its first paragraph: the summary must not just repeat it.
    return distinct_from_lead(derive_summary(opening or paragraphs), paragraphs)


def parse_event_page(source: str, text: str) -> list[ImportedMeeting]:
    raw = _split_meetings(text)
    suffix = _common_suffix([header for header, _, _, _ in raw])
    organiser = " ".join(suffix)
    years = Counter(int(m.group(0)) for m in YEAR_IN_TEXT.finditer(text))
    default_year = years.most_common(1)[0][0] if years else None

    meetings: list[ImportedMeeting] = []
    cross_dates: dict[tuple[str, int], date] = {}
    for header, title, opening, lines in raw:
        paragraphs = split_paragraphs(clean_lines(lines))
        # "The note of the first meeting is here": the link is lost, the series link replaces it.
        references = [m for p in paragraphs for m in _CROSS_REFERENCE.finditer(p)]
        paragraphs = [" ".join(_CROSS_REFERENCE.sub("", p).split()) for p in paragraphs]
        # Calls to action and references to lost links or media, as on any scraped page.
        paragraphs = drop_leftovers([p for p in paragraphs if p])
        body, key_points, questions = _split_lists(paragraphs)

        series_name, position = "", None
        titled = _TITLE_SERIES.match(title)
        stated = next((m for p in paragraphs if (m := _TEXT_SERIES.search(p))), None)
        if titled:
            series_name, position = titled["name"].strip(), ORDINALS[titled["ordinal"].lower()]
        elif stated:
            series_name, position = title, ORDINALS[stated["ordinal"].lower()]

        own_date = None
        for sentence in (s for p in body for s in _sentences(p)):
            if _OWN_MEETING.search(sentence):
                own_date = parse_date(sentence, default_year=default_year)
                if own_date:
                    break
        if series_name:
            for reference in references:
                referenced = parse_date(reference["rest"], default_year=default_year)
                if referenced:
                    cross_dates[(series_name.lower(), ORDINALS[reference["ordinal"].lower()])] = (
                        referenced
                    )

        categories = _categories(header, suffix)
        prose = " ".join(body + key_points + questions)
        meetings.append(
            ImportedMeeting(
                source=source,
                title=title,
                summary=_summary(body or key_points),
                body=paragraphs_to_markdown(body),
                organiser=organiser,
                tags=derive_tags(title, prose, categories),
                date=own_date,
                series_name=series_name,
                series_position=position,
                speakers=find_speakers(paragraphs),
                key_points=key_points,
                questions=questions,
                opening=opening,
            )
        )
    for meeting in meetings:
        if meeting.date is None and meeting.series_name:
            key = (meeting.series_name.lower(), meeting.series_position)
            meeting.date = cross_dates.get(key)
        meeting.description = event_description(meeting)
    return meetings


_ORDINAL_WORDS = {number: word for word, number in ORDINALS.items() if word.isalpha()}


def event_description(meeting: ImportedMeeting) -> str:
    """One sentence of what is known about the meeting itself: which meeting of which series,
    who held it and on what day, as far as the text says ("The second meeting in the series
    “Better leadership for health and care”, held by A Better Way on 17 April 2023.")."""
    ordinal = _ORDINAL_WORDS.get(meeting.series_position or 0)
    if meeting.series_name and ordinal:
        text = f"The {ordinal} meeting in the series “{meeting.series_name}”"
    elif meeting.series_name:
        text = f"A meeting in the series “{meeting.series_name}”"
    else:
        text = "A meeting"
    if meeting.organiser:
        text += f"{',' if meeting.series_name else ''} held by {meeting.organiser}"
    if meeting.date:
        day = meeting.date
        text += f" on {day.day} {day:%B} {day.year}"
    return paragraphs_to_markdown([f"{text}."])
