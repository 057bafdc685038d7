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
from ..errors import CancelledError, LeadSynthError

__all__ = ["main", "build_parser", "add_isolation_argument", "add_reference_argument"]

log = logging.getLogger(__name__)

# Sub-command modules, in the order ``leadsynth --help`` lists them.
_COMMANDS: tuple[str, ...] = (
    "info",
    "synthesize",
    "evaluate",
    "agreement",
    "measure",
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


def add_swap_arms_argument(parser: argparse.ArgumentParser) -> None:
    """``--swap-arms`` (``args.swap_arms``): undo a swap of the arm electrodes after reading."""
    parser.add_argument(
        "--swap-arms", action="store_true",
        help="the recording was made with the right- and left-arm electrodes swapped: swap them back "
             "after reading (lead I inverted, II and III, aVR and aVL exchanged, chest leads unchanged; "
             "exact), before anything else; every output names the step",
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
