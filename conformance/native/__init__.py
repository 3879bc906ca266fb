"""The frameworks' own regularizers, measured framework against framework: ``regref check --native``.

Adapters (``torch_optim``, ``torch_dropout``, ``optax_optim``, ``flax_dropout``, ``keras_optim``,
``keras_dropout``, ``equinox_dropout``, and ``loopback``, the reference itself) present each
implementation — a framework API, one of its code paths (torch's fused optimizers, equinox under
``eqx.filter_jit``, keras without a seed), a chain a user builds — through the backend protocol
(:mod:`conformance.protocol`) under the reference's parameter names. Probes (``probes_optim``,
``probes_defaults``, ``probes_flag``, ``probes_l2``, ``probes_survivors``, ``probes_dropout``,
``probes_gradients``, ``probes_compiled``, ``probes_masks``, ``probes_sources``) run every implementation
on the same small, hand-ordered inputs and record, per behaviour, a
:class:`~conformance.native.finding.Finding`: the convention that explains its outputs, its verdict
against the reference's, the smallest input that shows a difference and an element of its output as
evidence. :mod:`~conformance.native.runner` runs them all (keras once per backend, in a subprocess);
:mod:`~conformance.native.groups` turns the findings into rows of agreement groups — who agrees with
whom — and :mod:`~conformance.native.behaviours` says which section each row belongs to, when its
difference shows and which convention (C1–C13) it measures; :mod:`~conformance.native.render`,
:mod:`~conformance.native.table` and :mod:`~conformance.native.report` write and print the report.
"""
