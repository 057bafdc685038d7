"""``leadsynth library``: add recordings to the patient library, list and check them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..library import Library

__all__ = ["register"]


def _add_library_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", metavar="FILE", type=Path, default=None,
                   help="library file (default: the user's library)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "library",
        help="the patient library: recordings, patients and personal models",
        description="Manage the local patient library (SQLite) of recordings and personal models.",
    )
    sub = parser.add_subparsers(dest="library_command", metavar="ACTION")
    sub.required = True

    add = sub.add_parser("add", help="add recording files or folders (searched recursively)")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add.add_argument("--patient", metavar="ID", default=None,
                     help="patient id for recordings whose file names none")
    _add_library_option(add)
    add.set_defaults(func=_add)

    lst = sub.add_parser("list", help="list patients, or one patient's recordings and models")
    lst.add_argument("--patient", metavar="ID", default=None)
    _add_library_option(lst)
    lst.set_defaults(func=_list)

    chk = sub.add_parser("check", help="report recordings moved, deleted or changed since they were added")
    chk.add_argument("--patient", metavar="ID", default=None)
    _add_library_option(chk)
    chk.set_defaults(func=_check)


def _add(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        result = lib.add_recordings(args.paths, patient_id=args.patient)
    for e in result.added:
        flag = "12-lead" if e.complete_12_lead else "incomplete"
        note = f"  ({e.quality_notes})" if e.quality_notes else ""
        print(f"added     #{e.id:<5} {e.patient_id or '-':<14} {flag:<10} {e.path}{note}")
    for e in result.relocated:
        print(f"re-linked #{e.id:<5} {e.patient_id or '-':<14} {'':<10} {e.path}")
    for p in result.duplicates:
        print(f"duplicate {p}")
    for p, reason in result.failed:
        print(f"failed    {p}: {reason}", file=sys.stderr)
    print(result.summary())
    # Partial success is success; nothing usable at all is an error exit.
    return 0 if (result.added or result.relocated or result.duplicates or not result.failed) else 2


def _list(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        if args.patient is None:
            patients = lib.list_patients()
            print(f"{'patient':<16}{'recordings':>11}{'complete 12-lead':>18}{'personal models':>17}")
            for p in patients:
                print(f"{p.id:<16}{p.n_recordings:>11}{p.n_complete:>18}{p.n_models:>17}")
            orphans = [r for r in lib.list_recordings() if r.patient_id is None]
            if orphans:
                print(f"{'(no patient)':<16}{len(orphans):>11}{sum(r.complete_12_lead for r in orphans):>18}{0:>17}")
            print(f"{len(patients)} patient(s) in {lib.path}")
            return 0
        recs = lib.list_recordings(args.patient)
        models = lib.personal_models(args.patient)
    if not recs and not models:
        print(f"patient {args.patient}: nothing in the library")
        return 0
    print(f"patient {args.patient}: {len(recs)} recording(s), most recent first")
    for r in recs:
        when = (r.recorded_at or "date unknown")[:19]
        flag = "12-lead" if r.complete_12_lead else "incomplete"
        print(f"  #{r.id:<5} {when:<20} {r.fs:>6g} Hz {r.duration:>7.1f} s  {flag:<10} {r.path}"
              + (f"[{r.record_key}]" if r.record_key else "")
              + (f"  ({r.quality_notes})" if r.quality_notes else ""))
    print(f"personal models: {len(models)}")
    for m in models:
        verdict = m.metrics.get("verdict", "-")
        print(f"  {m.id}  inputs {','.join(m.inputs)}  base {m.base_model_id}  held-out: {verdict}  {m.created_at}")
    return 0


def _check(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        checks = lib.check_recordings(args.patient)
    bad = [c for c in checks if c.status != "ok"]
    for c in bad:
        print(f"{c.status:<8} #{c.recording.id:<5} {c.recording.path}: {c.detail}")
    print(f"{len(checks)} recording(s) checked, {len(bad)} missing or changed")
    return 0 if not bad else 1
