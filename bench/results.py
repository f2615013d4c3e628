"""bench/RESULTS.md holds one top-level section (`# Title`) per bench: each bench rewrites its own
and keeps the others."""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, title: str, text: str) -> None:
    """Put `text` (which starts with `# title`) in place of the section `title` of `path`, or after
    the others if there is none yet."""
    existing = path.read_text() if path.exists() else ""
    sections = re.split(r"(?m)^(?=# )", existing)
    heading = f"# {title}"
    kept = [section for section in sections if section.strip()]
    replaced = [text if section.splitlines()[0].strip() == heading else section for section in kept]
    if replaced == kept:
        replaced.append(text)
    path.write_text("\n".join(section.rstrip("\n") + "\n" for section in replaced))
