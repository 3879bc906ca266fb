"""The array hooks of the backend keras runs on: keras 3 works on JAX arrays or torch tensors directly, so the
conversions and autodiff of regref's own ports serve (:mod:`jax_impl`, :mod:`torch_impl.interop`).

keras picks its backend from ``KERAS_BACKEND`` once, at import; importing this module without it set to
``jax`` or ``torch`` raises ImportError (keras would otherwise load TensorFlow).
"""

from __future__ import annotations

import os

if os.environ.get("KERAS_BACKEND") not in ("jax", "torch"):
    raise ImportError("set KERAS_BACKEND to 'jax' or 'torch' before importing keras (regref runs each in a subprocess)")

import keras

BACKEND: str = keras.backend.backend()

if BACKEND == "jax":
    from jax_impl import asarray, devices, to_numpy, vjp
else:
    from torch_impl.interop import asarray, devices, to_numpy, vjp

__all__ = ["BACKEND", "asarray", "devices", "to_numpy", "vjp"]
