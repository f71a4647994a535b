"""newssift: read a news article and show, with the evidence, how far to trust it.

The library is the API; the CLI, the web API and the batch runner are thin layers over it::

    from newssift import Analyzer, read_input
    report = Analyzer().analyze(read_input("story.html"))
    print(report.to_json())
"""

__version__ = "0.1.0"
REPORT_VERSION = "1.0"

from newssift.errors import NewssiftError  # noqa: E402

__all__ = ["Analyzer", "Article", "Report", "NewssiftError", "read_input", "__version__"]


def __getattr__(name):  # lazy: importing newssift must stay cheap for the CLI
    if name == "Analyzer":
        from newssift.pipeline import Analyzer
        return Analyzer
    if name == "Article":
        from newssift.article import Article
        return Article
    if name == "Report":
        from newssift.report import Report
        return Report
    if name == "read_input":
        from newssift.ingest import read_input
        return read_input
    raise AttributeError(name)
