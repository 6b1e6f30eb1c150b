"""Control flow as primitives whose params hold sub-graphs, one file per primitive:
``call`` and ``fused`` (call.py), ``cond`` (cond.py), ``while_loop`` and ``fori_loop``
(while_loop.py), ``scan`` (scan.py), user-defined derivatives (custom.py); what they
share (closed graphs, named operand groups, run rules as implementations) is graphs.py.

Derivative and batching rules build new sub-graphs (JVP graphs, backward graphs,
batched graphs) and apply the same primitive again; graph transformations of one
sub-graph are cached by identity.
"""

from workbench.core.primitives.control.call import call, call_p, fused_p
from workbench.core.primitives.control.cond import cond, cond_p, switch
from workbench.core.primitives.control.custom import (
    custom_jvp_call,
    custom_jvp_p,
    custom_vjp_call,
    custom_vjp_p,
)
from workbench.core.primitives.control.graphs import closed_graph
from workbench.core.primitives.control.scan import scan, scan_p
from workbench.core.primitives.control.while_loop import fori_loop, while_loop, while_p

__all__ = [
    "call", "call_p", "closed_graph", "cond", "cond_p", "custom_jvp_call", "custom_jvp_p",
    "custom_vjp_call", "custom_vjp_p", "fori_loop", "fused_p", "scan", "scan_p", "switch",
    "while_loop", "while_p",
]  # fmt: skip
