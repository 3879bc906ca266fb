"""Probes of torch's ``decoupled_weight_decay=True`` on the optimizers that have it besides Adam (whose flag makes it
an AdamW, measured in the AdamW rows): ``NAdam`` and ``RAdam``. The reference has neither optimizer, so the
hypotheses are torch's own runs: the same optimizer without decay, the weights shrunk by ``1 − lr·λ``
(or ``1 − λ``) before each step, and the flag off (coupled L2), compared bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .compare import Case, bits_error, classify
from .finding import Finding
from .trajectories import cases

__all__ = ["PROBES"]

_LR, _LAMBDA = 0.1, 0.1


def decoupled_flag(op: str) -> Callable[[Any], Finding]:
    def probe(adapter: Any) -> Finding:
        def run(case: Case, weight_decay: float, decoupled: bool = False, shrink: float = 1.0) -> Any:
            w, grads = case.data
            flag = {"weight_decay": weight_decay, "decoupled_weight_decay": decoupled}
            return adapter.run(op, w, grads, shrink=shrink, lr=_LR, **flag)

        hypotheses = {
            "decoupled: w·(1 − lr·λ) before the step": lambda c, _: run(c, 0.0, shrink=1 - _LR * _LAMBDA),
            "coupled: λ·w added to the gradient": lambda c, _: run(c, _LAMBDA),
            "decoupled without lr: w·(1 − λ) before the step": lambda c, _: run(c, 0.0, shrink=1 - _LAMBDA),
        }
        return classify(
            cases(3),
            lambda c: run(c, _LAMBDA, decoupled=True),
            hypotheses,
            lambda g, w, c: bits_error(g, w),
            narrow=lambda c, g, w: (f"{c.label}; lr={_LR}, weight_decay={_LAMBDA}", lambda a: a),
        )

    return probe


#: op → behaviour → probe(adapter) -> Finding.
PROBES: dict[str, dict[str, Callable[[Any], Finding]]] = {
    op: {"decoupled_weight_decay=True": decoupled_flag(op)} for op in ("nadam", "radam")
}
