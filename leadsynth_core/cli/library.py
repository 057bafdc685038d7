"""``leadsynth library``: add recordings to the patient library, assign them to patients,
remove recordings and models, list, show and check; file and list readers' interpretations.

    leadsynth library add PATH... [--patient ID]
    leadsynth library assign REC... --patient ID [--force]     REC: #id, id or record file
    leadsynth library remove REC...
    leadsynth library remove-model MODEL_ID [--delete-files]
    leadsynth library show PATIENT
    leadsynth library list [--patient ID]
    leadsynth library check [--patient ID]
    leadsynth library interpret REC --reader NAME --text TEXT [--key K] [--amends N]
    leadsynth library interpretations REC [--key K] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..leads import try_ecg_lead_name
from ..library import Library, ReadingContext, RecordIdentity, identify_record
from ..library.verbs import recording_id

__all__ = ["register"]

#: How many recordings without a patient ``library list`` names.
_SHOWN_ORPHANS = 20


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

    asg = sub.add_parser(
        "assign", help="assign (or change) the patient of recordings already in the library",
        description="Set the patient of recordings already in the library.  REC is a library id "
                    "(12 or #12, as 'library list' shows) or a record file (matched by content).",
    )
    asg.add_argument("recordings", nargs="+", metavar="REC")
    asg.add_argument("--patient", metavar="ID", required=True, help="the patient (created if new)")
    asg.add_argument("--force", action="store_true",
                     help="also relabel a recording whose own file names another patient")
    _add_library_option(asg)
    asg.set_defaults(func=_assign)

    rm = sub.add_parser("remove", help="remove recordings from the library (the files stay where they are)")
    rm.add_argument("recordings", nargs="+", metavar="REC", help="library id (12 or #12) or record file")
    _add_library_option(rm)
    rm.set_defaults(func=_remove)

    rmm = sub.add_parser("remove-model", help="unregister a personal model")
    rmm.add_argument("model", metavar="MODEL_ID")
    rmm.add_argument("--delete-files", action="store_true", help="also delete the model's files")
    _add_library_option(rmm)
    rmm.set_defaults(func=_remove_model)

    show = sub.add_parser("show", help="one patient: recordings and personal models")
    show.add_argument("patient", metavar="PATIENT")
    _add_library_option(show)
    show.set_defaults(func=_show)

    chk = sub.add_parser("check", help="report recordings moved, deleted or changed since they were added")
    chk.add_argument("--patient", metavar="ID", default=None)
    _add_library_option(chk)
    chk.set_defaults(func=_check)

    itp = sub.add_parser(
        "interpret", help="file a reader's interpretation of a recording (as recorded, no synthesis)",
        description="File a reader's interpretation of a recording read as recorded (the viewer files "
                    "one read on a reconstruction, with what was synthesized).  Interpretations are "
                    "never changed: a correction amends the latest (--amends).",
    )
    itp.add_argument("recording", metavar="REC", help="record file, or library id (12 or #12)")
    itp.add_argument("--key", default=None, help="the record of a multi-record file")
    itp.add_argument("--reader", required=True, metavar="NAME", help="who read it")
    itp.add_argument("--text", required=True, help="the interpretation ('-': read it from standard input)")
    itp.add_argument("--amends", type=int, metavar="N", default=None,
                     help="the id of the recording's latest interpretation, which this one corrects")
    _add_library_option(itp)
    itp.set_defaults(func=_interpret)

    its = sub.add_parser("interpretations", help="a recording's interpretations, oldest first")
    its.add_argument("recording", metavar="REC", help="record file, or library id (12 or #12)")
    its.add_argument("--key", default=None, help="the record of a multi-record file")
    its.add_argument("--json", action="store_true", help="print them as JSON")
    _add_library_option(its)
    its.set_defaults(func=_interpretations)


def _add(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        result = lib.add_recordings(args.paths, patient_id=args.patient)
    for e in result.added:
        flag = "12-lead" if e.complete_12_lead else "incomplete"
        note = f"  ({e.quality_notes})" if e.quality_notes else ""
        print(f"added     #{e.id:<5} {e.patient_id or '-':<14} {flag:<10} {e.location}{note}")
    for e in result.relocated:
        print(f"re-linked #{e.id:<5} {e.patient_id or '-':<14} {'':<10} {e.path}")
    for line in result.duplicate_notes(args.patient):
        print(f"duplicate {line}")
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
            if orphans:
                print(f"recordings without a patient ({len(orphans)}):")
                for r in orphans[:_SHOWN_ORPHANS]:
                    print(f"  #{r.id:<5} {r.location}")
                if len(orphans) > _SHOWN_ORPHANS:
                    print(f"  ... and {len(orphans) - _SHOWN_ORPHANS} more")
                print("assign them with: leadsynth library assign REC... --patient ID")
            return 0
        recs = lib.list_recordings(args.patient)
        models = lib.personal_models(args.patient)
        read = lib.interpretations_in_force(recs)
    if not recs and not models:
        print(f"patient {args.patient}: nothing in the library")
        return 0
    _print_patient(args.patient, recs, models, read)
    return 0


def _print_patient(patient: str, recs: list, models: list, read: dict) -> None:
    print(f"patient {patient}: {len(recs)} recording(s), most recent first")
    for r in recs:
        when = (r.recorded_at or "date unknown")[:19]
        flag = "12-lead" if r.complete_12_lead else "incomplete"
        print(f"  #{r.id:<5} {when:<20} {r.fs:>6g} Hz {r.duration:>7.1f} s  {flag:<10} {r.location}"
              + (f"  ({r.quality_notes})" if r.quality_notes else ""))
        entry = read.get(r.id)
        print(f"         interpretation #{entry.id}: {entry.reader}, {entry.local_time()}"
              f"{' (on a reconstruction)' if entry.context.on_reconstruction else ''}" if entry is not None
              else "         not interpreted")
    print(f"personal models: {len(models)}")
    for m in models:
        verdict = m.metrics.get("verdict", "-")
        print(f"  {m.id}  inputs {','.join(m.inputs)}  base {m.base_model_id}  held-out: {verdict}  {m.created_at}")


def _resolve(lib: Library, items: list[str]) -> list:
    entries = []
    for item in items:
        entries.extend(lib.find_recordings(item))
    return list({e.id: e for e in entries}.values())


def _assign(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        entries = _resolve(lib, args.recordings)
        done = lib.assign_patient([e.id for e in entries], args.patient, force=args.force)
    for before, after in zip(entries, done, strict=True):
        was = f"(was {before.patient_id or 'no patient'})" if before.patient_id != after.patient_id else "(unchanged)"
        print(f"assigned  #{after.id:<5} {after.patient_id:<14} {was:<24} {after.path}")
    print(f"{len(done)} recording(s) now of patient {args.patient}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        entries = _resolve(lib, args.recordings)
        for e in entries:
            lib.remove_recording(e.id)
            print(f"removed   #{e.id:<5} {e.patient_id or '-':<14} {e.path}  (the file is not touched)")
    print(f"{len(entries)} recording(s) removed from the library")
    return 0


def _remove_model(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        entry = lib.remove_model(args.model, delete_files=args.delete_files)
    files = "its files deleted" if args.delete_files else f"its files kept at {entry.path}"
    print(f"removed model {entry.id} (patient {entry.patient_id or '-'}); {files}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        summary = lib.patient_summary(args.patient)
        read = lib.interpretations_in_force(summary.recordings)
    p = summary.patient
    print(f"patient {p.id} (in the library since {p.created_at[:19]}): {p.n_complete} of {p.n_recordings} "
          f"recording(s) complete 12-lead, {p.n_models} personal model(s)")
    _print_patient(p.id, list(summary.recordings), list(summary.models), read)
    return 0


def _check(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        checks = lib.check_recordings(args.patient)
    bad = [c for c in checks if c.status != "ok"]
    for c in bad:
        print(f"{c.status:<8} #{c.recording.id:<5} {c.recording.path}: {c.detail}")
    print(f"{len(checks)} recording(s) checked, {len(bad)} missing or changed")
    return 0 if not bad else 1


def _identity(lib: Library, item: str, key: str | None) -> tuple[RecordIdentity, tuple[str, ...]]:
    """The recording's identity and its ECG leads: a library id's file, or a record file."""
    from ..io import inspect_record

    text, rid = item.strip(), recording_id(item)
    if rid is not None:
        entry = lib.get_recording(rid)
        text, key = entry.path, entry.key
    record = identify_record(text, key)
    names = inspect_record(text, key=record.record_key or None).lead_names
    return record, tuple(n for n in names if try_ecg_lead_name(n) == n)


def _interpret(args: argparse.Namespace) -> int:
    body = sys.stdin.read() if args.text == "-" else args.text
    with Library(args.library) as lib:
        record, leads = _identity(lib, args.recording, args.key)
        entry = lib.add_interpretation(record, args.reader, body, ReadingContext.as_recorded(leads),
                                       amends=args.amends)
    print(f"filed interpretation #{entry.id}: {entry.heading()}")
    return 0


def _interpretations(args: argparse.Namespace) -> int:
    with Library(args.library) as lib:
        record, _ = _identity(lib, args.recording, args.key)
        entries = lib.interpretations(record)
    if args.json:
        print(json.dumps([entry.to_dict() for entry in entries], indent=2))
        return 0
    for e in entries:
        print(f"#{e.id:<5} {e.heading()}")
        for line in e.text.splitlines() or [""]:
            print(f"       {line}")
    print(f"{len(entries)} interpretation(s)" + (f"; the current one is #{entries[-1].id}" if entries else ""))
    return 0
