"""kzmedia fetch against HTTP servers the tests start on 127.0.0.1 (never another address),
with the faults a real crawl meets: robots.txt, 503 and 429 once, a redirect, 404, a page
that never answers, oversized pages and a PDF."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
import requests

from kzmedia import cli, corpus, fetch

UA = "kzmedia-test/1.0 (tests)"
FAST = dict(delay=0.01, backoff=0.01, timeout=0.5, retries=2, user_agent=UA, progress=False)


def page(title, *paragraphs):
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>{title}</h1>\n{body}</article>"
            f"<footer>Copyright 2023 Test Outlet. All rights reserved.</footer>"
            f"</body></html>").encode("utf-8")


PARAS_A = (
    "Kazakhstan pursues a multi-vector foreign policy that balances its relations with Russia, "
    "China, the United States and the European Union, and officials say this keeps options open.",
    "President Tokayev met European leaders in Astana to discuss trade routes across the Caspian "
    "Sea, the Middle Corridor and new investment in energy and transport.",
)
PARAS_B = (
    "China and Kazakhstan signed agreements on railways and logistics hubs along the Belt and "
    "Road, which the government in Astana welcomed as a success for its diplomacy.",
    "Critics warned that the country depends too heavily on Russia for exports of oil, although "
    "ministers insist that cooperation with all partners remains balanced and pragmatic.",
)
PARAS_C = (
    "The United States and Kazakhstan held a strategic dialogue on security, nuclear "
    "non-proliferation and regional stability in Central Asia this week in Washington.",
    "Diplomats described the talks as constructive and said both sides want deeper cooperation "
    "on critical minerals, education and the fight against terrorism.",
)
ROBOTS = f"User-agent: {UA.split('/')[0]}\nDisallow: /private/\n\nUser-agent: *\nAllow: /\n"


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) that logs every request (path, time,
    User-Agent) and answers from ``routes``: path -> callable(handler, count) returning
    (status, headers, body), HANG (no answer) or None (it answered itself). ``count`` is how
    many times the path was requested before."""

    def __init__(self, routes):
        self.routes, self.log, self.stop = routes, [], threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                count = sum(1 for p, *_ in server.log if p == self.path)
                server.log.append((self.path, time.monotonic(), self.headers.get("User-Agent")))
                route = server.routes.get(self.path)
                answer = (404, {"Content-Type": "text/html"}, b"not found") if route is None \
                    else route(self, count)
                if answer is HANG:
                    server.stop.wait(10)
                    return
                if answer is None:
                    return
                status, headers, body = answer
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the size cap), as intended

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path):
        return [t for p, t, _ in self.log if p == path]


def html(body):
    return lambda h, n: (200, {"Content-Type": "text/html; charset=utf-8"}, body)


def once(status, headers, then):
    """``status`` on the first request, then the route ``then``."""
    return lambda h, n: (status, {"Content-Type": "text/html", **headers}, b"busy") if n == 0 \
        else then(h, n)


BIG = b"<html><body>" + b"<p>padding</p>" * 20_000 + b"</body></html>"
HANG = object()  # a route's answer: never answer


def faulty_routes():
    return {
        "/robots.txt": lambda h, n: (200, {"Content-Type": "text/plain"}, ROBOTS.encode()),
        "/a.html": html(page("Balanced diplomacy in Central Asia", *PARAS_A)),
        "/b.html": html(page("Railways along the Belt and Road", *PARAS_B)),
        "/new-c.html": html(page("A strategic dialogue in Washington", *PARAS_C)),
        "/old-c": lambda h, n: (301, {"Location": "/new-c.html"}, b""),
        "/flaky": once(503, {}, html(page("Astana hosts a summit", *PARAS_B[::-1]))),
        "/busy": once(429, {"Retry-After": "1"},
                      html(page("Trade talks in Astana", *PARAS_A[::-1]))),
        "/private/secret.html": html(page("Secret", *PARAS_A)),
        "/slow": lambda h, n: HANG,
        "/big": lambda h, n: (200, {"Content-Type": "text/html"}, BIG),
        "/report.pdf": lambda h, n: (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 ..."),
    }


PATHS = ["/a.html", "/b.html", "/old-c", "/flaky", "/busy", "/private/secret.html", "/missing",
         "/slow", "/big", "/report.pdf"]


def url_list(tmp_path, base, paths=PATHS, name="urls.csv"):
    path = tmp_path / name
    pd.DataFrame({"url": [base + p for p in paths]}).to_csv(path, index=False)
    return path


@pytest.fixture
def server():
    with Server(faulty_routes()) as s:
        yield s


def by_path(manifest, base):
    return manifest.set_index(manifest["url"].str.removeprefix(base))


# ------------------------------------------------------------------ the faults, one run


def test_fetch_faults(server, tmp_path):
    out = tmp_path / "corpus"
    manifest = fetch.fetch(url_list(tmp_path, server.base), out, max_bytes=100_000, **FAST)
    rows = by_path(manifest, server.base)
    assert list(manifest.columns[:len(fetch.MANIFEST_COLUMNS)]) == list(fetch.MANIFEST_COLUMNS)
    assert len(manifest) == len(PATHS)
    fetched = rows.index[rows["status"] == "fetched"].tolist()
    assert sorted(fetched) == ["/a.html", "/b.html", "/busy", "/flaky", "/old-c"]
    reasons = rows["reason"]
    assert reasons["/private/secret.html"] == "disallowed by robots.txt"
    assert reasons["/missing"] == "HTTP 404 Not Found"
    assert reasons["/slow"] == "timeout: no answer within 0.5 s"
    assert reasons["/big"] == f"too large: {len(BIG)} bytes (limit 100000)"
    assert reasons["/report.pdf"] == "not HTML: application/pdf"
    # the page robots.txt forbids is never requested; robots.txt once, with our User-Agent
    assert server.hits("/private/secret.html") == []
    assert len(server.hits("/robots.txt")) == 1
    assert {ua for _, _, ua in server.log} == {UA}
    # 503 and 429 once, then the page; the 429's Retry-After (1 s) is honoured
    assert len(server.hits("/flaky")) == 2 and len(server.hits("/busy")) == 2
    first, second = server.hits("/busy")
    assert second - first >= 1.0
    # the redirect is followed and its target recorded
    assert rows.loc["/old-c", "final_url"] == server.base + "/new-c.html"
    # each fetched page is saved whole, under its doc_id
    for path in fetched:
        row = rows.loc[path]
        assert row["file"] == f"{row['doc_id']}.html" == f"{fetch.page_id(row['url'])}.html"
        assert (out / row["file"]).read_bytes().startswith(b"<!DOCTYPE html>")
    assert (out / rows.loc["/a.html", "file"]).read_bytes() == page(
        "Balanced diplomacy in Central Asia", *PARAS_A)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.csv", *rows.loc[fetched, "file"]])  # no temporary files left
    on_disk = pd.read_csv(out / "manifest.csv", dtype=str, keep_default_na=False)
    assert list(on_disk.columns) == list(manifest.columns)
    assert on_disk.values.tolist() == manifest.values.tolist()


def test_size_cap_while_streaming(tmp_path):
    """No Content-Length (HTTP/1.0, body until the connection closes): the download stops
    once it passes max_bytes."""
    big = b"<html><body>" + b"<p>more</p>" * 50_000

    class Route:
        def __call__(self, handler, n):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.end_headers()
            try:
                handler.wfile.write(big)
            except (BrokenPipeError, ConnectionResetError):
                pass
            handler.close_connection = True

    routes = {"/robots.txt": lambda h, n: (404, {}, b""), "/stream": Route()}
    with Server(routes) as s:
        manifest = fetch.fetch(url_list(tmp_path, s.base, ["/stream"]), tmp_path / "out",
                               max_bytes=10_000, **FAST)
    assert manifest["reason"].tolist() == ["too large: more than 10000 bytes"]


def test_retries_run_out(tmp_path):
    routes = {"/robots.txt": lambda h, n: (404, {}, b""),
              "/down": lambda h, n: (503, {"Content-Type": "text/html"}, b"down"),
              "/later": lambda h, n: (429, {"Retry-After": "3600"}, b"")}
    with Server(routes) as s:
        manifest = fetch.fetch(url_list(tmp_path, s.base, ["/down", "/later"]),
                               tmp_path / "out", **FAST)
        rows = by_path(manifest, s.base)
        assert len(s.hits("/down")) == 3  # 1 + retries=2
        assert len(s.hits("/later")) == 1  # an hour's wait is not waited
    assert rows.loc["/down", "reason"] == "HTTP 503 Service Unavailable (after 3 attempts)"
    assert rows.loc["/later", "reason"] == ("HTTP 429 Too Many Requests: Retry-After 3600 s "
                                            "is longer than the 300 s allowed")


def test_redirects_are_bounded_and_checked_against_robots(tmp_path):
    routes = {"/robots.txt": lambda h, n: (200, {}, b"User-agent: *\nDisallow: /closed/\n"),
              "/loop": lambda h, n: (302, {"Location": "/loop"}, b""),
              "/in": lambda h, n: (301, {"Location": "/closed/page.html"}, b""),
              "/closed/page.html": html(page("Closed", *PARAS_A))}
    with Server(routes) as s:
        manifest = fetch.fetch(url_list(tmp_path, s.base, ["/loop", "/in"]), tmp_path / "out",
                               max_redirects=3, **FAST)
        rows = by_path(manifest, s.base)
        assert len(s.hits("/loop")) == 4  # the URL and 3 hops
        assert s.hits("/closed/page.html") == []
    assert rows.loc["/loop", "reason"] == "too many redirects (more than 3)"
    assert rows.loc["/in", "reason"] == "disallowed by robots.txt"


def test_robots_txt_errors_close_or_open_the_site(tmp_path):
    """robots.txt 404: everything allowed; 503 or 403: the site is left alone."""
    ok = html(page("Open", *PARAS_A))
    with Server({"/robots.txt": lambda h, n: (404, {}, b""), "/p": ok}) as open_site, \
            Server({"/robots.txt": lambda h, n: (503, {}, b""), "/p": ok}) as down, \
            Server({"/robots.txt": lambda h, n: (403, {}, b""), "/p": ok}) as forbidden:
        lst = tmp_path / "urls.csv"
        pd.DataFrame({"url": [open_site.base + "/p", down.base + "/p",
                              forbidden.base + "/p"]}).to_csv(lst, index=False)
        manifest = fetch.fetch(lst, tmp_path / "out", **FAST)
        assert down.hits("/p") == [] and forbidden.hits("/p") == []
        assert len(down.hits("/robots.txt")) == 1
    assert manifest["status"].tolist() == ["fetched", "failed", "failed"]
    assert manifest["reason"].tolist()[1:] == [
        "robots.txt could not be read (HTTP 503 Service Unavailable); the site is left alone",
        "robots.txt forbidden (HTTP 403): no crawling"]


def test_delay_per_host_and_crawl_delay(tmp_path):
    """Requests to one host are at least `delay` apart (robots.txt included), a longer
    Crawl-delay wins, and another host is not held up by the first one's delay."""
    ok = html(page("Page", *PARAS_A))
    slow_robots = b"User-agent: *\nCrawl-delay: 1\n"
    with Server({"/robots.txt": lambda h, n: (404, {}, b""), "/1": ok, "/2": ok, "/3": ok}) as a, \
            Server({"/robots.txt": lambda h, n: (200, {}, slow_robots), "/1": ok, "/2": ok}) as b:
        lst = tmp_path / "urls.csv"
        pd.DataFrame({"url": [a.base + "/1", a.base + "/2", a.base + "/3",
                              b.base + "/1", b.base + "/2"]}).to_csv(lst, index=False)
        fetch.fetch(lst, tmp_path / "out", **dict(FAST, delay=0.3))
        times_a = [t for _, t, _ in a.log]
        times_b = [t for _, t, _ in b.log]
    assert len(times_a) == 4 and len(times_b) == 3
    assert all(y - x >= 0.29 for x, y in zip(times_a, times_a[1:]))
    assert all(y - x >= 0.99 for x, y in zip(times_b, times_b[1:]))
    assert times_b[0] < times_a[1]  # host b's robots.txt did not wait for host a


# ------------------------------------------------------------------ the list


def test_media_cloud_export(tmp_path):
    export = tmp_path / "mediacloud.csv"
    export.write_text(
        "id,indexed_date,language,media_name,media_url,publish_date,title,url\n"
        "a1b2,2023-01-16 08:00:00,en,The Astana Times,astanatimes.com,2023-01-15 10:30:00,"
        "\"Balanced diplomacy, again\",https://astanatimes.com/2023/01/x/\n"
        "c3d4,2023-02-02 09:00:00,en,,www.example.org,2023-02-01,Untitled,"
        "https://www.example.org/story\n"
        "c3d4,2023-02-02 09:00:00,en,,www.example.org,2023-02-01,Untitled,"
        "https://www.example.org/story\n", encoding="utf-8")
    rows = fetch.read_urls(export)
    assert list(rows.columns) == ["doc_id", "url", "outlet", "published", "title", "list_id",
                                  "indexed_date", "language", "media_url"]
    assert rows["outlet"].tolist() == ["The Astana Times", "example.org"]  # else the host
    assert rows["published"].tolist() == ["2023-01-15 10:30:00", "2023-02-01"]
    assert rows["title"].tolist() == ["Balanced diplomacy, again", "Untitled"]
    assert rows["list_id"].tolist() == ["a1b2", "c3d4"]  # the repeated URL is listed once
    assert rows["doc_id"].tolist() == [fetch.page_id("https://astanatimes.com/2023/01/x/"),
                                       fetch.page_id("https://www.example.org/story")]


def test_gdelt_columns(tmp_path):
    gkg = tmp_path / "gkg.csv"
    gkg.write_text("GKGRECORDID\tDATE\tSourceCommonName\tDocumentIdentifier\n"
                   "20230115-1\t20230115103000\tastanatimes.com\thttps://astanatimes.com/a\n",
                   encoding="utf-8")
    rows = fetch.read_urls(gkg)
    assert rows[["url", "outlet", "published", "GKGRECORDID"]].values.tolist() == [
        ["https://astanatimes.com/a", "astanatimes.com", "2023-01-15", "20230115-1"]]
    events = tmp_path / "events.csv"
    events.write_text("GLOBALEVENTID;SQLDATE;DATEADDED;SOURCEURL\n"
                      "1;20230101;20230102123000;https://www.example.com/e\n"
                      "2;20230101;20230102123000;https://www.example.com/e\n", encoding="utf-8")
    rows = fetch.read_urls(events)
    assert rows[["url", "outlet", "published"]].values.tolist() == [
        ["https://www.example.com/e", "example.com", "2023-01-02"]]


def test_list_errors_name_the_file(tmp_path):
    bad = tmp_path / "links.csv"
    bad.write_text("link_to_story,title\nhttps://x.org/a,A\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"links\.csv: no URL column .*'link_to_story'"):
        fetch.read_urls(bad)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("url,title\nhttps://x.org/a,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.csv: the URL list is not UTF-8"):
        fetch.read_urls(latin)


def test_not_http_urls_fail_without_a_request(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no request may be made")

    monkeypatch.setattr(requests.Session, "get", refuse)
    manifest = fetch.fetch(pd.DataFrame({"url": ["ftp://example.org/x", "file:///etc/passwd",
                                                 "not a url"]}), tmp_path / "out", **FAST)
    assert manifest["reason"].tolist() == ["not an http(s) URL"] * 3


# ------------------------------------------------------------------ resuming


def test_rerun_fetches_only_missing_or_failed(server, tmp_path):
    out = tmp_path / "corpus"
    lst = url_list(tmp_path, server.base)
    first = fetch.fetch(lst, out, **dict(FAST, retries=0, max_bytes=100_000))
    failed_first = set(by_path(first, server.base).query("status == 'failed'").index)
    assert {"/flaky", "/busy"} <= failed_first  # no retries this time
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")}
    server.log.clear()
    second = fetch.fetch(lst, out, **dict(FAST, max_bytes=100_000))
    asked = {p for p, _, _ in server.log} - {"/robots.txt"}
    # only the failed URLs are asked again (robots.txt forbids one, so it is not asked)
    assert asked == failed_first - {"/private/secret.html"}
    rows = by_path(second, server.base)
    assert rows.loc["/flaky", "status"] == rows.loc["/busy", "status"] == "fetched"
    for name, stamp in stamps.items():  # pages of the first run are not rewritten
        assert (out / name).stat().st_mtime_ns == stamp
    # fetched rows keep what the first run recorded
    a = by_path(first, server.base).loc["/a.html"]
    assert rows.loc["/a.html", ["fetched_at", "final_url"]].tolist() == [
        a["fetched_at"], a["final_url"]]


def test_interrupted_run_loses_nothing(server, tmp_path):
    """Ctrl-C in the middle: the pages saved so far and the manifest are on disk, the rest
    is marked as not fetched yet, and the rerun asks only for the rest."""
    paths = ["/a.html", "/b.html", "/old-c", "/flaky"]
    lst = url_list(tmp_path, server.base, paths)
    out = tmp_path / "corpus"

    class Interrupting(requests.Session):
        pages = 0

        def get(self, url, **kwargs):
            if not url.endswith("/robots.txt"):
                Interrupting.pages += 1
                if Interrupting.pages == 3:
                    raise KeyboardInterrupt
            return super().get(url, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        fetch.fetch(lst, out, session=Interrupting(), **FAST)
    saved = pd.read_csv(out / "manifest.csv", dtype=str, keep_default_na=False)
    rows = by_path(saved, server.base)
    assert rows["status"].tolist() == ["fetched", "fetched", "failed", "failed"]
    assert rows.loc["/old-c", "reason"] == fetch.NOT_YET
    arts = corpus.load(out, lang=False, progress=False)
    assert len(arts) == 2 and len(arts.attrs["rejected"]) == 2
    server.log.clear()
    fetch.fetch(lst, out, **FAST)
    assert [p for p, _, _ in server.log if p != "/robots.txt"] == [
        "/old-c", "/new-c.html", "/flaky", "/flaky"]


def test_pages_saved_after_the_last_manifest_write_are_kept(server, tmp_path):
    """A run killed before its manifest write (here: the manifest deleted) left whole
    pages: the rerun takes them as fetched instead of asking again."""
    lst = url_list(tmp_path, server.base, ["/a.html", "/b.html", "/missing"])
    out = tmp_path / "corpus"
    fetch.fetch(lst, out, **FAST)
    (out / "manifest.csv").unlink()
    (out / ".stale.html.tmp").write_bytes(b"half a page")  # killed while writing
    server.log.clear()
    manifest = fetch.fetch(lst, out, **FAST)
    assert [p for p, _, _ in server.log if p != "/robots.txt"] == ["/missing"]
    assert manifest["status"].tolist() == ["fetched", "fetched", "failed"]
    assert not (out / ".stale.html.tmp").exists()


def test_foreign_manifest_is_not_overwritten(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,outlet\na.txt,X\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a manifest written by kzmedia fetch"):
        fetch.fetch(pd.DataFrame({"url": ["http://127.0.0.1:9/x"]}), tmp_path, **FAST)
    assert (tmp_path / "manifest.csv").read_text(encoding="utf-8") == "file,outlet\na.txt,X\n"


# ------------------------------------------------------------------ the folder is a corpus


def test_fetched_folder_loads_and_analyses(server, tmp_path):
    out = tmp_path / "corpus"
    lst = tmp_path / "mc.csv"
    base = server.base
    lst.write_text(
        "id,media_name,publish_date,title,url\n"
        f"1,Outlet A,2023-01-15 10:00:00,Balanced diplomacy,{base}/a.html\n"
        f"2,Outlet B,2023-02-01,,{base}/b.html\n"
        f"3,,2023-03-01,,{base}/old-c\n"
        f"4,Outlet A,2023-04-01,Lost,{base}/missing\n"
        f"5,Outlet B,2023-05-01,Forbidden,{base}/private/secret.html\n"
        f"6,Outlet B,2023-05-02,A PDF,{base}/report.pdf\n", encoding="utf-8")
    assert cli.main(["fetch", str(lst), "--out", str(out), "--delay", "0.01", "--timeout", "1",
                     "--user-agent", UA, "--quiet"]) == 0
    arts = corpus.load(out, lang=False, progress=False)
    corpus.validate(arts)
    assert len(arts) == 3
    by_url = arts.set_index("url")
    assert by_url.loc[f"{base}/a.html", ["outlet", "title", "date"]].tolist() == [
        "Outlet A", "Balanced diplomacy", "2023-01-15"]
    # no title in the list: the page's own; no outlet: the host
    assert by_url.loc[f"{base}/b.html", "title"] == "Railways along the Belt and Road"
    assert by_url.loc[f"{base}/old-c", "outlet"] == "127.0.0.1"
    assert by_url.loc[f"{base}/a.html", "text"] == "\n\n".join(PARAS_A)  # no menu, no footer
    assert by_url.loc[f"{base}/a.html", "list_id"] == "1"
    rejected = arts.attrs["rejected"].set_index("source")["reason"]
    assert rejected.to_dict() == {
        f"{base}/missing": "not fetched: HTTP 404 Not Found",
        f"{base}/private/secret.html": "not fetched: disallowed by robots.txt",
        f"{base}/report.pdf": "not fetched: not HTML: application/pdf"}
    tables = tmp_path / "tables"
    assert cli.main(["analyze", str(out), "--out", str(tables), "--quiet", "--jobs", "1"]) == 0
    profile = pd.read_csv(tables / "profile.csv")
    assert sorted(profile["outlet"]) == ["127.0.0.1", "Outlet A", "Outlet B"]
    assert len(pd.read_csv(tables / "rejected.csv")) == 3


def test_cli_fetch_errors(tmp_path, capsys):
    assert cli.main(["fetch", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "URL list not found" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("title\nA\n", encoding="utf-8")
    assert cli.main(["fetch", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: no URL column" in err and "Traceback" not in err
