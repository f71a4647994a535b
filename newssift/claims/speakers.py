"""Who a speaker mention is: the fullest name the article gives, and whether a person or a body.

"Volodin" → "Vyacheslav Volodin" (same surname, longest name in the article); "the Duma speaker"
→ the person the article introduced as a speaker ("Russian parliament speaker Vyacheslav
Volodin"); "he"/"she" → the nearest earlier person speaker; "it"/"they" → the nearest earlier
organisation; "the statement" → whoever issued the last statement mentioned.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON, ORGANISATION, UNKNOWN = "person", "organisation", "unknown"

ORG_ENTITIES = {"ORG", "GPE", "NORP", "FAC"}
# Nouns that name a body of people speaking as one.
ORG_NOUNS = frozenset("""team campaign government ministry administration office committee party
department agency council court commission board company firm group network newspaper paper
magazine channel outlet station kremlin white house congress senate parliament duma police army
military embassy union organization organisation foundation institute university poll survey study
report website site newsroom staff spokespeople""".split())
# Documents that speak for whoever issued them.
DOCUMENT_NOUNS = frozenset("statement release communique communiqué announcement letter memo readout "
                           "transcript post tweet".split())
PERSON_PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
ORG_PRONOUNS = {"it", "its"}
PLURAL_PRONOUNS = {"they", "them", "their", "we", "us", "our"}


@dataclass
class Speaker:
    name: str | None
    type: str


class SpeakerResolver:
    """Built once per article from its spaCy parse; resolves mentions in reading order."""

    def __init__(self, spacy_doc):
        self.doc = spacy_doc
        self.fullest: dict[str, str] = {}  # surname → fullest person name
        self.people: list[tuple[int, str]] = []  # (token index, full name) of person mentions
        self.roles: list[tuple[int, str, str]] = []  # (token index, role noun, full name)
        self.bodies: list[tuple[int, str]] = []
        ents = list(spacy_doc.ents)  # doc.ents is rebuilt on every access: read it once
        self.person_at = {i: ent for ent in ents if ent.label_ == "PERSON" for i in range(ent.start, ent.end)}
        for ent in ents:
            if ent.label_ == "PERSON":
                surname = _surname(ent)
                name = _clean_name(ent.text)
                if surname and len(name.split()) > len(self.fullest.get(surname, "").split()):
                    self.fullest[surname] = name
        for ent in ents:
            if ent.label_ == "PERSON":
                name = self.full_name(ent.text, _surname(ent))
                self.people.append((ent.start, name))
                for role in _role_words(ent):
                    self.roles.append((ent.start, role, name))
            elif ent.label_ in ORG_ENTITIES:
                self.bodies.append((ent.start, ent.text))
        self.history: list[tuple[int, Speaker, bool]] = []  # (token, speaker, spoke through a document)

    def full_name(self, text: str, surname: str | None) -> str:
        return self.fullest.get(surname or "", _clean_name(text))

    def resolve(self, head_index: int | None, mention_tokens: list[int], context_tokens: list[int] = ()) -> Speaker:
        """The speaker for a mention headed by ``head_index``; remembered for later pronouns."""
        if head_index is None:
            return Speaker(None, UNKNOWN)
        speaker = self._resolve(self.doc[head_index], mention_tokens)
        through_document = any(self.doc[i].lower_ in DOCUMENT_NOUNS for i in context_tokens)
        if speaker.name:
            self.history.append((head_index, speaker, through_document))
        return speaker

    def _resolve(self, head, mention_tokens) -> Speaker:
        doc = self.doc
        lower = head.lower_
        if head.pos_ == "PRON" or lower in PERSON_PRONOUNS or lower in ORG_PRONOUNS or lower in PLURAL_PRONOUNS:
            return self._pronoun(head)
        if head.ent_type_ == "PERSON" or any(doc[i].ent_type_ == "PERSON" for i in mention_tokens if doc[i].dep_ != "poss" and not _owned(doc[i], head)):
            ent = self.person_at.get(head.i) or next((self.person_at.get(i) for i in mention_tokens
                                                      if i in self.person_at), None)
            if ent is not None:
                return Speaker(self.full_name(ent.text, _surname(ent)), PERSON)
        mention = _mention_text(doc, mention_tokens)
        if any(c.dep_ == "conj" for c in head.children):  # "the president and the president-elect"
            return Speaker(mention, PERSON if head.ent_type_ == "PERSON" or self._role(head) else UNKNOWN)
        if lower in DOCUMENT_NOUNS:
            owner = self._last_document_owner(head.i)
            if owner is not None:
                return owner
            return Speaker(mention, UNKNOWN)
        role = self._role(head)
        if role is not None:
            return Speaker(role, PERSON)
        if head.ent_type_ in ORG_ENTITIES or lower in ORG_NOUNS:
            return Speaker(mention, ORGANISATION)
        if head.ent_type_ == "PERSON":
            return Speaker(mention, PERSON)
        return Speaker(mention, PERSON if head.pos_ in ("NOUN", "PROPN") and lower.endswith(("man", "woman", "er", "ist", "or", "ian")) else UNKNOWN)

    def _pronoun(self, head) -> Speaker:
        lower = head.lower_
        wanted = PERSON if lower in PERSON_PRONOUNS or lower in ("i", "me", "my") else (
            ORGANISATION if lower in ORG_PRONOUNS else None)
        for _, speaker, _ in reversed(self.history):
            if wanted is None or speaker.type == wanted:
                return speaker
        # no earlier speaker fits: the nearest earlier name of the right kind
        pool = self.people if wanted in (PERSON, None) else []
        if wanted in (ORGANISATION, None):
            pool = pool + [(i, t) for i, t in self.bodies]
        earlier = [(i, name) for i, name in pool if i < head.i]
        if earlier:
            i, name = max(earlier)
            return Speaker(name, PERSON if any(j == i for j, _ in self.people) else ORGANISATION)
        return Speaker(None, wanted or UNKNOWN)

    def _last_document_owner(self, index: int) -> Speaker | None:
        for _, speaker, through_document in reversed(self.history):
            if through_document:
                return speaker
        return None

    def _role(self, head) -> str | None:
        """"the Duma speaker" → the person introduced with the role noun "speaker" (nearest earlier)."""
        lower = head.lower_
        earlier = [(i, name) for i, role, name in self.roles if role == lower and i <= head.i]
        if earlier:
            return max(earlier)[1]
        anywhere = [name for _, role, name in self.roles if role == lower]
        return anywhere[0] if anywhere else None


def _owned(tok, head) -> bool:
    """A token inside a possessive ("Trump" in "Trump's team") names the owner, not the speaker."""
    # spaCy makes a new Token object on each access: compare positions, not identities
    while tok.i != head.i and tok.head.i != tok.i:
        if tok.dep_ == "poss":
            return True
        tok = tok.head
    return False


def _surname(ent) -> str | None:
    words = [t for t in ent if t.is_alpha]
    return words[-1].lower_ if words else None


def _clean_name(text: str) -> str:
    text = text.strip()
    for suffix in ("’s", "'s"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return " ".join(text.split())


def _mention_text(doc, tokens: list[int]) -> str:
    if not tokens:
        return ""
    text = _clean_name(doc[min(tokens): max(tokens) + 1].text)
    # "The Kremlin" at a sentence start and "the Kremlin" elsewhere are one speaker
    return "the " + text[4:] if text.startswith("The ") else text


def _role_words(ent) -> list[str]:
    """Role nouns the article attaches to a person: "parliament speaker Vyacheslav Volodin",
    "Volodin, the Duma speaker", "the speaker, Volodin"."""
    doc = ent.doc
    roles = []
    root = ent.root
    for child in root.children:
        if child.i < ent.start and child.dep_ in ("compound", "amod") and child.pos_ == "NOUN":
            roles.append(child.lower_)
        if child.dep_ == "appos" and child.pos_ == "NOUN":
            roles.append(child.lower_)
    # titles left of the name that the parser chained as compounds of each other
    i = ent.start - 1
    while i >= 0 and doc[i].pos_ in ("NOUN", "PROPN", "ADJ") and doc[i].dep_ in ("compound", "amod") \
            and doc[i].ent_type_ != "PERSON":
        if doc[i].pos_ == "NOUN" or doc[i].is_title:
            roles.append(doc[i].lower_)
        i -= 1
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        roles.append(root.head.lower_)
    return roles
