"""AutoGraph, for the common cases: Python control flow on tensors inside ``tf.function``.

While ``tf.function`` traces a function, a Python ``if`` on a tensor cannot be decided —
the value exists only when the graph runs. TensorFlow rewrites the function's source so
that such statements become graph control flow; the workbench does the same for the
cases tutorials use:

- ``if <tensor>: … else: …`` becomes ``tf.cond`` — each branch a function of the
  variables the statement assigns, returning their new values;
- ``while <tensor>: …`` becomes ``tf.while_loop`` over the variables the body assigns;
- ``for i in tf.range(…): …`` becomes a ``tf.while_loop`` over a counter.

A condition that is a plain Python value keeps Python's meaning (the statement runs as
written), so a rewritten function behaves exactly like the original on Python values.
An ``if`` whose branches both end by returning (``if c: return a`` then ``return b``)
first gets one return value and one ``return``, as AutoGraph does; other statements with
``break``, ``continue``, ``return``, ``yield`` or ``global`` inside are left alone. A name
set and read only inside one branch stays that branch's own (AutoGraph's liveness).
``tf.function`` rewrites a function only when tracing it as written fails on a tensor
used as a Python bool; ``tf.autograph.to_code(f)`` shows the rewritten source.
Mirrors: tf.autograph (the conversions above).
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import Any


class _Undefined:
    """A variable a statement assigns but that had no value before it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<undefined {self.name}>"


def _is_tensor(x: Any) -> bool:
    from workbench.static.framework import Tensor  # noqa: PLC0415

    return isinstance(x, Tensor)


def if_stmt(
    test: Any,
    body: Callable[..., tuple[Any, ...]],
    orelse: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """``if test:`` — Python's if for a Python value, ``tf.cond`` for a tensor."""
    if not _is_tensor(test):
        return body(*state) if test else orelse(*state)
    from workbench.static.control_flow import cond  # noqa: PLC0415

    outs = cond(
        test,
        lambda: _defined(body(*state), names, "if"),
        lambda: _defined(orelse(*state), names, "else"),
    )
    return tuple(outs) if isinstance(outs, list | tuple) else (outs,)


def _defined(values: tuple[Any, ...], names: tuple[str, ...], branch: str) -> tuple[Any, ...]:
    for value, name in zip(values, names):
        if isinstance(value, _Undefined):
            raise ValueError(
                f"'{name}' must also be initialized in the {branch} branch (a tensor-valued "
                "if becomes tf.cond, whose branches must give every variable a value)"
            )
    return values


def while_stmt(
    test: Callable[..., Any],
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """``while test:`` — Python's loop while the condition is a Python value,
    ``tf.while_loop`` once it is a tensor."""
    first = test(*state)
    if not _is_tensor(first):
        while first:
            state = body(*state)
            first = test(*state)
            if _is_tensor(first):  # the loop became tensor-dependent: continue in the graph
                return while_stmt(test, body, state, names)
        return state
    from workbench.static.control_flow import while_loop  # noqa: PLC0415

    _defined(state, names, "loop's initial")
    outs = while_loop(lambda *s: test(*s), lambda *s: tuple(body(*s)), list(state))
    return tuple(outs) if isinstance(outs, list | tuple) else (outs,)


def for_range_stmt(
    limits: tuple[Any, ...],
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """``for i in tf.range(...)`` — a counted ``tf.while_loop``; the body gets the index
    first, then the loop variables."""
    from workbench.static import math_ops  # noqa: PLC0415
    from workbench.static.execution import convert_to_tensor  # noqa: PLC0415

    start, limit, delta = (
        (0, limits[0], 1)
        if len(limits) == 1
        else (limits[0], limits[1], limits[2] if len(limits) > 2 else 1)
    )
    if not any(_is_tensor(v) for v in (start, limit, delta)) and not any(
        _is_tensor(s) for s in state
    ):
        for i in range(int(start), int(limit), int(delta)):
            state = body(convert_to_tensor(i), *state)
        return state
    counter = convert_to_tensor(start, dtype="int32")
    limit_t, delta_t = convert_to_tensor(limit, dtype="int32"), convert_to_tensor(delta, "int32")

    def test(i: Any, *s: Any) -> Any:
        return math_ops.less(i, limit_t) if int(delta) > 0 else math_ops.greater(i, limit_t)

    def step(i: Any, *s: Any) -> tuple[Any, ...]:
        return (i + delta_t, *body(i, *s))

    _defined(state, names, "loop's initial")
    return while_stmt(test, step, (counter, *state), ("<index>", *names))[1:]


# ---------------------------------------------------------------------------------------
# the source rewrite


def _assigned(nodes: list[ast.stmt]) -> list[str]:
    """Names a block assigns (in order of first assignment), not counting nested defs."""
    found: list[str] = []

    class Visitor(ast.NodeVisitor):
        def visit_Name(self, node: ast.Name) -> None:  # noqa: N802
            if isinstance(node.ctx, ast.Store) and node.id not in found:
                found.append(node.id)

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
            if node.name not in found:
                found.append(node.name)

        visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

        def visit_Lambda(self, node: ast.Lambda) -> None:  # noqa: N802
            return

    for n in nodes:
        Visitor().visit(n)
    return [n for n in found if not n.startswith("__ag_")]


def _escapes(nodes: list[ast.stmt]) -> bool:
    """Whether a block jumps out (break/continue/return/yield) or declares globals; the
    bodies of functions defined inside (our own branch functions too) do not count."""
    pending: list[ast.AST] = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(
            node,
            ast.Break
            | ast.Continue
            | ast.Return
            | ast.Yield
            | ast.YieldFrom
            | ast.Global
            | ast.Nonlocal,
        ):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return False


def _is_tf_range(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "range"
        and not node.keywords
    )


class _Rewriter(ast.NodeTransformer):
    def __init__(self, reads: list[tuple[str, int]] = ()) -> None:  # type: ignore[assignment]
        self.count = 0
        self.reads = list(reads)  # (name, line) of every read in the function

    def _live(self, names: list[str], node: ast.stmt) -> list[str]:
        """The assigned names an ``if`` must hand on: those read outside its own lines (a
        name set and read only inside one branch is that branch's own, as AutoGraph's
        liveness analysis finds)."""
        first, last = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        return [
            n for n in names if any(r == n and not first <= line <= last for r, line in self.reads)
        ]

    def _fresh(self, kind: str) -> str:
        self.count += 1
        return f"__ag_{kind}_{self.count}"

    def _state(self, names: list[str]) -> tuple[ast.expr, ast.expr]:
        """The tuple of current values (undefined ones marked) and the names."""
        values = ast.Tuple(
            [
                ast.Call(
                    ast.Name("__ag_value", ast.Load()),
                    [ast.Lambda(_no_args(), ast.Name(n, ast.Load())), ast.Constant(n)],
                    [],
                )
                for n in names
            ],
            ast.Load(),
        )
        return values, ast.Tuple([ast.Constant(n) for n in names], ast.Load())

    def _function(
        self, name: str, params: list[str], body: list[ast.stmt], returns: list[str]
    ) -> ast.FunctionDef:
        ret = ast.Return(ast.Tuple([ast.Name(n, ast.Load()) for n in returns], ast.Load()))
        return _def(name, params, [*(body or [ast.Pass()]), ret])

    def _assign_back(self, names: list[str], call: ast.expr) -> ast.stmt:
        target = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
        return ast.Assign([target], call)

    def visit_If(self, node: ast.If) -> Any:  # noqa: N802
        self.generic_visit(node)
        if _escapes(node.body) or _escapes(node.orelse):
            return node
        names = self._live(_assigned(node.body + node.orelse), node)
        true_name, false_name = self._fresh("if_true"), self._fresh("if_false")
        values, labels = self._state(names)
        call = ast.Call(
            ast.Name("__ag_if", ast.Load()),
            [
                node.test,
                ast.Name(true_name, ast.Load()),
                ast.Name(false_name, ast.Load()),
                values,
                labels,
            ],
            [],
        )
        out: list[ast.stmt] = [
            self._function(true_name, names, node.body, names),
            self._function(false_name, names, node.orelse, names),
        ]
        out.append(self._assign_back(names, call) if names else ast.Expr(call))
        return out

    def visit_While(self, node: ast.While) -> Any:  # noqa: N802
        self.generic_visit(node)
        if node.orelse or _escapes(node.body):
            return node
        names = _assigned(node.body)
        test_name, body_name = self._fresh("while_test"), self._fresh("while_body")
        values, labels = self._state(names)
        test_fn = _def(test_name, names, [ast.Return(node.test)])
        call = ast.Call(
            ast.Name("__ag_while", ast.Load()),
            [ast.Name(test_name, ast.Load()), ast.Name(body_name, ast.Load()), values, labels],
            [],
        )
        out: list[ast.stmt] = [test_fn, self._function(body_name, names, node.body, names)]
        out.append(self._assign_back(names, call) if names else ast.Expr(call))
        return out

    def visit_For(self, node: ast.For) -> Any:  # noqa: N802
        self.generic_visit(node)
        if (
            node.orelse
            or _escapes(node.body)
            or not isinstance(node.target, ast.Name)
            or not _is_tf_range(node.iter)
        ):
            return node
        assert isinstance(node.iter, ast.Call)
        index = node.target.id
        names = [n for n in _assigned(node.body) if n != index]
        body_name = self._fresh("for_body")
        values, labels = self._state(names)
        body = self._function(body_name, [index, *names], node.body, names)
        limits = ast.Tuple(list(node.iter.args), ast.Load())
        call = ast.Call(
            ast.Name("__ag_for_range", ast.Load()),
            [limits, ast.Name(body_name, ast.Load()), values, labels],
            [],
        )
        return [body, self._assign_back(names, call) if names else ast.Expr(call)]


def _def(name: str, params: list[str], body: list[ast.stmt]) -> ast.FunctionDef:
    node = ast.FunctionDef(
        name=name,
        args=ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, []),
        body=body,
        decorator_list=[],
        returns=None,
    )
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        node.type_params = []  # type: ignore[attr-defined,unused-ignore]
    return node


def _no_args() -> ast.arguments:
    return ast.arguments([], [], None, [], [], None, [])


def _value(read: Callable[[], Any], name: str) -> Any:
    try:
        return read()
    except NameError:
        return _Undefined(name)


RETVAL = "ag__retval"  # (names starting "__ag_" are the rewriter's own, not state)


def _returns_at_end(block: list[ast.stmt]) -> bool:
    """A block whose only way out is the ``return`` that ends it."""
    return bool(block) and isinstance(block[-1], ast.Return) and not _escapes(block[:-1])


def _lift_returns(block: list[ast.stmt]) -> list[ast.stmt]:
    """``if c: …; return a`` followed by ``…; return b`` (or an ``else`` that returns)
    becomes ``if c: …; retval = a / else: …; retval = b`` and one ``return retval``, so
    the ``if`` can turn into ``tf.cond`` (AutoGraph does the same with its ``retval_``)."""
    for i, stmt in enumerate(block):
        if not isinstance(stmt, ast.If) or not _returns_at_end(stmt.body):
            continue
        # what runs when the test is false: the else branch, then (unless it returned)
        # the statements after the if — elif chains included
        after = [] if _returns_at_end(stmt.orelse) else block[i + 1 :]
        rest = _lift_returns([*stmt.orelse, *after])
        if not _returns_at_end(rest):
            continue

        def assign(ret: ast.stmt) -> list[ast.stmt]:
            value = ret.value if isinstance(ret, ast.Return) and ret.value else ast.Constant(None)
            if isinstance(value, ast.Name) and value.id == RETVAL:
                return []  # a nested lift already set it
            return [ast.Assign([ast.Name(RETVAL, ast.Store())], value)]

        body = _lift_returns(stmt.body[:-1]) + assign(stmt.body[-1])
        lifted = ast.copy_location(ast.If(stmt.test, body, rest[:-1] + assign(rest[-1])), stmt)
        lifted.end_lineno = max(getattr(n, "end_lineno", 0) or 0 for n in [stmt, *rest])
        final = ast.copy_location(ast.Return(ast.Name(RETVAL, ast.Load())), rest[-1])
        final.lineno = final.end_lineno = lifted.end_lineno + 1  # read after the if
        return [*block[:i], lifted, final]
    return block


def _tree(fn: Callable[..., Any]) -> ast.Module:
    source = textwrap.dedent(inspect.getsource(fn))
    module = ast.parse(source)
    func = module.body[0]
    if not isinstance(func, ast.FunctionDef):
        raise ValueError(f"autograph converts functions written with def, not {type(func)}")
    func.decorator_list = []  # the decorator (tf.function) is what is calling us
    func.body = _lift_returns(func.body)
    ast.fix_missing_locations(module)
    reads = [
        (n.id, n.lineno)
        for n in ast.walk(func)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    ]
    rewritten = _Rewriter(reads).visit(module)
    return ast.fix_missing_locations(rewritten)


def to_code(
    entity: Callable[..., Any], recursive: bool = True, experimental_optional_features: Any = None
) -> str:
    """The source of ``entity`` as AutoGraph rewrites it. Mirrors: tf.autograph.to_code."""
    fn = getattr(entity, "python_function", entity)
    return ast.unparse(_tree(fn))


def convert(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its tensor-dependent if / while / for-in-tf.range statements rewritten
    into graph control flow (its globals and closure kept)."""
    target = getattr(fn, "__func__", fn)
    module = _tree(target)
    namespace = dict(target.__globals__)
    namespace.update(
        {
            "__ag_if": if_stmt,
            "__ag_while": while_stmt,
            "__ag_for_range": for_range_stmt,
            "__ag_value": _value,
        }
    )
    closure = inspect.getclosurevars(target).nonlocals
    namespace.update(closure)  # closed-over values, read as globals of the rewritten copy
    code = compile(module, filename=f"<autograph {target.__qualname__}>", mode="exec")
    exec(code, namespace)  # noqa: S102 - the user's own function, rewritten
    converted = namespace[target.__name__]
    functools.update_wrapper(converted, target)
    if hasattr(fn, "__self__"):  # a bound method stays bound
        return converted.__get__(fn.__self__, type(fn.__self__))  # type: ignore[no-any-return]
    return converted  # type: ignore[no-any-return]


def converts(err: BaseException) -> bool:
    """Whether ``err`` may be a tracing failure AutoGraph fixes: a tensor used as a
    Python bool, or a Python ``range``/loop fed a tensor (a TypeError either way)."""
    return isinstance(err, TypeError)


class _Experimental:
    @staticmethod
    def do_not_convert(func: Any = None) -> Any:
        """Mirrors: tf.autograph.experimental.do_not_convert."""
        if func is None:
            return lambda f: f
        return func


experimental = _Experimental()
