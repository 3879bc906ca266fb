"""What a backend is: the contract every port implements so the suite can hold it to ``numpy_ref``.

A backend is an importable module (``my_pkg.my_backend``) or an object named ``module:attr`` that has

**Required** — the public API of :mod:`numpy_ref`, name for name and signature for signature
(``numpy_ref.__all__``), operating on the backend's native arrays, plus two converters:

``asarray(x: numpy.ndarray) -> native``
    The same values and dtype in the backend's array type (bfloat16 arrives as ``ml_dtypes.bfloat16``;
    keys arrive as ``uint32[2]``).
``to_numpy(x: native) -> numpy.ndarray``
    Back again, dtype preserved (bfloat16 as ``ml_dtypes.bfloat16``, keys as ``uint32``).

**Optional hooks** — each one turns on more checks:

``vjp(fn, primal, cotangent) -> gradient``
    The backend's *autodiff* gradient of ``sum(cotangent * fn(primal))`` with respect to ``primal``
    (a native array, or a pytree of them shaped like ``primal``). Turns on "autodiff gradient equals
    the reference's hand-written gradient" for dropout and the L2 penalty.
``eager() -> context manager``
    Inside it the backend runs its ops uncompiled (JAX: ``jax.disable_jit()``). Turns on "compiled
    equals eager".
``devices() -> list[str]`` and ``asarray(x, device=name)``
    Devices to compare (``["cpu", "cuda"]``). With two or more, the suite checks that every device
    gives the CPU's bits.
``REPLAYABLE_MASKS: bool`` (default True)
    False for a framework whose own RNG cannot reproduce the reference stream: bit-exact mask checks
    are replaced by structural and statistical ones.
``NAME: str``
    A display name (default: the module name).

Pytrees are nested lists, tuples and dicts of native arrays; optimizer states are the named tuples
:class:`numpy_ref.SGDState` and :class:`numpy_ref.AdamState` with native leaves (``step`` an integer
scalar). Bad input must raise the same exception class as the reference (:mod:`numpy_ref.validation`
holds the shared checks).
"""

from __future__ import annotations

REQUIRED_CONVERTERS = ("asarray", "to_numpy")
OPTIONAL_HOOKS = ("vjp", "eager", "devices", "REPLAYABLE_MASKS", "NAME")
