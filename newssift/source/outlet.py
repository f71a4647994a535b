"""The outlet from the text, when no URL says who published it.

Pages name themselves: "Support The Duran on Patreon!", "do not necessarily represent those of
The Duran", "© 2016 The Duran", "By Jane Doe, Reuters", "WASHINGTON (Reuters) -". We look for
such self-references only, in the body and in the page chrome that ingest removed, and map the
name to a domain with names taken from the rating lists (outlet names, and names read off
domains: theduran.com → "theduran" matches "The Duran"). A plain mention ("RT reports",
"according to Reuters") is how a story cites others, never evidence of who published it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newssift.article import Article, span_dict

# One name: capitalised words (with "of", "and", "&" inside), optionally "The ..."; or a domain.
_WORD = r"[A-Z](?:[\w'’&-]|\.(?=\w))*"  # dots only inside a word: "The Duran. All" stops at "Duran"
_NAME = (rf"(?P<name>(?:[Tt]he\s+)?{_WORD}(?:[ \t]+(?:of|and|&|the|for|de|la|{_WORD})){{0,6}}"
         r"|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,})")

_SENTENCE_START = r"(?:^|(?<=[.!?…]\s)|(?<=[.!?…][\"”’]\s))[ \t]*"

# (kind, weight, pattern). Weights: how surely the phrase is the page speaking of itself.
_CLUES: list[tuple[str, float, re.Pattern]] = [
    # an appeal is an imperative that opens a sentence: "Help us grow. Support The Duran on Patreon!";
    # "voters who support Trump" is not one
    ("support appeal", 3.0, re.compile(
        rf"{_SENTENCE_START}(?:Support|Donate to|Subscribe to|Become a (?:patron|member|supporter) of|"
        rf"Contribute to|Follow|Sign up for)\s+{_NAME}"
        r"(?=\s+(?:on|via|at|today|now|with|and|by|for|newsletter|to)\b|\s*[!.,:;)]|\s*$)", re.M)),
    ("disclaimer", 3.0, re.compile(
        rf"(?:\b(?:do|does|did) not\s+|\bdon[’']t\s+)?(?:necessarily\s+)?\b(?:represent|reflect)s?\s+(?:those|the (?:views|opinions|position|policy|positions))\s+of\s+{_NAME}")),
    ("copyright line", 3.0, re.compile(
        rf"(?:©|\([cC]\)|\b[Cc]opyright\b)\s*(?:©\s*)?(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*,?\s*)?{_NAME}")),
    # first person only: "his profile here at Discover the Networks" points elsewhere
    ("self-reference", 3.0, re.compile(
        rf"\b(?:[Ww]e|[Aa]ll of us|[Ee]veryone|[Tt]he team)\s+(?:here\s+)?at\s+{_NAME}")),
    ("self-reference", 3.0, re.compile(rf"{_SENTENCE_START}Here at\s+{_NAME}(?=,?\s+we\b)", re.M)),
    # an invitation to the outlet's own newsletter; "Trump's podcast" is not one
    ("newsletter", 2.0, re.compile(
        rf"\b(?:[Ss]ign up for|[Ss]ubscribe to|[Gg]et|[Rr]eceive)\s+{_NAME}(?:'s|’s)\s+(?:free\s+)?"
        r"(?:daily\s+|weekly\s+|morning\s+|evening\s+)?(?:newsletter|briefing|email)s?\b")),
    ("byline", 2.0, re.compile(
        rf"^[ \t]*By\s+{_WORD}(?:\s+{_WORD}){{0,3}}\s*(?:,|\||—|–|-|for)\s*{_NAME}[ \t]*$", re.M)),
    ("staff byline", 2.0, re.compile(
        rf"\bBy\s+{_NAME}\s+(?:Staff|Editors|Editorial Board|News Desk|Newsroom|Wire)\b")),
    ("originally published", 2.0, re.compile(
        rf"\b(?:originally|first)\s+(?:published|appeared)\s+(?:on|in|at|by)\s+{_NAME}")),
    ("scoop", 0.5, re.compile(rf"(?:^|(?<=[.!?…]\s)|(?<=\n)){_NAME}\s+(?:broke|first reported|has learned|"
                              r"has obtained|can reveal|can exclusively reveal)\b", re.M)),
]
_DATELINE = re.compile(rf"^[ \t]*[A-Z][A-Za-z .,'/-]{{1,40}}\s*\({_NAME}\)\s*[-–—]", re.M)
_TITLE_SUFFIX = re.compile(rf"\s(?:\||-|–|—|::)\s*{_NAME}\s*$")
_WE = re.compile(r"\b(?:we|our|us)\b", re.I)
# Words a capture can start with that are never an outlet's name ("Support Us", "Follow This").
_NOT_NAMES = {"us", "our", "this", "the", "we", "it", "our work", "independent journalism", "journalism",
              "the author", "the authors", "the writer", "the editors", "author", "authors", "writer",
              "page", "this page", "site", "this site", "twitter", "facebook", "patreon", "youtube", "instagram",
              "telegram", "paypal", "donate", "subscribe", "google", "news", "the news"}
_TRAILING = {"today", "now", "here", "staff", "news", "online", "editors", "team", "inc", "ltd", "llc"}
_CLOSE = 8.0  # support within this of the best: another domain the name may well mean
_MIN_SCORE = 1.0  # one self-reference; a scoop phrase alone (0.5) is not enough


def squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass
class NameIndex:
    """squashed outlet name → [(domain, display name, weight)], best first."""

    names: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)

    def add(self, name: str, domain: str, weight: float) -> None:
        for key in {squash(name), squash(re.sub(r"^the\s+", "", name.strip(), flags=re.I))}:
            if len(key) >= 2:
                self.names.setdefault(key, []).append((domain, name, weight))

    def finish(self) -> "NameIndex":
        for key, entries in self.names.items():
            best: dict[str, tuple[str, str, float]] = {}
            for domain, name, weight in entries:
                if domain not in best or weight > best[domain][2]:
                    best[domain] = (domain, name, weight)
            self.names[key] = sorted(best.values(), key=lambda e: -e[2])
        return self

    def find(self, phrase: str) -> tuple[str, str] | None:
        """(domain, name) for a phrase: the best-supported domain among its spellings, or None."""
        ranked = self.candidates(phrase)
        return (ranked[0][0], ranked[0][1]) if ranked else None

    def candidates(self, phrase: str) -> list[tuple[str, str, float]]:
        """Every (domain, name as written, support) the phrase may mean, best first, one per domain."""
        phrase = phrase.strip()
        if re.fullmatch(r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}", phrase):
            from newssift.source.domains import registrable_domain

            domain = registrable_domain(phrase)
            entries = self.names.get(f"domain:{domain}") or []
            return [(entries[0][0], phrase, entries[0][2])] if entries else []
        words = phrase.split()
        # the whole name, or the name less one trailing word that is not part of names ("Reuters Today")
        tries = [words]
        if len(words) > 1 and words[-1].lower().strip(".,;:!?") in _TRAILING:
            tries.append(words[:-1])
        found: list[tuple[str, str, float]] = []
        for penalty, kept in enumerate(tries):
            candidate = " ".join(kept).strip(".,;:!?'’\"")
            if candidate.lower() in _NOT_NAMES:
                continue
            key = squash(candidate)
            # two-letter names ("RT", "AP") only as written in capitals
            if len(key) < 3 and not (len(key) == 2 and candidate.isupper()):
                continue
            bare_words = re.sub(r"^the\s+", "", candidate, flags=re.I).split()
            bare = squash("".join(bare_words))
            candidates = []
            for lookup in (key, bare, "the" + bare):
                candidates += self.names.get(lookup, [])
            # names of three or more words also go by initials: "Los Angeles Times" → latimes.com,
            # "Wall Street Journal" → wsj.com; slightly below an exact spelling with the same support
            if len(bare_words) >= 3:
                initials = "".join(w[0] for w in bare_words if w[0].isalnum()).lower()
                for short in (initials[:-1] + squash(bare_words[-1]), initials):
                    if len(short) >= 3:
                        candidates += [(d, n, w - 2) for d, n, w in self.names.get(short, [])]
            # the name less its trailing word ("BBC" for "BBC News") competes, one point down, so that an
            # imposter spelling the full name (bbc-news.us) does not beat the outlet the lists know well
            found += [(d, candidate, w - penalty) for d, _, w in candidates]
        best: dict[str, tuple[str, str, float]] = {}
        for domain, name, weight in found:
            if domain not in best or weight > best[domain][2]:
                best[domain] = (domain, name, weight)
        return sorted(best.values(), key=lambda e: -e[2])


def build_name_index(db_url: str | None = None) -> NameIndex:
    """Names from the lists' outlet names, plus the name read off each rated registrable domain."""
    from newssift.source import store
    from newssift.source.domains import _extractor

    index = NameIndex()
    rows = store.all_ratings(db_url, columns=("domain", "outlet"))
    lists_per_domain: dict[str, int] = {}
    for row in rows:
        lists_per_domain[row["domain"]] = lists_per_domain.get(row["domain"], 0) + 1
    # weight: explicit names over names read off domains; among domains, the more lists rate it the
    # better known it is (reuters.com before reuters.co.za for "Reuters")
    def spelled(name: str, domain: str) -> float:
        # a name that spells a label of its own host ("ABC News" → abcnews.go.com) is as strong as the
        # label itself; a name that does not ("The Political Insider" given for ajc.com) is weaker
        labels = set(domain.split("/")[0].split("."))
        keys = {squash(name), squash(re.sub(r"^the\s+", "", name.strip(), flags=re.I))}
        return 20.0 if keys & labels else 0.0

    for row in store.all_names(db_url):
        index.add(row["name"], row["domain"],
                  10 + spelled(row["name"], row["domain"]) + lists_per_domain.get(row["domain"], 0))
    for row in rows:
        if row.get("outlet"):
            index.add(row["outlet"], row["domain"],
                      5 + spelled(row["outlet"], row["domain"]) + lists_per_domain.get(row["domain"], 0))
    for domain, count in lists_per_domain.items():
        if "/" in domain or _extractor()(domain).top_domain_under_public_suffix != domain:
            continue
        label = domain.split(".", 1)[0]
        # a name that spells the domain's own label ("The Political Insider" → thepoliticalinsider) is
        # the strongest match, above names the tables attach to other domains
        index.add(label, domain, 20 + count + (0.5 if domain.endswith(".com") else 0))
        index.names.setdefault(f"domain:{domain}", []).append((domain, domain, count))
    return index.finish()


@dataclass
class Clue:
    kind: str
    weight: float
    phrase: str
    name: str
    domain: str
    where: str  # "text", "page chrome", "title", "site name"
    start: int | None = None
    end: int | None = None

    def evidence(self, text: str) -> dict:
        if self.where == "text" and self.start is not None:
            return span_dict(text, self.start, self.end, kind=self.kind)
        return {"text": self.phrase, "outside_text": True, "where": self.where, "kind": self.kind}


def _scan(source: str, where: str, index: NameIndex, offset_ok: bool) -> list[Clue]:
    clues = []
    for kind, weight, pattern in _CLUES:
        for match in pattern.finditer(source):
            if _inside_quotation(source, match.start()):
                continue  # "we here at the NRA", said Mr X: someone else speaking of themselves
            found = index.find(match.group("name"))
            if not found:
                continue
            domain, name = found
            if kind == "scoop":
                sentence_end = source.find(".", match.end())
                sentence = source[match.start(): sentence_end if sentence_end > 0 else len(source)]
                if _WE.search(sentence):
                    weight = 2.0  # "The Duran broke the story, and now we have…": the page speaking
            start, end = match.start(), _clause_end(source, match.end())
            clues.append(Clue(kind, weight, source[start:end].strip(), name, domain, where,
                              start if offset_ok else None, end if offset_ok else None))
    head = source[:400]
    for match in _DATELINE.finditer(head):
        found = index.find(match.group("name"))
        if found:
            clues.append(Clue("wire dateline", 2.0, match.group(0).strip(), found[1], found[0], where,
                              match.start() if offset_ok else None, match.end() if offset_ok else None))
    return clues


def _inside_quotation(source: str, position: int) -> bool:
    """Whether `position` lies inside a quotation opened earlier in the same paragraph."""
    paragraph = source[source.rfind("\n", 0, position) + 1:position]
    if paragraph.count("“") > paragraph.count("”"):
        return True
    return paragraph.count('"') % 2 == 1


def _clause_end(source: str, end: int, limit: int = 50) -> int:
    """Extend a phrase to the end of its clause ("Support The Duran" → "… on Patreon!")."""
    window = source[end:end + limit]
    match = re.search(r"[!?\n]|[.,;:](?=\s|$)", window)
    if not match:
        return end
    stop = match.start() + (1 if match.group(0) in "!?." else 0)
    return end + stop


def _trim(clue: Clue, text: str) -> Clue:
    """Shrink a text clue's span to its stripped phrase so evidence never starts with spaces."""
    if clue.start is None:
        return clue
    raw = text[clue.start:clue.end]
    lead = len(raw) - len(raw.lstrip())
    clue.start += lead
    clue.end = clue.start + len(raw.strip())
    return clue


def infer_outlet(article: Article, index: NameIndex) -> dict | None:
    """The outlet a page names itself as, with the phrase that gave it away; None when unsure."""
    clues = [_trim(c, article.text) for c in _scan(article.text, "text", index, True)]
    for removed in article.removed:
        clues += _scan(removed.text, "page chrome", index, False)
    if article.site_name:
        found = index.find(article.site_name)
        if found:
            clues.append(Clue("site name", 3.0, article.site_name, found[1], found[0], "site name"))
    if article.title:
        match = _TITLE_SUFFIX.search(article.title)
        if match:
            found = index.find(match.group("name"))
            if found:
                clues.append(Clue("title suffix", 2.0, match.group(0).strip(" |-–—:"), found[1], found[0], "title"))
    if not clues:
        return None
    scores: dict[str, float] = {}
    for clue in clues:
        scores[clue.domain] = scores.get(clue.domain, 0.0) + clue.weight
    domain = max(scores, key=lambda d: scores[d])
    if scores[domain] < _MIN_SCORE:
        return None
    mine = sorted((c for c in clues if c.domain == domain), key=lambda c: -c.weight)
    # the same name also belongs to other rated domains (AddictingInfo: .com and .org): say so
    ranked = index.candidates(mine[0].name)
    top = ranked[0][2] if ranked else 0.0
    alternatives = [d for d, _, w in ranked if d != domain and w >= top - _CLOSE][:5]
    return {
        "domain": domain,
        "name": mine[0].name,
        "score": scores[domain],
        "evidence": mine[0].evidence(article.text),
        "clues": [c.evidence(article.text) for c in mine],
        "others": {d: s for d, s in scores.items() if d != domain},
        "alternatives": alternatives,
    }
