"""Update rules: worked by hand, and against torch.optim over a hyperparameter grid (float64, 20 steps)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import numpy_ref as nr


def test_sgd_momentum_two_steps_by_hand():
    # lr = 0.5, μ = 0.5, τ = 0.5, λ = 1 (coupled), w₀ = 2, g = 1 each step. All values exact in binary.
    # Step 1: d = g + λw = 1 + 2 = 3; b = d = 3 (dampening is NOT applied at the first step);
    #         w = 2 − 0.5·3 = 0.5.
    # Step 2: d = 1 + 0.5 = 1.5; b = μb + (1 − τ)d = 1.5 + 0.75 = 2.25; w = 0.5 − 0.5·2.25 = −0.625.
    kw = dict(lr=0.5, momentum=0.5, dampening=0.5, weight_decay=1.0)
    w, s = nr.sgd_step(np.array([2.0]), np.array([1.0]), nr.sgd_init(np.array([2.0])), **kw)
    assert w.tolist() == [0.5] and s.momentum.tolist() == [3.0]
    w, s = nr.sgd_step(w, np.array([1.0]), s, **kw)
    assert w.tolist() == [-0.625] and s.momentum.tolist() == [2.25] and int(s.step) == 2


def test_nesterov_step_by_hand():
    # lr = 0.5, μ = 0.5, w₀ = 0, g = 2: b = 2, direction d + μb = 2 + 1 = 3, w = −1.5.
    w, _ = nr.sgd_step(np.zeros(1), np.full(1, 2.0), nr.sgd_init(np.zeros(1)), lr=0.5, momentum=0.5, nesterov=True)
    assert w.tolist() == [-1.5]


def test_adam_l2_and_adamw_differ_by_where_decay_enters():
    # First step, lr = 0.25, β = (0.5, 0.75), ε = 0, λ = 1, w₀ = 2, g = 1.
    # Adam+L2: d = g + λw = 3; m̂ = 3, v̂ = 9 (bias corrections undo (1 − β)), so w = 2 − 0.25·3/3 = 1.75:
    #          the decay was normalised away with the gradient.
    # AdamW:   w ← 2·(1 − 0.25) = 1.5, then d = 1, m̂ = 1, v̂ = 1, w = 1.5 − 0.25 = 1.25.
    kw = dict(lr=0.25, betas=(0.5, 0.75), eps=0.0, weight_decay=1.0)
    w0, g = np.array([2.0]), np.array([1.0])
    assert nr.adam_step(w0, g, nr.adam_init(w0), **kw)[0].tolist() == [1.75]
    assert nr.adamw_step(w0, g, nr.adam_init(w0), **kw)[0].tolist() == [1.25]


def test_amsgrad_bias_corrects_the_running_maximum_of_v():
    # β = (0, 0.5), lr = 1, ε = 0. Step 1: g = 2 → v = 2, v̂ = 2/0.5 = 4, w = 0 − 2/2 = −1.
    # Step 2: g = 0 → v = 1 < v_max = 2; v̂ = 2/0.75, m̂ = 0, so w stays −1 and v_max stays 2.
    kw = dict(lr=1.0, betas=(0.0, 0.5), eps=0.0, amsgrad=True)
    w, s = nr.adam_step(np.zeros(1), np.full(1, 2.0), nr.adam_init(np.zeros(1)), **kw)
    assert w.tolist() == [-1.0] and s.v_max.tolist() == [2.0]
    w, s = nr.adam_step(w, np.zeros(1), s, **kw)
    assert w.tolist() == [-1.0] and s.v.tolist() == [1.0] and s.v_max.tolist() == [2.0]


torch = pytest.importorskip("torch")

STEPS = 20
rng = np.random.default_rng(20260101)
W0 = {"w": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
GRADS = [{k: rng.standard_normal(v.shape) for k, v in W0.items()} for _ in range(STEPS)]


def run_torch(cls, groups_kw, decay_b):
    """torch.optim on the same tensors; the bias goes into a group with weight_decay=0 when masked."""
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in W0.items()}
    wd = groups_kw.pop("weight_decay")
    groups = [
        {"params": [tensors["w"]], "weight_decay": wd},
        {"params": [tensors["b"]], "weight_decay": wd if decay_b else 0.0},
    ]
    opt = cls(groups, **groups_kw)
    for g in GRADS:
        for k, t in tensors.items():
            t.grad = torch.tensor(g[k])
        opt.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


def run_reference(step, kw, decay_b, init):
    params, state = W0, init(W0)
    for g in GRADS:
        params, state = step(params, g, state, decay_mask={"w": True, "b": decay_b}, **kw)
    return params


def assert_close(ours, theirs):
    for k in ours:
        rel = np.max(np.abs(ours[k] - theirs[k]) / np.maximum(np.abs(theirs[k]), 1e-300))
        assert rel < 1e-10, f"{k}: relative error {rel:.3g}"


SGD_GRID = [
    dict(lr=lr, momentum=mu, dampening=tau, nesterov=nest, weight_decay=wd, maximize=mx)
    for lr, mu, tau, nest, wd, mx in itertools.product(
        [0.01, 0.3], [0.0, 0.9], [0.0, 0.4], [False, True], [0.0, 0.05], [False, True]
    )
    if not (nest and (mu == 0.0 or tau != 0.0))
]


@pytest.mark.parametrize("kw", SGD_GRID, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("decay_b", [True, False])
def test_sgd_matches_torch(kw, decay_b):
    assert_close(run_reference(nr.sgd_step, kw, decay_b, nr.sgd_init), run_torch(torch.optim.SGD, dict(kw), decay_b))


ADAM_GRID = [
    dict(lr=lr, betas=betas, eps=eps, weight_decay=wd, amsgrad=ams, maximize=mx)
    for lr, betas, eps, wd, ams, mx in itertools.product(
        [1e-3, 0.1], [(0.9, 0.999), (0.0, 0.5), (0.99, 0.9999)], [1e-8, 1e-3], [0.0, 0.1], [False, True], [False, True]
    )
]


@pytest.mark.parametrize("kw", ADAM_GRID, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize(("name", "decay_b"), [("adam", True), ("adamw", True), ("adamw", False)])
def test_adam_and_adamw_match_torch(kw, name, decay_b):
    step, cls = (nr.adam_step, torch.optim.Adam) if name == "adam" else (nr.adamw_step, torch.optim.AdamW)
    assert_close(run_reference(step, kw, decay_b, nr.adam_init), run_torch(cls, dict(kw), decay_b))


def test_adamw_default_weight_decay_is_torchs():
    import inspect

    assert (
        inspect.signature(nr.adamw_step).parameters["weight_decay"].default
        == torch.optim.AdamW([torch.zeros(1)]).defaults["weight_decay"]
    )
