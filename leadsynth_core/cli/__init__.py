"""The ``leadsynth`` command line.

Each sub-command lives in its own module exposing ``register(subparsers)``, which adds
its parser and sets ``func`` to a callable ``(args) -> int``.  :func:`main` turns every
:class:`~leadsynth_core.errors.LeadSynthError` into a one-line message and exit code 2,
so a user never sees a traceback for a bad file or a bad option.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import CancelledError, LeadSynthError, OptionError

__all__ = ["main", "build_parser", "add_isolation_argument", "add_reference_argument"]

log = logging.getLogger(__name__)

# Sub-command modules, in the order ``leadsynth --help`` lists them.
_COMMANDS: tuple[str, ...] = (
    "info",
    "synthesize",
    "evaluate",
    "agreement",
    "measure",
    "rhythm",
    "models",
    "personalize",
    "library",
    "prepare",
    "train",
)


def add_isolation_argument(parser: argparse.ArgumentParser) -> None:
    """``--no-isolation``: skip the child-process probe of HDF5 files (``args.isolate``)."""
    parser.add_argument(
        "--no-isolation", dest="isolate", action="store_false",
        help="read an HDF5 file without first checking it in a child process with a time limit "
             "(saves about half a second; a damaged file can then hang or crash leadsynth)",
    )


def _electrode_pair(text: str) -> tuple[str, str]:
    from ..measurement.swap_back import parse_electrode_pair

    try:
        return parse_electrode_pair(text)
    except OptionError as exc:  # argparse prints an ArgumentTypeError's own words
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_swap_back_argument(parser: argparse.ArgumentParser) -> None:
    """``--swap-back RA,LL`` and its short form ``--swap-arms`` (``args.swap_back``: the pair
    of limb electrodes to swap back after reading, or ``None``)."""
    from ..measurement.electrodes import ARMS

    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--swap-back", metavar="RA,LA|RA,LL", type=_electrode_pair, default=None,
        help="the recording was made with these two limb electrodes swapped: swap them back after reading, "
             "before anything else (exact; RA,LA: lead I inverted, II and III, aVR and aVL exchanged; "
             "RA,LL: lead II inverted, I = -III and III = -I, aVR and aVF exchanged; chest leads unchanged); "
             "every output names the step",
    )
    group.add_argument(
        "--swap-arms", dest="swap_back", action="store_const", const=ARMS,
        help="the same as --swap-back RA,LA (arm electrodes swapped)",
    )


def add_reference_argument(parser: argparse.ArgumentParser) -> None:
    """``--reference`` (``args.reference``): what synthesized leads are scored against.

    Choices and default are :data:`leadsynth_core.scoring.REFERENCES` and
    :data:`~leadsynth_core.scoring.DEFAULT_REFERENCE` (importing scoring loads numpy only).
    """
    from ..scoring import DEFAULT_REFERENCE, REFERENCES

    parser.add_argument(
        "--reference", choices=REFERENCES, default=DEFAULT_REFERENCE,
        help=f"score against the stored leads high-passed at 0.5 Hz like the synthesized leads "
             f"(highpass: baseline wander does not count) or against the stored leads as they are "
             f"(raw); default: {DEFAULT_REFERENCE}",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadsynth",
        description="Reduced-lead ECG synthesis: synthesize, evaluate and personalize 12-lead ECGs.",
    )
    parser.add_argument("--version", action="version", version=f"leadsynth {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            # A command whose module is not part of this build is simply absent.
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..logs import configure_logging

    configure_logging(verbosity=args.verbose, console=True)
    try:
        return int(args.func(args) or 0)
    except CancelledError as exc:
        print(f"leadsynth: cancelled: {exc}", file=sys.stderr)
        return 130
    except LeadSynthError as exc:
        log.debug("command failed", exc_info=True)
        print(f"leadsynth {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("leadsynth: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
