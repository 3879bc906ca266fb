"""The chapter's two experiments, runnable on every backend: ``regref demo weight-decay | dropout | mc-dropout``.

One seed fixes the data, the initial weights, the minibatch order and the dropout keys, all drawn
once with NumPy from the portable stream (:mod:`regref.demos.sampling`); every backend gets the same
arrays and draws the same masks from the same keys, so the backends' runs differ only by float32
rounding, which each accumulates in its own order (matmul blocking, reductions, autodiff vs the
hand-written backward).

Imports go one way: :mod:`~regref.demos.cli` → the demos (:mod:`~regref.demos.weight_decay`,
:mod:`~regref.demos.dropout`, :mod:`~regref.demos.mc_dropout`: run, print, plot) →
:mod:`~regref.demos.plotting` → the training and its results (:mod:`~regref.demos.linreg`,
:mod:`~regref.demos.classifier`, :mod:`~regref.demos.uncertainty`) → data, sampling, backends.

**Documented tolerance.** The logged train and test losses of jax and torch stay within
:data:`TRAJECTORY_RTOL` (relative) of numpy's on the configurations of
``tests/test_demos_trajectories.py`` — measured: ≤ 3e-6 for the weight-decay setup over 30
epochs, ≤ 3e-8 for the MLP on 512 digits over 3 epochs. Longer runs drift further, for two reasons
worth knowing. (1) A loss that falls to 1e-5, as λ = 0's train loss does after 100 epochs, keeps few
significant bits in float32: the full weight-decay demo's curves are 1.8e-4 (jax) and 1.6e-4 (torch)
apart there. (2) Once the parameters differ by ~1e-7, some ReLU pre-activation within rounding of 0
lands on opposite sides on two backends, and from then on their gradients differ in that unit. On
the full digits (seed 0; jax 0.10.2 and torch 2.13.0 on a CPU) the dropout demo's curves are, after
30 epochs, 2.5e-3 apart with dropout (jax and torch alike) and 1.3e-6 (jax) and 6.1e-3 (torch)
without; after its default 100 epochs, 4.7e-2 with dropout and 4.1e-4 (jax) and 1.6e-2 (torch)
without. The ``dropout`` demo prints this distance for every run.
"""

#: Largest relative difference allowed between a port's logged losses and numpy's for the same seed.
TRAJECTORY_RTOL = 1e-3
