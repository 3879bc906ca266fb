"""What a backend is: the contract every port implements so the suite can hold it to ``numpy_ref``.

A backend is an importable module (``my_pkg.my_backend``) or an object named ``module:attr`` that has

**Required** — the public API of :mod:`numpy_ref` (``numpy_ref.__all__``), name for name and signature
for signature (parameter names, kinds and defaults; annotations may name native types), operating on
the backend's native arrays. ``SGDState`` and ``AdamState`` must be :mod:`numpy_ref`'s classes themselves.

**Converters** — required unless the native arrays are NumPy arrays (default ``numpy.asarray``):

``asarray(x: numpy.ndarray) -> native``
    The same values and dtype in the backend's array type: floats of the four dtypes (bfloat16 arrives
    as ``ml_dtypes.bfloat16``), bool masks, and keys as ``uint32[2]`` (a ``uint32[n, 2]`` for ``split``).
``to_numpy(x: native) -> numpy.ndarray``
    Back again, dtype preserved (bfloat16 as ``ml_dtypes.bfloat16``, keys as ``uint32``); also given the
    backend's own step counters (any integer scalar).

**Optional hooks** — each turns on more checks, or says what the backend cannot do:

``vjp(fn, primal, cotangent) -> gradient``
    The backend's *autodiff* gradient of ``sum(cotangent * fn(primal))`` with respect to ``primal`` (a
    native array or a pytree of them; the cotangent has ``fn``'s output dtype). Turns on "autodiff equals
    the hand-written gradient" for dropout and the L2 penalty.
``eager() -> context manager``
    Inside it the backend runs its ops uncompiled (JAX: ``jax.disable_jit()``). Turns on "compiled equals eager".
``devices() -> list[str]`` and ``asarray(x, device=name)``
    Devices to compare, the reference device first (``["cpu", "gpu"]``). With two or more, every device
    must give the first one's results (masks bit for bit).
``REPLAYABLE_MASKS: bool`` (default True)
    False for a framework's own RNG, which cannot reproduce the reference stream: its random bits,
    uniforms, Bernoulli draws and masks are then held to structure and exact statistical tests, not bits.
    ``key``, ``split`` and ``fold_in`` are compared bit for bit either way.
``DTYPES: tuple[str, ...]`` (default all of ``numpy_ref.dtypes.FLOAT_DTYPES``)
    The float dtypes the backend supports (JAX without ``jax_enable_x64``: no ``"float64"``).
``SUBNORMALS: bool`` (default True)
    False for a backend that flushes subnormals to zero (XLA on CPU does): it is given no magnitudes
    below ``2**-32`` (``conformance.calls.TINY``), so that flushing never decides a result.
``DEVIATIONS: str``
    A TOML file of known deviations, relative to the module (default ``conformance/deviations/<NAME>.toml``).
``NAME: str``
    A display name (default: the registered name, else the module path).

Pytrees are nested lists, tuples and dicts of native arrays. Optimizer states are the named tuples
:class:`numpy_ref.SGDState` and :class:`numpy_ref.AdamState` with native leaves; the states the suite
builds itself carry ``step`` as a Python int. Hyperparameters are Python scalars, ``betas`` a tuple,
``decay_mask`` ``None``, a pytree of bools or a callable on a native array. Bad input raises the
reference's exception class with the argument named — the scalar checks of :mod:`numpy_ref.validation`,
reused, give identical messages everywhere. The full walk-through: ``docs/protocol.md``.
"""

from __future__ import annotations

from .ops import API

__all__ = ["CONVERTERS", "OPTIONAL_HOOKS", "REQUIRED", "missing"]

REQUIRED: tuple[str, ...] = API
CONVERTERS: tuple[str, ...] = ("asarray", "to_numpy")
OPTIONAL_HOOKS: tuple[str, ...] = (
    "vjp",
    "eager",
    "devices",
    "REPLAYABLE_MASKS",
    "DTYPES",
    "SUBNORMALS",
    "DEVIATIONS",
    "NAME",
)


def missing(backend: object) -> list[str]:
    """The required names ``backend`` lacks."""
    return [name for name in REQUIRED if not hasattr(backend, name)]
