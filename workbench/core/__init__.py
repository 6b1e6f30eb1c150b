"""The shared engine: primitives, the one dispatcher, the IR, tracing and autodiff.

Knows nothing of PyTorch, TensorFlow or JAX names; the front ends translate their
vocabulary into :func:`apply` calls and the transformations exported here.

Where things live: ``primitive.py`` (the ``Primitive`` object: every rule kind, compiler
facts included), ``primitives/`` (the families, one block per primitive; control flow
one file per primitive; the package is the ``ops`` namespace), ``dispatch.py``,
``ir.py`` (types may hold unknown dimensions), ``trace.py``, ``autodiff.py``,
``batching.py``, ``jacobians.py``, ``passes/``, ``executor.py`` and ``codegen.py`` (read
the primitives' attributes, never their names), ``optimizers.py`` (the update rules
every front end's optimisers use). ``python -m workbench primitives --rules NAME`` prints
everything about one primitive.
"""

from workbench.core import primitives as ops  # noqa: I001 - the families load first
from workbench.core import composites, tree
from workbench.core.autodiff import (
    backward_graph,
    backward_pass,
    grad,
    jvp,
    jvp_graph,
    tape_graph,
    value_and_grad,
    vjp,
)
from workbench.core.batching import batch_graph, vmap
from workbench.core.jacobians import hessian, jacfwd, jacrev
from workbench.core.dispatch import apply, interpreter, is_tracing
from workbench.core.gradcheck import GradientCheckError, check_grads, numerical_jvp
from workbench.core.ir import Equation, Graph, Literal, Type, Var, graph_text
from workbench.core.primitive import Primitive, all_primitives, get_primitive
from workbench.core.primitives.operands import array
from workbench.core.trace import eval_graph, make_graph, trace
from workbench.core.validate import GraphError, validate
from workbench.core.values import Array, ConcretizationError, Tracer

__all__ = [
    "Array",
    "ConcretizationError",
    "Equation",
    "Graph",
    "GraphError",
    "GradientCheckError",
    "Literal",
    "Primitive",
    "Tracer",
    "Type",
    "Var",
    "apply",
    "array",
    "backward_graph",
    "batch_graph",
    "backward_pass",
    "check_grads",
    "composites",
    "eval_graph",
    "get_primitive",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "graph_text",
    "interpreter",
    "is_tracing",
    "jvp",
    "jvp_graph",
    "make_graph",
    "numerical_jvp",
    "ops",
    "all_primitives",
    "tape_graph",
    "trace",
    "tree",
    "validate",
    "value_and_grad",
    "vjp",
    "vmap",
]
