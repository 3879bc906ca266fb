"""Planted bug, in a framework's own generator: an element is kept with probability p instead of 1 − p."""

from own_rng import *  # noqa: F403
from own_rng import dropout_functions

NAME = "keep_probability_p"
dropout_mask, dropout = dropout_functions(lambda p: p)  # the bug: p is the drop probability, not the keep one
