"""Paste the benchmark result tables (benchmarks/results/*.md) into README.md.

README.md holds marker pairs ``<!-- results:NAME -->`` ... ``<!-- /results:NAME -->``;
everything between them is replaced by ``benchmarks/results/NAME.md``.  Run after the
benchmarks: ``python scripts/update_readme.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results"

_BLOCK = re.compile(r"(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results:(?P=name) -->)", re.S)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        source = RESULTS / f"{name}.md"
        if not source.exists():
            missing.append(name)
            return match.group(0)
        body = source.read_text(encoding="utf-8").rstrip() + "\n"
        return f"{match.group(1)}{body}{match.group(4)}"

    new = _BLOCK.sub(fill, text)
    README.write_text(new, encoding="utf-8")
    for name in missing:
        print(f"no benchmarks/results/{name}.md yet: run its benchmark first", file=sys.stderr)
    print(f"updated {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
