"""regref's PyTorch port: the names of :mod:`numpy_ref` on tensors, with autograd, on any device.

Every function mirrors the reference of the same name (its docstring carries the math); the port's
own decisions are stated where they are made: Threefry in int32 tensor ops, drawn in chunks
(:mod:`torch_impl.threefry`), keep decisions on the integer words (:mod:`torch_impl.keep`), a mask
regenerated in the backward pass (:mod:`torch_impl.dropout`), fused kernels in their place where they
apply (Triton on CUDA, C on the CPU: :mod:`torch_impl.kernels`), a differentiable float64 tensor from
``l2_penalty`` (:mod:`torch_impl.l2`), divisions and square roots that round as NumPy's do
(:mod:`torch_impl.adam`). ``torch_impl.optim`` and ``torch_impl.nn`` hold the ``torch.optim.Optimizer``
and ``torch.nn.Module`` adapters. The conformance hooks (``asarray``, ``to_numpy``, ``vjp``,
``devices``, ``NAME``) are in :mod:`torch_impl.interop`.
"""

from .adam import AdamState, adam_init, adam_step, adamw_step
from .dropout import dropout, dropout_backward, dropout_forward, dropout_mask
from .interop import NAME, asarray, devices, to_numpy, vjp
from .l2 import l2_penalty, l2_penalty_grad
from .random import bernoulli, fold_in, key, random_bits, split, uniform
from .sgd import SGDState, sgd_init, sgd_step
from .weight_decay import weight_decay_step

__all__ = [
    "NAME",
    "AdamState",
    "SGDState",
    "adam_init",
    "adam_step",
    "adamw_step",
    "asarray",
    "bernoulli",
    "devices",
    "dropout",
    "dropout_backward",
    "dropout_forward",
    "dropout_mask",
    "fold_in",
    "key",
    "l2_penalty",
    "l2_penalty_grad",
    "random_bits",
    "sgd_init",
    "sgd_step",
    "split",
    "to_numpy",
    "uniform",
    "vjp",
    "weight_decay_step",
]
