"""jax_impl on a device mesh: NamedSharding under jit and shard_map give the unsharded bits.

The sharded runs need 8 devices, and XLA fixes the device count when jax initialises (this pytest
process already has one CPU device), so :func:`run_sharded` runs in a subprocess with
``--xla_force_host_platform_device_count=8``: this file run as a script. It saves every result and
the shapes of its shards; the tests here compare them with numpy_ref (dropout, the stream, SGD) or with
the same computation on one device (Adam, whose float32 bias corrections depart from the reference by
design, see jax_impl/adam.py). The single-device tests of :mod:`jax_impl.sharding` run in this process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

import jax_impl as ji
import numpy_ref as nr
from conformance.ulp import ulp_distance
from jax_impl.sharding import block_bits, dropout_block, shard_block
from numpy_ref.random import threefry2x32

ROOT = Path(__file__).resolve().parent.parent
KEY = nr.key(2024)
RATE = 0.3
MESHES = {"x": ((8,), ("x",)), "ab": ((4, 2), ("a", "b"))}
#: name → (mesh, global shape, layout of the input, broadcast_dims)
DROPOUT_LAYOUTS = {
    "rows": ("x", (16, 24), P("x", None), ()),
    "columns": ("x", (16, 24), P(None, "x"), ()),
    "mesh_2d": ("ab", (16, 24), P("a", "b"), ()),
    "two_mesh_axes_on_rows": ("ab", (16, 24), P(("b", "a"), None), ()),
    "replicated": ("ab", (16, 24), P(), ()),
    "mask_shared_along_sharded_axis": ("x", (16, 24), P("x", None), (0,)),
    "3d_broadcast": ("ab", (8, 6, 10), P("a", None, "b"), (1,)),
}
#: name → (global shape, layout of an intermediate inside jit, its padded shard): sizes the mesh does not divide
UNEVEN_LAYOUTS = {
    "rows_13_of_8": ((13, 7), P("x", None), "f32[2,7]"),
    "columns_7_of_8": ((13, 7), P(None, "x"), "f32[13,1]"),
}
#: name → (functional step, hyperparameters); each runs 3 steps on PARAM_LAYOUTS
OPTIMIZERS = {
    "sgd_nesterov_l2": ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    "sgdw_dampened": ("sgd", {"lr": 0.1, "momentum": 0.5, "dampening": 0.25, "weight_decay": 0.1, "decoupled": True}),
    "adam_l2": ("adam", {"lr": 0.01, "weight_decay": 0.01}),
    "adamw_amsgrad": ("adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
}
PARAM_LAYOUTS = {"w": ((16, 24), P("a", "b")), "v": ((24,), P("b")), "s": ((5,), P())}
STEPS = 3


def sample(shape: tuple[int, ...], *tag: object) -> np.ndarray:
    """Deterministic float32 test data, the same in both processes."""
    seed = sum(ord(c) * 31**i for i, c in enumerate(repr(tag)))
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def grads_at(step: int) -> dict[str, np.ndarray]:
    return {name: sample(shape, "grad", name, step) for name, (shape, _) in PARAM_LAYOUTS.items()}


def _save(saved: dict[str, np.ndarray], name: str, value: jax.Array) -> None:
    saved[name] = np.asarray(value)
    saved[name + ".shards"] = np.array([s.data.shape for s in value.addressable_shards])


def _dropout_runs(meshes: dict[str, Mesh], saved: dict[str, np.ndarray]) -> None:
    """jax_impl.dropout on NamedSharding inputs (eager, and its gradient in a jit with shardings), and
    dropout_block inside shard_map, for every layout."""
    for name, (mesh, shape, spec, dims) in DROPOUT_LAYOUTS.items():
        s = NamedSharding(meshes[mesh], spec)
        x, d_y = (jax.device_put(sample(shape, name, part), s) for part in ("x", "d_y"))
        _save(saved, f"dropout/{name}/eager", ji.dropout(x, RATE, KEY, broadcast_dims=dims))

        def whole(v: jax.Array, dims: tuple = dims) -> jax.Array:
            return ji.dropout(v, RATE, KEY, broadcast_dims=dims)

        def blockwise(v: jax.Array, spec: P = spec, dims: tuple = dims) -> jax.Array:
            return dropout_block(v, RATE, KEY, *shard_block(spec, v.shape), broadcast_dims=dims)

        mapped = jax.shard_map(blockwise, mesh=meshes[mesh], in_specs=spec, out_specs=spec)
        grad = jax.jit(pullback, static_argnums=0, in_shardings=(s, s), out_shardings=s)
        _save(saved, f"dropout/{name}/grad", grad(whole, x, d_y))
        _save(saved, f"shard_map/{name}/y", jax.jit(mapped)(x))
        _save(saved, f"shard_map/{name}/grad", jax.jit(pullback, static_argnums=0)(mapped, x, d_y))

    explicit = jax.make_mesh((8,), ("x",), axis_types=(AxisType.Explicit,))
    x = jax.device_put(sample((16, 24), "explicit", "x"), NamedSharding(explicit, P(None, "x")))
    _save(saved, "dropout/explicit_axes/eager", ji.dropout(x, RATE, KEY))

    for name, (shape, spec, _) in UNEVEN_LAYOUTS.items():
        s = NamedSharding(meshes["x"], spec)

        def padded(v: jax.Array, s: NamedSharding = s) -> jax.Array:
            return jax.lax.with_sharding_constraint(ji.dropout(jax.lax.with_sharding_constraint(v, s), RATE, KEY), s)

        x = sample(shape, name, "x")
        saved[f"uneven/{name}"] = np.asarray(jax.jit(padded)(x))
        saved[f"uneven/{name}.hlo"] = np.array(jax.jit(padded).lower(x).compile().as_text())


def pullback(fn: Callable[[jax.Array], jax.Array], x: jax.Array, d_y: jax.Array) -> jax.Array:
    return jax.vjp(fn, x)[1](d_y)[0]


def _stream_runs(meshes: dict[str, Mesh], saved: dict[str, np.ndarray]) -> None:
    s = NamedSharding(meshes["ab"], P("b", "a"))
    draws = {
        "random_bits": lambda k: ji.random_bits(k, (16, 24)),
        "uniform": lambda k: ji.uniform(k, (16, 24)),
        "bernoulli": lambda k: ji.bernoulli(k, 0.7, (16, 24)),
    }
    for op, draw in draws.items():
        _save(saved, f"stream/{op}", jax.jit(draw, out_shardings=s)(jnp.asarray(KEY)))


def _optimizer_runs(meshes: dict[str, Mesh], saved: dict[str, np.ndarray]) -> None:
    """Each optimizer on sharded params and on one device: steps 0 and 2 inside the caller's jit, step 1
    called on the arrays."""
    shardings = {name: NamedSharding(meshes["ab"], spec) for name, (_, spec) in PARAM_LAYOUTS.items()}
    for name, (kind, hyper) in OPTIMIZERS.items():
        init, step = (ji.sgd_init, ji.sgd_step) if kind == "sgd" else (ji.adam_init, getattr(ji, f"{kind}_step"))
        for layout, put in (("sharded", partial(jax.device_put, device=shardings)), ("one_device", jax.device_put)):
            params = put({k: sample(shape, "param", k) for k, (shape, _) in PARAM_LAYOUTS.items()})
            state = init(params)
            for t in range(STEPS):
                run = jax.jit(partial(step, **hyper)) if t % 2 == 0 else partial(step, **hyper)
                params, state = run(params, put(grads_at(t)), state)
            for leaf_path, leaf in jax.tree_util.tree_flatten_with_path((params, state))[0]:
                _save(saved, f"optim/{name}/{layout}/{jax.tree_util.keystr(leaf_path)}", leaf)
    w = jax.device_put({k: sample(shape, "param", k) for k, (shape, _) in PARAM_LAYOUTS.items()}, shardings)
    saved["l2/penalty"] = np.asarray(ji.l2_penalty(w, 0.1))
    for k, leaf in ji.l2_penalty_grad(w, 0.1).items():
        _save(saved, f"l2/grad/{k}", leaf)


def run_sharded(out: str) -> None:
    """The subprocess: every sharded computation, saved to ``out`` (.npz) with its shards' shapes."""
    warnings.simplefilter("error")
    assert len(jax.devices()) == 8, jax.devices()
    meshes = {name: Mesh(np.array(jax.devices()).reshape(shape), names) for name, (shape, names) in MESHES.items()}
    saved: dict[str, np.ndarray] = {}
    for runs in (_dropout_runs, _stream_runs, _optimizer_runs):
        runs(meshes, saved)
    np.savez(out, **saved)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("sharded") / "results.npz"
    flags = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "XLA_FLAGS": flags, "JAX_PLATFORMS": "cpu", "PYTHONPATH": path}
    done = subprocess.run([sys.executable, __file__, str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-6000:]
    with np.load(out) as results:
        return dict(results)


def assert_bits(got: np.ndarray, want: np.ndarray, what: str) -> None:
    __tracebackhide__ = True
    assert got.shape == want.shape and got.dtype == want.dtype, (
        f"{what}: {got.dtype}{got.shape} vs {want.dtype}{want.shape}"
    )
    dist = ulp_distance(got, want) if got.dtype.kind == "f" else (got != want).astype(float)
    if dist.max() > 0:
        i = np.unravel_index(np.argmax(dist), dist.shape)
        pytest.fail(
            f"{what}: {np.sum(dist > 0)} of {dist.size} elements differ; worst at {i}: {got[i]!r} vs {want[i]!r}"
        )


def local_shape(shape: tuple[int, ...], spec: P, mesh: str) -> tuple[int, ...]:
    """The shard shape that ``spec`` gives on ``mesh``: what the saved shard shapes must show."""
    sizes = dict(zip(MESHES[mesh][1], MESHES[mesh][0]))
    parts = [spec[i] if i < len(spec) else None for i in range(len(shape))]
    names = [() if n is None else (n,) if isinstance(n, str) else n for n in parts]
    return tuple(d // int(np.prod([sizes[a] for a in axes])) for d, axes in zip(shape, names))


@pytest.mark.parametrize("how", ["eager", "grad"])
@pytest.mark.parametrize("name", DROPOUT_LAYOUTS)
def test_dropout_on_a_named_sharding_is_the_reference(sharded, name, how):
    mesh, shape, spec, dims = DROPOUT_LAYOUTS[name]
    mask = nr.dropout_mask(KEY, RATE, shape, broadcast_dims=dims)
    want = nr.dropout_forward(sample(shape, name, "x" if how == "eager" else "d_y"), mask, RATE)
    assert_bits(sharded[f"dropout/{name}/{how}"], want, f"dropout {how} on {spec}")
    assert {tuple(s) for s in sharded[f"dropout/{name}/{how}.shards"]} == {local_shape(shape, spec, mesh)}


@pytest.mark.parametrize("how", ["y", "grad"])
@pytest.mark.parametrize("name", DROPOUT_LAYOUTS)
def test_dropout_block_in_shard_map_is_the_reference(sharded, name, how):
    mesh, shape, spec, dims = DROPOUT_LAYOUTS[name]
    mask = nr.dropout_mask(KEY, RATE, shape, broadcast_dims=dims)
    want = nr.dropout_forward(sample(shape, name, "x" if how == "y" else "d_y"), mask, RATE)
    assert_bits(sharded[f"shard_map/{name}/{how}"], want, f"shard_map dropout {how} on {spec}")
    assert {tuple(s) for s in sharded[f"shard_map/{name}/{how}.shards"]} == {local_shape(shape, spec, mesh)}


def test_dropout_on_explicit_mesh_axes_is_the_reference(sharded):
    want = nr.dropout(sample((16, 24), "explicit", "x"), RATE, KEY)
    assert_bits(sharded["dropout/explicit_axes/eager"], want, "dropout on an Explicit mesh")
    assert {tuple(s) for s in sharded["dropout/explicit_axes/eager.shards"]} == {(16, 3)}


@pytest.mark.parametrize("name", UNEVEN_LAYOUTS)
def test_dropout_of_a_padded_intermediate_is_the_reference(sharded, name):
    shape, spec, shard = UNEVEN_LAYOUTS[name]
    assert_bits(sharded[f"uneven/{name}"], nr.dropout(sample(shape, name, "x"), RATE, KEY), f"padded {spec}")
    assert shard in str(sharded[f"uneven/{name}.hlo"])  # each device scales a padded shard, not the array


@pytest.mark.parametrize("op", ["random_bits", "uniform", "bernoulli"])
def test_stream_with_sharded_output_is_the_reference(sharded, op):
    want = nr.bernoulli(KEY, 0.7, (16, 24)) if op == "bernoulli" else getattr(nr, op)(KEY, (16, 24))
    assert_bits(sharded[f"stream/{op}"], want, op)
    assert {tuple(s) for s in sharded[f"stream/{op}.shards"]} == {local_shape((16, 24), P("b", "a"), "ab")}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_on_sharded_params_is_the_one_device_run(sharded, name):
    keys = sorted(k for k in sharded if k.startswith(f"optim/{name}/sharded/") and not k.endswith(".shards"))
    assert len(keys) >= 4  # params and state leaves
    for key in keys:
        twin = key.replace("/sharded/", "/one_device/")
        assert_bits(sharded[key], sharded[twin], key)
    for leaf, (shape, spec) in PARAM_LAYOUTS.items():
        assert {tuple(s) for s in sharded[f"optim/{name}/sharded/[0]['{leaf}'].shards"]} == {
            local_shape(shape, spec, "ab")
        }


@pytest.mark.parametrize("name", [n for n, (kind, _) in OPTIMIZERS.items() if kind == "sgd"])
def test_sgd_on_sharded_params_is_the_reference(sharded, name):
    hyper = OPTIMIZERS[name][1]
    params = {k: sample(shape, "param", k) for k, (shape, _) in PARAM_LAYOUTS.items()}
    state = nr.sgd_init(params)
    for t in range(STEPS):
        params, state = nr.sgd_step(params, grads_at(t), state, **hyper)
    for leaf in PARAM_LAYOUTS:
        assert_bits(sharded[f"optim/{name}/sharded/[0]['{leaf}']"], params[leaf], f"{name} {leaf}")


def test_l2_penalty_of_sharded_params(sharded):
    """The gradient is elementwise: exact. The penalty is a sum, which sharding reorders: it keeps the
    unsharded bound (4 ulp from the reference rounded to float32, jax_impl/l2.py)."""
    w = {k: sample(shape, "param", k) for k, (shape, _) in PARAM_LAYOUTS.items()}
    for k, want in nr.l2_penalty_grad(w, 0.1).items():
        assert_bits(sharded[f"l2/grad/{k}"], want, f"l2_penalty_grad {k}")
    want = np.float32(nr.l2_penalty(w, 0.1))
    assert ulp_distance(sharded["l2/penalty"], want) <= 4


def test_block_bits_are_the_global_streams_block():
    whole = nr.random_bits(KEY, (13, 7, 5))
    got = block_bits(KEY, (4, 3, 5), (2, 4, 0), (13, 7, 5))
    assert_bits(np.asarray(got), whole[2:6, 4:7, :], "block_bits")


def test_block_bits_past_two_to_the_32():
    """Flat indices of a global array over 2**32 elements need the counter's high word: this block
    straddles index 2**32 = 65535·65537 + 1 and its words come from the Threefry block function."""
    shape, start, whole = (3, 6), (65534, 0), (65537, 65537)
    rows, cols = np.meshgrid(np.arange(65534, 65537), np.arange(6), indexing="ij")
    index = rows.astype(np.uint64) * np.uint64(65537) + cols.astype(np.uint64)
    assert index.min() < 2**32 <= index.max()
    hi, lo = (index >> np.uint64(32)).astype(np.uint32), (index & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    b0, b1 = threefry2x32(KEY, (hi.ravel(), lo.ravel()))
    assert_bits(np.asarray(block_bits(KEY, shape, start, whole)), (b0 ^ b1).reshape(shape), "block_bits")


def test_dropout_block_is_the_block_of_the_reference_with_its_gradient():
    x = sample((13, 7, 5), "block")
    rows, cols = slice(3, 9), slice(2, 5)
    start = (3, 2, 0)
    mask = nr.dropout_mask(KEY, 0.4, x.shape, broadcast_dims=(1,))
    y, pullback = jax.vjp(lambda v: dropout_block(v, 0.4, KEY, start, x.shape, broadcast_dims=(1,)), x[rows, cols])
    assert_bits(np.asarray(y), nr.dropout_forward(x, mask, 0.4)[rows, cols], "dropout_block")
    d_y = sample((13, 7, 5), "block", "d_y")
    assert_bits(np.asarray(pullback(d_y[rows, cols])[0]), nr.dropout_backward(d_y, mask, 0.4)[rows, cols], "gradient")


def test_dropout_block_outside_training_returns_x_itself():
    x = jnp.ones((2, 3))
    assert dropout_block(x, 0.5, KEY, (1, 0), (3, 3), training=False) is x


#: (start, global_shape, message) for a (2, 3) block: the same cases and messages as torch_impl.distributed's
BAD_BLOCKS = [
    ((2, 0), (3, 3), r"start \(2, 0\) puts a block of shape \(2, 3\) outside global_shape \(3, 3\)"),
    ((-1, 0), (3, 3), r"start must have non-negative sizes, got \(-1, 0\)"),
    ((0,), (3, 3), r"start \(0,\) and global_shape \(3, 3\) need one entry per axis of \(2, 3\)"),
    ((0, 0), (2**32, 3), r"global_shape \(4294967296, 3\) has an axis of 2\*\*32 or more elements"),
]


@pytest.mark.parametrize(("start", "whole", "message"), BAD_BLOCKS)
def test_dropout_block_rejects_a_block_outside_the_array(start, whole, message):
    with pytest.raises(ValueError, match=message):
        dropout_block(jnp.ones((2, 3)), 0.5, KEY, start, whole)


if __name__ == "__main__":
    run_sharded(sys.argv[1])
