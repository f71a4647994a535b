"""Ingest: turn a file, a URL, stdin or a corpus line into an `Article`.

- `read_input(source)`: a path, an http(s) URL, or "-" (stdin)
- `read_html(bytes, url)`: a page, through trafilatura, then chrome removal
- `read_text(str, url, title)`: plain text, title from the first line, chrome removal
- `read_document(bytes, url)`: HTML or text, told apart by content type or first bytes
"""

from newssift.ingest.html import read_html  # noqa: F401
from newssift.ingest.reader import read_document, read_input  # noqa: F401
from newssift.ingest.text import read_text  # noqa: F401
