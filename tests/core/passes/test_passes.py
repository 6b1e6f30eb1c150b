"""Every pass keeps a graph's meaning: random graphs evaluate to the same outputs before
and after each pass (and the whole pipeline), validate afterwards, and the reports
count what changed."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from workbench.core import Graph, array, eval_graph, make_graph, ops, validate
from workbench.core.passes import (
    constant_fold,
    count_equations,
    cse,
    dce,
    default_pipeline,
    fuse_elementwise,
    simplify,
)

SHAPE = (3, 4)
UNARY = [
    ops.exp,
    ops.tanh,
    ops.neg,
    ops.sin,
    ops.square,
    ops.logistic,
    lambda v: ops.mul(v, 1.0),
    lambda v: ops.add(v, 0.0),
    lambda v: ops.neg(ops.neg(v)),
    lambda v: ops.div(v, 1.0),
    lambda v: ops.transpose(ops.transpose(v)),
    lambda v: ops.reshape(ops.reshape(v, (12,)), SHAPE),
    lambda v: ops.mul(v, ops.add(ops.full(SHAPE, 2.0, v.dtype, v.device), 1.0)),
]
BINARY = [ops.add, ops.sub, ops.mul, ops.maximum, lambda a, b: ops.select(ops.gt(a, b), a, b)]


@st.composite
def programs(draw: Any) -> tuple[Any, int]:
    """A random straight-line program over two inputs of one shape."""
    steps = draw(
        st.lists(
            st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100)),
            min_size=1,
            max_size=25,
        )
    )
    n_out = draw(st.integers(1, 3))

    def program(x: Any, y: Any) -> Any:
        values = [x, y]
        for binary, op_i, a_i, b_i in steps:
            a, b = values[a_i % len(values)], values[b_i % len(values)]
            if binary:
                values.append(BINARY[op_i % len(BINARY)](a, b))
            else:
                values.append(UNARY[op_i % len(UNARY)](a))
            if op_i % 7 == 0:  # sometimes a value is computed twice (CSE) or never used (DCE)
                values.append(ops.tanh(a))
                values.append(ops.tanh(a))
        outs = values[-n_out:]
        return [ops.mul(v, 0.5) for v in outs] + [ops.reduce_sum(values[-1])]

    return program, n_out


INPUTS = [
    array(np.linspace(-1, 1, 12).reshape(SHAPE)),
    array(np.linspace(0.5, -0.3, 12).reshape(SHAPE)),
]


def _outputs(graph: Graph) -> list[np.ndarray]:
    return [v.numpy() for v in eval_graph(graph, *INPUTS[: len(graph.inputs)])]


@given(programs())
def test_each_pass_and_the_pipeline_keep_the_meaning(program_and_n: Any) -> None:
    program, _ = program_and_n
    graph = make_graph(program, *INPUTS)
    validate(graph)
    expected = _outputs(graph)
    current = graph
    for p in (simplify, constant_fold, cse, dce, fuse_elementwise):
        current, report = p(current)
        validate(current)
        assert report.after == count_equations(current)
        for a, e in zip(_outputs(current), expected):
            np.testing.assert_allclose(a, e, rtol=1e-6, err_msg=report.name)
    optimised, reports = default_pipeline().run(graph)
    assert reports[0].before == count_equations(graph)
    for a, e in zip(_outputs(optimised), expected):
        np.testing.assert_allclose(a, e, rtol=1e-6)


def test_reports_count_what_changed() -> None:
    def f(x: Any, y: Any) -> Any:
        a = ops.reduce_sum(ops.mul(ops.neg(ops.neg(x)), 1.0))
        b = ops.reduce_sum(ops.mul(ops.neg(ops.neg(x)), 1.0))
        ops.sin(y)  # dead
        two = ops.add(ops.full((), 1.0, x.dtype, x.device), 1.0)  # constant
        return ops.mul(ops.add(a, b), two)

    graph = make_graph(f, *INPUTS)
    _, reports = default_pipeline().run(graph)
    by_name = {r.name: r for r in reports}
    assert by_name["simplify"].details == {"double_negation": 2, "multiply_by_one": 2}
    assert by_name["constant_fold"].details == {"folded": 1}
    assert by_name["cse"].before - by_name["cse"].after == 1
    assert str(by_name["simplify"]).startswith("simplify: ")


def test_fusion_groups_single_use_chains_into_one_node() -> None:
    graph = make_graph(lambda x: ops.tanh(ops.exp(ops.mul(ops.sin(x), 2.0))), INPUTS[0])
    fused, report = fuse_elementwise(graph)
    validate(fused)
    assert [e.primitive.name for e in fused.equations] == ["fused"]
    assert report.details == {"groups": 1, "fused equations": 5}
    inner = fused.equations[0].params["graph"]
    assert [e.primitive.name for e in inner.equations] == [
        "sin",
        "broadcast_to",
        "mul",
        "exp",
        "tanh",
    ]


def test_fusion_keeps_values_used_twice_outside_groups() -> None:
    def f(x: Any) -> Any:
        shared = ops.exp(ops.sin(x))
        return ops.add(ops.tanh(shared), ops.reduce_sum(shared))

    fused, _ = fuse_elementwise(make_graph(f, INPUTS[0]))
    names = [e.primitive.name for e in fused.equations]
    assert "reduce_sum" in names and names.count("fused") >= 1
    np.testing.assert_allclose(_outputs(fused)[0], f(INPUTS[0]).numpy())


def test_passes_reach_inside_control_flow_subgraphs() -> None:
    def f(x: Any) -> Any:
        return ops.cond(
            ops.gt(ops.reduce_sum(x), 0.0), lambda v: ops.mul(ops.neg(ops.neg(v)), 1.0), ops.sin, x
        )

    graph = make_graph(f, INPUTS[0])
    simplified, report = simplify(graph)
    assert report.details["double_negation"] == 1
    validate(simplified)
    np.testing.assert_allclose(_outputs(simplified)[0], _outputs(graph)[0])


@given(
    st.permutations([0, 1, 2]),
    st.permutations([0, 1, 2]),
    st.sampled_from([((2,), (2,)), ((1,), (1,)), ((1, 2), (1, 2))]),
)
def test_fold_transposes_keeps_the_meaning_of_products(
    perm_x: list[int], perm_y: list[int], contracting: Any
) -> None:
    from workbench.core.passes import fold_transposes

    rng = np.random.default_rng(0)
    sizes = (2, 3, 4)
    x = array(rng.standard_normal([sizes[i] for i in np.argsort(perm_x)]).astype(np.float32))
    y = array(rng.standard_normal([sizes[i] for i in np.argsort(perm_y)]).astype(np.float32))

    def f(a: Any, b: Any) -> Any:
        a, b = ops.transpose(a, tuple(perm_x)), ops.transpose(b, tuple(perm_y))
        out = ops.dot_general(a, b, contracting, ((0,), (0,)))
        return ops.transpose(out, (0, *range(out.ndim - 1, 0, -1)))

    graph = make_graph(f, x, y)
    folded, report = fold_transposes(graph)
    validate(folded)
    (got,), (want,) = eval_graph(folded, x, y), eval_graph(graph, x, y)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert report.after <= report.before


@given(
    st.booleans(),
    st.sampled_from(["weights", "inputs", "bias", "wide"]),
    st.sampled_from([0, 1]),
)
def test_products_and_sums_read_the_axes_a_reshape_merged(
    time_major: bool, what: str, side: int
) -> None:
    """A TensorFlow program flattens (batch, time) into rows before a dense layer; in the
    backward pass those rows come from a time-major loop (a transposed array), and the
    merging reshape is a copy. Products and sums over the merged rows read the unmerged
    array instead, with the same numbers."""
    from workbench.core.passes import fold_transposes

    rng = np.random.default_rng(2)
    t, b, f, e = 3, 4, 5, 2
    seq = array(rng.standard_normal((t, b, f) if time_major else (b, t, f)))
    emb = array(rng.standard_normal((b, t, e)))
    w = array(rng.standard_normal((f, 7 if what == "wide" else e)))

    def program(seq: Any, emb: Any, w: Any) -> Any:
        rows = ops.reshape(ops.transpose(seq, (1, 0, 2)) if time_major else seq, (b * t, f))
        flat = ops.reshape(emb, (b * t, e))
        if what == "weights":  # rows contracted: a weight gradient
            pair = (rows, flat) if side == 0 else (flat, rows)
            out = ops.dot_general(*pair, ((0,), (0,)), ((), ()))
        elif what in ("inputs", "wide"):  # rows kept: an input gradient (or a wider one)
            out = ops.dot_general(rows, w, ((1,), (0,)), ((), ()))
            if side:
                out = ops.dot_general(ops.transpose(w, (1, 0)), rows, ((1,), (1,)), ((), ()))
            out = ops.reshape(out, (b, t, -1))
        else:  # a bias gradient
            out = ops.reduce_sum(rows, axes=(0,))
        return out

    graph = make_graph(program, seq, emb, w)
    folded, report = fold_transposes(graph)
    validate(folded)
    (got,), (want,) = eval_graph(folded, seq, emb, w), eval_graph(graph, seq, emb, w)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    merged = [e for e in folded.equations if e.primitive.name == "reshape"]
    if what in ("weights", "inputs", "bias"):  # the (b·t, f) copy is no longer read
        assert all(tuple(e.outputs[0].type.shape) != (b * t, f) for e in merged), merged
    else:  # a product wider than its operand keeps the merged rows
        assert "reshaped operand" not in report.details


def test_fold_transposes_removes_the_weight_transposes_of_a_linear_layer() -> None:
    from workbench.core import value_and_grad
    from workbench.core.passes import fold_transposes

    rng = np.random.default_rng(1)
    w = array(rng.standard_normal((5, 3)).astype(np.float32))  # PyTorch's (out, in)
    x = array(rng.standard_normal((4, 3)).astype(np.float32))

    def step(w: Any, x: Any) -> Any:
        loss, g = value_and_grad(
            lambda w: ops.reduce_sum(ops.tanh(ops.matmul(x, ops.transpose(w, (1, 0)))))
        )(w)
        return loss, ops.sub(w, ops.mul(g, 0.1))

    graph = make_graph(step, w, x)
    folded, report = fold_transposes(graph)
    names = [e.primitive.name for e in folded.equations]
    assert "transpose" not in names, names
    assert report.details["transposed operand"] >= 1 and report.details["transposed product"] >= 1
    for a, e in zip(eval_graph(folded, w, x), eval_graph(graph, w, x)):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-5)
    assert "fold_transposes" in [r.name for r in default_pipeline().run(graph)[1]]


@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=4),
    st.integers(1, 4),
    st.sampled_from(["mul", "square"]),
    st.booleans(),
)
@example([2, 3], 2, "mul", False)  # a whole matrix: a product contracting two axes
@example([5], 1, "square", False)
@example([2, 3, 4], 2, "mul", True)
def test_sums_of_squares_become_dot_products_with_the_same_values(
    shape: list[int], n_axes: int, how: str, merge: bool
) -> None:
    n_axes = min(n_axes, len(shape))
    lead = len(shape) - n_axes
    x = array(np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32))

    def f(v: Any) -> Any:
        sq = ops.mul(v, v) if how == "mul" else ops.square(v)
        if merge:  # the trailing axes merged into one first, as a flattening does
            sq = ops.reshape(sq, (*shape[:lead], int(np.prod(shape[lead:]))))
            return ops.reduce_sum(sq, axes=(lead,))
        return ops.reduce_sum(sq, axes=tuple(range(lead, len(shape))))

    graph = make_graph(f, x)
    rewritten, report = simplify(graph)
    validate(rewritten)
    assert report.details.get("sum_of_squares") == 1
    assert [e.primitive.name for e in rewritten.equations] == ["dot_general"]
    want = (np.asarray(x.numpy(), np.float64) ** 2).reshape(*shape[:lead], -1).sum(-1)
    (got,) = eval_graph(rewritten, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_sum_of_squares_is_left_alone_where_it_is_not_one() -> None:
    x = array(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    n = array(np.arange(12, dtype=np.int32).reshape(3, 4))
    cases = {
        "keepdims": (lambda v: ops.reduce_sum(ops.mul(v, v), axes=(2,), keepdims=True), x),
        "leading axis": (lambda v: ops.reduce_sum(ops.mul(v, v), axes=(0,)), x),
        "two operands": (lambda v: ops.reduce_sum(ops.mul(v, ops.neg(v)), axes=(2,)), x),
        "reshape across rows": (
            lambda v: ops.reduce_sum(ops.reshape(ops.mul(v, v), (3, 8)), axes=(1,)),
            x,
        ),
        "integers": (lambda v: ops.reduce_sum(ops.mul(v, v), axes=(1,)), n),
    }
    for name, (f, value) in cases.items():
        graph = make_graph(f, value)
        rewritten, report = simplify(graph)
        assert "sum_of_squares" not in report.details, name
        np.testing.assert_array_equal(
            eval_graph(rewritten, value)[0].numpy(), eval_graph(graph, value)[0].numpy()
        )


def test_a_unary_elementwise_op_moves_before_a_reshape_and_fuses_with_its_producer() -> None:
    """relu(reshape(x + b)), as a dense layer on (B, T, F) is traced, becomes
    reshape(relu(x + b)): the bias add and the activation become one fused group, and the
    reshape stays a view of its result."""
    rng = np.random.default_rng(0)
    x = array(rng.standard_normal((6, 8)).astype(np.float32))
    b = array(rng.standard_normal(8).astype(np.float32))

    def f(x: Any, b: Any) -> Any:
        h = ops.reshape(ops.add(x, b), (2, 3, 8))
        return ops.relu(h), ops.exp(h)  # the reshaped value has a second reader

    graph = make_graph(f, x, b)
    rewritten, report = simplify(graph)
    assert report.details["elementwise_after_reshape"] == 2
    validate(rewritten)
    names = [e.primitive.name for e in rewritten.equations]
    assert names.index("relu") < max(i for i, n in enumerate(names) if n == "reshape")
    for got, want in zip(eval_graph(rewritten, x, b), eval_graph(graph, x, b), strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    fused, _ = fuse_elementwise(rewritten)
    groups = [e for e in fused.equations if e.primitive.name == "fused"]
    assert any(
        {"add", "relu"} <= {q.primitive.name for q in e.params["graph"].equations} for e in groups
    )


def _compiled(graph: Graph, native: bool) -> list[np.ndarray]:
    from workbench.core.executor import Executor

    executor = Executor(native_kernels=native)
    plan = executor.plan(graph, graph.in_types)
    return [v.numpy() for v in plan(*INPUTS[: len(graph.inputs)])]


@given(programs())
def test_compiled_plans_of_random_programs_keep_the_meaning(program_and_n: Any) -> None:
    """Groups with several results (an intermediate also read after the group) run as one
    native kernel, or as their equations when no kernel is built; either way the numbers
    are those of the unoptimised graph."""
    program, _ = program_and_n
    graph = make_graph(program, *INPUTS)
    expected = _outputs(graph)
    for native in (True, False):
        for a, e in zip(_compiled(graph, native), expected):
            np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-7)


def test_a_group_hands_out_an_intermediate_read_after_it() -> None:
    w = array(np.linspace(-1, 1, 16).reshape(4, 4))

    def f(x: Any) -> Any:
        a = ops.tanh(x)
        b = ops.add(ops.mul(a, 2.0), 1.0)  # the group ends here
        return ops.dot_general(a, w, ((1,), (0,))), b  # a is read after it

    graph = make_graph(f, INPUTS[0])
    fused, _ = fuse_elementwise(graph)
    validate(fused)
    (group,) = [e for e in fused.equations if e.primitive.name == "fused"]
    assert len(group.outputs) == 2  # tanh's result and the add's
    for native in (True, False):
        for got, want in zip(_compiled(graph, native), _outputs(graph)):
            np.testing.assert_allclose(got, want, rtol=1e-6)


def test_an_intermediate_read_before_the_group_ends_stays_outside() -> None:
    def f(x: Any) -> Any:
        a = ops.tanh(x)
        total = ops.reduce_sum(a)  # read before the rest of the chain
        return ops.mul(ops.exp(a), ops.broadcast_to(total, SHAPE))

    fused, _ = fuse_elementwise(make_graph(f, INPUTS[0]))
    validate(fused)
    groups = [e for e in fused.equations if e.primitive.name == "fused"]
    assert all(len(g.outputs) == 1 for g in groups)
    np.testing.assert_allclose(_outputs(fused)[0], f(INPUTS[0]).numpy(), rtol=1e-6)


def test_a_later_reader_joins_the_group_it_reads() -> None:
    """A derivative kept for the backward pass (1 - tanh²), computed after a product that
    uses tanh, comes out of tanh's kernel when everything it reads is ready by then."""
    w = array(np.linspace(-1, 1, 16).reshape(4, 4))

    def f(x: Any, y: Any) -> Any:
        a = ops.tanh(ops.add(x, y))
        h = ops.dot_general(a, w, ((1,), (0,)))
        derivative = ops.sub(1.0, ops.square(a))
        return h, derivative

    graph = make_graph(f, *INPUTS)
    fused, _ = fuse_elementwise(graph)
    validate(fused)
    names = [e.primitive.name for e in fused.equations]
    assert names.count("fused") == 1 and names.index("fused") < names.index("dot_general")
    for native in (True, False):
        for got, want in zip(_compiled(graph, native), _outputs(graph)):
            np.testing.assert_allclose(got, want, rtol=1e-6)
