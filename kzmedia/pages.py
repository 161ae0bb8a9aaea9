"""The report's HTML pages: executed notebooks exported as self-contained pages, and the
helpers notebooks use so that text built from data reaches the page as text.

- :func:`to_html`: an executed notebook as one HTML page that requests nothing from any
  other host (no require.js, MathJax, Mermaid or widget manager from a CDN; figures
  embedded), with a link back to the report's index, code hidden behind a toggle (or shown),
  the injected parameters cell left out (its absolute paths are in ``manifest.json``), and
  every figure's ``alt`` text taken from its output metadata.
- :func:`notebook_setup`: run in the kernel before a notebook's first cell (the report does
  this; call it yourself in JupyterLab): labels are drawn literally (matplotlib's math text
  off, so "$5 and $10" stays as written) and every figure's output carries
  ``{"image/png": {"alt": describe_figure(fig)}}``.
- :func:`describe_figure`: what a figure shows, in words, from its titles and axis labels.
- :func:`escape_md`: a value (outlet name, column name, title) made safe to put into
  Markdown or HTML that a notebook builds from data.

Figure metadata convention: a notebook that knows better than the titles what a figure
shows sets ``fig.kzmedia_alt = "..."`` before the figure is displayed; that text is used
as the alt text instead.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["to_html", "notebook_setup", "describe_figure", "escape_md", "ALT_ATTRIBUTE",
           "SETUP_LINES"]

#: A figure attribute that, when set to a string, is used as the figure's alt text.
ALT_ATTRIBUTE = "kzmedia_alt"

#: What the report's kernels run before a notebook's first cell.
SETUP_LINES = ("from kzmedia.pages import notebook_setup as _kzmedia_setup",
               "_kzmedia_setup()", "del _kzmedia_setup")

# One pass, character by character: HTML's special characters become entities (which
# Markdown shows as the character), Markdown's, plus "$" (math) and "|" (tables), get a
# backslash. (Two passes would escape the "#" and ";" of the entities themselves.)
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
            **{c: "\\" + c for c in "\\`*_{}[]()#+-.!|~$"}}
_MD_SPECIAL = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def escape_md(value) -> str:
    """`value` as text that Markdown (and HTML) will show literally: HTML special characters
    become entities (``<img src=x onerror=...>`` is shown, not run) and Markdown's
    special characters, ``$`` (math) included, are backslash-escaped."""
    return _MD_SPECIAL.sub(lambda m: _ESCAPES[m.group(0)], str(value))


def describe_figure(fig, limit: int = 400) -> str:
    """A sentence saying what a matplotlib figure shows: ``fig.kzmedia_alt`` if set, else
    its title (suptitle) and, for each panel, its title and axis labels (colour bars are
    left out). At most `limit` characters."""
    given = getattr(fig, ALT_ATTRIBUTE, None)
    if isinstance(given, str) and given.strip():
        return _clip(given.strip(), limit)
    parts = []
    suptitle = getattr(fig, "_suptitle", None)  # matplotlib keeps it only there
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(suptitle.get_text().strip())
    panels = []
    for ax in fig.get_axes():
        if ax.get_label() == "<colorbar>":
            continue
        title = " ".join(t for t in (ax.get_title(loc) for loc in ("left", "center", "right"))
                         if t.strip())
        x, y = ax.get_xlabel().strip(), ax.get_ylabel().strip()
        axes = ", ".join(f"{name}: {label}" for name, label in (("x", x), ("y", y)) if label)
        text = (title + (f" ({axes})" if axes else "")) if title else axes
        if text:
            panels.append(text)
    if panels:
        many = len(panels) > 1
        parts.append(("Panels: " if many else "") + "; ".join(dict.fromkeys(panels)))
    if not parts:
        n = len(fig.get_axes())
        return f"Figure with {n} panel{'s' if n != 1 else ''} and no titles or axis labels"
    return _clip(". ".join(parts), limit)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def notebook_setup() -> None:
    """Make figures in this IPython kernel carry alt text and draw labels literally:
    ``rcParams["text.parse_math"] = False`` and a PNG formatter for matplotlib figures whose
    output metadata holds ``alt`` (see :func:`describe_figure`). Outside IPython only the
    first. Safe to call more than once."""
    import matplotlib

    matplotlib.rcParams["text.parse_math"] = False
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    # the inline backend registers its own formatter for figures when its module is loaded
    # (lazily, at the first figure); load it now, so that ours comes after it and is used
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    backend = matplotlib.get_backend()
    if "inline" in backend:
        plt.switch_backend(backend)
    from matplotlib.figure import Figure

    def png(fig):
        return (print_figure(fig, "png", bbox_inches="tight", base64=True),
                {"alt": describe_figure(fig)})

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)


# --------------------------------------------------------------------------- export

_CSS = """
.kz-nav { position: sticky; top: 0; z-index: 10; background: #fff; padding: .4em 1em;
          border-bottom: 1px solid #ddd; font-family: system-ui, sans-serif; display: flex;
          gap: 1.5em; align-items: center; }
.kz-nav button { font: inherit; padding: .15em .7em; cursor: pointer; }
.kz-footer { font-family: system-ui, sans-serif; padding: 1em; border-top: 1px solid #ddd; }
body.kz-hide-code .jp-CodeCell .jp-Cell-inputWrapper { display: none; }
body.kz-hide-code .jp-CodeCell:not(:has(.jp-OutputArea-output)) { display: none; }
"""

_SCRIPT = """
(function () {
  var body = document.body, button = document.getElementById("kz-toggle-code");
  function label() {
    button.textContent = body.classList.contains("kz-hide-code") ? "Show code" : "Hide code";
  }
  button.addEventListener("click", function () { body.classList.toggle("kz-hide-code"); label(); });
  label();
})();
"""

# nbconvert's lab template, minus every script it would fetch from another host, plus the
# navigation, the code toggle and alt text on figures.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<meta name="kzmedia-run-id" content="{{ resources.kzmedia.run_id | escape_html }}">
<style>{{ resources.kzmedia.css }}</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
<nav class="kz-nav" aria-label="report">
<a href="{{ resources.kzmedia.index | escape_html }}">&larr; Report index</a>
<button type="button" id="kz-toggle-code" aria-controls="notebook">Show code</button>
</nav>
{%- endblock body_header -%}
{%- block body_footer -%}
<footer class="kz-footer"><a href="{{ resources.kzmedia.index | escape_html }}">&larr; Back to the report index</a>
{%- if resources.kzmedia.run_id %} · run <code>{{ resources.kzmedia.run_id | escape_html }}</code>{% endif %}</footer>
<script>if (!{{ resources.kzmedia.show_code | lower }}) document.body.classList.add("kz-hide-code");</script>
<script>{{ resources.kzmedia.script }}</script>
{{ super() }}
{%- endblock body_footer -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
{%- set alt = (output | get_metadata('alt', 'image/png')) or 'Figure (no description was recorded)' -%}
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ alt | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
{%- set height=output | get_metadata('height', 'image/png') -%}
{%- if height is not none %} height={{ height | escape_html }}{%- endif %}>
</div>
{%- endblock data_png %}
"""

#: Cells of the executed notebook left out of the page: papermill's injected parameters
#: (absolute paths of this machine; the manifest records them).
HIDDEN_TAGS = ("injected-parameters",)


def to_html(notebook_path, *, show_code: bool = False, index: str = "index.html",
            run_id: str = "") -> str:
    """An executed notebook as a self-contained HTML page (figures embedded, no request to
    any other host). Code cells are hidden behind a "Show code" button unless `show_code`;
    `index` is the link back to the report's index; `run_id` is written into the page.

    Text outputs are escaped by nbconvert; HTML outputs are passed through as produced
    (pandas escapes cell contents in `DataFrame.to_html` by default).
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(str(notebook_path), as_version=4)
    exporter = HTMLExporter(template_name="lab", embed_images=True,
                            extra_loaders=[DictLoader({"kzmedia.html.j2": _TEMPLATE})],
                            template_file="kzmedia.html.j2")
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS), enabled=True), enabled=True)
    resources = {"metadata": {"name": Path(notebook_path).stem},
                 "kzmedia": {"run_id": run_id, "index": index, "show_code": bool(show_code),
                             "css": _CSS, "script": _SCRIPT}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body
