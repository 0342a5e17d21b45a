"""Markdown to safe HTML: course texts are written by people, so the output is sanitised (nh3)."""
import re

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre",
                "table", "thead", "tbody", "tr", "th", "td", "hr", "a", "bdi"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# `dir` is kept on <bdi> with these values only (nh3 takes it out of ALLOWED_ATTRIBUTES for that).
ALLOWED_ATTRIBUTE_VALUES = {"bdi": {"dir": {"ltr", "rtl"}}}

# A calculation: numbers joined by operators ("100 × 4 = 400", "40 ÷ 16", "1,6 + 0,4").
# ×, ÷, = and spaced + or − are bidi neutrals: in an Arabic paragraph they take the paragraph's
# right-to-left direction and the calculation reads reversed ("16 ÷ 40"). Each one is isolated
# left-to-right, so course authors write formulas as they are and every lesson gets it.
_NUMBER = r"\d+(?:[.,]\d+)*"
_FORMULA = re.compile(rf"{_NUMBER}(?:[ \u00a0]*[×÷=+\-−*/][ \u00a0]*{_NUMBER})+")
_TAG = re.compile(r"(<[^>]+>)")
_VERBATIM = re.compile(r"<(/?)(code|pre)\b", re.IGNORECASE)


def isolate_formulas(html: str) -> str:
    """Wrap each calculation in the text of `html` (not in tags, code or pre) in <bdi dir="ltr">."""
    parts, verbatim = [], 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            tag = _VERBATIM.match(part)
            if tag:
                verbatim += -1 if tag.group(1) else 1
            parts.append(part)
        elif verbatim <= 0:
            parts.append(_FORMULA.sub(r'<bdi dir="ltr">\g<0></bdi>', part))
        else:
            parts.append(part)
    return "".join(parts)


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    # Headings start at h2: the page's h1 is the course or lesson title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(isolate_formulas(html), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)
