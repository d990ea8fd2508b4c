"""The report as one self-contained HTML page: styles inline, every figure a base64 PNG data URL, no
external resource."""
from __future__ import annotations

import base64
import html

from .report_content import Block

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; font-size: 12px; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; white-space: pre-line; }
th { background: #f0f0f0; }
tr:nth-child(even) td { background: #fafafa; }
td.bad { color: #b00; font-weight: bold; }
figure { margin: 1em 0; } img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
pre { font-size: 12px; background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
p { font-size: 14px; max-width: 1100px; }
p.warning { border: 2px solid #b00; background: #fff0f0; color: #b00; font-weight: bold; padding: 0.6em; }
"""


def _cell(value, tag: str) -> str:
    text = str(value)
    bad = tag == "td" and ("FAIL" in text or "UNEXPECTED" in text or "NOT met" in text)
    attr = ' class="bad"' if bad else ""
    return f"<{tag}{attr}>{html.escape(text)}</{tag}>"


def _block(b: Block) -> str:
    if b.kind in ("h1", "h2", "p"):
        return f"<{b.kind}>{html.escape(b.text)}</{b.kind}>"
    if b.kind == "warning":
        return f'<p class="warning">{html.escape(b.text)}</p>'

    if b.kind == "pre":
        return f"<pre>{html.escape(b.text)}</pre>"
    if b.kind == "table":
        head = "".join(_cell(h, "th") for h in b.head)
        rows = "".join("<tr>" + "".join(_cell(c, "td") for c in row) + "</tr>\n" for row in b.rows)
        return f'<table class="{"seed-table" if "margin" in b.head else "table"}">\n<tr>{head}</tr>\n{rows}</table>'
    data = base64.b64encode(b.png).decode("ascii")
    return (f'<figure id="{html.escape(b.name)}"><img alt="{html.escape(b.text)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(b.text)}</figcaption></figure>")


def render_html(blocks: list[Block], title: str = "backprop-parity report") -> str:
    """The page: every block in order (the title says INCOMPLETE too when a warning block says so)."""
    body = "\n".join(_block(b) for b in blocks)
    if any(b.kind == "warning" and b.text.startswith("INCOMPLETE") for b in blocks):
        title = f"INCOMPLETE: {title}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")
