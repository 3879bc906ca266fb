"""torch_impl under torch.distributed (gloo, CPU): DTensor dropout, optimizers on DTensor parameters, and
DDP and FSDP2 training of the experiments' MLP, against one process.

Each world size (2 and 4) runs once, in processes spawned here (torch.multiprocessing) that meet
through a FileStore in a temporary directory (no port to pick, so no race for one), save their results
there and are joined against a deadline, killed if they miss it. The tests compare the results with
numpy_ref or with one process, here. The README's "Many devices and hosts" states what is identical and why.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import ulp_distance
from numpy_ref.random import threefry2x32
from regref.demos.backends import load_backend
from regref.demos.classifier import MLPSetup, init_mlp, train_mlp
from regref.demos.datasets import Classification, load_digits
from regref.demos.sampling import minibatches, step_key, streams
from torch_impl.distributed import batch_block, dropout_block
from torch_impl.models import softmax_cross_entropy
from torch_impl.optim import SGD, Adam, AdamW

DEADLINE_S = 240
KEY = nr.key(2024)
RATE = 0.3
SEED = 0
RATES = (0.3, 0.5)  # the experiments' MLP: Linear → ReLU → dropout(0.3) → Linear → ReLU → dropout(0.5) → Linear
SETUP = MLPSetup(hidden=(256, 128), lr=1e-3, batch_size=128, epochs=2)
N_TRAIN = 512  # 4 full batches an epoch, so that every rank holds batch_size / world examples
#: |Δw| allowed between data-parallel and one-process full-batch training. Measured: 1.0e-6 (2 ranks),
#: 1.5e-8 (4 ranks); a rank that masked the wrong rows differs by 1.2e-2.
FULL_BATCH_ATOL = SETUP.lr / 10
#: world size → layout name → (global shape, placements per mesh axis, broadcast_dims). "P" is Partial:
#: the ranks at mesh coordinate 0 hold x, the others zeros, so that the sum is x exactly.
DTENSOR_LAYOUTS = {
    2: {
        "rows": ((16, 24), "S0", ()),
        "columns": ((16, 24), "S1", ()),
        "replicated": ((16, 24), "R", ()),
        "uneven_columns_7_of_2": ((13, 7), "S1", ()),
        "mask_shared_along_sharded_axis": ((16, 24), "S0", (0,)),
        "3d_broadcast": ((4, 6, 10), "S2", (1,)),
    },
    4: {
        "mesh_2d": ((16, 24), "S0 S1", ()),
        "mesh_2d_transposed": ((16, 24), "S1 S0", ()),
        "rows_on_both_mesh_axes": ((16, 24), "S0 S0", ()),
        "uneven_mesh_2d": ((13, 7), "S0 S1", ()),
        "replicated_and_columns": ((16, 24), "R S1", ()),
        "partial_and_rows": ((16, 24), "P S0", ()),
    },
}
DTENSOR_CASES = [(world, name) for world, layouts in DTENSOR_LAYOUTS.items() for name in layouts]
OPTIMIZERS = {
    "sgd_nesterov_l2": (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    "adam_l2": (Adam, {"lr": 0.01, "weight_decay": 0.01}),
    "adamw_amsgrad": (AdamW, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
}
PARALLEL_RUNS = [(2, "ddp"), (2, "fsdp"), (4, "ddp")]


def sample(shape: tuple[int, ...], *tag: object) -> torch.Tensor:
    """Deterministic float32 test data, the same in every process."""
    seed = sum(ord(c) * 31**i for i, c in enumerate(repr(tag)))
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def placements(codes: str) -> list[object]:
    from torch.distributed.tensor import Partial, Replicate, Shard

    return [Replicate() if c == "R" else Partial() if c == "P" else Shard(int(c[1:])) for c in codes.split()]


def full(t: torch.Tensor) -> torch.Tensor:
    """A DTensor gathered (a collective: every rank calls it), or a tensor as it is."""
    return t.full_tensor() if hasattr(t, "full_tensor") else t


class MLP(torch.nn.Module):
    """The experiments' MLP (:func:`torch_impl.models.mlp_forward`) on a block of rows of the global batch."""

    def __init__(self, params0: list[dict[str, np.ndarray]]) -> None:
        super().__init__()
        self.w = torch.nn.ParameterList([torch.from_numpy(layer["w"].copy()) for layer in params0])
        self.b = torch.nn.ParameterList([torch.from_numpy(layer["b"].copy()) for layer in params0])

    def forward(self, x: torch.Tensor, key: torch.Tensor, start: int, batch: int) -> torch.Tensor:
        """``x`` holds rows ``start, start + 1, …`` of a global batch of ``batch`` rows."""
        h = x
        for w, b, k, p in zip(self.w[:-1], self.b[:-1], ti.split(key, len(RATES)), RATES):
            h = torch.relu(h @ w + b)
            h = dropout_block(h, p, k, (start, 0), (batch, h.shape[1]))
        return h @ self.w[-1] + self.b[-1]


def backward_block(
    model: torch.nn.Module, data: Classification, idx: np.ndarray, step: int, rank: int, world: int
) -> None:
    """Accumulate the gradient of rank ``rank``'s mean loss on its rows of the batch ``idx``."""
    n = len(idx) // world
    x, labels = (torch.from_numpy(a[idx[rank * n : (rank + 1) * n]]) for a in (data.x_train, data.y_train))
    key = ti.asarray(step_key(streams(SEED).dropout, step))
    start, whole = batch_block(x) if dist.is_initialized() else ((rank * n,), (len(idx),))
    softmax_cross_entropy(model(x, key, start[0], whole[0]), labels).backward()


def batches(data: Classification) -> list[np.ndarray]:
    """The experiments' shuffled minibatches, epoch after epoch (regref/demos/classifier.py)."""
    keys = streams(SEED)
    return [
        b for e in range(1, SETUP.epochs + 1) for b in minibatches(keys.shuffle, e, len(data.y_train), SETUP.batch_size)
    ]


def train(model: torch.nn.Module, params: torch.nn.Module, data: Classification, world: int) -> list[torch.Tensor]:
    """Adam on every batch; returns the first step's gradients, as the optimizer saw them.

    In a process group a rank backpropagates its own rows; alone, one process backpropagates every
    rank's rows in turn, accumulating, and divides by ``world`` as DDP's gradient averaging does.
    """
    opt = Adam(params.parameters(), lr=SETUP.lr)
    first: list[torch.Tensor] = []
    for step, idx in enumerate(batches(data)):
        for rank in [dist.get_rank()] if dist.is_initialized() else range(world):
            backward_block(model, data, idx, step, rank, world)
        if not dist.is_initialized():
            for p in params.parameters():
                p.grad /= world
        first = first or [full(p.grad).clone() for p in params.parameters()]
        opt.step()
        opt.zero_grad()
    return first


def optimize(cls: type, hyper: dict, put: Callable[[torch.Tensor], torch.Tensor]) -> list[torch.Tensor]:
    """Three steps of an optimizer on two (16, 24) parameters; ``put`` lays each tensor out (or not)."""
    params = [torch.nn.Parameter(put(sample((16, 24), "param", i))) for i in range(2)]
    opt = cls(params, **hyper)
    for t in range(3):
        for i, p in enumerate(params):
            p.grad = put(sample((16, 24), "grad", i, t))
        opt.step()
    return params


def _dtensor_dropout(mesh: object, world: int) -> dict[str, object]:
    from torch.distributed.tensor import DTensor, distribute_tensor

    out: dict[str, object] = {}
    for name, (shape, codes, dims) in DTENSOR_LAYOUTS[world].items():
        x_full, d_y_full = sample(shape, name, "x"), sample(shape, name, "d_y")
        if codes.startswith("P"):
            local = distribute_tensor(x_full, mesh, placements(codes.replace("P", "R"))).to_local()
            summand = local if mesh.get_local_rank(0) == 0 else torch.zeros_like(local)
            x = DTensor.from_local(summand, mesh, placements(codes))
        else:
            x = distribute_tensor(x_full, mesh, placements(codes))
        x = x.detach().requires_grad_()
        y = ti.dropout(x, RATE, KEY, broadcast_dims=dims)
        (y * distribute_tensor(d_y_full, mesh, placements(codes.replace("P", "R")))).sum().backward()
        out[f"dropout/{name}/y"] = y.full_tensor().detach()
        out[f"dropout/{name}/grad"] = x.grad.full_tensor()
        out[f"dropout/{name}/local_shape"] = tuple(y.to_local().shape)
        out[f"dropout/{name}/eval_is_x"] = ti.dropout(x, RATE, KEY, training=False) is x
    return out


def _dtensor_optimizers(mesh: object) -> dict[str, object]:
    from torch.distributed.tensor import distribute_tensor

    out: dict[str, object] = {}
    for name, (cls, hyper) in OPTIMIZERS.items():
        layout = placements("S0" if mesh.ndim == 1 else "S0 S1")
        params = optimize(cls, hyper, lambda t, layout=layout: distribute_tensor(t, mesh, layout))
        out[f"optim/{name}"] = [full(p).detach() for p in params]
        out[f"optim/{name}/local_shape"] = tuple(params[0].to_local().shape)
    return out


def _data_parallel(how: str, data: Classification, params0: list, mesh: object) -> dict[str, object]:
    """The experiments' MLP trained by DDP or by FSDP2 (``fully_shard``: parameters become DTensor shards)."""
    from torch.distributed.fsdp import fully_shard
    from torch.nn.parallel import DistributedDataParallel

    model = MLP(params0)
    wrapped = DistributedDataParallel(model) if how == "ddp" else fully_shard(model, mesh=mesh)
    first = train(wrapped, model, data, mesh.size())
    local = model.w[0].to_local() if how == "fsdp" else model.w[0]
    params = [full(p).detach() for p in model.parameters()]
    return {f"{how}/params": params, f"{how}/first_grads": first, f"{how}/local_shape": tuple(local.shape)}


def _worker(rank: int, world: int, tmp: str, data: Classification, params0: list) -> None:
    warnings.simplefilter("error")
    torch.set_num_threads(1)  # the world's processes share the cores
    if sys.platform == "linux":
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # a container's hostname may not resolve
    dist.init_process_group("gloo", init_method=f"file://{tmp}/store", rank=rank, world_size=world)
    try:
        from torch.distributed.device_mesh import init_device_mesh

        mesh = init_device_mesh("cpu", (world,) if world == 2 else (2, world // 2))
        flat = init_device_mesh("cpu", (world,))
        out = {**_dtensor_dropout(mesh, world), **_dtensor_optimizers(mesh)}
        for how in [how for w, how in PARALLEL_RUNS if w == world]:
            out.update(_data_parallel(how, data, params0, flat))
        torch.save(out, f"{tmp}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def spawn(world: int, tmp: Path, data: Classification, params0: list) -> list[dict[str, object]]:
    """Run :func:`_worker` on ``world`` processes; their results, by rank."""
    args = (world, str(tmp), data, params0)
    context = mp.start_processes(_worker, args, nprocs=world, join=False, start_method="spawn")
    deadline = time.monotonic() + DEADLINE_S
    try:
        while not context.join(timeout=1.0):
            if time.monotonic() > deadline:
                pytest.fail(f"{world} gloo processes did not finish in {DEADLINE_S} s")
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
            process.join()
    return [torch.load(tmp / f"rank{r}.pt") for r in range(world)]


@pytest.fixture(scope="module")
def experiment() -> tuple[Classification, list]:
    """The digits data (the experiments' default), cut to N_TRAIN examples, and the initial weights."""
    d = load_digits()
    data = Classification(d.name, d.x_train[:N_TRAIN], d.y_train[:N_TRAIN], d.x_test, d.y_test)
    return data, init_mlp(streams(SEED).init, (data.x_train.shape[1], *SETUP.hidden, data.num_classes))


@pytest.fixture(scope="module")
def runs(experiment, tmp_path_factory) -> Callable[[int], list[dict[str, object]]]:
    """``runs(world)``: every rank's results, spawned once per world size."""
    done: dict[int, list[dict[str, object]]] = {}

    def get(world: int) -> list[dict[str, object]]:
        if world not in done:
            done[world] = spawn(world, tmp_path_factory.mktemp(f"world{world}"), *experiment)
        return done[world]

    return get


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """As in the workers: a matmul's thread count could change the order of its sums."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def full_batch(experiment) -> list[torch.Tensor]:
    """The weights after the experiments' own training loop (train_mlp, one process, full batches)."""
    with one_thread():
        trained, _ = train_mlp(load_backend("torch"), *experiment, RATES, SETUP, streams(SEED))
    return [layer["w"] for layer in trained] + [layer["b"] for layer in trained]


def one_process(experiment: tuple[Classification, list], world: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Training in this process, accumulating ``world`` blocks a step: (final params, first gradients)."""
    model = MLP(experiment[1])
    with one_thread():
        first = train(model, model, experiment[0], world)
    return [p.detach() for p in model.parameters()], first


def assert_bits(got: torch.Tensor, want: torch.Tensor | np.ndarray, what: str) -> None:
    __tracebackhide__ = True
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (
        f"{what}: {got.dtype}{got.shape} vs {want.dtype}{want.shape}"
    )
    dist_ = ulp_distance(got, want)
    if dist_.max() > 0:
        i = np.unravel_index(np.argmax(dist_), dist_.shape)
        pytest.fail(
            f"{what}: {np.sum(dist_ > 0)} of {dist_.size} elements differ; worst at {i}: {got[i]!r} vs {want[i]!r}"
        )


@pytest.mark.parametrize(("world", "name"), DTENSOR_CASES)
def test_dropout_of_a_dtensor_is_the_reference_with_its_gradient(runs, world, name):
    shape, codes, dims = DTENSOR_LAYOUTS[world][name]
    mask = nr.dropout_mask(KEY, RATE, shape, broadcast_dims=dims)
    want_y = nr.dropout_forward(sample(shape, name, "x").numpy(), mask, RATE)
    want_grad = nr.dropout_backward(sample(shape, name, "d_y").numpy(), mask, RATE)
    for rank, out in enumerate(runs(world)):
        assert_bits(out[f"dropout/{name}/y"], want_y, f"rank {rank}: dropout of a DTensor on {codes}")
        assert_bits(out[f"dropout/{name}/grad"], want_grad, f"rank {rank}: its gradient")
        assert out[f"dropout/{name}/eval_is_x"]
    local_shapes = [out[f"dropout/{name}/local_shape"] for out in runs(world)]
    assert ("S" not in codes) == all(s == shape for s in local_shapes)  # sharded layouts really are split
    assert ("uneven" in name) == (len(set(local_shapes)) > 1 and "S" in codes)


@pytest.mark.parametrize("world", sorted(DTENSOR_LAYOUTS))
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_on_dtensor_parameters_is_one_process(runs, world, name):
    want = optimize(*OPTIMIZERS[name], lambda t: t)
    for rank, out in enumerate(runs(world)):
        for i, (got, w) in enumerate(zip(out[f"optim/{name}"], want)):
            assert_bits(got, w.detach(), f"rank {rank}: {name} parameter {i} on {world} ranks")
        assert out[f"optim/{name}/local_shape"] == (16 // 2, 24 // (world // 2))


def test_the_mlp_module_in_one_process_is_the_experiments_training(experiment, full_batch):
    """The module the ranks train is the experiments' model: alone, it ends on train_mlp's weights."""
    got, _ = one_process(experiment, 1)
    for i, (g, w) in enumerate(zip(got, full_batch)):
        assert_bits(g, w, f"parameter {i}")


@pytest.mark.parametrize(("world", "how"), [r for r in PARALLEL_RUNS if r[0] == 2])
def test_two_ranks_train_as_one_process_accumulating_their_blocks(runs, experiment, world, how):
    """Bit for bit: each rank's blocks (masks included) are the one process's, and the all-reduce of two
    gradients is one addition, which commutes; halving is exact."""
    want_params, want_first = one_process(experiment, world)
    for rank, out in enumerate(runs(world)):
        for i, (got, want) in enumerate(zip(out[f"{how}/first_grads"], want_first)):
            assert_bits(got, want, f"rank {rank}: {how} first gradient {i}")
        for i, (got, want) in enumerate(zip(out[f"{how}/params"], want_params)):
            assert_bits(got, want, f"rank {rank}: {how} parameter {i}")
    assert (how == "fsdp") == (runs(world)[0][f"{how}/local_shape"] == (64 // world, 256))


def test_four_ranks_differ_from_one_process_by_the_order_of_four_sums(runs, experiment):
    """gloo's ring all-reduce adds the 4 gradients in a rank order that varies by chunk; one process adds
    them in order. Two orders of a 4-term float32 sum differ by at most 2·3u·Σ|g_r| (u = 2**-24)."""
    data, params0 = experiment
    model, blocks = MLP(params0), []
    for rank in range(4):
        model.zero_grad()
        backward_block(model, data, batches(data)[0], 0, rank, 4)
        blocks.append([p.grad.clone() / 4 for p in model.parameters()])
    _, want_first = one_process(experiment, 4)
    gamma = 3 * 2.0**-24 / (1 - 3 * 2.0**-24)  # recursive summation of 4 terms: |error| ≤ γ₃·Σ|terms|
    for i, want in enumerate(want_first):
        bound = 2 * gamma * sum(b[i].double().abs() for b in blocks)
        for rank, out in enumerate(runs(4)):
            excess = (out["ddp/first_grads"][i].double() - want.double()).abs() - bound
            assert excess.max() <= 0, f"rank {rank}: first gradient {i} exceeds the bound by {excess.max()}"


@pytest.mark.parametrize(("world", "how"), PARALLEL_RUNS)
def test_data_parallel_training_ends_near_one_full_batch_process(runs, full_batch, world, how):
    """One process differentiating the full batch sums each gradient in yet another order (one matmul
    over 128 rows); Adam magnifies that rounding where a gradient is near ε, but no further than
    FULL_BATCH_ATOL. All ranks hold the same weights."""
    ranks = runs(world)
    for rank, out in enumerate(ranks):
        for i, (got, w) in enumerate(zip(out[f"{how}/params"], full_batch)):
            assert_bits(got, ranks[0][f"{how}/params"][i], f"rank {rank} vs rank 0: parameter {i}")
            np.testing.assert_allclose(got, w, rtol=0, atol=FULL_BATCH_ATOL, err_msg=f"{how}, {world} ranks, param {i}")


def test_dropout_block_is_the_block_of_the_reference_with_its_gradient():
    x, d_y = sample((13, 7, 5), "block"), sample((13, 7, 5), "block", "d_y")
    rows, cols = slice(3, 9), slice(2, 5)
    mask = nr.dropout_mask(KEY, 0.4, x.shape, broadcast_dims=(1,))
    block = x[rows, cols].clone().requires_grad_()
    y = dropout_block(block, 0.4, ti.asarray(KEY), (3, 2, 0), x.shape, broadcast_dims=(1,))
    y.backward(d_y[rows, cols])
    assert_bits(y.detach(), nr.dropout_forward(x.numpy(), mask, 0.4)[rows, cols], "dropout_block")
    assert_bits(block.grad, nr.dropout_backward(d_y.numpy(), mask, 0.4)[rows, cols], "its gradient")


def test_dropout_block_past_two_to_the_32():
    """This block of a global tensor over 2**32 elements straddles flat index 2**32 = 65535·65537 + 1: its
    keep decisions are those of the Threefry words of the counters (i >> 32, i mod 2**32)."""
    start, whole, p = (65534, 0), (65537, 65537), 0.4
    rows, cols = np.meshgrid(np.arange(65534, 65537), np.arange(6), indexing="ij")
    index = rows.astype(np.uint64) * np.uint64(65537) + cols.astype(np.uint64)
    assert index.min() < 2**32 <= index.max()
    hi, lo = (index >> np.uint64(32)).astype(np.uint32), (index & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    b0, b1 = threefry2x32(KEY, (hi.ravel(), lo.ravel()))
    uniform = (((b0 ^ b1) >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)
    keep = (uniform < np.float32(1 - p)).reshape(index.shape)
    got = dropout_block(torch.ones(index.shape), p, ti.asarray(KEY), start, whole)
    assert_bits(got, nr.dropout_forward(np.ones(index.shape, np.float32), keep, p), "dropout_block")


def test_dropout_block_outside_training_returns_x_itself():
    x = torch.ones(2, 3)
    assert dropout_block(x, 0.5, ti.asarray(KEY), (1, 0), (3, 3), training=False) is x


#: (start, global_shape, message) for a (2, 3) block: the cases and messages of tests/test_distributed_jax.py
#: (torch forms indices in int64, so an axis of 2**32 elements is no error here)
BAD_BLOCKS = [
    ((2, 0), (3, 3), r"start \(2, 0\) puts a block of shape \(2, 3\) outside global_shape \(3, 3\)"),
    ((-1, 0), (3, 3), r"start must have non-negative sizes, got \(-1, 0\)"),
    ((0,), (3, 3), r"start \(0,\) and global_shape \(3, 3\) need one entry per axis of \(2, 3\)"),
]


@pytest.mark.parametrize(("start", "whole", "message"), BAD_BLOCKS)
def test_dropout_block_rejects_a_block_outside_the_tensor(start, whole, message):
    with pytest.raises(ValueError, match=message):
        dropout_block(torch.ones(2, 3), 0.5, ti.asarray(KEY), start, whole)
