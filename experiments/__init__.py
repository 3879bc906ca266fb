"""The chapter's two experiments, runnable on every backend: ``regref demo weight-decay | dropout | mc-dropout``.

One seed fixes the data, the initial weights, the minibatch order and the dropout keys, all drawn
once with NumPy from the portable stream (:mod:`experiments.sampling`); every backend gets the same
arrays and draws the same masks from the same keys, so the backends' runs differ only by float32
rounding, which each accumulates in its own order (matmul blocking, reductions, autodiff vs the
hand-written backward).

**Documented tolerance.** The logged train and test losses of jax and torch stay within
:data:`TRAJECTORY_RTOL` (relative) of numpy's on the configurations of
``tests/test_experiments_trajectories.py`` — measured: ≤ 3e-6 for the weight-decay setup over 30
epochs, ≤ 3e-8 for the MLP on 512 digits over 3 epochs. Longer runs drift further, for two reasons
worth knowing. (1) A loss that falls to 1e-5, as λ = 0's train loss does after 100 epochs, keeps few
significant bits in float32: the full weight-decay demo's curves are 1.8e-4 apart there. (2) Once
the parameters differ by ~1e-7, some ReLU pre-activation within rounding of 0 lands on opposite
sides on two backends, and from then on their gradients differ in that unit: on the full digits
with dropout (0.3, 0.5), torch's first such flip comes in epoch 4 and jax's in epoch 20, and after
30 epochs the losses are 7e-3 and 3e-3 apart. The ``dropout`` demo prints this distance for every run.
"""

#: Largest relative difference allowed between a port's logged losses and numpy's for the same seed.
TRAJECTORY_RTOL = 1e-3
