"""From a list of URLs to a corpus folder: ``kzmedia fetch URLS.csv --out DIR``.

The list is a CSV with a URL column (``url``, or GDELT's ``DocumentIdentifier`` /
``SOURCEURL``), such as a Media Cloud or GDELT export; :func:`read_urls` maps its columns to
the manifest. :func:`fetch` downloads each page politely and writes the raw HTML into the
folder, one ``<doc_id>.html`` file per page, with a ``manifest.csv`` that
:func:`kzmedia.corpus.load` reads as it reads any folder of saved pages (main text by
:func:`kzmedia.readers.read_html`). Every URL of the list has a manifest row: ``status``
``fetched`` with its file, or ``failed`` with the ``reason``; the loader lists failed rows in
``articles.attrs["rejected"]``.

Polite by default: robots.txt is read once per host with the same User-Agent and obeyed
(its Crawl-delay too); one request at a time, at least ``delay`` seconds apart on the same
host (while one host waits, the next URL of another host goes ahead); timeouts; redirects
followed one hop at a time (each hop checked against its host's robots.txt, at most
``max_redirects``); 429 and 5xx retried with exponential backoff or after the server's
Retry-After; bodies streamed and abandoned past ``max_bytes``; only HTML is kept.

Resumable: a rerun into the same folder fetches only the URLs without a saved page. Each
page is written to a temporary file and renamed into place, and the manifest is rewritten the
same way every few seconds and at the end (also on Ctrl-C), so a run killed mid-way leaves
only whole files; a page saved after the last manifest write is found by its file name at the
next run and not fetched again.
"""

from __future__ import annotations

import email.utils
import hashlib
import io
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pandas as pd
import requests

from . import __version__

__all__ = ["USER_AGENT", "MANIFEST_COLUMNS", "read_urls", "page_id", "fetch"]

USER_AGENT = f"kzmedia/{__version__} (media research crawler; obeys robots.txt)"
"""The default User-Agent: names kzmedia, so that sites can address it in robots.txt."""

MANIFEST_COLUMNS = ("file", "doc_id", "url", "outlet", "published", "title", "status",
                    "reason", "final_url", "fetched_at")
"""Columns of the manifest :func:`fetch` writes, in order; the list's other columns follow."""

MANIFEST_NAME = "manifest.csv"
HTML_TYPES = ("text/html", "application/xhtml+xml")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: crawlers parse at least the first 500 KiB
SAVE_EVERY = 5.0  # seconds between manifest writes during a run
# The reason of a URL not yet tried: what a run that stopped early leaves in the manifest.
NOT_YET = "not fetched yet (the run stopped before this URL)"

# The list's columns that give each manifest field, first match wins (case-insensitive).
_URL_NAMES = ("url", "documentidentifier", "sourceurl")
_OUTLET_NAMES = ("media_name", "outlet", "sourcecommonname")
_DATE_NAMES = ("publish_date", "published", "date", "dateadded", "seendate")
_TITLE_NAMES = ("title",)
# Names that the loader reads as article fields or that the manifest uses: a list column
# carried into the manifest under such a name is prefixed with "list_".
_RESERVED = {*MANIFEST_COLUMNS, "id", "source", "headline", "byline", "authors", "author",
             "link", "date", "text", "body", "content", "date_precision", "n_words", "lang"}


# --------------------------------------------------------------------------- the list


def read_urls(source) -> pd.DataFrame:
    """The URL list ``source`` (a CSV file, or a DataFrame of its columns) as manifest
    rows, one per distinct URL, in list order.

    The URL column is ``url`` or GDELT's ``DocumentIdentifier`` / ``SOURCEURL``; ``outlet``
    comes from ``media_name`` (Media Cloud) or ``outlet`` or ``SourceCommonName`` (GDELT),
    else the URL's host without ``www.``; ``published`` from ``publish_date``, ``published``,
    ``date``, ``DATEADDED`` or ``seendate`` (GDELT's ``20230115103000`` forms become
    ``2023-01-15``); ``title`` from ``title``. Names match case-insensitively. The list's
    other columns are kept (prefixed ``list_`` where the name is one the loader reads, e.g.
    Media Cloud's ``id`` becomes ``list_id``). The delimiter (comma, semicolon or tab) is
    taken from the header line.

    Returns a DataFrame[doc_id, url, outlet, published, title, *other columns], all strings;
    ``doc_id`` is :func:`page_id` of the URL. Raises ValueError naming the file when it has
    no URL column or cannot be read.
    """
    if isinstance(source, pd.DataFrame):
        table, path = source.fillna("").astype("str"), "URL list"
    else:
        path = Path(source)
        table = _read_list(path)
    lower = {c.lower(): c for c in reversed(table.columns)}
    found = {field: next((lower[n] for n in names if n in lower), None)
             for field, names in (("url", _URL_NAMES), ("outlet", _OUTLET_NAMES),
                                  ("published", _DATE_NAMES), ("title", _TITLE_NAMES))}
    if found["url"] is None:
        raise ValueError(f"{path}: no URL column (expected one of url, DocumentIdentifier, "
                         f"SOURCEURL); columns: {list(table.columns)}")
    urls = table[found["url"]].str.strip()
    out = pd.DataFrame({"doc_id": urls.map(page_id), "url": urls})
    hosts = urls.map(_outlet_of_host)
    out["outlet"] = (table[found["outlet"]].str.strip() if found["outlet"] else hosts)
    out["outlet"] = out["outlet"].where(out["outlet"] != "", hosts)
    out["published"] = (table[found["published"]].str.strip().map(_gdelt_date)
                        if found["published"] else "")
    out["title"] = table[found["title"]].str.strip() if found["title"] else ""
    used = {c for c in found.values() if c is not None}
    for col in table.columns:
        if col not in used:
            out[f"list_{col}" if col.lower() in _RESERVED else col] = table[col]
    out = out[out["url"] != ""]  # a blank cell lists no URL
    return out.drop_duplicates("url").reset_index(drop=True)


def _read_list(path: Path) -> pd.DataFrame:
    """The CSV at ``path``, every value a string; the delimiter (comma, semicolon or tab)
    taken from the header line."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as err:
        raise ValueError(f"{path}: cannot read the URL list: {err}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: the URL list is not UTF-8 (byte 0x{raw[err.start]:02x} at "
                         f"offset {err.start}); re-save it as UTF-8") from None
    header = text.split("\n", 1)[0]
    sep = "\t" if "\t" in header else ";" if header.count(";") > header.count(",") else ","
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as err:
        raise ValueError(f"{path}: not a readable CSV: {' '.join(str(err).split())}") from None


def page_id(url: str) -> str:
    """The doc_id and file stem of a URL's page: 16 hex digits of its SHA-1, stable across
    runs and lists."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def _outlet_of_host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def _gdelt_date(value: str) -> str:
    """GDELT's digit dates (``20230115``, ``20230115103000``, ``20230115T103000Z``) as ISO;
    anything else as it is (the loader parses it)."""
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(?:T?\d{6}Z?)?", value)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else value


# --------------------------------------------------------------------------- one request


@dataclass
class _Outcome:
    """What one request gave: a page (``body``), a redirect (``location``), a failure to
    retry (``retry_after``: seconds the server asked for, or None for backoff), or a final
    failure (``reason`` alone)."""

    reason: str = ""
    body: bytes | None = None
    location: str | None = None
    retry: bool = False
    retry_after: float | None = None
    status: int | None = None


def _get(session: requests.Session, url: str, *, user_agent: str, timeout: float,
         max_bytes: int, html_only: bool = True, truncate: bool = False) -> _Outcome:
    """One GET of ``url`` (redirects not followed), its body streamed and capped."""
    headers = {"User-Agent": user_agent,
               "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}
    try:
        resp = session.get(url, headers=headers, timeout=timeout, stream=True,
                           allow_redirects=False)
    except requests.Timeout:
        return _Outcome(f"timeout: no answer within {timeout:g} s")
    except requests.RequestException as err:
        return _Outcome(f"connection failed: {_short(err)}", retry=True)
    with resp:
        status = resp.status_code
        if 300 <= status < 400 and status != 304:
            location = resp.headers.get("Location")
            if not location:
                return _Outcome(f"HTTP {status} redirect without a Location", status=status)
            return _Outcome(location=urljoin(resp.url, location), status=status)
        if status >= 400 or status < 200:
            reason = f"HTTP {status} {resp.reason or ''}".strip()
            return _Outcome(reason, retry=status in RETRY_STATUSES, status=status,
                            retry_after=_retry_after(resp.headers.get("Retry-After")))
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if html_only and ctype and ctype not in HTML_TYPES:
            return _Outcome(f"not HTML: {ctype}", status=status)
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            return _Outcome(f"too large: {int(declared)} bytes (limit {max_bytes})",
                            status=status)
        body, start = bytearray(), time.monotonic()
        try:
            for chunk in resp.iter_content(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    if truncate:
                        return _Outcome(body=bytes(body[:max_bytes]), status=status)
                    return _Outcome(f"too large: more than {max_bytes} bytes", status=status)
                if time.monotonic() - start > timeout:
                    return _Outcome(f"timeout: the page took more than {timeout:g} s to arrive",
                                    status=status)
        except requests.RequestException as err:
            return _Outcome(f"connection lost while reading: {_short(err)}", retry=True)
        return _Outcome(body=bytes(body), status=status)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _short(err: Exception) -> str:
    """An exception as one short line (requests' messages nest the whole chain)."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}"


# --------------------------------------------------------------------------- the run


@dataclass
class _Task:
    doc_id: str
    url: str  # the URL requested next (after redirects, not the listed one)
    hops: int = 0
    attempts: int = 0


class _Hosts:
    """Per-host politeness of one run: robots.txt rules (or why the host is closed), the
    delay between requests and when the next request may go."""

    def __init__(self, session, *, user_agent, delay, timeout, max_redirects):
        self.session, self.user_agent, self.delay = session, user_agent, delay
        self.timeout, self.max_redirects = timeout, max_redirects
        self.rules: dict[str, RobotFileParser | str] = {}
        self.ready: dict[str, float] = {}
        self.gap: dict[str, float] = {}

    def wait(self, host: str) -> None:
        pause = self.ready.get(host, 0.0) - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def requested(self, host: str, at_least: float = 0.0) -> None:
        """A request to ``host`` just ended: the next waits the delay (or longer)."""
        self.ready[host] = time.monotonic() + max(self.gap.get(host, self.delay), at_least)

    def known(self, host: str) -> bool:
        return host in self.rules

    def read_robots(self, host: str) -> None:
        """Fetch and parse ``host``'s robots.txt (one request, redirects followed). As
        urllib.robotparser does: 401/403 closes the host, another 4xx opens it; as RFC 9309
        asks, a server or network error closes it for this run."""
        url, outcome = f"{host}/robots.txt", None
        for _ in range(self.max_redirects + 1):
            outcome = _get(self.session, url, user_agent=self.user_agent, timeout=self.timeout,
                           max_bytes=ROBOTS_MAX_BYTES, html_only=False, truncate=True)
            if outcome.location is None:
                break
            url = outcome.location
        parser = RobotFileParser(url)
        if outcome.body is not None:
            parser.parse(outcome.body.decode("utf-8", errors="replace").splitlines())
            self.rules[host] = parser
            crawl_delay = parser.crawl_delay(self.user_agent)
            if crawl_delay:
                self.gap[host] = max(self.delay, float(crawl_delay))
        elif outcome.status in (401, 403):
            self.rules[host] = f"robots.txt forbidden (HTTP {outcome.status}): no crawling"
        elif outcome.status is not None and 400 <= outcome.status < 500:
            parser.allow_all = True
            self.rules[host] = parser
        else:
            why = outcome.reason or "too many redirects"
            self.rules[host] = f"robots.txt could not be read ({why}); the site is left alone"
        self.requested(host)

    def refusal(self, host: str, url: str) -> str:
        """Why robots.txt forbids ``url`` ("" when it allows it)."""
        rules = self.rules[host]
        if isinstance(rules, str):
            return rules
        return "" if rules.can_fetch(self.user_agent, url) else "disallowed by robots.txt"


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def fetch(urls, out, *, delay: float = 1.0, user_agent: str = USER_AGENT,
          timeout: float = 20.0, retries: int = 3, backoff: float = 2.0,
          max_bytes: int = 5_000_000, max_redirects: int = 5, max_retry_after: float = 300.0,
          progress: bool = True, session: requests.Session | None = None) -> pd.DataFrame:
    """Fetch every page of a URL list into the folder ``out`` (created if needed).

    Parameters
    ----------
    urls : path of the URL list (see :func:`read_urls`), or a DataFrame of its rows.
    out : the corpus folder: ``<doc_id>.html`` per page and ``manifest.csv``. URLs whose page
        is already there (from an earlier run) are not fetched again; failed ones are retried.
    delay : seconds between two requests to the same host (robots.txt's Crawl-delay when
        longer).
    user_agent : the User-Agent sent with every request, robots.txt included, and the name
        under which robots.txt rules are looked up. Add a contact address to the default.
    timeout : seconds to connect, to wait for an answer, and for the whole page to arrive.
    retries : further attempts after a 429, 500, 502, 503, 504 or a broken connection.
    backoff : seconds before the first retry, doubled for each next one, unless the server
        sends Retry-After (honoured up to ``max_retry_after`` seconds; a longer one fails).
    max_bytes : pages larger than this are abandoned ("too large").
    max_redirects : redirect hops followed per URL.
    progress : a progress bar (tqdm).
    session : a ``requests.Session`` to use (proxies, certificates); a new one by default.

    Returns
    -------
    The manifest as written to ``out/manifest.csv``: DataFrame[file, doc_id, url, outlet,
    published, title, status, reason, final_url, fetched_at, *the list's other columns], one
    row per URL; ``status`` is "fetched" (``file`` is the page) or "failed" (``reason`` says
    why: robots.txt, HTTP 404, timeout, too large, not HTML ...).
    """
    from tqdm.auto import tqdm

    rows = read_urls(urls)
    if delay < 0 or timeout <= 0 or retries < 0 or max_bytes <= 0 or max_redirects < 0:
        raise ValueError("fetch: delay, retries and max_redirects must be >= 0, timeout and "
                         "max_bytes > 0")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob(".*.html.tmp"), *out.glob(f".{MANIFEST_NAME}.tmp")]:
        stale.unlink()  # left by a run killed while writing
    manifest = _merge(rows, _previous(out), out)
    todo = []
    for i in manifest.index[manifest["status"] != "fetched"]:
        if re.match(r"https?://[^/]", manifest.at[i, "url"], flags=re.I):
            todo.append(i)
        else:
            _fail(manifest, i, "not an http(s) URL")
    queues: dict[str, deque] = {}
    for i in todo:
        queues.setdefault(_host(manifest.at[i, "url"]), deque()).append(
            _Task(manifest.at[i, "doc_id"], manifest.at[i, "url"]))
    row_of = {manifest.at[i, "doc_id"]: i for i in todo}

    own_session = session is None
    session = session or requests.Session()
    hosts = _Hosts(session, user_agent=user_agent, delay=delay, timeout=timeout,
                   max_redirects=max_redirects)
    saved = time.monotonic()
    bar = tqdm(total=len(todo), desc="fetching", unit="url", disable=not progress)
    try:
        while queues:
            host = min(queues, key=lambda h: hosts.ready.get(h, 0.0))
            hosts.wait(host)
            if not hosts.known(host):
                hosts.read_robots(host)
                continue
            task = queues[host].popleft()
            done = _step(task, host, hosts, queues, manifest, row_of[task.doc_id], out,
                         timeout=timeout, retries=retries, backoff=backoff,
                         max_bytes=max_bytes, max_redirects=max_redirects,
                         max_retry_after=max_retry_after)
            if not queues[host]:
                del queues[host]
            if done:
                bar.update(1)
                if time.monotonic() - saved > SAVE_EVERY:
                    _write_manifest(manifest, out)
                    saved = time.monotonic()
    finally:
        bar.close()
        _write_manifest(manifest, out)
        if own_session:
            session.close()
    return manifest


def _step(task, host, hosts, queues, manifest, i, out, *, timeout, retries, backoff,
          max_bytes, max_redirects, max_retry_after) -> bool:
    """One request of ``task``; True when its URL is settled (fetched or failed), False when
    it went back into a queue (a redirect hop or a retry)."""
    if refusal := hosts.refusal(host, task.url):
        return _fail(manifest, i, refusal)
    outcome = _get(hosts.session, task.url, user_agent=hosts.user_agent, timeout=timeout,
                   max_bytes=max_bytes)
    if outcome.body is not None:
        hosts.requested(host)
        name = f"{task.doc_id}.html"
        _write_atomic(out / name, outcome.body)
        manifest.loc[i, ["file", "status", "reason", "final_url", "fetched_at"]] = [
            name, "fetched", "", task.url, _now()]
        return True
    if outcome.location is not None:
        hosts.requested(host)
        if not re.match(r"https?://", outcome.location, flags=re.I):
            return _fail(manifest, i, f"redirected to a non-http(s) URL: {outcome.location}")
        if task.hops >= max_redirects:
            return _fail(manifest, i, f"too many redirects (more than {max_redirects})")
        nxt = _Task(task.doc_id, outcome.location, task.hops + 1, task.attempts)
        queues.setdefault(_host(nxt.url), deque()).appendleft(nxt)
        return False
    if outcome.retry and task.attempts < retries:
        wait = outcome.retry_after
        if wait is not None and wait > max_retry_after:
            hosts.requested(host)
            return _fail(manifest, i, f"{outcome.reason}: Retry-After {wait:g} s is longer "
                                      f"than the {max_retry_after:g} s allowed")
        hosts.requested(host, wait if wait is not None else backoff * 2 ** task.attempts)
        task.attempts += 1
        queues[host].appendleft(task)
        return False
    hosts.requested(host)
    tries = f" (after {task.attempts + 1} attempts)" if task.attempts else ""
    return _fail(manifest, i, outcome.reason + tries)


def _fail(manifest: pd.DataFrame, i, reason: str) -> bool:
    manifest.loc[i, ["file", "status", "reason", "final_url", "fetched_at"]] = [
        "", "failed", reason, "", _now()]
    return True


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- files


def _previous(out: Path) -> pd.DataFrame | None:
    path = out / MANIFEST_NAME
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"doc_id", "url", "status"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: not a manifest written by kzmedia fetch (no "
                         f"{', '.join(sorted(missing))} column); choose another --out folder")
    return table


def _merge(rows: pd.DataFrame, previous: pd.DataFrame | None, out: Path) -> pd.DataFrame:
    """The manifest of this run: the list's rows (their metadata as the list gives it now)
    with what earlier runs found, then earlier rows whose URL is no longer listed. A page
    file without a manifest row (a run killed before writing it) counts as fetched."""
    rows = rows.assign(file="", status="failed", reason=NOT_YET, final_url="", fetched_at="")
    if previous is not None:
        state = previous.drop_duplicates("doc_id").set_index("doc_id")
        known = rows["doc_id"].isin(state.index)
        for col in ("file", "status", "reason", "final_url", "fetched_at"):
            if col in state.columns:
                rows.loc[known, col] = rows.loc[known, "doc_id"].map(state[col])
        rows = pd.concat([rows, previous[~previous["doc_id"].isin(rows["doc_id"])]],
                         ignore_index=True).fillna("")
    for i in rows.index:
        name = f"{rows.at[i, 'doc_id']}.html"
        if (out / name).is_file():
            if rows.at[i, "status"] != "fetched":
                stamp = datetime.fromtimestamp((out / name).stat().st_mtime, timezone.utc)
                rows.loc[i, ["file", "status", "reason", "fetched_at"]] = [
                    name, "fetched", "", stamp.strftime("%Y-%m-%dT%H:%M:%SZ")]
        elif rows.at[i, "status"] == "fetched":  # its page was deleted: fetch it again
            rows.loc[i, ["file", "status", "reason"]] = ["", "failed", NOT_YET]
    first = [c for c in MANIFEST_COLUMNS if c in rows.columns]
    return rows[first + [c for c in rows.columns if c not in first]].astype("str")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file renamed into place, so the
    file is whole or absent even if the process dies."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _write_manifest(manifest: pd.DataFrame, out: Path) -> None:
    _write_atomic(out / MANIFEST_NAME, manifest.to_csv(index=False).encode("utf-8"))
