"""``leadsynth models``: list shipped and personal models with their cards."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list shipped and personal models with their cards")
    p.add_argument("--json", action="store_true", help="print the full cards as JSON")
    p.add_argument("--personal", action=argparse.BooleanOptionalAction, default=True,
                   help="include personal models (default: yes)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..models import list_models

    cards = list_models(include_personal=args.personal)
    if args.json:
        print(json.dumps([c.to_dict() for c in cards], indent=2, default=str))
        return 0
    if not cards:
        print("no models found")
        return 0
    for card in cards:
        kind = "personal" if card.is_personal else "shipped"
        print(f"[{kind}] {card.summary()}")
    return 0
