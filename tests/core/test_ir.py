"""The IR: text form, validation, sub-graphs in params."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.backend import dtypes, get_device
from workbench.core import Equation, Graph, GraphError, Type, Var, array, make_graph, ops, validate
from workbench.core import primitive as primitive_module
from workbench.core.ir import subgraphs


def test_text_form_is_numbered_ssa_with_params_and_literals() -> None:
    graph = make_graph(
        lambda x: ops.reduce_sum(ops.mul(x, 2.0), axes=0), array(np.ones((2, 3), np.float32))
    )
    text = str(graph)
    assert text.splitlines()[0] == "{ lambda a:f32[2,3] . let"
    assert "c:f32[2,3] = mul a b" in text
    assert "2.0:f32[]" in text
    assert "reduce_sum[axes=(0,), keepdims=False] c" in text
    assert text.strip().endswith("in (d) }")


def test_captured_arrays_become_constants() -> None:
    w = array(np.ones((3,), np.float32))
    graph = make_graph(lambda x: ops.mul(x, w), array(np.zeros(3, np.float32)))
    assert len(graph.constants) == 1 and graph.constants[0][1] is w
    assert str(graph).startswith("{ lambda a:f32[3] ; b:f32[3] .")
    validate(graph)


def _f32(shape: tuple[int, ...]) -> Type:
    return Type(shape, dtypes.float32, get_device("cpu"))


def test_validate_rejects_use_before_definition() -> None:
    a, b = Var(_f32((2,))), Var(_f32((2,)))
    exp = primitive_module.get_primitive("exp")
    eqn = Equation(exp, (b,), (Var(_f32((2,))),))
    with pytest.raises(GraphError, match="used before it is defined"):
        validate(Graph((a,), (eqn,), eqn.outputs))


def test_validate_rejects_double_assignment_and_wrong_types() -> None:
    a = Var(_f32((2,)))
    exp = primitive_module.get_primitive("exp")
    with pytest.raises(GraphError, match="assigned twice"):
        validate(Graph((a,), (Equation(exp, (a,), (a,)),), (a,)))
    wrong = Var(_f32((3,)))
    with pytest.raises(GraphError, match="rule gives"):
        validate(Graph((a,), (Equation(exp, (a,), (wrong,)),), (wrong,)))


def test_params_can_hold_subgraphs_which_print_nested_and_validate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A throwaway higher-order primitive (control flow arrives with the compiler).
    monkeypatch.setattr(primitive_module, "_REGISTRY", dict(primitive_module._REGISTRY))
    body = make_graph(ops.sin, array(np.zeros(2, np.float32)))
    call = primitive_module.Primitive(
        "test_call", impl=lambda xp, x, *, body: x, shape=lambda x, *, body: body.out_types[0]
    )
    x = Var(_f32((2,)))
    eqn = Equation(call, (x,), (Var(_f32((2,))),), {"body": body})
    outer = Graph((x,), (eqn,), eqn.outputs)
    validate(outer)
    assert subgraphs(eqn) == [body]
    text = str(outer)
    assert "test_call[body=" in text and "sin" in text
    bad_body = Graph(body.inputs, body.equations, (Var(_f32((2,))),))
    bad = Graph((x,), (Equation(call, (x,), (Var(_f32((2,))),), {"body": bad_body}),), eqn.outputs)
    with pytest.raises(GraphError):
        validate(bad)
