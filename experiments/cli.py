"""``regref demo {weight-decay, dropout, mc-dropout}``: the command line of the demos.

``regref demo ARGS`` calls :func:`main` with ``ARGS``; ``python -m experiments ARGS`` does the same.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from numpy_ref.validation import check_nonnegative, check_probability

from .backends import BACKENDS, resolve_backends
from .classifier import MLPSetup
from .datasets import FASHION_MNIST_ENV, load_classification
from .dropout import DEFAULT_RATES

__all__ = ["DIGITS_EPOCHS", "FASHION_MNIST_EPOCHS", "build_parser", "main"]

FASHION_MNIST_EPOCHS = 10  # the source's
DIGITS_EPOCHS = 30  # 1,438 examples: 12 steps an epoch, so more epochs for a comparable number of steps


def _checked(check: Callable[[str, object], float], name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return check(name, float(text))
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def _seed(text: str) -> int:
    if not text.isdigit() or int(text) >= 2**64:
        raise argparse.ArgumentTypeError(f"seed must be an integer in [0, 2**64), got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regref demo", description="The chapter's experiments on every backend.")
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=[*BACKENDS, "all"], default="numpy", help="all: overlay the three")
    common.add_argument("--seed", type=_seed, default=0, help="fixes data, weights, minibatches and masks")
    common.add_argument(
        "--epochs",
        type=_positive_int,
        help=f"training epochs (weight-decay: 100; dropout, mc-dropout: {FASHION_MNIST_EPOCHS} on Fashion-MNIST, "
        f"as the source, {DIGITS_EPOCHS} on the digits)",
    )
    common.add_argument("--plot", type=Path, metavar="PATH", help="write the figure here (PNG, SVG, PDF)")

    wd = commands.add_parser("weight-decay", parents=[common], help="d2l's linear regression, λ = 0 and 3")
    wd.add_argument(
        "--lambd",
        type=_checked(check_nonnegative, "lambd"),
        nargs="+",
        action="extend",
        metavar="λ",
        help="weight decay(s); repeatable (default: 0 3)",
    )

    classification = argparse.ArgumentParser(add_help=False)
    classification.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help=f"Fashion-MNIST IDX directory (or ${FASHION_MNIST_ENV}); default: digits",
    )
    classification.add_argument(
        "--rates",
        type=_checked(check_probability, "rates"),
        nargs=2,
        default=DEFAULT_RATES,
        metavar="P",
        help="drop probabilities after hidden layers 1 and 2 (0.3 0.5)",
    )
    classification.add_argument("--batch-size", type=_positive_int, default=128)
    commands.add_parser("dropout", parents=[common, classification], help="the MLP with dropout on and off")
    mc = commands.add_parser("mc-dropout", parents=[common, classification], help="spread of T stochastic passes")
    mc.add_argument("--samples", type=_positive_int, default=50, metavar="T", help="stochastic passes (50)")
    mc.add_argument("--bins", type=_positive_int, default=5, help="equal-count spread bins (5)")
    return parser


def main(argv: list[str]) -> int:
    """Run one demo; 0 on success, 2 on a usage error (message on stderr)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    console = Console()
    backends = resolve_backends(args.backend)
    if args.command == "weight-decay":
        from . import weight_decay

        setup = weight_decay.WeightDecaySetup(**({"epochs": args.epochs} if args.epochs else {}))
        weight_decay.run(backends, args.lambd or [0.0, 3.0], args.seed, console, setup=setup, plot=args.plot)
        return 0
    try:
        data = load_classification(args.data)
    except (OSError, ValueError) as error:
        print(f"regref demo {args.command}: error: {error}", file=sys.stderr)
        return 2
    default_epochs = FASHION_MNIST_EPOCHS if data.name == "Fashion-MNIST" else DIGITS_EPOCHS
    setup = MLPSetup(epochs=args.epochs or default_epochs, batch_size=args.batch_size)
    rates = tuple(args.rates)
    if args.command == "dropout":
        from . import dropout

        dropout.run(backends, data, args.seed, console, rates=rates, setup=setup, plot=args.plot)
    else:
        from . import mc_dropout

        mc_dropout.run(
            backends,
            data,
            args.seed,
            console,
            rates=rates,
            setup=setup,
            num_samples=args.samples,
            bins=args.bins,
            plot=args.plot,
        )
    return 0
