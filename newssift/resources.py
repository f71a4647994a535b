"""`newssift resources install|status`: the resources the project may not commit, installed locally.

Each rating list is fetched from its publisher's public location (or read from a folder laid out
like ``../shared/data`` with ``--from DIR``), checked against the SHA-256 recorded in
`newssift.source.lists`, parsed and stored in the local database. Installing again replaces what
was there, so the command is safe to rerun. The fact-check collections plug in through one call
(`newssift.coverage.factchecks.install_collections`) when that module is part of the build.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from newssift import settings
from newssift.errors import NewssiftError, ResourceMissing
from newssift.source import lists as rating_lists
from newssift.source import store

INSTALL_HINT = "newssift resources install --from DIR"


class ListUnavailable(Exception):
    """One list could not be obtained or verified; the message is one sentence for the user."""


def _data_root(from_dir: Path) -> Path:
    """Accept the data folder itself, or its `sources` subfolder."""
    from_dir = Path(from_dir).expanduser()
    if not from_dir.is_dir():
        raise ResourceMissing(f"The folder {from_dir} does not exist.")
    if (from_dir / "sources").is_dir():
        return from_dir
    if from_dir.name == "sources":
        return from_dir.parent
    return from_dir


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_local(file: rating_lists.ListFile, root: Path) -> bytes:
    path = root / file.path
    if not path.is_file():
        raise ListUnavailable(f"{path} is missing from the folder given with --from.")
    return path.read_bytes()


def _fetch(file: rating_lists.ListFile) -> bytes:
    import httpx

    try:
        response = httpx.get(file.url, timeout=settings.FETCH_TIMEOUT_S, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ListUnavailable(
            f"could not download {file.url} ({reason}); install from a local copy with `{INSTALL_HINT}`."
        ) from None
    return response.content


def obtain_files(spec: rating_lists.RatingList, root: Path | None) -> tuple[dict[str, bytes], list[dict]]:
    """The list's files, each verified against its recorded checksum."""
    files, records = {}, []
    for file in spec.files:
        data = _read_local(file, root) if root is not None else _fetch(file)
        digest = sha256_bytes(data)
        if digest != file.sha256:
            where = root / file.path if root is not None else file.url
            raise ListUnavailable(
                f"{where} does not match the recorded checksum (SHA-256 {digest[:12]}…, expected "
                f"{file.sha256[:12]}…), so it was not installed; the publisher may have changed the file."
            )
        files[file.path] = data
        records.append({"path": file.path, "url": file.url, "sha256": digest})
    return files, records


def install(from_dir: Path | str | None = None, db_url: str | None = None, console: Console | None = None,
            factchecks: bool = True) -> dict:
    """Install every rating list (and the fact-check collections where that part is built).

    Returns {list name: {"status": "installed"|"failed", "count" | "error"}}. A list that cannot be
    obtained or verified is reported in one sentence and skipped; the others are still installed.
    `factchecks=False` installs the rating lists only.
    """
    console = console or Console(stderr=True)
    root = _data_root(Path(from_dir)) if from_dir is not None else None
    origin = str(root) if root is not None else "publisher URLs"
    results: dict[str, dict] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Rating lists", total=len(rating_lists.BUILTIN_LISTS) + 1)
        for spec in rating_lists.BUILTIN_LISTS:
            progress.update(task, description=f"Rating list {spec.name}")
            try:
                files, records = obtain_files(spec, root)
                rows = spec.parse(files)
                count = store.replace_list({**spec.meta(), "installed_from": origin, "files": records}, rows, db_url)
                results[spec.name] = {"status": "installed", "count": count}
                console.print(f"[green]✓[/green] {spec.name}: {count} domains ({spec.title}, {spec.version})")
            except ListUnavailable as exc:
                results[spec.name] = {"status": "failed", "error": str(exc)}
                console.print(f"[red]✗[/red] {spec.name}: {exc}", highlight=False)
            progress.advance(task)
        progress.update(task, description="Outlet names")
        results["outlet-names"] = _install_names(root, origin, db_url, console)
        progress.advance(task)
        if factchecks:
            _install_factchecks(root, db_url, console, results)

    failed = [name for name, r in results.items() if r.get("status") == "failed"]
    if failed:
        raise ResourceMissing(
            f"{len(failed)} of {len(results)} resources were not installed ({', '.join(failed)}); "
            "see the messages above."
        )
    return results


def _install_names(root: Path | None, origin: str, db_url: str | None, console: Console) -> dict:
    """Outlet names that pages use for themselves (NELA-GT source labels), for inferring the outlet."""
    file = rating_lists.NELA_NAMES
    try:
        data = _read_local(file, root) if root is not None else _fetch(file)
        if sha256_bytes(data) != file.sha256:
            raise ListUnavailable(f"{file.path} does not match the recorded checksum, so it was not installed.")
    except ListUnavailable as exc:
        console.print(f"[red]✗[/red] outlet names: {exc}", highlight=False)
        return {"status": "failed", "error": str(exc)}
    count = store.replace_names("NELA-GT", rating_lists.parse_nela_names(data), db_url)
    console.print(f"[green]✓[/green] outlet names: {count} from NELA-GT-2018 source labels")
    return {"status": "installed", "count": count}


def _install_factchecks(root: Path | None, db_url: str | None, console: Console, results: dict) -> None:
    """The fact-check collections: one call into their module, skipped when it is not in this build.

    Contract: ``newssift.coverage.factchecks.install_collections(from_dir, db_url, progress)`` with
    `progress` a callable taking one line of text; it raises NewssiftError when nothing is there.
    """
    try:
        from newssift.coverage.factchecks import install_collections
    except (ImportError, AttributeError):
        return
    if root is None:
        console.print("[yellow]•[/yellow] fact-check collections: install them from a local folder with "
                      f"`{INSTALL_HINT}`.", highlight=False)
        results["factchecks"] = {"status": "skipped", "error": "fact-check collections install only with --from DIR"}
        return

    def progress(message: str) -> None:
        console.print(f"  fact-checks: {message}", highlight=False)

    try:
        outcome = install_collections(from_dir=root, db_url=db_url, progress=progress)
    except NewssiftError as exc:
        console.print(f"[yellow]•[/yellow] fact-check collections: {exc}", highlight=False)
        results["factchecks"] = {"status": "skipped", "error": str(exc)}
        return
    results["factchecks"] = {"status": "installed", **(outcome if isinstance(outcome, dict) else {})}


def status(db_url: str | None = None) -> dict:
    """What is installed: each list with its provenance and count, and the fact-check collections."""
    lists = store.list_rows(db_url)
    builtin = {spec.name for spec in rating_lists.BUILTIN_LISTS}
    installed = {row["name"] for row in lists}
    out = {
        "database": _redact(db_url or settings.database_url()),
        "rating_lists": [
            {k: row.get(k) for k in ("name", "title", "publisher", "version", "date", "scale", "quality_rule",
                                      "licence", "url", "kind", "count", "installed_at", "installed_from", "files")}
            for row in lists
        ],
        "missing": sorted(builtin - installed),
        "installed": bool(installed & builtin),
    }
    if not out["installed"]:
        out["message"] = f"Rating lists are not installed: run `{INSTALL_HINT}` (DIR laid out like ../shared/data)."
    try:
        from newssift.coverage.factchecks import collections_status
    except (ImportError, AttributeError):
        pass
    else:
        out["factchecks"] = collections_status(db_url=db_url)
    return out


def _redact(url: str) -> str:
    """A database URL without its password."""
    if "://" in url and "@" in url.split("://", 1)[1]:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url
