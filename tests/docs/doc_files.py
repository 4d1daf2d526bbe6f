"""The Markdown the project ships as documentation, and the code inside it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = ["DOCS", "ROOT", "code_in", "markdown_files"]

ROOT: Final = Path(__file__).resolve().parents[2]
DOCS: Final = ROOT / "docs"

_FENCE: Final = re.compile(r"^(?P<fence>```+|~~~+)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_INLINE: Final = re.compile(r"(?<!`)`(?P<code>[^`\n]+)`(?!`)")


def markdown_files() -> list[Path]:
    """The docs site's pages, plus the Markdown at the root and beside the deployment template."""
    pages = sorted(DOCS.rglob("*.md"))
    extra = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "infra" / "README.md"]
    return pages + [path for path in extra if path.exists()]


def code_in(text: str) -> Iterator[str]:
    """Every fenced code block's body, then every inline code span outside them."""
    for match in _FENCE.finditer(text):
        yield match.group("body")
    outside = _FENCE.sub("", text)
    for match in _INLINE.finditer(outside):
        yield match.group("code")
