"""``regref demo {weight-decay, dropout, mc-dropout}``: the command line of the demos.

Everything a demo needs is checked before it trains: the frameworks of ``--backend`` and the extras of
``--plot`` and of the digits data are installed (else one line names the extra), the plot's format is one
matplotlib writes and its folder exists or is created, the Fashion-MNIST files read. A usage error exits
2 with one line; Ctrl-C prints what finished and exits 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from numpy_ref.validation import check_nonnegative, check_probability

from ..usage import INTERRUPTED, Parser, UsageError, need, writable
from .backends import BACKENDS, resolve_backends
from .classifier import DEFAULT_RATES, MLPSetup
from .datasets import FASHION_MNIST_ENV, load_classification

__all__ = ["DIGITS_EPOCHS", "FASHION_MNIST_EPOCHS", "build_parser", "main"]

FASHION_MNIST_EPOCHS = 10  # the source's
#: On the digits (1,438 training examples): 100 epochs let the model without dropout overfit visibly (measured:
#: regref.demos.dropout); Monte-Carlo dropout is read after 30.
DIGITS_EPOCHS = {"dropout": 100, "mc-dropout": 30}


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


def build_parser() -> Parser:
    parser = Parser(prog="regref demo", description="The chapter's experiments on every backend.")
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=[*BACKENDS, "all"], default="numpy", help="all: overlay the three")
    common.add_argument("--seed", type=_seed, default=0, help="fixes data, weights, minibatches and masks")
    common.add_argument(
        "--epochs",
        type=_positive_int,
        help="training epochs (weight-decay: 100; dropout, mc-dropout: 10 on Fashion-MNIST, as the source; on the "
        f"digits {DIGITS_EPOCHS['dropout']} and {DIGITS_EPOCHS['mc-dropout']})",
    )
    common.add_argument("--plot", type=Path, metavar="PATH", help="write the figure here (.png, .svg, .pdf, …)")
    common.add_argument("-v", "--verbose", action="store_true", help="print the per-epoch tables too")

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
        help=f"Fashion-MNIST IDX directory (or ${FASHION_MNIST_ENV}); default: scikit-learn's digits",
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
    mc.add_argument("--bins", type=_positive_int, default=5, help="equal-count bins of the test set (5)")
    return parser


def _check_plot(path: Path) -> None:
    need("matplotlib", "--plot")
    from .plotting import formats

    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats():
        raise UsageError(f"--plot {path}: matplotlib writes {', '.join(formats())}; give one of these suffixes")
    writable(path, "--plot")


def _run(args: argparse.Namespace, console: Console) -> None:
    if args.plot is not None:
        _check_plot(args.plot)
    backends = resolve_backends(args.backend)
    options = {"plot": args.plot, "verbose": args.verbose}
    if args.command == "weight-decay":
        from . import weight_decay
        from .linreg import WeightDecaySetup

        setup = WeightDecaySetup(**({"epochs": args.epochs} if args.epochs else {}))
        weight_decay.run(backends, args.lambd or [0.0, 3.0], args.seed, console, setup=setup, **options)
        return
    if not (args.data or os.environ.get(FASHION_MNIST_ENV)):
        need("sklearn", "the digits data set (the default without --data)")
    try:
        data = load_classification(args.data)
    except (OSError, ValueError) as error:
        raise UsageError(str(error)) from None
    default_epochs = FASHION_MNIST_EPOCHS if data.name == "Fashion-MNIST" else DIGITS_EPOCHS[args.command]
    setup = MLPSetup(epochs=args.epochs or default_epochs, batch_size=args.batch_size)
    rates = tuple(args.rates)
    if args.command == "dropout":
        from . import dropout

        dropout.run(backends, data, args.seed, console, rates=rates, setup=setup, **options)
    else:
        from . import mc_dropout

        mc_dropout.run(
            backends, data, args.seed, console, rates=rates, setup=setup, num_samples=args.samples, bins=args.bins,
            **options,
        )  # fmt: skip


def main(argv: list[str]) -> int:
    """Run one demo: 0 on success, 2 on a usage error (one line on stderr), 130 when interrupted."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        _run(args, Console())
    except UsageError as error:
        print(f"regref demo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the demo has printed what finished
        return INTERRUPTED
    return 0
