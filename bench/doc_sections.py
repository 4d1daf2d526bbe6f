"""Named sections of ``docs/performance.md``, so each benchmark rewrites only its own.

A section is the text from ``<!-- bench.NAME: start -->`` to ``<!-- bench.NAME: end -->`` (the
convention ``bench.billing`` and ``bench.fleet`` follow). The front's benchmark writes the file
whole; :func:`keep_sections` carries the other benchmarks' sections over.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["keep_sections", "replace_section"]

_SECTION = re.compile(r"<!-- bench\.(?P<name>[\w-]+): start -->\n.*?<!-- bench\.(?P=name): end -->\n?", re.S)


def _pattern(name: str) -> re.Pattern[str]:
    marker = re.escape(f"bench.{name}")
    return re.compile(rf"<!-- {marker}: start -->\n.*?<!-- {marker}: end -->\n?", re.S)


def replace_section(path: Path, name: str, body: str) -> None:
    """Put ``body`` in section ``name`` of ``path`` (appended at the end the first time)."""
    text = path.read_text() if path.exists() else "# Performance\n"
    block = f"<!-- bench.{name}: start -->\n{body.rstrip()}\n<!-- bench.{name}: end -->\n"
    pattern = _pattern(name)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def keep_sections(path: Path, report: str) -> str:
    """``report`` followed by the sections ``path`` holds now (the other benchmarks' results)."""
    if not path.exists():
        return report
    kept = [m.group(0).rstrip("\n") + "\n" for m in _SECTION.finditer(path.read_text())]
    if not kept:
        return report
    return report.rstrip("\n") + "\n\n" + "\n".join(kept)
