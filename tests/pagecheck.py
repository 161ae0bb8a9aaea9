"""What every page of a report must satisfy, parsed with html.parser: nothing requested from
another host, an alt text on every image that says something, a link back to the index."""

from html.parser import HTMLParser
from urllib.parse import urlparse

# attributes through which a page makes the browser fetch something
FETCHING = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
            ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
            ("object", "data"), ("image", "href"), ("use", "href"), ("input", "src")}
PLACEHOLDERS = ("no description has been provided", "no description was recorded")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fetches, self.images, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for (t, attr) in FETCHING:
            if tag == t and attrs.get(attr):
                self.fetches.append((tag, attr, attrs[attr]))
        if tag == "img":
            self.images.append(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def external(url: str) -> bool:
    """Whether fetching `url` from a page on disk goes to another host (data: and relative
    URLs do not)."""
    parsed = urlparse(url.strip())
    return bool(parsed.netloc) or parsed.scheme not in ("", "data")


def problems(text: str, *, index: str = "index.html", is_index: bool = False) -> list[str]:
    """What is wrong with one page ([] when nothing)."""
    page = _Page()
    page.feed(text)
    found = [f"external {tag} {attr}={url[:80]}" for tag, attr, url in page.fetches
             if external(url)]
    for img in page.images:
        alt = (img.get("alt") or "").strip()
        if not alt or any(p in alt.lower() for p in PLACEHOLDERS):
            found.append(f"image without a description: alt={alt!r}")
    if "@import" in text and "url(http" in text:
        found.append("a style sheet imports from another host")
    if not is_index and index not in page.links:
        found.append("no link back to the index")
    return found


def check_report(out) -> dict:
    """{page name: problems} for every HTML page of a report folder (only pages with some)."""
    found = {}
    for page in sorted(out.glob("*.html")):
        issues = problems(page.read_text(encoding="utf-8"), is_index=page.name == "index.html")
        if issues:
            found[page.name] = issues
    return found
