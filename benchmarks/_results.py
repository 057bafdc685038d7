"""Where a benchmark's results go: ``benchmarks/results/NAME.json`` and ``.md`` (the README block
``results:NAME``, pasted by ``scripts/update_readme.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def write_results(out: Path, res: dict, markdown: Callable[[dict], str]) -> str:
    """Write ``res`` as ``out``.json and its table as ``out``.md; return the table."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    text = markdown(res)
    out.with_suffix(".md").write_text(text)
    return text
