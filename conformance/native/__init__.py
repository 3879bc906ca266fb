"""The frameworks' own regularizers, measured against the reference: ``regref check --native``.

Adapters (``torch_optim``, ``torch_dropout``, ``optax_optim``, ``flax_dropout``, ``keras_optim``,
``keras_dropout``, ``equinox_dropout``) present each framework's own API through the backend protocol
(:mod:`conformance.protocol`) under the reference's parameter names. Probes (``probes_optim``,
``probes_l2``, ``probes_dropout``, ``probes_gradients``, ``probes_masks``, ``probes_sources``) run an
adapter and the reference on the same small, hand-ordered inputs and record, per behaviour, a
:class:`~conformance.native.finding.Finding`: agrees or differs, what the framework does (the
convention that explains its outputs), the measured error and the smallest input that shows a
difference. :mod:`~conformance.native.runner` runs them all (keras once per backend, in a subprocess);
:mod:`~conformance.native.report` writes the Markdown and JSON report. :mod:`~conformance.native.loopback`
is the reference presented the same way: every probe agrees on it, which is how the probes are tested.
"""
