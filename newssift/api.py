"""The web service: a JSON API and the page, over the same Analyzer and reports database.

``create_app(db_url, api_keys, analyzer)`` builds the FastAPI app; ``serve(...)`` runs it with
uvicorn (``newssift serve``). One Analyzer per process (models load once); analyses run in a
worker thread, one at a time, so the event loop keeps serving pages while an article is analysed.

Limits: a request body over ``max_request_bytes`` gets 413; API keys (``--api-key``), when
given, are required on every ``/api/`` route and on the page's analyse form, in the
``X-API-Key`` header or the ``api_key`` query (or form) field.
"""

from __future__ import annotations

import logging
import secrets
import threading
from typing import Any, Optional, Sequence
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from newssift import __version__, settings
from newssift.errors import FetchError, InputError, NewssiftError, ResourceMissing

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = settings.MAX_INPUT_BYTES + 64 * 1024  # an article at the input limit, plus JSON
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")
ANALYSIS_THREADS = 2  # threads for analyses (one runs at a time; the other ingests or stores meanwhile)
MAX_QUEUED_ANALYSES = 64  # beyond this many accepted analyses, answer 429 rather than queue without end
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class AnalyzeRequest(BaseModel):
    """Give `text` or `html` (the page's address in `url`, optional), or only `url` to fetch the page."""

    model_config = ConfigDict(extra="forbid")
    text: Optional[str] = Field(None, description="The article's text.")
    html: Optional[str] = Field(None, description="The article's page as HTML.")
    url: Optional[str] = Field(None, description="The page's address: fetched when neither text nor html is given.")
    title: Optional[str] = Field(None, description="The article's title, with text.")
    store: bool = Field(True, description="Keep the report in the reports database (needed for its permanent link).")


# -- middleware ---------------------------------------------------------------------------------------
class BodyLimitMiddleware:
    """Refuse request bodies over `limit` bytes with 413, by Content-Length or while streaming."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers") or []:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    return await self._refuse(send)
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        # read the whole body first (at most `limit` bytes), then replay it to the app: a body that
        # streams past the limit is refused before any of it is parsed
        chunks, received = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            received += len(body)
            if received > self.limit:
                return await self._refuse(send)
            chunks.append(body)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send):
        body = JSONResponse({"detail": f"The request is larger than {self.limit:,} bytes."}, status_code=413).body
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def add_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)


# -- the service: one Analyzer, the database, the keys ---------------------------------------------------
class Service:
    def __init__(self, db_url: str | None, api_keys: Sequence[str], analyzer=None, allow_private_network: bool = False,
                 max_queued_analyses: int = MAX_QUEUED_ANALYSES):
        self.db_url = db_url
        self.api_keys = tuple(k for k in api_keys if k)
        self._analyzer = analyzer
        self._analyzer_lock = threading.Lock()  # heads are not all thread-safe: one analysis at a time
        self.allow_private_network = allow_private_network
        self._limiter = None  # created on first use, inside the event loop
        self._waiting = 0  # analyses accepted and not finished (the event loop is one thread: no lock)
        self.max_queued_analyses = max_queued_analyses

    def analyzer(self):
        if self._analyzer is None:
            from newssift.pipeline import Analyzer

            self._analyzer = Analyzer(db_url=self.db_url)
        return self._analyzer

    def key_ok(self, key: str | None) -> bool:
        if not self.api_keys:
            return True
        return bool(key) and any(secrets.compare_digest(key.encode(), k.encode()) for k in self.api_keys)

    def article_for(self, request: AnalyzeRequest):
        """The Article a request describes; an unusable request is an InputError (422)."""
        from newssift.ingest.corpus import html_article, text_article

        given = [name for name in ("text", "html") if getattr(request, name) is not None]
        if len(given) > 1:
            raise InputError("Give either text or html, not both.")
        url = (request.url or "").strip() or None
        if url is not None and not _is_http_url(url):
            raise InputError("The url must be an absolute http:// or https:// address.")
        if not given:
            if url is None:
                raise InputError("Give the article as text, html, or a url to fetch.")
            from newssift.ingest import read_input

            try:
                return read_input(url, allow_private_network=self.allow_private_network)
            except NewssiftError:
                raise
            except OSError as exc:
                raise FetchError(f"The page could not be fetched: {exc}.") from None
        value = getattr(request, given[0])
        if not value.strip():
            raise InputError(f"The {given[0]} is empty.")
        if given[0] == "text":
            if len(value) > settings.MAX_TEXT_CHARS:
                raise _TooLarge(f"The text is longer than {settings.MAX_TEXT_CHARS:,} characters.")
            return text_article(value, url=url, title=request.title)
        article = html_article(value.encode("utf-8"), url=url)
        if request.title and not article.title:
            article.title = request.title
        return article

    async def analyze_async(self, request: AnalyzeRequest) -> dict:
        """`analyze` in a worker thread of its own pool: queued analyses never take the threads that
        serve pages and stored reports; past `MAX_QUEUED_ANALYSES` waiting, a 429 asks to retry."""
        import anyio

        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(ANALYSIS_THREADS)
        if self._waiting >= self.max_queued_analyses:
            raise HTTPException(429, f"{self._waiting} analyses are waiting; retry in a few seconds.",
                                headers={"Retry-After": "5"})
        self._waiting += 1
        try:
            return await anyio.to_thread.run_sync(self.analyze, request, limiter=self._limiter)
        finally:
            self._waiting -= 1

    def analyze(self, request: AnalyzeRequest) -> dict:
        """Blocking: ingest, analyse, store. Runs in a worker thread."""
        article = self.article_for(request)
        with self._analyzer_lock:
            report = self.analyzer().analyze(article)
        data = report.to_dict()
        if request.store:
            from newssift.store import store_report

            store_report(data, db_url=self.db_url)
        report_id = data["article"]["id"]
        return {"id": report_id, "permalink": f"/reports/{quote(report_id)}" if request.store else None, **data}


class _TooLarge(InputError):
    pass


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _error_status(exc: NewssiftError) -> int:
    if isinstance(exc, _TooLarge):
        return 413
    if isinstance(exc, ResourceMissing):
        return 503
    return 422


def _optional_module(module: str, function: str):
    """`module.function`, or a 501 naming what this build lacks."""
    import importlib

    try:
        return getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as exc:
        if exc.name and not module.startswith(exc.name) and exc.name != module:
            raise
        raise HTTPException(501, f"This build of newssift has no {module} ({function} is not available).")
    except AttributeError:
        raise HTTPException(501, f"This build of newssift has no {module}:{function}.")


# -- the app -----------------------------------------------------------------------------------------------
def create_app(db_url: str | None = None, api_keys: Sequence[str] = (), analyzer=None,
               max_request_bytes: int = MAX_REQUEST_BYTES, allow_private_network: bool = False,
               max_queued_analyses: int = MAX_QUEUED_ANALYSES) -> FastAPI:
    """The FastAPI app: the JSON API under /api, the page at /, stored reports, the outlet dashboard."""
    from newssift.web import render
    from newssift.web.dashboard import outlet_context, outlets_context

    service = Service(db_url, api_keys, analyzer, allow_private_network, max_queued_analyses)
    app = FastAPI(title="newssift", version=__version__, docs_url=None, redoc_url=None,
                  description="Read a news article and see, with the evidence, how far to trust it.")
    app.state.service = service
    app.add_middleware(BodyLimitMiddleware, limit=max_request_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(packages=[("newssift.web", "static")]), name="static")

    def require_key(request: Request) -> None:
        key = request.headers.get("x-api-key") or request.query_params.get("api_key")
        if not service.key_ok(key):
            raise HTTPException(401, "A valid API key is required (X-API-Key header or api_key query parameter).")

    @app.exception_handler(NewssiftError)
    async def newssift_error(_request: Request, exc: NewssiftError):
        return JSONResponse({"detail": str(exc)}, status_code=_error_status(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {error.get('msg')}")
        return JSONResponse({"detail": "Malformed request: " + "; ".join(problems)}, status_code=422)

    # -- JSON API -------------------------------------------------------------------------------------
    api_key_dep = [Depends(require_key)]

    @app.post("/api/analyze", dependencies=api_key_dep, summary="Analyse an article and store its report",
              description="JSON with text or html (and the page's url, optional), or only a url to fetch "
                          "the page. Answers the report (see newssift/schema/report.schema.json) with its stored "
                          "id and permalink.")
    async def api_analyze(body: AnalyzeRequest) -> JSONResponse:
        return JSONResponse(await service.analyze_async(body))

    @app.get("/api/reports/{report_id}", dependencies=api_key_dep, summary="A stored report")
    async def api_report(report_id: str) -> JSONResponse:
        from newssift.store import get_report

        data = await run_in_threadpool(get_report, report_id, db_url)
        if data is None:
            raise HTTPException(404, f"No stored report has the id {report_id!r}.")
        return JSONResponse({"id": report_id, **data})

    @app.get("/api/reports", dependencies=api_key_dep, summary="Recently stored reports")
    async def api_reports(limit: int = Query(20, ge=1, le=200), domain: Optional[str] = Query(None, max_length=255)):
        from newssift.store import list_reports

        return await run_in_threadpool(list_reports, limit, domain, db_url)

    @app.get("/api/outlets", dependencies=api_key_dep, summary="Technique counts by outlet and month")
    async def api_outlets(domain: Optional[list[str]] = Query(None)):
        from newssift.store import outlet_stats

        return await run_in_threadpool(outlet_stats, domain, db_url)

    @app.get("/api/sources/{domain}", dependencies=api_key_dep, summary="What rating lists say about an outlet")
    async def api_source(domain: str) -> Any:
        if len(domain) > 253:
            raise HTTPException(422, "The domain is longer than 253 characters.")
        lookup = _optional_module("newssift.source.ratings", "lookup_source")
        return await run_in_threadpool(lookup, domain, db_url=db_url)

    @app.get("/api/factchecks/search", dependencies=api_key_dep, summary="Published fact-checks of a claim")
    async def api_factchecks(q: str = Query(..., min_length=1, max_length=2000, description="A claim, in your words."),
                             limit: int = Query(5, ge=1, le=50)) -> Any:
        search = _optional_module("newssift.coverage.match", "search")
        return await run_in_threadpool(lambda: search(q, limit=limit, db_url=db_url))

    @app.get("/api/health", summary="Liveness")
    async def api_health():
        return {"status": "ok", "version": __version__}

    # -- pages ------------------------------------------------------------------------------------------
    def page(name: str, status_code: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(render.render_template(name, **context), status_code=status_code)

    async def index_page(error: str | None = None, form: dict | None = None, status_code: int = 200):
        from newssift.store import list_reports

        recent = await run_in_threadpool(list_reports, 10, None, db_url)
        return page("index.html", status_code, error=error, form=form or {}, recent=recent,
                    need_key=bool(service.api_keys))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index():
        return await index_page()

    @app.post("/analyze", include_in_schema=False)
    async def analyze_form(request: Request):
        raw = await request.body()
        fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        form = {k: fields.get(k, "") for k in ("url", "title", "text")}
        if not service.key_ok(fields.get("api_key") or request.headers.get("x-api-key")):
            return await index_page("A valid API key is required.", form, 401)
        body = AnalyzeRequest(text=form["text"] if form["text"].strip() else None, url=form["url"] or None,
                              title=form["title"] or None)
        try:
            result = await service.analyze_async(body)
        except NewssiftError as exc:
            return await index_page(str(exc), form, _error_status(exc))
        return RedirectResponse(result["permalink"], status_code=303)

    @app.get("/reports/{report_id}", response_class=HTMLResponse, include_in_schema=False)
    async def report_page(report_id: str):
        from newssift.store import get_report

        data = await run_in_threadpool(get_report, report_id, db_url)
        if data is None:
            return page("error.html", 404, title="Report not found", message=f"No stored report has the id {report_id}.")
        link = f"/reports/{quote(report_id)}"
        return page("report.html", permalink=link, json_link=f"/api/reports/{quote(report_id)}",
                    **render.report_context(data))

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    async def outlets_page():
        return page("outlets.html", **await run_in_threadpool(outlets_context, db_url))

    @app.get("/outlets/{domain}", response_class=HTMLResponse, include_in_schema=False)
    async def outlet_page(domain: str):
        context = await run_in_threadpool(outlet_context, domain, db_url)
        if context is None:
            return page("error.html", 404, title="Outlet not found", message=f"No stored report is from {domain}.")
        return page("outlet.html", **context)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs_page():
        # our own page from the OpenAPI document: Swagger UI would load scripts from a CDN
        return page("docs.html", api=app.openapi(), endpoints=_endpoints(app.openapi()), keys=bool(service.api_keys))

    return app


def _endpoints(spec: dict) -> list[dict]:
    """The OpenAPI document flattened for the docs page: method, path, parameters, body fields."""
    schemas = spec.get("components", {}).get("schemas", {})
    endpoints = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            fields = []
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "").rsplit("/", 1)[-1]
            for name, prop in schemas.get(ref, {}).get("properties", {}).items():
                fields.append({"name": name, "description": prop.get("description", "")})
            params = [{"name": p["name"], "where": p["in"], "required": p.get("required", False),
                       "description": p.get("description") or p.get("schema", {}).get("description", "")}
                      for p in op.get("parameters", [])]
            endpoints.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                              "description": op.get("description", ""), "parameters": params, "fields": fields})
    return endpoints


def serve(host: str = "127.0.0.1", port: int = 8000, db_url: str | None = None, api_keys: Sequence[str] = ()) -> None:
    """Run the service with uvicorn until interrupted (``newssift serve``).

    API keys: `api_keys` (``--api-key``, repeatable) and/or ``$NEWSSIFT_API_KEYS`` (comma-separated).
    """
    import os

    import uvicorn

    # keys may come from the environment too: a command line is visible to every user of the machine
    api_keys = list(api_keys) + [k.strip() for k in os.environ.get("NEWSSIFT_API_KEYS", "").split(",") if k.strip()]
    app = create_app(db_url=db_url, api_keys=api_keys)
    # load the models and create the tables before the first request, not during it
    app.state.service.analyzer().heads()
    from newssift.db import get_engine

    get_engine(db_url)
    log.info("newssift serving on http://%s:%s", host, port)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_keep_alive=5)
