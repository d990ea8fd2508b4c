"""The report as Markdown: the same blocks as the HTML page, figures as PNG files in a folder beside it."""
from __future__ import annotations

from .report_content import Block


def _escape(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", "<br>")


def _block(b: Block, figures: str) -> str:
    if b.kind == "h1":
        return f"# {b.text}"
    if b.kind == "h2":
        return f"## {b.text}"
    if b.kind == "p":
        return b.text
    if b.kind == "warning":
        return f"> **{b.text}**"
    if b.kind == "pre":
        return f"```text\n{b.text}\n```"
    if b.kind == "table":
        lines = ["| " + " | ".join(map(_escape, b.head)) + " |", "|" + "---|" * len(b.head)]
        return "\n".join(lines + ["| " + " | ".join(map(_escape, row)) + " |" for row in b.rows])
    return f"![{_escape(b.text)}]({figures}/{b.name})\n\n*{_escape(b.text)}*"


def render_markdown(blocks: list[Block], figures: str) -> str:
    """The Markdown text; figures are referenced as `figures/NAME` (written by the caller)."""
    return "\n\n".join(_block(b, figures) for b in blocks) + "\n"
