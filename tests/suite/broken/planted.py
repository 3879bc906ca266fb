"""The catalog of planted bugs: realistic single-bug ports that the default profile must catch.

Most are one edit of the reference's source, loaded as a private copy of ``numpy_ref`` with that edit
(:mod:`edits`): ``--backend planted:<name>``. The rest need more than an edit (their own generator, a
class of their own, a wrapper) and are modules of this folder: ``--backend <name>``. Each names the
conventions it breaks (README.md's table, C1–C13), the public functions it changes, and, for the six
kinds of hole issue 13 found, which kind it is:

1. a documented identity rule; 2. validation on one path only; 3. the error class of arguments that
must agree; 4. the exact boundary of a Bernoulli draw; 5. a derived scalar rounded in the input's
dtype; 6. a scalar that loses precision where it nearly cancels.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType

from edits import edited_reference

import numpy_ref


@dataclasses.dataclass(frozen=True)
class Bug:
    what: str
    conventions: tuple[str, ...]
    functions: tuple[str, ...]
    edit: tuple[str, str, str] | None = None  # (file of numpy_ref, old text, new text); None: a module here
    hole: int | None = None

    def spec(self, name: str) -> str:
        """The ``--backend`` value that loads it."""
        return f"planted:{name}" if self.edit else name


_DROPOUT = ("dropout_forward", "dropout_backward", "dropout")
_DRAWS = ("random_bits", "uniform", "bernoulli", "dropout_mask", "dropout")
_L2 = ("l2_penalty", "l2_penalty_grad")
_OPTIMIZERS = ("weight_decay_step", "sgd_step", "adam_step", "adamw_step")
_ADAM = ("adam_step", "adamw_step")

# The stream's layout (C10): keys, counters, words, uniforms, the Bernoulli comparison.
RANDOM = {
    "key_words_swapped": Bug(
        "key(seed) puts the low word first",
        ("C10",),
        ("key",),
        ("random.py", "[s >> 32, s & 0xFFFFFFFF]", "[s & 0xFFFFFFFF, s >> 32]"),
    ),
    "split_counter_swapped": Bug(
        "split hashes the counter (j, 0) instead of (0, j)",
        ("C10",),
        ("split",),
        (
            "random.py",
            "counters = np.zeros(n, np.uint32), np.arange(n, dtype=np.uint32)",
            "counters = np.arange(n, dtype=np.uint32), np.zeros(n, np.uint32)",
        ),
    ),
    "fold_in_31_bits": Bug(
        "fold_in keeps 31 bits of the data (int32 arithmetic)",
        ("C10",),
        ("fold_in",),
        ("random.py", "int(data) & 0xFFFFFFFF", "int(data) & 0x7FFFFFFF"),
    ),
    "bits_first_word_only": Bug(
        "random_bits returns the first Threefry word instead of b0 ^ b1",
        ("C10",),
        _DRAWS,
        ("random.py", "np.bitwise_xor(b0, b1, out=out)", "np.copyto(out, b0)"),
    ),
    "bits_counter_per_tile": Bug(
        "the counter restarts in every chunk of 2**16 elements (a tile-local index)",
        ("C10",),
        _DRAWS,
        (
            "random.py",
            "lo = np.arange(start, stop, dtype=np.uint32)",
            "lo = np.arange(0, stop - start, dtype=np.uint32)",
        ),
    ),
    "uniform_low_bits": Bug(
        "uniform takes the low 23 bits of the word, not the high ones",
        ("C10",),
        ("uniform", "bernoulli", "dropout_mask", "dropout"),
        ("random.py", "(bits >> np.uint32(9))", "(bits & np.uint32(0x7FFFFF))"),
    ),
    "uniform_times_2_pow_32": Bug(
        "uniform is bits · 2**-32 rounded to float32 (it can round up to 1.0)",
        ("C10",),
        ("uniform", "bernoulli", "dropout_mask", "dropout"),
        ("random.py", "return one_to_two - np.float32(1.0)", "return (bits * 2.0**-32).astype(np.float32)"),
    ),
    "bernoulli_less_or_equal": Bug(
        "bernoulli keeps u <= q instead of u < q",
        ("C10", "C7"),
        ("bernoulli", "dropout_mask", "dropout"),
        ("random.py", "return uniform(k, shape) < np.float32(q)", "return uniform(k, shape) <= np.float32(q)"),
        hole=4,
    ),
    "bernoulli_q_not_rounded": Bug(
        "bernoulli compares u with q in float64 instead of float32(q)",
        ("C10",),
        ("bernoulli", "dropout_mask", "dropout"),
        ("random.py", "return uniform(k, shape) < np.float32(q)", "return uniform(k, shape).astype(np.float64) < q"),
        hole=4,
    ),
    "bernoulli_threshold_floor": Bug(
        "bernoulli compares the mantissa bits with floor(q · 2**23) instead of ceil (an integer threshold)",
        ("C10",),
        ("bernoulli", "dropout_mask", "dropout"),
        (
            "random.py",
            "return uniform(k, shape) < np.float32(q)",
            "return (random_bits(k, shape) >> np.uint32(9)) < np.floor(np.float64(np.float32(q)) * 2**23)",
        ),
        hole=4,
    ),
}

# Dropout's arithmetic, masks and edge cases (C7, C8, C9).
DROPOUT = {
    "scale_rounded_once": Bug(
        "the scale is 1/(1 − p) rounded once (regref's convention before C7 was revised), not fl(1/fl(1 − p))",
        ("C7",),
        _DROPOUT,
        ("dropout.py", "return ct(1.0) / keep_prob", "return ct(1.0 / (1.0 - p))"),
        hole=5,
    ),
    "scale_in_input_dtype": Bug(
        "the scale is rounded to a float16/bfloat16 input's dtype before the product (torch's half kernels)",
        ("C7", "C11"),
        _DROPOUT,
        (
            "dropout.py",
            "scale = dropout_scale(p, x.dtype)\n",
            "scale = dropout_scale(p, x.dtype).astype(x.dtype).astype(compute_dtype(x.dtype))\n",
        ),
        hole=5,
    ),
    "divides_by_keep_prob": Bug(
        "survivors are x / (1 − p) instead of x · s",
        ("C7",),
        _DROPOUT,
        ("dropout.py", "x_c * scale, scale.dtype.type(0.0)", "x_c / scale.dtype.type(1.0 - p), scale.dtype.type(0.0)"),
    ),
    "dropped_times_zero": Bug(
        "dropped elements are x · 0 (a dropped inf or NaN becomes NaN, a negative −0.0), not +0.0",
        ("C7",),
        _DROPOUT,
        ("dropout.py", "np.where(keep, x_c * scale, scale.dtype.type(0.0))", "(x_c * (keep * scale))"),
    ),
    "backward_divides": Bug(
        "the backward pass is d_y · keep / (1 − p): NaN at p = 1 (equinox), dropped inf becomes NaN",
        ("C7",),
        ("dropout_backward",),
        (
            "dropout.py",
            "    return dropout_forward(d_y, keep, p)\n",
            "    d_y = as_float_array('d_y', d_y)\n"
            "    keep, ct = check_keep(keep, d_y), compute_dtype(d_y.dtype)\n"
            "    with np.errstate(all='ignore'):\n"
            "        return (d_y.astype(ct) * keep / ct.type(1.0 - check_probability('p', p))).astype(d_y.dtype)\n",
        ),
    ),
    "evaluation_returns_a_copy": Bug(
        "dropout(..., training=False) returns a copy of x, not x itself",
        ("C8",),
        ("dropout",),
        ("dropout.py", "return x  # type: ignore[return-value]", "return np.array(x, copy=True)"),
        hole=1,
    ),
    "evaluation_skips_validation": Bug(
        "dropout(..., training=False) returns before checking x, p, key and broadcast_dims",
        ("C8", "C13"),
        ("dropout",),
        (
            "dropout.py",
            '    arr = as_float_array("x", x)\n    check_probability("p", p)\n    check_key(key)',
            "    if not training:\n        return x  # type: ignore[return-value]\n"
            '    arr = as_float_array("x", x)\n    check_probability("p", p)\n    check_key(key)',
        ),
        hole=2,
    ),
    "p_zero_returns_the_input": Bug(
        "dropout_forward at p = 0 returns x itself (a fast path that aliases the input)",
        ("C12",),
        _DROPOUT,
        (
            "dropout.py",
            "    scale = dropout_scale(p, x.dtype)\n",
            "    if p == 0.0:\n        return x\n    scale = dropout_scale(p, x.dtype)\n",
        ),
        hole=1,
    ),
    "negative_broadcast_dims_ignored": Bug(
        "a negative axis in broadcast_dims is not normalised, so the mask varies along it",
        ("C9",),
        ("dropout_mask", "dropout"),
        ("dropout.py", "1 if i in axes else d", "1 if i in tuple(broadcast_dims) else d"),
    ),
    "mask_column_major": Bug(
        "the mask is drawn in column-major order (the flat index runs down the first axis)",
        ("C9", "C10"),
        ("dropout_mask", "dropout"),
        (
            "dropout.py",
            "keep = bernoulli(key, 1.0 - p, mask_shape)",
            "keep = bernoulli(key, 1.0 - p, mask_shape[::-1]).T",
        ),
    ),
    "keep_broadcasts": Bug(
        "dropout_forward accepts a keep-mask that merely broadcasts to x's shape",
        ("C13",),
        _DROPOUT,
        ("dropout.py", "if keep.shape != x.shape:", "if np.broadcast_shapes(keep.shape, x.shape) != x.shape:"),
    ),
    "keep_of_any_dtype": Bug(
        "dropout_forward accepts a float keep-mask",
        ("C13",),
        _DROPOUT,
        ("dropout.py", "if keep.dtype != np.bool_:", "if keep.dtype.kind not in 'biuf':"),
    ),
}

# The L2 penalty, its gradient and its masks (C1, C6, C11).
L2 = {
    "penalty_without_half": Bug(
        "the penalty is λ·Σw² (keras), not λ/2·Σw²",
        ("C1",),
        ("l2_penalty",),
        ("l2.py", "np.float64(0.5 * lam * sum_sq)", "np.float64(lam * sum_sq)"),
    ),
    "gradient_twice_lambda": Bug(
        "the gradient is 2λw",
        ("C1",),
        ("l2_penalty_grad",),
        ("l2.py", "d_w = ct.type(lam) * w.astype(ct)", "d_w = ct.type(2 * lam) * w.astype(ct)"),
    ),
    "penalty_in_input_dtype": Bug(
        "the sum of squares is accumulated in the leaves' dtype, then widened",
        ("C11",),
        ("l2_penalty",),
        ("l2.py", "np.sum(np.square(w.astype(np.float64)))", "np.sum(np.square(w)).astype(np.float64)"),
    ),
    "penalty_mask_inverted": Bug(
        "the penalty sums the leaves decay_mask excludes",
        ("C6",),
        ("l2_penalty",),
        ("l2.py", "zip(leaves, decayed) if on)", "zip(leaves, decayed) if not on)"),
    ),
    "gradient_lambda_in_input_dtype": Bug(
        "λ is rounded to a float16/bfloat16 leaf's dtype before λ·w",
        ("C1", "C11"),
        ("l2_penalty_grad",),
        ("l2.py", "d_w = ct.type(lam) * w.astype(ct)", "d_w = ct.type(w.dtype.type(lam)) * w.astype(ct)"),
        hole=5,
    ),
    "gradient_of_excluded_leaves_is_w": Bug(
        "a leaf decay_mask excludes gets w as its gradient instead of zeros",
        ("C6",),
        ("l2_penalty_grad",),
        ("l2.py", "if on else np.zeros(w.shape, ct)", "if on else w.astype(ct)"),
    ),
    "callable_mask_ignored": Bug(
        "a callable decay_mask is taken as 'decay everything'",
        ("C6",),
        (*_L2, "sgd_step", "adam_step", "adamw_step"),
        ("tree.py", "flags = [decay_mask(w) for w in leaves]", "flags = [True for w in leaves]"),
    ),
}

# Update rules: every option and the order of operations (C2, C3, C4, C5), state dtypes (C11).
OPTIMIZERS = {
    "decay_factor_on_device": Bug(
        "1 − lr·λ is formed in the computation dtype from rounded lr and λ (the protocol: in Python floats)",
        ("C3",),
        ("weight_decay_step", "sgd_step", "adam_step", "adamw_step"),
        (
            "weight_decay.py",
            "return w * w.dtype.type(1.0 - lr * weight_decay)",
            "return w * (w.dtype.type(1.0) - w.dtype.type(lr) * w.dtype.type(weight_decay))",
        ),
        hole=6,
    ),
    "shrink_after_the_step": Bug(
        "weight_decay_step shrinks after the gradient step: (w − lr·g)·(1 − lr·λ)",
        ("C3",),
        ("weight_decay_step",),
        (
            "weight_decay.py",
            "new_w = shrink_weights(w_i.astype(ct), lr, lam) - ct.type(lr) * g_i.astype(ct)",
            "new_w = shrink_weights(w_i.astype(ct) - ct.type(lr) * g_i.astype(ct), lr, lam)",
        ),
    ),
    "returns_the_weights_at_lr_zero": Bug(
        "weight_decay_step returns w itself when lr = 0 (a fast path that aliases the input)",
        ("C12",),
        ("weight_decay_step",),
        ("weight_decay.py", "    out = []\n", "    if lr == 0.0:\n        return w\n    out = []\n"),
    ),
    "lr_inside_the_velocity": Bug(
        "SGD keeps lr inside the momentum buffer (keras: b = μb + lr·d; w −= b)",
        ("C4",),
        ("sgd_step",),
        (
            "sgd.py",
            "            b_c = d if step == 0 else ct.type(mu) * b_c + ct.type(1.0 - tau) * d\n"
            "            d = d + ct.type(mu) * b_c if nesterov else b_c\n"
            "        new_ws.append(np.asarray((w_c - ct.type(lr) * d).astype(w.dtype)))",
            "            b_c = ct.type(lr) * d if step == 0 else ct.type(mu) * b_c + ct.type(lr * (1.0 - tau)) * d\n"
            "            d = ct.type(lr) * d + ct.type(mu) * b_c if nesterov else b_c\n"
            "        else:\n"
            "            d = ct.type(lr) * d\n"
            "        new_ws.append(np.asarray((w_c - d).astype(w.dtype)))",
        ),
    ),
    "nesterov_ignored": Bug(
        "nesterov=True steps along the buffer, not d + μb",
        ("C4",),
        ("sgd_step",),
        ("sgd.py", "d = d + ct.type(mu) * b_c if nesterov else b_c", "d = b_c"),
    ),
    "sgd_maximize_after_decay": Bug(
        "maximize negates the decayed gradient, −(g + λw), instead of −g + λw",
        ("C2",),
        ("sgd_step",),
        (
            "sgd.py",
            "w_c, d = w.astype(ct), (-g if maximize else g).astype(ct)\n"
            "        if decay and not decoupled:\n"
            "            d = add_l2_grad(d, w_c, lam)\n",
            "w_c, d = w.astype(ct), g.astype(ct)\n"
            "        if decay and not decoupled:\n"
            "            d = add_l2_grad(d, w_c, lam)\n"
            "        d = -d if maximize else d\n",
        ),
    ),
    "sgd_decoupled_ignores_mask": Bug(
        "decoupled SGD shrinks the leaves decay_mask excludes",
        ("C6", "C3"),
        ("sgd_step",),
        ("sgd.py", "if decay and decoupled:", "if decoupled:"),
    ),
    "buffer_written_without_momentum": Bug(
        "with momentum = 0 the buffer is set to d instead of left as it was",
        ("C4",),
        ("sgd_step",),
        ("sgd.py", "        b_c = b.astype(ct)\n", "        b_c = b.astype(ct) if mu != 0.0 else d\n"),
    ),
    "sgd_step_not_counted": Bug(
        "sgd_step does not advance state.step",
        ("C4",),
        ("sgd_step",),
        ("sgd.py", "new_state = SGDState(step + 1,", "new_state = SGDState(step,"),
    ),
    "sgd_buffer_in_compute_dtype": Bug(
        "the momentum buffer of a float16/bfloat16 leaf is returned in float32",
        ("C11",),
        ("sgd_step",),
        ("sgd.py", "new_bs.append(np.array(b_c, dtype=w.dtype))", "new_bs.append(np.array(b_c))"),
    ),
    "one_minus_dampening_on_device": Bug(
        "1 − τ is formed in the computation dtype from a rounded τ",
        ("C4",),
        ("sgd_step",),
        ("sgd.py", "ct.type(1.0 - tau)", "(ct.type(1.0) - ct.type(tau))"),
        hole=6,
    ),
    "sgd_init_at_step_one": Bug(
        "sgd_init starts at step 1, so dampening applies at the first step",
        ("C4",),
        ("sgd_init",),
        ("sgd.py", "return SGDState(np.array(0, np.int64)", "return SGDState(np.array(1, np.int64)"),
    ),
    "eps_inside_the_root": Bug(
        "Adam divides by √(v̂ + ε)",
        ("C5",),
        _ADAM,
        ("adam.py", "(np.sqrt(v_hat) + c(eps))", "np.sqrt(v_hat + c(eps))"),
    ),
    "eps_before_the_correction": Bug(
        "Adam adds ε to √v and folds the bias correction into lr (keras)",
        ("C5",),
        _ADAM,
        ("adam.py", "(np.sqrt(v_hat) + c(eps))", "(np.sqrt(v_hat) + c(eps / np.sqrt(correction2)))"),
    ),
    "amsgrad_max_of_v_hat": Bug(
        "AMSGrad keeps the running maximum of v̂ instead of v",
        ("C5",),
        _ADAM,
        (
            "adam.py",
            "np.maximum(v_max.astype(ct), v_c) if amsgrad else v_max.astype(ct)\n"
            "        m_hat = m_c / c(correction1)\n"
            "        v_hat = (v_max_c if amsgrad else v_c) / c(correction2)",
            "np.maximum(v_max.astype(ct), v_c / c(correction2)) if amsgrad else v_max.astype(ct)\n"
            "        m_hat = m_c / c(correction1)\n"
            "        v_hat = v_max_c if amsgrad else v_c / c(correction2)",
        ),
    ),
    "v_max_updated_without_amsgrad": Bug(
        "v_max is updated even with amsgrad=False",
        ("C5",),
        _ADAM,
        (
            "adam.py",
            "np.maximum(v_max.astype(ct), v_c) if amsgrad else v_max.astype(ct)",
            "np.maximum(v_max.astype(ct), v_c)",
        ),
    ),
    "bias_correction_in_float32": Bug(
        "β^t is computed in float32",
        ("C5",),
        _ADAM,
        (
            "adam.py",
            "1.0 - beta1**t, 1.0 - beta2**t",
            "1.0 - float(np.float32(beta1) ** t), 1.0 - float(np.float32(beta2) ** t)",
        ),
        hole=6,
    ),
    "one_minus_beta_on_device": Bug(
        "1 − β is formed in the computation dtype from a rounded β",
        ("C5",),
        _ADAM,
        ("adam.py", "c(1.0 - beta1) * d", "(c(1.0) - c(beta1)) * d"),
        hole=6,
    ),
    "bias_correction_from_step_zero": Bug(
        "the bias correction uses t = state.step, not state.step + 1",
        ("C5",),
        _ADAM,
        ("adam.py", "t = int(step) + 1", "t = max(int(step), 1)"),
    ),
    "v_from_the_undecayed_gradient": Bug(
        "coupled decay enters m but not v",
        ("C2",),
        ("adam_step",),
        ("adam.py", "c(1.0 - beta2) * (d * d)", "c(1.0 - beta2) * np.square((-g if maximize else g).astype(ct))"),
    ),
    "adam_maximize_ignored": Bug(
        "Adam ignores maximize",
        ("C2",),
        _ADAM,
        ("adam.py", "(-g if maximize else g).astype(ct)", "g.astype(ct)"),
    ),
    "adamw_couples_the_decay": Bug(
        "adamw_step adds λw to the gradient instead of shrinking the weights",
        ("C3",),
        ("adamw_step",),
        ("adam.py", "decoupled=True,", "decoupled=False,"),
    ),
    "adamw_default_of_optax": Bug(
        "adamw_step defaults to weight_decay = 1e-4 (optax), not 0.01 (torch)",
        ("C3",),
        ("adamw_step",),
        ("adam.py", "weight_decay: float = 0.01,", "weight_decay: float = 1e-4,"),
    ),
    "adam_init_in_float32": Bug(
        "adam_init's moments are float32 whatever the parameters' dtype",
        ("C11",),
        ("adam_init",),
        ("adam.py", "[np.zeros_like(w) for w in leaves]", "[np.zeros(np.shape(w), np.float32) for w in leaves]"),
    ),
    "adam_writes_the_state": Bug(
        "adam_step writes the new first moment into the caller's state",
        ("C12",),
        _ADAM,
        (
            "adam.py",
            "        m_hat = m_c / c(correction1)\n",
            "        m[...] = m_c\n        m_hat = m_c / c(correction1)\n",
        ),
    ),
}

# Validation, error classes and messages (C13), dtypes (C11).
ERRORS = {
    "negative_seed_wraps": Bug(
        "key(seed) wraps a negative seed modulo 2**64 instead of raising ValueError",
        ("C13", "C10"),
        ("key",),
        ("random.py", "s = check_seed(seed)", "s = check_seed(seed % 2**64 if isinstance(seed, int) else seed)"),
    ),
    "probability_message_reworded": Bug(
        "a bad probability raises ValueError with other words than the reference's",
        ("C13",),
        ("bernoulli", "dropout_mask", *_DROPOUT),
        ("validation.py", 'f"{name} must be in [0, 1], got {value!r}"', 'f"{name} must lie in [0, 1], got {value!r}"'),
    ),
    "bool_is_a_number": Bug(
        "True and False are accepted as hyperparameters",
        ("C13",),
        ("bernoulli", "dropout_mask", *_DROPOUT, *_L2, *_OPTIMIZERS),
        ("validation.py", "if isinstance(value, (bool, np.bool_)) or not isinstance(", "if not isinstance("),
    ),
    "nan_probability_accepted": Bug(
        "p = NaN passes the range check (written as two comparisons)",
        ("C13",),
        ("bernoulli", "dropout_mask", *_DROPOUT),
        ("validation.py", "if not 0.0 <= x <= 1.0:", "if x < 0.0 or x > 1.0:"),
    ),
    "nesterov_not_checked": Bug(
        "nesterov=True is accepted with dampening or without momentum",
        ("C13", "C4"),
        ("sgd_step",),
        ("validation.py", "    check_nesterov(nesterov, mu, tau)\n", ""),
    ),
    "state_of_the_wrong_class": Bug(
        "a state of the wrong class raises ValueError, not TypeError",
        ("C13",),
        ("sgd_step", *_ADAM),
        ("sgd.py", 'raise TypeError(f"state must be a', 'raise ValueError(f"state must be a'),
    ),
    "dtype_mismatch_is_a_type_error": Bug(
        "gradients or state whose dtype differs from the parameters' raise TypeError, not ValueError",
        ("C13", "C11"),
        _OPTIMIZERS,
        (
            "tree.py",
            "            if describe(a) != describe(b):\n",
            "            if describe(a)[1:] != describe(b)[1:]:\n"
            '                raise TypeError(f"{name} leaf {i} must have the dtype of {first}, got {describe(b)}")\n'
            "            if describe(a) != describe(b):\n",
        ),
        hole=3,
    ),
    "mask_structure_is_a_type_error": Bug(
        "a decay_mask whose structure differs from params' raises TypeError, not ValueError",
        ("C13", "C6"),
        (*_L2, "sgd_step", *_ADAM),
        (
            "tree.py",
            'raise ValueError(f"decay_mask must have the structure',
            'raise TypeError(f"decay_mask must have the structure',
        ),
        hole=3,
    ),
    "integers_are_cast": Bug(
        "integer arrays are cast to float32 instead of raising TypeError",
        ("C11", "C13"),
        (*_DROPOUT, *_L2, *_OPTIMIZERS, "sgd_init", "adam_init"),
        (
            "dtypes.py",
            "    check_float_dtype(name, arr.dtype)\n    return arr",
            "    return arr if arr.dtype in FLOAT_DTYPES.values() else arr.astype(np.float32)",
        ),
    ),
    "computes_in_the_input_dtype": Bug(
        "float16 and bfloat16 inputs are computed in their own dtype, not float32",
        ("C11",),
        (*_DROPOUT, "l2_penalty_grad", *_OPTIMIZERS),
        ("dtypes.py", "np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)", "np.dtype(dtype)"),
    ),
}

# Not an edit of the reference: their own generator, their own class, a wrapper.
MODULES = {
    "scale_one_minus_p": Bug("survivors are scaled by 1 − p", ("C7",), _DROPOUT),
    "one_ulp_scale": Bug("the dropout scale is one ULP above fl(1/fl(1 − p))", ("C7",), _DROPOUT),
    "mask_ignores_broadcast_dims": Bug("the mask is drawn for the full shape", ("C9",), ("dropout_mask", "dropout")),
    "dampening_at_first_step": Bug("SGD dampens the first momentum step", ("C4",), ("sgd_step",)),
    "decay_not_times_lr": Bug("decoupled decay shrinks by 1 − λ", ("C3",), ("weight_decay_step", "adamw_step")),
    "keep_probability_p": Bug("its own generator keeps with probability p", ("C7",), ("dropout_mask", "dropout")),
    "mutates_input": Bug("sgd_step writes the new weights into the caller's arrays", ("C12",), ("sgd_step",)),
    "own_state_classes": Bug("defines its own SGDState and AdamState", (), ("SGDState", "AdamState")),
}

CATALOG: dict[str, Bug] = {**RANDOM, **DROPOUT, **L2, **OPTIMIZERS, **ERRORS, **MODULES}
_REFERENCE_CLASSES = ("AdamState", "SGDState")


def __getattr__(name: str) -> ModuleType:
    """``planted:<name>``: the reference with that bug's edit, reusing the reference's state classes (a copy
    would define classes of its own, a different bug that every copy would be caught by first)."""
    bug = CATALOG.get(name)
    if bug is None or bug.edit is None:
        raise AttributeError(name)
    module = edited_reference(name, *bug.edit)
    for sub in [module, *(getattr(module, m) for m in ("adam", "sgd"))]:
        for cls in _REFERENCE_CLASSES:
            if hasattr(sub, cls):
                setattr(sub, cls, getattr(numpy_ref, cls))
    return module
