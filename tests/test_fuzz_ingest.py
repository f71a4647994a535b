"""Fuzzing every ingest path with a bounded budget: any input gives an Article or an InputError.

Never another exception, never a hang; spans of whatever comes out stay inside the text.
"""

import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newssift.errors import NewssiftError
from newssift.ingest import read_document, read_html, read_text
from newssift.ingest.chrome import classify_lines
from newssift.ingest.decode import decode_text, gunzip_capped
from newssift.nlp import regex_sentences

BUDGET = settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

html_fragments = st.lists(st.sampled_from([
    "<html>", "</html>", "<body>", "</body>", "<div>", "</div>", "<p>", "</p>", "<article>", "</article>",
    "<script>alert(1)</script>", "<title>T</title>", "<h1>Headline</h1>", "<!--", "-->", "<![CDATA[", "]]>",
    "<meta charset='utf-16'>", "<meta http-equiv='refresh' content='0;url=javascript:x'>", "&amp;", "&#0;",
    "&#x110000;", "<table><tr><td>", "<img src=x onerror=alert(1)>", "\x00", "\ufeff", "<<>>", "</",
    "The council agreed on Monday to replace the oldest water mains, the city said. ",
    "Ünïcödé text — “quoted” ‘words’ … ", "\u202e", "\n", "<br>", "<p class='x'", "<svg><g>",
]), max_size=60).map("".join)


@BUDGET
@given(st.text(max_size=3000))
def test_read_text_any_string(text):
    try:
        article = read_text(text)
    except NewssiftError:
        return
    assert article.text.strip()
    for start, end in regex_sentences(article.text):
        assert 0 <= start < end <= len(article.text)


@BUDGET
@given(html_fragments)
def test_read_html_any_markup(markup):
    try:
        article = read_html(markup.encode("utf-8", errors="surrogatepass"))
    except NewssiftError:
        return
    assert isinstance(article.text, str)


@BUDGET
@given(st.binary(max_size=4000))
def test_read_document_any_bytes(data):
    try:
        read_document(data)
    except NewssiftError:
        return


@BUDGET
@given(st.binary(max_size=4000))
def test_decode_any_bytes(data):
    try:
        text = decode_text(data)
    except NewssiftError:
        return
    assert "\x00" not in text


@BUDGET
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=64))
def test_gunzip_truncated_or_corrupt(data, cut):
    packed = gzip.compress(data)
    for candidate in (packed, packed[: max(0, len(packed) - cut)], packed[:10] + data):
        try:
            gunzip_capped(candidate, limit=10_000)
        except NewssiftError:
            pass


@BUDGET
@given(st.lists(st.text(max_size=200), max_size=40))
def test_classify_lines_any_lines(lines):
    reasons = classify_lines(lines)
    assert len(reasons) == len(lines)
