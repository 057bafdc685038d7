"""``leadsynth personalize``: fine-tune a model for one patient and save it.

    leadsynth personalize --base ID|PATH --inputs I,II,V2,V4 --train REC [REC ...] --out MODEL
        [--device auto|cpu|cuda|mps] [--epochs N] [--lr X]
    leadsynth personalize --base ID|PATH --inputs I,II,V2,V4 --patient ID --latest 5 [--out MODEL]

Prints the held-out before/after table and the verdict.  A personal model that did worse
than its base on the held-out data is not saved unless ``--save-anyway`` is given (exit
code 1 then tells a script that no model was written).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import PersonalizationError
from ..files import atomic_write_text
from ..options import DEFAULT_EPOCHS, DEFAULT_HOLDOUT, DEFAULT_LR, DEFAULT_SEED, DEVICES, TRAINABLE

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "personalize",
        help="fine-tune a model on a patient's past 12-lead recordings",
        description=(
            f"Fine-tune the final layer of a model (Malpani et al.: {DEFAULT_EPOCHS} epochs, lr {DEFAULT_LR:g}) "
            "on a patient's "
            "past complete 12-lead recordings; the last part of each recording is held out to check "
            "that the personal model is better than the base model."
        ),
    )
    p.add_argument("--base", required=True, metavar="ID|PATH", help="base model id or path")
    p.add_argument("--inputs", required=True, metavar="LEADS", help="measured leads, e.g. I,II,V2,V4")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--train", nargs="+", metavar="REC", help="training recordings (complete 12-lead)")
    src.add_argument("--latest", type=int, metavar="N",
                     help="use the patient's N most recent complete 12-lead recordings from the library")
    p.add_argument("--patient", metavar="ID", default=None,
                   help="patient id the model is for (required with --latest, and with --train unless "
                        "every recording names the same patient)")
    p.add_argument("--out", metavar="MODEL", type=Path, default=None,
                   help="output file stem (MODEL.safetensors + MODEL.json); default: the personal models folder")
    p.add_argument("--device", choices=DEVICES, default="auto",
                   help="where to train: auto (the faster for this fine-tune, estimated from its size: the default "
                        "head-only fine-tune stays on the CPU, long or whole-network ones use a GPU; "
                        "default), cpu, cuda "
                        "(NVIDIA GPU) or mps (Apple GPU)")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, metavar="N",
                   help=f"passes over the training recordings (default {DEFAULT_EPOCHS})")
    p.add_argument("--lr", type=float, default=DEFAULT_LR, metavar="X",
                   help=f"Adam learning rate (default {DEFAULT_LR:g})")
    p.add_argument("--trainable", choices=TRAINABLE, default="head",
                   help="which layers to fine-tune (default: head, the final convolution)")
    p.add_argument("--k", type=int, default=1, help="layers before the head for --trainable last_blocks")
    p.add_argument("--holdout", type=float, default=DEFAULT_HOLDOUT,
                   help=f"fraction at the end of each recording held out (default {DEFAULT_HOLDOUT:g})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="N",
                   help=f"seed of the minibatch order: the same inputs and seed give the same model "
                        f"(default {DEFAULT_SEED})")
    p.add_argument("--allow-mixed-patients", action="store_true",
                   help="accept recordings that name different patients")
    p.add_argument("--save-anyway", action="store_true",
                   help="save the personal model even if it did worse than the base on held-out data")
    p.add_argument("--library", metavar="FILE", type=Path, default=None,
                   help="library file (default: the user's library)")
    p.add_argument("--json", metavar="OUT.json", type=Path, default=None, help="also write the report as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # PyTorch is imported only when a fine-tune is actually run (fast --help/--version).
    from ..library import Library
    from ..personalization import EpochReport, personalize, save_personal_model

    with Library(args.library) as lib:
        if args.latest is not None:
            if not args.patient:
                raise PersonalizationError("--latest needs --patient ID")
            recordings = lib.latest_complete_recordings(args.patient, n=args.latest)
            if not recordings:
                unassigned = len(lib.unassigned_recordings())
                also = (f", or assign some of the {unassigned} recording(s) without a patient already in the "
                        f"library with 'leadsynth library assign REC... --patient {args.patient}' "
                        "('leadsynth library list' shows them)") if unassigned else ""
                raise PersonalizationError(
                    f"the library has no complete 12-lead recording of patient {args.patient!r}; "
                    f"add some with 'leadsynth library add PATH --patient {args.patient}'{also}"
                )
            print(f"using {len(recordings)} recording(s) of patient {args.patient} from the library:")
            for r in recordings:
                print(f"  #{r.id} {r.recorded_at or 'date unknown'} {r.path}")
        else:
            recordings = list(args.train)

        def on_epoch(e: EpochReport) -> None:
            if e.epoch == 1 or e.epoch == e.epochs or e.epoch % 10 == 0:
                print(f"epoch {e.epoch:>3}/{e.epochs}  loss {e.loss:.5f}  ETA {e.eta_s:.1f} s", file=sys.stderr)

        result = personalize(
            args.base, args.inputs, recordings, trainable=args.trainable, k=args.k, epochs=args.epochs,
            lr=args.lr, device=args.device, holdout=args.holdout, seed=args.seed, patient_id=args.patient,
            allow_mixed_patients=args.allow_mixed_patients, on_epoch=on_epoch,
            # Saving needs a patient: find out before training, not after the table.
            patient_required="--patient ID",
        )
        print(result.table())
        report = result.to_dict()
        code = 0
        if result.verdict == "worse" and not args.save_anyway:
            print("not saved: the personal model did worse than the base model on the held-out data "
                  "(--save-anyway keeps it)")
            report["saved"] = None
            code = 1
        else:
            card = save_personal_model(result, args.out, library=lib, allow_worse=args.save_anyway)
            print(f"saved {card.id}: {card.path.with_suffix('.safetensors')} + {card.path}")
            report["saved"] = str(card.path)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.json, json.dumps(report, indent=2, default=str) + "\n")
    return code
