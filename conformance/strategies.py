"""Every input the suite draws: shapes, floats of the four dtypes, hyperparameters, seeds, pytrees, calls.

Values reach the edges the contract defines: ±0, subnormals, the largest and smallest normals, ±inf
and NaN where the result is defined (dropout; optimizers get large finite values that cannot
overflow their float32 intermediates), p = 0 and 1, λ = μ = 0, β near 1, ε = 0, seeds anywhere in
[0, 2**64). Shapes run from 0-d and empty to 4-d with odd sides.

Three kinds of hyperparameters sit beside the simple ones, each a regime where a plausible port differs:
*hard* values, whose derived scalars round differently from their near misses (:data:`HARD_RATES`);
*cancelling* ones, where a factor ``1 − x`` nearly cancels (``lr·λ``, ``τ``, ``β`` near 1: a factor formed
on the device from rounded operands is then hundreds of ULPs off); and *boundary* probabilities, equal
to (or a rounding away from) a uniform the stream actually draws for the call's key, where ``u < q``,
``u <= q`` and ``u < q`` in float64 give different masks (:func:`boundary_probabilities`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import ml_dtypes
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpy_ref
from numpy_ref.dropout import dropout_scale
from numpy_ref.dtypes import FLOAT_DTYPES
from numpy_ref.tree import PyTree, TreeDef, flatten, unflatten

from .calls import Call
from .ops import FLOAT_OPS

__all__ = ["any_call", "arrays", "calls", "elements", "masks", "probabilities", "seeds", "shapes", "trajectories"]

SEED_EDGES = [0, 1, 2**32 - 1, 2**32, 2**63, 2**64 - 1]
# Magnitude bounds per op family: finite, and small enough that no float32 (or float64) intermediate
# overflows — Adam squares the gradient, the penalty squares the weights.
OPTIMIZER_BOUND, ADAM_BOUND, L2_BOUND_64 = 1e30, 1e15, 1e150


# Shapes and pytree structures come from small pools that span the contract (0-d, empty, odd sides,
# one to four dims; bare arrays, lists, tuples, nested dicts): a compiling backend meets each a few
# times instead of compiling anew for every example, which is what keeps the suite within its minutes.
SHAPES = [(), (0,), (1,), (3,), (5,), (2, 3), (5, 1), (3, 0, 2), (2, 3, 5), (2, 1, 3, 2), (3, 2, 2, 3)]
# Draws need no elements generated, so they also get a shape past 2**16 elements (a chunk boundary of the
# reference's generator, and a common tile size), which test_ops_values also checks at fixed keys.
LARGE = (257, 300)
# Pytrees of several leaves have fixed leaf shapes (a bare array takes any shape of the pool).
TREES: list[tuple[PyTree, list[tuple[int, ...]]]] = [
    ([None, None], [(3,), (2, 3)]),
    ({"b": None, "w": None}, [(5,), (5, 3)]),
    (({"a": None}, [None, (None,)]), [(2, 3), (0,), ()]),
]


@functools.cache
def shapes(min_dims: int = 0, min_side: int = 0, large: bool = False) -> st.SearchStrategy[tuple[int, ...]]:
    pool = [s for s in SHAPES if len(s) >= min_dims and min(s, default=9) >= min_side]
    return st.sampled_from([*pool, LARGE] if large else pool)


@functools.cache
def seeds() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(SEED_EDGES), st.integers(0, 2**64 - 1))


def _specials(dtype: np.dtype, bound: float, finite: bool) -> list[float]:
    """Edge values, simplest first (Hypothesis shrinks towards the front of the list)."""
    info = ml_dtypes.finfo(dtype)
    edges = [float(v) for v in (1.0, info.eps, info.smallest_normal, info.smallest_subnormal, info.max)]
    values = [0.0, -0.0] + [s * v for v in edges if v <= bound for s in (1.0, -1.0)]
    return values + ([] if finite else [np.inf, -np.inf, np.nan])


@functools.cache
def elements(dtype_name: str, *, finite: bool = True, bound: float = np.inf) -> st.SearchStrategy[float]:
    """Floats exactly representable in the dtype: edge values, anything up to ``bound`` in magnitude, and
    ordinary values (magnitude below 4, every mantissa bit used) — where a scalar rounded the wrong way
    shows, which it does not on a power of two, nor where a product overflows."""
    dtype = FLOAT_DTYPES[dtype_name]
    width = {"float16": 16, "float64": 64}.get(dtype_name, 32)
    storage = np.dtype(f"float{width}").type
    limit = storage(min(bound, float(ml_dtypes.finfo(dtype).max)))  # st.floats needs a bound of its width
    bound = float(limit if float(limit) <= bound else np.nextafter(limit, storage(0)))
    floats = st.floats(-bound, bound, width=width, allow_nan=False, allow_infinity=False)
    ordinary = st.floats(-min(bound, 4.0), min(bound, 4.0), width=width)
    if dtype_name == "bfloat16":  # round to 8 bits of mantissa
        floats, ordinary = (f.map(lambda v: float(np.float32(v).astype(dtype))) for f in (floats, ordinary))
    return st.one_of(st.sampled_from(_specials(dtype, bound, finite)), floats, ordinary)


@functools.cache
def arrays(dtype_name: str, shape: tuple[int, ...], **kw: object) -> st.SearchStrategy[np.ndarray]:
    """Arrays of the dtype (bfloat16 drawn through float32, which holds every bfloat16 exactly)."""
    storage = np.float32 if dtype_name == "bfloat16" else FLOAT_DTYPES[dtype_name]
    return hnp.arrays(storage, shape, elements=elements(dtype_name, **kw)).map(
        lambda a: a.astype(FLOAT_DTYPES[dtype_name])
    )


@functools.cache
def masks(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Bool keep-masks of a shape."""
    return hnp.arrays(np.bool_, shape)


# Rates as users write them (two decimals) whose float32 dropout scale fl(1/fl(1 − p)) is not 1/(1 − p)
# rounded once (C7): 0.04, 0.09, 0.15, 0.42, … Non-dyadic, so their scale rounded to float16 or bfloat16
# differs from the float32 one as well.
HARD_RATES = tuple(
    p for p in (k / 100 for k in range(1, 100)) if dropout_scale(p, np.dtype(np.float32)) != np.float32(1 / (1 - p))
)
# Scalars exact in no dtype, rounded differently in float16, bfloat16 and float32: a port that rounds one in
# the input's dtype instead of the computation dtype is off wherever it multiplies an ordinary value.
HARD_SCALARS = (0.1, 1 / 3, 0.7)
# 1 − x for x just below 1, where forming the difference from a rounded x loses most of its digits.
CANCELLING = (1 - 1e-3, 1 - 1e-4, 1 - 3e-6, 1 - 2**-10 / 3)


@functools.cache
def probabilities() -> st.SearchStrategy[float]:
    edges = st.sampled_from([0.0, 1.0, 0.5, 0.1, 0.9, 2**-24, 1 - 2**-24])
    return st.one_of(edges, st.sampled_from(HARD_RATES), st.floats(0.0, 1.0))


def boundary_probabilities(key: np.ndarray, shape: tuple[int, ...], *, drop: bool) -> st.SearchStrategy[float]:
    """Probabilities on the edge of a uniform ``u`` that ``uniform(key, shape)`` draws: a keep-probability
    ``q`` equal to ``u`` (``u < q`` is False, ``u <= q`` True), a float64 one ulp above it (it rounds to
    ``u`` in float32: a comparison in float64 keeps the element) and half a float32 grid step either side
    (an integer threshold rounded the wrong way misses ``u``); with ``drop``, the drop probability ``p``
    whose ``1 − p`` is that ``q``. Other probabilities where the shape is empty."""
    uniforms = numpy_ref.uniform(key, shape).reshape(-1)
    if not uniforms.size:
        return probabilities()
    return _indices(uniforms.size).flatmap(lambda i: st.sampled_from(edge_probabilities(float(uniforms[i]), drop=drop)))


@functools.cache
def _indices(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def edge_probabilities(u: float, *, drop: bool) -> list[float]:
    """The probabilities of :func:`boundary_probabilities` for one uniform ``u``, those within [0, 1]."""
    if drop:  # 1 − p, in Python floats, is exactly the keep-probability of the same position below
        edges = [1.0 - u, 1.0 - u - 2**-24, 1.0 - u + 2**-24, float(np.nextafter(1.0 - u, -1.0))]
    else:
        edges = [u, u + 2**-24, u - 2**-24, float(np.nextafter(u, 2.0))]
    return [p for p in edges if 0.0 <= p <= 1.0]


@functools.cache
def _rates(edges: tuple[float, ...], high: float) -> st.SearchStrategy[float]:
    """Non-negative hyperparameters: the given edges, :data:`HARD_SCALARS`, anything up to ``high``."""
    return st.one_of(st.sampled_from(edges), st.sampled_from(HARD_SCALARS), st.floats(0.0, high))


def _lr_and_decay(draw: st.DrawFn) -> tuple[float, float]:
    """``(lr, λ)``: drawn apart, or with ``lr·λ`` just below 1, where ``1 − lr·λ`` cancels (C3: the factor is
    formed in Python floats; from a float32 lr and λ it is off by about ``2/(1 − lr·λ)`` ULPs)."""
    lr = draw(_rates((0.0, 1e-3, 0.1, 1.0), 10.0))
    if lr >= 1e-3 and draw(st.booleans()):  # λ ≤ 1000: a coupled λ·w stays finite in float32
        return lr, draw(st.sampled_from(CANCELLING)) / lr
    return lr, draw(_rates((0.0, 1e-4, 0.01, 0.5), 2.0))


@functools.cache
def betas() -> st.SearchStrategy[tuple[float, float]]:
    beta = st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1 - 2**-20]), st.floats(0.0, 0.9999))
    return st.tuples(beta, beta)


class NdimAbove1:
    """``decay_mask`` that spares biases; its repr is source a repro can paste."""

    def __call__(self, w: object) -> bool:
        return bool(w.ndim > 1)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return "lambda w: w.ndim > 1"


@functools.cache
def tree_layouts() -> st.SearchStrategy[tuple[TreeDef, list[tuple[int, ...]]]]:
    """``(structure, leaf shapes)``: a bare array of any pool shape, a list, a dict, a tuple nesting both."""
    bare = shapes().map(lambda s: (flatten(None)[1], [s]))
    return st.one_of(bare, st.sampled_from([(flatten(t)[1], leaf_shapes) for t, leaf_shapes in TREES]))


@st.composite
def matching_trees(draw: st.DrawFn, dtype: str, count: int, **kw: object) -> list[PyTree]:
    """``count`` pytrees of one structure, leaf shapes and dtype (params, grads, state, …)."""
    td, leaf_shapes = draw(tree_layouts())
    return [unflatten(td, [draw(arrays(dtype, s, **kw)) for s in leaf_shapes]) for _ in range(count)]


def decay_masks(params: PyTree) -> st.SearchStrategy[object]:
    leaves, td = flatten(params)
    return _decay_masks(td, len(leaves))


@functools.cache
def _decay_masks(td: TreeDef, n: int) -> st.SearchStrategy[object]:
    bools = st.lists(st.booleans(), min_size=n, max_size=n).map(lambda b: unflatten(td, b))
    return st.one_of(st.none(), bools, st.just(NdimAbove1()))


# --- one call per public function -----------------------------------------------------------------


def _keyed(draw: st.DrawFn) -> tuple[int, np.ndarray]:
    seed = draw(seeds())
    return seed, numpy_ref.key(seed)


def _broadcast_dims(draw: st.DrawFn, ndim: int) -> tuple[int, ...]:
    return tuple(draw(st.lists(st.integers(-ndim, ndim - 1), max_size=ndim))) if ndim else ()


def _key(draw: st.DrawFn, dtype: str | None) -> Call:
    seed = draw(seeds())
    return Call("key", (seed,), seed=seed)


def _split(draw: st.DrawFn, dtype: str | None) -> Call:
    seed, k = _keyed(draw)
    return Call("split", (k,), {"num": draw(st.integers(0, 5))}, seed=seed)


def _fold_in(draw: st.DrawFn, dtype: str | None) -> Call:
    seed, k = _keyed(draw)
    data = draw(st.one_of(st.integers(0, 2**32 - 1), st.integers(-(2**63), 2**64 - 1)))
    return Call("fold_in", (k, data), seed=seed)


def mask_shape(shape: tuple[int, ...], broadcast_dims: Sequence[int] = ()) -> tuple[int, ...]:
    """The shape a mask is drawn in: ``shape`` with the axes of ``broadcast_dims`` set to 1 (C9)."""
    axes = {d % len(shape) for d in broadcast_dims}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _probability(
    draw: st.DrawFn, key: np.ndarray, shape: tuple[int, ...], dims: Sequence[int] = (), *, drop: bool
) -> float:
    """A probability for a draw of ``shape`` from ``key``: any, or (half the time) on the edge of one of its
    uniforms, which are only drawn then."""
    if draw(st.booleans(), label="on the edge"):
        return draw(boundary_probabilities(key, mask_shape(shape, dims), drop=drop))
    return draw(probabilities())


def _bits(op: str) -> Callable[[st.DrawFn, str | None], Call]:
    def draw_call(draw: st.DrawFn, dtype: str | None) -> Call:
        seed, k = _keyed(draw)
        shape = draw(shapes(large=True))
        q = (_probability(draw, k, shape, drop=False),) if op == "bernoulli" else ()
        return Call(op, (k, *q, shape), seed=seed)

    return draw_call


def _dropout_mask(draw: st.DrawFn, dtype: str | None) -> Call:
    seed, k = _keyed(draw)
    shape = draw(shapes(large=True))
    dims = _broadcast_dims(draw, len(shape))
    p = _probability(draw, k, shape, dims, drop=True)
    return Call("dropout_mask", (k, p, shape), {"broadcast_dims": dims}, seed=seed)


def _dropout_map(op: str) -> Callable[[st.DrawFn, str], Call]:
    def draw_call(draw: st.DrawFn, dtype: str) -> Call:
        x = draw(arrays(dtype, draw(shapes()), finite=False))
        keep = draw(masks(x.shape))
        return Call(op, (x, keep, draw(probabilities())), dtype=dtype)

    return draw_call


def _dropout(draw: st.DrawFn, dtype: str) -> Call:
    seed, k = _keyed(draw)
    x = draw(arrays(dtype, draw(shapes()), finite=False))
    kwargs = {"training": draw(st.booleans()), "broadcast_dims": _broadcast_dims(draw, x.ndim)}
    p = _probability(draw, k, x.shape, kwargs["broadcast_dims"], drop=True)
    return Call("dropout", (x, p, k), kwargs, seed=seed, dtype=dtype)


def _with_mask(draw: st.DrawFn, params: PyTree) -> dict:
    mask = draw(decay_masks(params))
    return {} if mask is None else {"decay_mask": mask}


def _l2(op: str) -> Callable[[st.DrawFn, str], Call]:
    def draw_call(draw: st.DrawFn, dtype: str) -> Call:
        (params,) = draw(matching_trees(dtype, 1, bound=L2_BOUND_64))
        lam = draw(_rates((0.0, 1e-4, 0.5, 1.0), 10.0))
        return Call(op, (params, lam), _with_mask(draw, params), dtype=dtype)

    return draw_call


def _weight_decay_step(draw: st.DrawFn, dtype: str) -> Call:
    w, grad = draw(matching_trees(dtype, 2, bound=OPTIMIZER_BOUND))
    lr, lam = _lr_and_decay(draw)
    return Call("weight_decay_step", (w, grad, lr, lam), dtype=dtype)


def _init(op: str) -> Callable[[st.DrawFn, str], Call]:
    def draw_call(draw: st.DrawFn, dtype: str) -> Call:
        (params,) = draw(matching_trees(dtype, 1))
        return Call(op, (params,), dtype=dtype)

    return draw_call


def sgd_hyperparameters(draw: st.DrawFn, params: PyTree) -> dict:
    nesterov = draw(st.booleans())
    momentum = draw(_rates((0.9, 0.99, 1.0), 1.0).filter(bool) if nesterov else _rates((0.0, 0.9, 1.0), 1.0))
    lr, lam = _lr_and_decay(draw)
    return {
        "lr": lr,
        "momentum": momentum,
        "dampening": 0.0 if nesterov else draw(_rates((0.0, 0.5, 1.0, *CANCELLING), 1.0)),
        "nesterov": nesterov,
        "weight_decay": lam,
        "decoupled": draw(st.booleans()),
        "maximize": draw(st.booleans()),
        **_with_mask(draw, params),
    }


def adam_hyperparameters(draw: st.DrawFn, params: PyTree, op: str) -> dict:
    lr, lam = _lr_and_decay(draw)
    out = {
        "lr": lr,
        "betas": draw(betas()),
        "eps": draw(_rates((1e-8, 0.0, 1e-3, 1.0), 1.0)),
        "weight_decay": lam,
        "amsgrad": draw(st.booleans()),
        "maximize": draw(st.booleans()),
        **_with_mask(draw, params),
    }
    return out if op == "adamw_step" else {**out, "decoupled": draw(st.booleans())}


def _sgd_step(draw: st.DrawFn, dtype: str) -> Call:
    params, grads, momentum = draw(matching_trees(dtype, 3, bound=OPTIMIZER_BOUND))
    state = numpy_ref.SGDState(draw(st.sampled_from([0, 1, 2, 7, 10**6])), momentum)
    return Call("sgd_step", (params, grads, state), sgd_hyperparameters(draw, params), dtype=dtype)


def _adam(op: str) -> Callable[[st.DrawFn, str], Call]:
    def draw_call(draw: st.DrawFn, dtype: str) -> Call:
        params, grads, m, v, v_max = draw(matching_trees(dtype, 5, bound=ADAM_BOUND))
        v, v_max = (unflatten(flatten(t)[1], [np.array(abs(a)) for a in flatten(t)[0]]) for t in (v, v_max))
        state = numpy_ref.AdamState(draw(st.sampled_from([0, 1, 2, 7, 10**6])), m, v, v_max)
        return Call(op, (params, grads, state), adam_hyperparameters(draw, params, op), dtype=dtype)

    return draw_call


_CALLS: dict[str, Callable[[st.DrawFn, str], Call]] = {
    "key": _key,
    "split": _split,
    "fold_in": _fold_in,
    "random_bits": _bits("random_bits"),
    "uniform": _bits("uniform"),
    "bernoulli": _bits("bernoulli"),
    "dropout_mask": _dropout_mask,
    "dropout_forward": _dropout_map("dropout_forward"),
    "dropout_backward": _dropout_map("dropout_backward"),
    "dropout": _dropout,
    "l2_penalty": _l2("l2_penalty"),
    "l2_penalty_grad": _l2("l2_penalty_grad"),
    "weight_decay_step": _weight_decay_step,
    "sgd_init": _init("sgd_init"),
    "sgd_step": _sgd_step,
    "adam_init": _init("adam_init"),
    "adam_step": _adam("adam_step"),
    "adamw_step": _adam("adamw_step"),
}


@functools.cache
def calls(op: str, dtype: str | None, *, subnormals: bool = True) -> st.SearchStrategy[Call]:
    """A call of ``op`` with inputs of ``dtype`` (``None`` for functions without float inputs); without
    ``subnormals`` (for a backend that flushes them) tiny magnitudes become zeros (:meth:`Call.without_tiny`)."""
    drawn = st.composite(lambda draw: _CALLS[op](draw, dtype))()
    return drawn if subnormals else drawn.map(Call.without_tiny)


@st.composite
def any_call(
    draw: st.DrawFn, ops: Sequence[str], dtypes: Sequence[str], subnormals: bool = True, large: bool = True
) -> Call:
    """A call of one of ``ops``, in one of ``dtypes`` if it takes floats; without ``large``, no draw of the
    :data:`LARGE` shape (the stream's counters are the values checks' concern; elsewhere it only costs)."""
    op = draw(st.sampled_from(ops), label="op")
    dtype = draw(st.sampled_from(dtypes), label="dtype") if op in FLOAT_OPS else None
    drawn = calls(op, dtype, subnormals=subnormals)
    return draw(drawn if large else drawn.filter(_small), label="call")


def _small(call: Call) -> bool:
    return call.op not in ("random_bits", "uniform", "bernoulli", "dropout_mask") or call.argument("shape") != LARGE


@st.composite
def trajectories(draw: st.DrawFn, op: str, dtype: str) -> tuple[PyTree, list[PyTree], dict]:
    """``(params, [grads per step], hyperparameters)`` for one to four steps of an optimizer."""
    steps = draw(st.integers(1, 4))
    bound = ADAM_BOUND if op.startswith("adam") else OPTIMIZER_BOUND
    params, *grads = draw(matching_trees(dtype, 1 + steps, bound=bound))
    hyper = sgd_hyperparameters(draw, params) if op == "sgd_step" else adam_hyperparameters(draw, params, op)
    return params, grads, hyper
