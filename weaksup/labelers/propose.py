"""Labeling functions proposed by a language model, validated on labelled rows before they are kept.

:func:`propose_lfs` asks a :mod:`weaksup.labelers` backend (the bundled SmolLM2
through :class:`~weaksup.labelers.backends.HFBackend`, or any OpenAI-compatible
server through :class:`~weaksup.labelers.backends.OpenAIBackend`), for each label,
for keywords, regular expressions or yes/no questions that indicate it.  Each
reply line becomes a :class:`Proposal`; :func:`validate_proposals` turns each one
into an LF or a rejection with its reason:

* malformed: unknown kind, unknown label, empty keyword, a regex that does not
  compile or matches the empty string, a question without text, a duplicate;
* on the labelled rows (when given): votes on fewer than ``min_coverage`` rows,
  or a Wilson lower bound of precision that does not beat the prior of its class
  (the rule of :class:`weaksup.lfgen.LFGenerator`).

Nothing a backend or a proposal does is raised into the caller's loop: backend
failures (HTTP errors, timeouts, malformed replies, an empty reply) and LFs that
fail on a row are recorded in the result's table with the reason.

A reply line reads ``KIND: PATTERN`` or ``KIND [LABEL]: PATTERN`` (``keyword``,
``regex`` or ``prompt``; LABEL a label name or its index); a list item (``- free money``, ``2. "free money"``) or a
bare line without a colon is a keyword for the label the prompt asked about.  The
formats chat models use are read too: markdown emphasis and an explanation after the
term (``1. **Subscribe** - asks to subscribe``: ``Subscribe``), JSON lists
(``["song", "love"]``, also as the whole reply or a JSON object of lists by kind or
label), ``/pattern/i`` regexes.  A proposal that cannot be read (a regex flag other
than ``i``/``g``, a reply cut off inside a quoted keyword, garbled characters) is
rejected with a reason that says so.

>>> from weaksup.labelers.propose import parse_proposals, validate_proposals
>>> res = validate_proposals(parse_proposals("keyword: subscribe\\nregex: (unclosed\\nkeyword [eggs]: x",
...                                          ["ham", "spam"], default_label="spam"), ["ham", "spam"])
>>> res.table[["kind", "pattern", "status"]].values.tolist()
[['keyword', 'subscribe', 'kept'], ['regex', '(unclosed', 'rejected'], ['keyword', 'x', 'rejected']]
>>> res.rejected["reason"].tolist()
['bad regex: missing ), unterminated subpattern at position 0', "unknown label 'eggs' (labels: ['ham', 'spam'])"]
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from weaksup.labelers.backends.base import Backend
from weaksup.lf import LabelingFunction
from weaksup.votes import ABSTAIN

__all__ = ["Proposal", "ProposalResult", "parse_proposals", "validate_proposals", "propose_lfs", "KINDS",
           "proposal_prompt"]

KINDS = ("keyword", "regex", "prompt")
#: ``KIND [label]: pattern`` with an optional bullet and markdown emphasis.  No two runs of spaces can take
#: the same spaces (a kind is words joined by single runs of spaces, each ``\s*`` follows a fixed token),
#: so a line that does not match fails in linear time, not the polynomial backtracking of overlapping ``\s*``.
_LINE = re.compile(r"^\s*(?:(?:[-*•・·]|\d+[.)、．）])\s*)?(?:\*\*|__)?(?P<kind>[A-Za-z_]+?(?: +[A-Za-z_]+?)*?)\s*"
                   r"(?:(?:\*\*|__)\s*)?(?:\[(?P<label>[^\]]*)\]\s*(?:(?:\*\*|__)\s*)?)?:\s*(?P<pattern>.*)$")
_COLUMNS = ["origin", "kind", "label", "pattern", "status", "reason", "name", "warning"]
#: A list item: "-", "*", "•", "1." or "1)" then a space; CJK replies write "・", "1、", "1．" or "1）", with no space.
_BULLET = re.compile(r"^\s*(?:(?:[-*•]|\d+[.)])\s+|(?:[・·]|\d+[、．）])\s*)(?P<pattern>.+)$")
#: How a reply may name a kind (``keywords:``, ``question:``, ...).
_KIND_NAMES = {"keyword": "keyword", "keywords": "keyword", "phrase": "keyword", "phrases": "keyword",
               "regex": "regex", "regexes": "regex", "regexp": "regex", "pattern": "regex", "patterns": "regex",
               "prompt": "prompt", "prompts": "prompt", "question": "prompt", "questions": "prompt"}
#: Quotes around a term or a regex.
_QUOTES = (('"', '"'), ("'", "'"), ("`", "`"), ("“", "”"), ("‘", "’"), ("«", "»"), ("„", "“"), ("„", "”"),
           ("‚", "‘"), ("»", "«"), ("‹", "›"), ("「", "」"), ("『", "』"), ("＂", "＂"), ("＇", "＇"))
#: A quote that may open an item of a keyword list, and the characters that close it („ closes with “ in German,
#: with ” in Polish or Hungarian).
_OPENING = {'"': '"', "`": "`", "'": "'", "“": "”", "„": "“”", "«": "»", "»": "«", "‹": "›", "「": "」", "『": "』",
            "＂": "＂"}
#: Delimiters around a term (markdown emphasis, quotes), longest first.
_WRAPS = (("**", "**"), ("__", "__"), ("*", "*"), ("_", "_")) + _QUOTES
#: What may follow a delimited term: its explanation ("**Subscribe** - asks to subscribe").
_AFTER_TERM = re.compile(r"^\s*(?:$|[-–—:(,;.])")
#: An explanation after an undelimited term: a spaced dash, or a colon and a space.
_EXPLANATION = re.compile(r"\s+[-–—]\s+|:\s+")
#: A bracketed list of keywords: ``[...]``, or ``["...`` cut off by the token limit.
_BRACKETED = re.compile(r"^\s*\[(?:.*\]\s*$|\s*[\"'])", re.DOTALL)
#: A markdown heading ("### Keywords"), ignored like other chatter.
_HEADING = re.compile(r"^\s*#{1,6}\s")
#: ``/pattern/flags``, as JavaScript, Perl/PCRE and many chat replies write a regex.  Trailing letters that are
#: all regex flag letters of JavaScript, Perl/PCRE or Python (``/a b/x`` too, Perl's verbose flag) are flags, so a
#: flag other than i/g is refused, never kept as literal text; a path such as ``/usr/local/bin`` stays a pattern.
_SLASHED = re.compile(r"^/(?P<body>.+)/(?P<flags>[acdgilmnopsuvxyADJLU]*)$", re.DOTALL)


@dataclass
class Proposal:
    """One proposed LF: ``kind`` (keyword/regex/prompt), the ``label`` as written, the ``pattern``.

    ``raw`` is the reply line it came from; ``origin`` says who proposed it; ``error``, when
    not empty, why the reply could not be read (the proposal is rejected with it as reason).
    """

    kind: str
    label: Any
    pattern: str
    raw: str = ""
    origin: str = "user"
    #: Why the reply could not be read as a proposal ("" when it could); the proposal is rejected with it.
    error: str = ""


@dataclass
class ProposalResult:
    """What :func:`validate_proposals` / :func:`propose_lfs` kept and rejected.

    Attributes
    ----------
    lfs : list of LabelingFunction
        The kept LFs (keyword and regex LFs carry ``.source``).
    table : pandas.DataFrame
        One row per proposal: ``origin, kind, label, pattern, status`` (``kept`` or
        ``rejected``), ``reason``, ``name``, ``warning`` (what building its LF warned, such as
        Python's "Possible nested set" FutureWarning for a regex; "" when nothing) and, with
        labelled rows, ``coverage, correct, precision, wilson_lb``.
    replies : list of str
        The raw backend replies (one per prompt; empty on a backend failure).
    """

    lfs: list[LabelingFunction] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    replies: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> pd.DataFrame:
        """The rejected rows of :attr:`table`."""
        if self.table.empty:
            return self.table
        return self.table[self.table["status"] == "rejected"].reset_index(drop=True)

    @property
    def kept(self) -> pd.DataFrame:
        """The kept rows of :attr:`table`."""
        if self.table.empty:
            return self.table
        return self.table[self.table["status"] == "kept"].reset_index(drop=True)

    def __repr__(self) -> str:
        return f"ProposalResult({len(self.lfs)} kept, {len(self.rejected)} rejected)"


def parse_proposals(text: str, label_names: Sequence[str], *, default_label: Any = None,
                    origin: str = "llm") -> list[Proposal]:
    """Reply text → proposals (one per non-empty line that looks like one; other lines are ignored).

    Examples
    --------
    >>> from weaksup.labelers.propose import parse_proposals
    >>> [(p.kind, p.label, p.pattern) for p in parse_proposals("1. keyword: win cash\\n- free gift\\nHere:",
    ...                                                         ["ham", "spam"], default_label="spam")]
    [('keyword', 'spam', 'win cash'), ('keyword', 'spam', 'free gift')]
    >>> reply = '1. **Subscribe** - asks to subscribe\\n2. *free*\\nregex: /free\\\\s+gift/i\\n["song", "love"]'
    >>> [p.pattern for p in parse_proposals(reply, ["ham", "spam"], default_label="spam")]
    ['Subscribe', 'free', 'free\\\\s+gift', 'song', 'love']
    """
    text = str(text)
    whole = _json_reply(text, default_label, origin)
    if whole is not None:
        return whole
    out = []
    for line in _join_brackets(text).splitlines():
        if not line.strip() or line.lstrip().startswith("```") or _HEADING.match(line):  # markdown around a list
            continue
        if ":" not in line and "：" in line:  # a full-width colon after a kind name ("keyword：bedava")
            head, _, rest = line.partition("：")
            if _KIND_NAMES.get(re.sub(r"^\s*(?:[-*•・·]|\d+[.)、．）])?\s*", "", head).strip("*_ ").lower()):
                line = f"{head}:{rest}"
        m = _LINE.match(line) if ":" in line else None  # "KIND: ..." needs its colon
        kind = _KIND_NAMES.get(m["kind"].strip().lower()) if m else None
        if m and kind:
            label = m["label"].strip() if m["label"] is not None else default_label
            out += [Proposal(kind, label, pat, raw=line, origin=origin, error=err)
                    for pat, err in _patterns(kind, m["pattern"], listed=True)]
            continue
        if m and m["label"] is not None:  # "KIND [label]: ..." with a kind we do not know: keep, to reject
            out.append(Proposal(m["kind"].strip().lower(), m["label"].strip(), _clean(m["pattern"]), raw=line,
                                origin=origin))
            continue
        b = _BULLET.match(line)
        if default_label is not None and (b or ":" not in line):  # a list item or a bare line: a keyword
            out += [Proposal("keyword", default_label, pat, raw=line, origin=origin, error=err)
                    for pat, err in _patterns("keyword", b["pattern"] if b else line, listed=False)]
    return out


def _patterns(kind: str, s: str, *, listed: bool) -> list[tuple[str, str]]:
    """The ``(pattern, parse error)`` pairs of one proposal's text.

    A keyword line (``listed``) may list several keywords; a list item or a bare line is
    one keyword, unless it is a bracketed list.
    """
    if kind == "regex":
        pattern, err = _regex_text(s)
    elif kind == "prompt":
        pattern, err = _clean(s), ""
    elif listed or _BRACKETED.match(s):
        return [(p, err or _garbled(p)) for p, err in _keyword_list(s)]
    else:
        pattern, err = _term(s), ""
    return [(pattern, err or _garbled(pattern))]


def _json_reply(text: str, default_label: Any, origin: str) -> list[Proposal] | None:
    """Proposals of a reply that is JSON as a whole (fences allowed), or None when it is not.

    A list of strings is keywords for ``default_label``; an object maps a kind (``"keywords"``,
    ``"regex"``, ...) or a label to a string or a list of strings.

    >>> [(p.kind, p.label, p.pattern) for p in _json_reply('{"spam": ["win"], "regex": "gifts?"}', "spam", "llm")]
    [('keyword', 'spam', 'win'), ('regex', 'spam', 'gifts?')]
    """
    body = "\n".join(line for line in text.strip().splitlines() if not line.lstrip().startswith("```")).strip()
    if not body[:1] in ("[", "{"):
        return None
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    groups = obj.items() if isinstance(obj, dict) else [("keyword", obj)]
    out = []
    for key, value in groups:
        kind = _KIND_NAMES.get(str(key).strip().lower())
        label = default_label if kind else key
        for item in value if isinstance(value, list) else [value]:
            raw = json.dumps(item, ensure_ascii=False)
            if not isinstance(item, str):
                out.append(Proposal(kind or "keyword", label, raw, raw=raw, origin=origin,
                                    error=f"a JSON proposal must be a string, got {type(item).__name__} {raw}"))
                continue
            out += [Proposal(kind or "keyword", label, pat, raw=raw, origin=origin, error=err)
                    for pat, err in _patterns(kind or "keyword", item, listed=False)]
    return out


def _join_brackets(text: str) -> str:
    """A bracketed list spread over several lines, put on one (``[\\n "a",\\n "b"\\n]`` → ``[ "a", "b" ]``)."""
    return re.sub(r"\[[ \t]*\n[^\[\]]*\]", lambda m: " ".join(m.group().split()), text)


def _keyword_list(s: str) -> list[tuple[str, str]]:
    """The ``(keyword, parse error)`` pairs of a "keyword(s): a, b, c" line or a bracketed list.

    Split at commas and semicolons outside quotes, except a thousands separator; each
    item is read as a :func:`_term`.

    >>> [k for k, _ in _keyword_list("subscribe, check out; my channel")], _keyword_list('"sale, now", $1,000')
    (['subscribe', 'check out', 'my channel'], [('sale, now', ''), ('$1,000', '')])
    >>> _keyword_list('["song", "lo')
    [('song', ''), ('lo', 'cut off inside a quoted keyword: "lo')]
    """
    s = s.strip()
    if _BRACKETED.match(s):
        try:
            items = json.loads(s)
        except ValueError:
            items = None
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            return [(_term(i), "") for i in items] or [("", "")]
        s = s[1:-1] if s.endswith("]") else s[1:]  # not JSON (single quotes, cut off): split it as a list
    out = []
    for item, closed in _split_items(s):
        term = _term(item) if closed else item.strip()[1:].strip()
        if term or not closed:
            out.append((term, "" if closed else f"cut off inside a quoted keyword: {item.strip()}"))
    return out or [(_term(s), "")]


def _split_items(s: str) -> list[tuple[str, bool]]:
    """``s`` split at commas and semicolons that are outside quotes and not thousands separators.

    Each item comes with whether its quotes are closed (a reply cut off by the token limit
    ends inside one).
    """
    items: list[tuple[str, bool]] = []
    buf = ""
    quote = ""
    for i, ch in enumerate(s):
        if quote:
            buf += ch
            if ch in quote:
                quote = ""
        elif ch in _OPENING and not buf.strip():  # a quote opening an item (an apostrophe inside a word is not)
            buf += ch
            quote = _OPENING[ch]
        elif ch in ",;" and not (ch == "," and buf[-1:].isdigit() and re.match(r"\d{3}(?!\d)", s[i + 1:])):
            items.append((buf, True))
            buf = ""
        else:
            buf += ch
    items.append((buf, not quote))
    return items


def _term(s: str) -> str:
    """One keyword as written in a list item: quotes, markdown emphasis and an explanation removed.

    >>> [_term(s) for s in ['**Subscribe** - asks to subscribe', '*free*', '`channel`: a link', 'win - easy money',
    ...                     '"website"', 'c++', "don't", 'free (as in gift)']]
    ['Subscribe', 'free', 'channel', 'win', 'website', 'c++', "don't", 'free']
    """
    s = s.strip()
    delimited = False
    while True:  # nested delimiters: **"free"**
        for opening, closing in _WRAPS:
            end = s.find(closing, len(opening)) if s.startswith(opening) else -1
            if end > len(opening) and _AFTER_TERM.match(s[end + len(closing):]):
                s, delimited = s[len(opening):end].strip(), True
                break
        else:
            break
    if not delimited:  # "win - easy money", "free (as in gift)": the term is the part before
        head = _EXPLANATION.split(s, maxsplit=1)[0].strip()
        s = re.sub(r"\s+\([^()]*\)$", "", head).strip() or s
    return s


def _clean(s: str, wraps: tuple[tuple[str, str], ...] = _WRAPS) -> str:
    """Text with surrounding quotes or markdown emphasis (``wraps``) removed (a question, a regex)."""
    s = s.strip()
    for opening, closing in wraps:
        if len(s) > len(opening) + len(closing) and s.startswith(opening) and s.endswith(closing):
            return s[len(opening):-len(closing)].strip()
    return s


def _regex_text(s: str) -> tuple[str, str]:
    """A regex proposal's pattern and parse error: quotes and ``r"..."`` removed, ``/pattern/flags`` read.

    The LFs match case-insensitively, so flag ``i`` changes nothing; ``g`` (every match) does
    not change whether a text matches; other flags are refused.

    >>> _regex_text("/free\\\\s+gift/i"), _regex_text('r"\\\\bwin\\\\b"')
    (('free\\\\s+gift', ''), ('\\\\bwin\\\\b', ''))
    >>> _regex_text("/a.b/s")[1]
    "regex flag 's' in /a.b/s: only i and g are read (write (?s) in the pattern)"
    """
    s = s.strip()
    if s[:2] in ('r"', "r'") and len(s) > 3 and s.endswith(s[1]):
        s = s[1:]
    s = _clean(s, _QUOTES)  # not emphasis: _ and * belong to a regex
    m = _SLASHED.match(s)
    if m is None:
        return s, ""
    bad = sorted(set(m["flags"].lower()) - set("ig"))
    if bad:
        inline = f" (write (?{''.join(bad)}) in the pattern)" if set(bad) <= set("msx") else ""
        return s, f"regex flag {', '.join(map(repr, bad))} in {s}: only i and g are read{inline}"
    return m["body"], ""


def _garbled(s: str) -> str:
    """Why ``s`` is not text a proposal can be (control or replacement characters), or ""."""
    bad = [c for c in s if c == "\ufffd" or (unicodedata.category(c) in ("Cc", "Cs", "Co") and c not in "\t")]
    return f"garbled text in the reply ({', '.join(map(ascii, bad[:3]))})" if bad else ""


def _label_index(label: Any, label_names: Sequence[str]) -> int | None:
    """The class index of a proposal's label, or None: a label name (in any case), or a class index.

    An index may be written as text (``keyword [1]: channel`` reads the label ``"1"``, a JSON key
    ``"[1]"``) when it is a valid index and no label is named so: a name always wins.

    >>> _label_index("Spam", ["ham", "spam"]), _label_index("1", ["ham", "spam"]), _label_index("[0]", ["ham", "spam"])
    (1, 1, 0)
    >>> _label_index("2", ["ham", "spam"]), _label_index("1", ["2", "1"]), _label_index(5, ["ham", "spam"])
    (None, 1, None)
    """
    names = [str(n) for n in label_names]
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        return int(label) if 0 <= int(label) < len(names) else None
    s = str(label).strip().strip("\"'")
    for i, n in enumerate(names):
        if s.lower() == n.lower():
            return i
    m = re.fullmatch(r"\[?\s*([0-9]+)\s*\]?", s)
    if m and int(m[1]) < len(names):
        return int(m[1])
    return None


def _check_label_names(label_names: Sequence[str]) -> None:
    """Refuse label names that name one class twice (names are matched in any case), naming the duplicate.

    >>> _check_label_names(["ham", "spam", "Spam"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: label_names ['ham', 'spam', 'Spam'] name a class twice: 'Spam' (position 2) is 'spam' (position 1) ...
    """
    first: dict[str, int] = {}
    names = list(label_names)
    for i, n in enumerate(names):
        j = first.setdefault(str(n).lower(), i)
        if j != i:
            raise ValueError(f"label_names {names} name a class twice: {n!r} (position {i}) is {names[j]!r} "
                             f"(position {j}){' (names are matched in any case)' if n != names[j] else ''}; "
                             "each class needs its own name")


def _slug(s: str) -> str:
    """A readable piece of an LF name: letters and digits of any script, the rest as ``-`` (not injective).

    >>> _slug("Free  Money!"), _slug("免费"), _slug("(win|won)"), _slug("c++"), _slug("$$$")
    ('free-money', '免费', 'win-won', 'c', 'x')
    """
    return re.sub(r"[\W_]+", "-", s.lower()).strip("-")[:30].strip("-") or "x"


def _build(p: Proposal, label: int, label_names: Sequence[str], field_name: str, backend: Backend | None,
           cache: Any, max_words: int = 5, name: str | None = None) -> LabelingFunction:
    """The LF of a well-formed proposal, named ``name`` (default :func:`_name`); ValueError with the reason
    otherwise."""
    from weaksup.lfgen.families import keyword_lf, regex_lf

    kw = {} if field_name == "text" else {"field": field_name}
    pattern = p.pattern.strip()
    name = name or _name(p, label)
    if p.kind == "keyword":
        if not pattern:
            raise ValueError("empty keyword")
        if len(pattern.split()) > max_words:
            raise ValueError(f"keyword of {len(pattern.split())} words (> {max_words}): a copied text, not a rule")
        return keyword_lf(pattern, label, name=name, **kw)
    if p.kind == "regex":
        if not pattern:
            raise ValueError("empty regex")
        re.purge()  # a pattern in re's cache compiles without warning: validating it again must warn again
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"bad regex: {exc}") from None
        if compiled.search(""):
            raise ValueError("regex matches the empty string (it would vote on every row)")
        return regex_lf(pattern, label, name=name, **kw)
    if p.kind == "prompt":
        from weaksup.labelers.lf import PromptedLF
        from weaksup.labelers.template import LabelMap, PromptTemplate

        if backend is None:
            raise ValueError("a prompt proposal needs a backend to ask")
        if not re.search(r"\w", pattern):
            raise ValueError("empty question")
        question = pattern.replace("{", "{{").replace("}", "}}")
        template = PromptTemplate(f"{question}\nText: {{{field_name}}}\nAnswer yes or no.", ["yes", "no"],
                                  max_field_chars=500)
        return PromptedLF(name, template,
                          LabelMap({"yes": label, "no": ABSTAIN}), backend, cache=cache)
    raise ValueError(f"unknown kind {p.kind!r} (kinds: {list(KINDS)})")


def _name(p: Proposal, label: int) -> str:
    """The readable name of a proposal's LF (not unique: :func:`validate_proposals` makes it so)."""
    return f"{p.origin}_{p.kind}_{_slug(p.pattern.strip())}_{label}"


def _dedup_key(p: Proposal, label: int) -> tuple[str, int, str]:
    """What makes two proposals the same LF: keywords and questions up to case (keyword LFs match in any
    case), regexes exactly (lower-casing ``\\D`` would make it ``\\d``).

    >>> p = Proposal("regex", "spam", r"\\D{3}")
    >>> _dedup_key(p, 1) != _dedup_key(Proposal("regex", "spam", r"\\d{3}"), 1)
    True
    """
    pattern = p.pattern.strip()
    return p.kind, label, pattern if p.kind == "regex" else pattern.lower()


def _labelled_rows(data: Any, y: Any, label_names: Sequence[str], field: str) -> tuple[pd.DataFrame, np.ndarray]:
    """``data`` as a frame and ``y`` checked: one class index into ``label_names`` or -1 (unlabelled) per row."""
    from weaksup._validation import check_labels
    from weaksup.lfgen.generate import frame_and_labels

    df, y_all = frame_and_labels(data, y, field)
    try:  # positions in y, not among the labelled rows
        check_labels(np.where(y_all == ABSTAIN, 0, y_all), len(label_names), what="y")
    except ValueError as exc:
        raise ValueError(f"{exc}: classes are indices into label_names {list(label_names)}, "
                         "-1 marks an unlabelled row") from None
    if field not in df.columns:
        raise KeyError(f"field {field!r} is not a column of data ({list(df.columns)})")
    return df, y_all


def validate_proposals(proposals: Sequence[Proposal], label_names: Sequence[str], data: Any = None, y: Any = None,
                       *, field: str = "text", min_coverage: int = 1, confidence: float = 0.9,
                       backend: Backend | None = None, cache: Any = None,
                       lf_timeout: float | None = 5.0) -> ProposalResult:
    """Check each proposal; apply the well-formed ones to the labelled rows and keep those that beat the prior.

    Parameters
    ----------
    proposals : sequence of Proposal
    label_names : sequence of str
        Class names; a proposal's label is a name (case-insensitive) or a class index, also written
        as text (``keyword [1]: ...``) when no label is named so.
    data, y : labelled rows (DataFrame / list of str) and their classes, optional
        ``y`` holds an index into ``label_names`` per row, or -1 for an unlabelled row
        (dropped before anything reads it); anything else is a ValueError.  Without
        them a well-formed proposal is kept unvalidated (``reason`` says so).
    field : str
        Text column the LFs read.
    min_coverage : int
        Least labelled rows an LF must vote on.
    confidence : float
        Confidence of the Wilson lower bound on precision.
    backend, cache
        For ``prompt`` proposals (:class:`~weaksup.labelers.PromptedLF`).
    lf_timeout : float or None
        Seconds a keyword or regex LF may run on one chunk of the labelled rows; one that runs
        longer (a regex that backtracks catastrophically, such as ``(\\w+\\s?)+$``) is rejected
        with reason "timed out ...".  Enforced with SIGALRM, so only when called from the main
        thread; None: no limit.  Prompt LFs are bounded by their backend's own ``timeout``.

    Returns
    -------
    ProposalResult
        Kept LFs have unique names (a name two patterns share, such as ``c++`` and ``c#``,
        gets ``_2``, ``_3``, ... in proposal order).
    """
    from scipy.stats import norm

    import threading

    from weaksup.apply import apply_lfs
    from weaksup.apply.kernel import LFTimeout, check_timeout
    from weaksup.lfgen.generate import _unique_name, score_votes

    try:
        lf_timeout = check_timeout(lf_timeout)
    except ValueError as exc:
        raise ValueError(f"lf_timeout: {exc}") from None
    if threading.current_thread() is not threading.main_thread():
        lf_timeout = None  # SIGALRM works in the main thread only
    _check_label_names(label_names)
    labelled = data is not None and y is not None
    if labelled:
        df, y_all = _labelled_rows(data, y, label_names, field)
    rows: list[dict[str, Any]] = []
    built: list[tuple[int, LabelingFunction, int]] = []
    seen: dict[tuple[str, int, str], str] = {}
    names: set[str] = set()
    for p in proposals:
        row: dict[str, Any] = {"origin": p.origin, "kind": p.kind, "label": p.label, "pattern": p.pattern,
                               "status": "rejected", "reason": "", "name": "", "warning": ""}
        rows.append(row)
        label = _label_index(p.label, label_names)
        if label is None:
            row["reason"] = (f"unknown label {p.label!r} (labels: {list(label_names)})" if p.label is not None
                             else "no label given")
            continue
        if p.error:
            row["reason"] = p.error
            continue
        key = _dedup_key(p, label)
        if key in seen:
            row["reason"] = f"duplicate of {seen[key]}"
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:  # recorded with the proposal, not shown
                warnings.simplefilter("always")
                try:
                    lf = _build(p, label, label_names, field, backend, cache,
                                name=_unique_name(_name(p, label), set(names)))
                finally:
                    row["warning"] = "; ".join(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
        except Exception as exc:  # a malformed proposal is a rejection, never an error in the caller's loop
            row["reason"] = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            continue
        names.add(lf.name)
        seen[key] = lf.name
        row["name"] = lf.name
        built.append((len(rows) - 1, lf, label))
    if labelled and built:
        keep = np.flatnonzero(y_all != ABSTAIN)
        df, y_l = df.iloc[keep].reset_index(drop=True), y_all[keep]
        k = len(label_names)
        prior = np.bincount(y_l, minlength=k) / max(len(y_l), 1)
        cols: list[np.ndarray] = []
        for ri, lf, _ in built:  # one LF at a time: a failing LF is rejected, the others still validated
            limit = None if rows[ri]["kind"] == "prompt" else lf_timeout  # a prompt LF: its backend's timeout
            try:
                # a column read at once: no LF fingerprints to record (they cost a hash of the LF per apply)
                cols.append(apply_lfs([lf], df, cardinality=k, progress=False, timeout=limit,
                                      lf_fingerprints=False).to_dense()[:, 0])
            except Exception as exc:
                cols.append(np.full(len(df), -2))
                row = rows[ri]
                if isinstance(getattr(exc, "original", None), LFTimeout):
                    row["reason"] = (f"timed out on the labelled rows: no result within lf_timeout={limit:g} s "
                                     f"on a chunk (a regex that backtracks catastrophically?)")
                else:
                    row["reason"] = f"failed on the labelled rows: {type(exc).__name__}: {exc}"
        V = np.column_stack(cols)
        stats = score_votes(np.where(V == -2, ABSTAIN, V), y_l, [lab for _, _, lab in built], prior,
                            float(norm.ppf(confidence)))
        kept = []
        for j, (ri, lf, lab) in enumerate(built):
            row = rows[ri]
            st = stats.iloc[j]
            row.update(coverage=int(st["coverage"]), correct=int(st["correct"]),
                       precision=float(st["precision"]), wilson_lb=float(st["wilson_lb"]))
            if row["reason"]:
                continue
            if st["coverage"] < min_coverage:
                row["reason"] = f"votes on {int(st['coverage'])} of {len(y_l)} labelled rows (< {min_coverage})"
            elif st["gain"] <= 0:
                row["reason"] = (f"precision {int(st['correct'])}/{int(st['coverage'])} on the labelled rows: "
                                 f"Wilson bound {st['wilson_lb']:.2f} does not beat the prior "
                                 f"{prior[lab]:.2f} of {label_names[lab]!r}")
            else:
                row["status"] = "kept"
                kept.append(lf)
        return ProposalResult(kept, _table(rows, stats=True))
    if labelled:  # labelled rows, nothing well-formed to validate on them
        return ProposalResult([], _table(rows, stats=True))
    for ri, _, _ in built:
        rows[ri]["status"] = "kept"
        rows[ri]["reason"] = "not validated: no labelled rows given"
    return ProposalResult([lf for _, lf, _ in built], _table(rows))


def _table(rows: list[dict[str, Any]], stats: bool = False) -> pd.DataFrame:
    cols = _COLUMNS + (["coverage", "correct", "precision", "wilson_lb"] if stats else [])
    return pd.DataFrame(rows, columns=cols)


def _answer_text(reply: str) -> str:
    """The answer in a reply, without a reasoning model's thinking (empty when the reply is all thinking).

    A reasoning model served without a reasoning parser writes its thinking into the reply as
    ``<think>...</think>``, then the answer; cut off by ``max_tokens``, the reply is thinking only, and its
    sentences must not be read as proposals.

    >>> from weaksup.labelers.propose import _answer_text
    >>> _answer_text("<think>\\nOkay, the user wants keywords")
    ''
    >>> _answer_text("<think>\\nfree, maybe\\n</think>\\n\\nfree\\nsubscribe")
    '\\n\\nfree\\nsubscribe'
    >>> _answer_text("free\\nsubscribe")
    'free\\nsubscribe'
    """
    opened = reply.lstrip().startswith("<think>")
    if "</think>" in reply:  # an answer follows the thinking (a chat template may open <think> in the prompt)
        return reply.rsplit("</think>", 1)[1]
    return "" if opened else reply


def _empty_reply(response: Any, max_tokens: int) -> str:
    """The reason recorded for an empty reply to a proposal prompt (``response``: the backend's full reply).

    >>> from weaksup.labelers.propose import _empty_reply
    >>> _empty_reply({"text": "", "finish_reason": "length"}, 120)  # doctest: +ELLIPSIS
    "empty reply (finish_reason 'length'): the model used all max_tokens=120 ... raise max_tokens..."
    """
    finish = response.get("finish_reason") if isinstance(response, dict) else None
    if finish == "length":
        return (f"empty reply (finish_reason 'length'): the model used all max_tokens={max_tokens} tokens before "
                f"writing any text (a reasoning model spends them thinking): raise max_tokens, or turn thinking off")
    if finish:
        return (f"empty reply (finish_reason {finish!r}): the model ended its reply before writing any text; "
                f"try another wording of the task, or another model")
    return (f"empty reply: the model wrote no text; a reasoning model may have spent all max_tokens="
            f"{max_tokens} tokens thinking: raise max_tokens, or turn thinking off")


def proposal_prompt(task: str, label_names: Sequence[str], label: str, examples: Sequence[str] = (),
                    kinds: Sequence[str] = ("keyword", "regex")) -> str:
    """The question asked for one label (see :func:`propose_lfs`).

    >>> from weaksup.labelers.propose import proposal_prompt
    >>> print(proposal_prompt("Is a comment spam?", ["ham", "spam"], "spam", kinds=("keyword",)))
    Task: Is a comment spam?
    Labels: ham, spam
    Give 5 short keywords (one or two words each) that often appear in texts labelled "spam". Write one keyword per line, nothing else.
    """
    lines = [f"Task: {task}", f"Labels: {', '.join(label_names)}"]
    if examples:
        lines.append(f'Texts labelled "{label}":')
        lines += [f"- {e[:200]}" for e in examples]
    ask = []
    if "keyword" in kinds:
        ask.append(f'Give 5 short keywords (one or two words each) that often appear in texts labelled "{label}". '
                   "Write one keyword per line, nothing else.")
    if "regex" in kinds:
        ask.append("You may also write a Python regular expression on its own line as: regex: <pattern>")
    if "prompt" in kinds:
        ask.append(f'You may also write a yes/no question whose answer "yes" means the label "{label}", '
                   "on its own line as: prompt: <question>")
    return "\n".join(lines + ask)


def propose_lfs(backend: Backend, task: str, label_names: Sequence[str], data: Any = None, y: Any = None, *,
                field: str = "text", kinds: Sequence[str] = ("keyword",), examples_per_label: int = 0,
                max_tokens: int = 120, min_coverage: int = 1, confidence: float = 0.9, cache: Any = None,
                seed: int = 0, lf_timeout: float | None = 5.0) -> ProposalResult:
    """Ask ``backend`` for LFs for each label; keep those that hold up on the labelled rows.

    Parameters
    ----------
    backend : Backend
        A :mod:`weaksup.labelers.backends` backend (generation is greedy, so the
        replies are deterministic for a backend and prompt).
    task : str
        What the classifier decides, in a sentence.
    label_names : sequence of str
    data, y : optional
        Labelled rows (``y``: an index into ``label_names``, or -1: unlabelled, dropped);
        used for a few examples in each prompt (drawn with ``seed``) and to validate each
        proposal.  They are checked before the backend is asked.
    field : str
        The column of ``data`` holding the text: the prompt examples are taken from it and the proposed LFs
        read it (a name that is not a column of ``data`` is a KeyError, before the backend is asked).
    kinds : sequence of str, or str
        Which proposal kinds to ask for (``"keyword"``, ``"regex"``, ``"prompt"``).  Default
        keywords only: asked for regexes too, SmolLM2-135M stops proposing anything (a larger
        model behind :class:`~weaksup.labelers.backends.OpenAIBackend` handles all three).
    examples_per_label : int
        Labelled texts shown in each prompt (default 0: in our tries SmolLM2-135M copied
        them back rather than generalising; a larger model may use them).
    max_tokens : int
        Reply length.
    min_coverage, confidence, lf_timeout
        See :func:`validate_proposals`.
    cache : ResponseCache, optional
        Response cache for the proposal request and for the proposed prompt LFs
        (None: no cache for either).
    seed : int
        Seeds the draw of the ``examples_per_label`` labelled texts shown in each prompt (unused when
        ``examples_per_label`` is 0 or no labelled rows are given); the same seed shows the same examples.

    Returns
    -------
    ProposalResult
        Backend failures are rows of ``table`` (kind ``"backend"``, status
        ``rejected``, the error as reason), never exceptions; so is an empty reply
        (a reasoning model that spent ``max_tokens`` thinking), its reason saying so, and one
        that is all ``<think>`` thinking (a reasoning model served without a reasoning parser);
        a reply with text after ``</think>`` is read from that text.

    Examples
    --------
    >>> from weaksup.labelers.backends import HFBackend
    >>> res = propose_lfs(HFBackend.smollm2(), "Is a YouTube comment spam?", ["ham", "spam"])  # doctest: +SKIP
    >>> res.table[["kind", "label", "pattern", "status", "reason"]]  # doctest: +SKIP
    """
    from weaksup.apply.kernel import check_timeout

    try:
        check_timeout(lf_timeout)  # before the backend is asked
    except ValueError as exc:
        raise ValueError(f"lf_timeout: {exc}") from None
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)  # "keyword" is one kind, not its letters
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown proposal kinds {bad}; choose from {list(KINDS)}")
    _check_label_names(label_names)
    examples: dict[int, list[str]] = {}
    if data is not None and y is not None:
        df, y_arr = _labelled_rows(data, y, label_names, field)
        rng = np.random.default_rng(seed)
        for c in range(len(label_names)):
            idx = np.flatnonzero(y_arr == c)
            pick = np.sort(rng.choice(idx, min(examples_per_label, len(idx)), replace=False)) if len(idx) else idx
            examples[c] = [str(df[field].iloc[i]) for i in pick]
    prompts = [proposal_prompt(task, label_names, str(name), examples.get(c, []), kinds)
               for c, name in enumerate(label_names)]
    replies: list[str] = []
    proposals: list[Proposal] = []
    failures: list[dict[str, Any]] = []
    for c, prompt in enumerate(prompts):
        full: list[Any] = []
        try:
            reply = backend.generate([prompt], max_tokens=max_tokens, cache=cache, replies=full)[0]
        except Exception as exc:  # HTTP errors, timeouts, malformed replies: recorded, not raised
            replies.append("")
            failures.append({"origin": "llm", "kind": "backend", "label": label_names[c], "pattern": "",
                             "status": "rejected", "reason": f"backend error: {type(exc).__name__}: {exc}",
                             "name": "", "warning": ""})
            continue
        replies.append(reply)
        answer = _answer_text(str(reply))
        if not answer.strip():  # nothing to parse: say why, else the label silently gets no proposal
            why = _empty_reply(full[0] if full else None, max_tokens)
            if answer != str(reply):
                why += " (the reply is a reasoning model's <think> thinking, with no answer after it)"
            failures.append({"origin": "llm", "kind": "backend", "label": label_names[c], "pattern": "",
                             "status": "rejected", "reason": why, "name": "", "warning": ""})
            continue
        proposals += parse_proposals(answer, label_names, default_label=label_names[c])
    res = validate_proposals(proposals, label_names, data, y, field=field, min_coverage=min_coverage,
                             confidence=confidence, backend=backend, cache=cache, lf_timeout=lf_timeout)
    if failures:
        fail = pd.DataFrame(failures, columns=_COLUMNS)
        res.table = fail if res.table.empty else pd.concat([res.table, fail], ignore_index=True)
    res.replies = replies
    return res
