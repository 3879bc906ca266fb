"""One harness for regref's speed against the frameworks' own ops: ``python -m benchmarks --help``.

Every variant it times is first checked on fresh random inputs: the reference's bits for regref's
masks (and spot checks of the timed outputs themselves, counter ranges being cheap to redraw), ULP
distances for update rules, a valid dropout for the frameworks' own ops. Times are medians of
per-call device timings (CUDA events; JAX calls timed to ``block_until_ready``; wall clock on the
CPU), with inputs rotated so that a call never finds its input in cache unless it is larger than
the cache anyway. Each section runs under a time guard and a failure is reported, not fatal.
"""
