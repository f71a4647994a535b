"""Quotes, direct and indirect, with speaker and cue.

Reads the shared spaCy parse (never parses again), finds attributions with the learned extractor
(``quote_extraction``), resolves each speaker mention to the fullest name in the article
(``speakers``) and writes ``report.claims["quotes"]``; the same list goes to
``doc.shared["quotes"]`` so the check-worthiness head can credit claims inside quotes to their
speaker. Technique spans already in the report that sit inside a quote get its speaker
(``quoted_from``): those words are the speaker's, not the outlet's.
"""

from __future__ import annotations

from newssift.article import span_dict
from newssift.errors import ModelMissing
from newssift.head import Doc, Head


def load_extractor(baseline: bool = False):
    """The learned extractor from the package artefacts, or the rule baseline."""
    from newssift.claims.quote_extraction import ARTEFACT_DIR, MODEL_FILE, LearnedExtractor, RuleExtractor

    if baseline:
        return RuleExtractor()
    if not (ARTEFACT_DIR / MODEL_FILE).exists():
        raise ModelMissing("The quotes model is missing; run `newssift train quotes` to build it.")
    return LearnedExtractor.load()


def quotes_from_parse(spacy_doc, extractor) -> list[dict]:
    """Report objects for every attribution in a parsed article, in reading order."""
    from newssift.claims.quote_structure import is_direct, speaker_tokens
    from newssift.claims.speakers import SpeakerResolver
    from newssift.nlp import doc_text

    text = doc_text(spacy_doc)
    resolver = SpeakerResolver(spacy_doc)
    quotes = []
    for att in extractor.extract(spacy_doc):
        mention = speaker_tokens(spacy_doc[att.source_token]) if att.source_token is not None else []
        cue_token = spacy_doc[att.cue_token]
        # "said in a statement", "a statement saying": the words around the cue tell that the
        # speaker spoke through a document, which "the statement said" later refers back to
        context = [t.i for t in cue_token.subtree if t.i not in range(att.content_start, att.content_end)] + \
            [cue_token.head.i] + [c.i for c in cue_token.head.children]
        speaker = resolver.resolve(att.source_token, mention, context)
        content_start, content_end = att.content_start, att.content_end
        quotes.append({
            **span_dict(text, content_start, content_end),
            "content": span_dict(text, content_start, content_end),
            "content_parts": [span_dict(text, s, e) for s, e in att.content],
            "speaker": speaker.name,
            "speaker_type": speaker.type,
            "speaker_span": span_dict(text, att.source[0][0], att.source[-1][1]) if att.source else None,
            "cue": span_dict(text, att.cue[0][0], att.cue[-1][1]) if att.cue else None,
            "direct": is_direct(text, att.content),
            "score": round(float(att.score), 4),
        })
    return quotes


class QuotesHead(Head):
    name = "quotes"
    section = "claims"
    needs = ("spacy",)
    description = "Quotes, direct and indirect, with speaker and cue."

    def load(self) -> None:
        self.extractor = load_extractor(baseline=bool(self.context.options.get("quotes_baseline")))

    def __call__(self, doc: Doc) -> None:
        quotes = quotes_from_parse(doc.spacy, self.extractor) if doc.spacy is not None else []
        doc.report.claims["quotes"] = quotes
        doc.shared["quotes"] = quotes
        for span in doc.report.stop.get("techniques", []):
            speaker = quoted_speaker(span, quotes)
            if speaker is not None:
                span["quoted_from"] = speaker


def quoted_speaker(span: dict, quotes: list[dict]) -> str | None:
    """The speaker of the quote whose content holds at least half of `span`'s characters, if any."""
    length = max(1, span["end"] - span["start"])
    for quote in quotes:
        parts = quote.get("content_parts") or ([quote["content"]] if isinstance(quote.get("content"), dict) else [])
        inside = sum(max(0, min(span["end"], p["end"]) - max(span["start"], p["start"])) for p in parts)
        if inside * 2 >= length:
            return quote.get("speaker") or "an unnamed speaker"
    return None
