"""torch_impl.nn.Dropout: train/eval, how its key advances, its state; and a 20-step training loop of a
tiny MLP (torch_impl.nn.Dropout + torch_impl.optim.AdamW) against the same loop by hand in numpy_ref."""

from __future__ import annotations

import numpy as np
import torch

import numpy_ref as nr
import torch_impl as ti
from torch_impl import optim
from torch_impl.nn import Dropout


def test_eval_is_the_identity_and_does_not_advance():
    layer = Dropout(0.5, key=3).eval()
    x = torch.ones(4)
    assert layer(x) is x and layer.calls == 0


def test_call_n_uses_fold_in_of_the_key_with_n():
    layer = Dropout(0.4, key=ti.key(11))
    x = torch.ones(6, 5)
    for n in range(3):
        want = nr.dropout(np.ones((6, 5), np.float32), 0.4, nr.fold_in(nr.key(11), n))
        np.testing.assert_array_equal(layer(x).numpy(), want)
    assert layer.calls == 3


def test_an_explicit_key_is_used_as_is_and_does_not_advance():
    layer = Dropout(0.4, key=0, broadcast_dims=(0,))
    x = torch.ones(3, 8)
    want = nr.dropout(np.ones((3, 8), np.float32), 0.4, nr.key(99), broadcast_dims=(0,))
    np.testing.assert_array_equal(layer(x, key=ti.key(99)).numpy(), want)
    assert layer.calls == 0


def test_state_dict_restores_the_key_and_the_position():
    layer = Dropout(0.5, key=5)
    x = torch.ones(100)
    layer(x)
    restored = Dropout(0.5, key=0)
    restored.load_state_dict(layer.state_dict())
    assert torch.equal(restored(x), layer(x)) and restored.calls == layer.calls == 2


def test_key_stays_on_the_cpu_and_keeps_its_dtype():
    layer = Dropout(0.5, key=5).to(torch.float16)
    assert layer.key.dtype == torch.uint32 and layer.key.device.type == "cpu"
    assert layer(torch.ones(8, dtype=torch.float16)).dtype == torch.float16


class MLP(torch.nn.Module):
    def __init__(self, params: dict[str, np.ndarray], p: float, key: int) -> None:
        super().__init__()
        self.w1, self.b1, self.w2, self.b2 = (
            torch.nn.Parameter(ti.asarray(params[k])) for k in ("w1", "b1", "w2", "b2")
        )
        self.drop = Dropout(p, key=key)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(torch.relu(x @ self.w1 + self.b1)) @ self.w2 + self.b2


def reference_grads(params, x, y, keep, p):
    """Forward and backward by hand: ``h = x·W1 + b1``, ``a = relu(h)``, ``d = dropout(a)``, ``out = d·W2 + b2``,
    loss ``mean((out − y)²)``."""
    h = x @ params["w1"] + params["b1"]
    a = np.maximum(h, 0.0)
    d = nr.dropout_forward(a, keep, p)
    out = d @ params["w2"] + params["b2"]
    d_out = 2.0 * (out - y) / out.size
    d_d = d_out @ params["w2"].T
    d_h = nr.dropout_backward(d_d, keep, p) * (h > 0)
    return {"w1": x.T @ d_h, "b1": d_h.sum(0), "w2": d.T @ d_out, "b2": d_out.sum(0)}


def test_training_loop_matches_the_reference_by_hand():
    rng = np.random.default_rng(0)
    params = {
        "w1": rng.standard_normal((6, 16)) / 3,
        "b1": np.zeros(16),
        "w2": rng.standard_normal((16, 3)) / 4,
        "b2": np.zeros(3),
    }
    data = [(rng.standard_normal((8, 6)), rng.standard_normal((8, 3))) for _ in range(20)]
    p, seed, is_matrix = 0.3, 42, (lambda w: w.ndim > 1)
    initial = dict(params)

    model = MLP(params, p, seed)
    opt = optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1, decay_mask=is_matrix)
    state = nr.adam_init(params)
    for t, (x, y) in enumerate(data):
        opt.zero_grad()
        torch.mean((model(ti.asarray(x)) - ti.asarray(y)) ** 2).backward()
        opt.step()
        keep = nr.dropout_mask(nr.fold_in(nr.key(seed), t), p, (8, 16))
        grads = reference_grads(params, x, y, keep, p)
        params, state = nr.adamw_step(params, grads, state, lr=0.01, weight_decay=0.1, decay_mask=is_matrix)

    for name, want in params.items():
        got = getattr(model, name).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert all(np.abs(params[k] - initial[k]).max() > 0.01 for k in params)  # every parameter moved
