"""What a graph drawing shows, independent of how it is rendered: nodes (inputs,
parameters, constants, operations, outputs) grouped by module or name scope, and edges
that follow the data. Built from the core's IR or from a static graph's operations, and
written out as Graphviz DOT.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.core.ir import Equation, Graph, Literal, Var, subgraphs

STYLES = {
    "input": 'shape=ellipse, style=filled, fillcolor="#cfe8ff", color="#2b6cb0"',
    "param": 'shape=box, style="rounded,filled", fillcolor="#ffe3b3", color="#c05621"',
    "const": 'shape=note, style=filled, fillcolor="#eeeeee", color="#888888", fontsize=10',
    "op": 'shape=box, style="filled", fillcolor="#ffffff", color="#444444"',
    "grad": 'shape=box, style="filled", fillcolor="#fde2e2", color="#c53030"',
    "output": 'shape=doubleoctagon, style=filled, fillcolor="#c6f6d5", color="#2f855a"',
    "more": 'shape=plaintext, fontcolor="#555555"',
}


@dataclass
class Node:
    id: str
    label: str
    kind: str  # input, param, const, op, grad, output, more
    group: tuple[str, ...] = ()
    ref: Any = None  # the Var or Equation (or static Operation) it stands for
    details: str = ""  # shown on hover (params, full names): the label stays short


@dataclass
class Diagram:
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    cluster_labels: dict[tuple[str, ...], str] = field(default_factory=dict)
    edge_labels: dict[tuple[str, str], str] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    @property
    def operations(self) -> list[Node]:
        return [n for n in self.nodes if n.kind in ("op", "grad")]


def _type_text(atom: Any) -> str:
    return str(atom.type)


def _literal(lit: Literal) -> str:
    value = lit.value.numpy()
    return f"{value.item():g}" if value.size == 1 else "…"


def _params_text(eqn: Equation) -> str:
    """Every param but sub-graphs, for the hover text (labels show the name only)."""
    shown = []
    for key, value in eqn.params.items():
        if isinstance(value, Graph) or (
            isinstance(value, tuple) and value and isinstance(value[0], Graph)
        ):
            continue
        shown.append(f"{key}={value}")
    return "\n".join(shown)


def from_core(
    graph: Graph,
    names: dict[int, str] | None = None,
    kinds: dict[int, str] | None = None,
    title: str = "",
    expand_fused: bool = True,
    output_names: Sequence[str] = (),
) -> Diagram:
    """A diagram of a core IR graph. ``names``/``kinds`` (keyed by ``id(var)``) label the
    inputs (for example a model's parameter names) and mark them as ``param``;
    ``output_names`` labels the outputs (default "output i")."""
    names = names or {}
    kinds = kinds or {}
    d = Diagram(title=title)
    producer: dict[int, str] = {}
    for i, var in enumerate(graph.inputs):
        label = names.get(id(var)) or var.hint or f"input {i}"
        kind = kinds.get(id(var), "input")
        d.nodes.append(Node(f"in{i}", f"{label}\\n{_type_text(var)}", kind, ref=var))
        producer[id(var)] = f"in{i}"
    for i, (var, _) in enumerate(graph.constants):
        label = names.get(id(var)) or var.hint or "constant"
        kind = kinds.get(id(var), "const")
        d.nodes.append(Node(f"c{i}", f"{label}\\n{_type_text(var)}", kind, ref=var))
        producer[id(var)] = f"c{i}"
    _equations(d, graph.equations, producer, (), "e", expand_fused)
    for i, atom in enumerate(graph.outputs):
        label = output_names[i] if i < len(output_names) else f"output {i}"
        d.nodes.append(Node(f"out{i}", f"{label}\\n{_type_text(atom)}", "output", ref=atom))
        if isinstance(atom, Var) and id(atom) in producer:
            d.edges.append((producer[id(atom)], f"out{i}"))
    return d


def _equations(
    d: Diagram,
    equations: Sequence[Equation],
    producer: dict[int, str],
    group: tuple[str, ...],
    prefix: str,
    expand_fused: bool,
) -> None:
    for k, eqn in enumerate(equations):
        node_id = f"{prefix}{k}"
        name = eqn.primitive.name
        if eqn.primitive.fused_group and expand_fused:
            inner = eqn.params["graph"]
            cluster = (*group, f"fused group {k}")
            d.cluster_labels[cluster] = "fused: one kernel"
            inner_producer = dict(producer)
            for var, outer in zip(inner.inputs, eqn.inputs):
                if isinstance(outer, Var) and id(outer) in producer:
                    inner_producer[id(var)] = producer[id(outer)]
            _equations(d, inner.equations, inner_producer, cluster, f"{node_id}_", expand_fused)
            for var, atom in zip(eqn.outputs, inner.outputs):
                if isinstance(atom, Var) and id(atom) in inner_producer:
                    producer[id(var)] = inner_producer[id(atom)]
            continue
        literals = [_literal(a) for a in eqn.inputs if isinstance(a, Literal)]
        label = name + (f"({', '.join(literals)})" if literals else "")
        label += "\\n" + ", ".join(_type_text(v) for v in eqn.outputs)
        details = f"{name}\n{_params_text(eqn)}".strip()
        d.nodes.append(Node(node_id, label, "op", group, ref=eqn, details=details))
        for atom in eqn.inputs:
            if isinstance(atom, Var) and id(atom) in producer:
                d.edges.append((producer[id(atom)], node_id))
        for var in eqn.outputs:
            producer[id(var)] = node_id
        for j, sub in enumerate(subgraphs(eqn)):
            cluster = (*group, f"{name} {k}.{j}")
            d.cluster_labels[cluster] = f"{name}: sub-graph {j}"
            sub_producer: dict[int, str] = {}
            for i, var in enumerate(sub.inputs):
                sub_id = f"{node_id}_s{j}_in{i}"
                d.nodes.append(
                    Node(sub_id, f"arg {i}\\n{_type_text(var)}", "input", cluster, ref=var)
                )
                sub_producer[id(var)] = sub_id
            _equations(d, sub.equations, sub_producer, cluster, f"{node_id}_s{j}_", expand_fused)
            for atom in sub.outputs:
                if isinstance(atom, Var) and id(atom) in sub_producer:
                    d.edges.append((sub_producer[id(atom)], node_id))


def from_ops(operations: Iterable[Any], fetches: Sequence[Any] = (), title: str = "") -> Diagram:
    """A diagram of static-graph operations (TensorFlow style): op type and name, grouped
    by name scope; gradient ops are marked."""
    d = Diagram(title=title)
    ops_list = list(operations)
    ids = {id(op): f"op{i}" for i, op in enumerate(ops_list)}
    for i, op in enumerate(ops_list):
        parts = op.name.split("/")
        group = tuple(parts[:-1])
        shapes = ", ".join(f"{t.dtype.name}{t.shape}" for t in op.outputs)
        kind = {"placeholder": "input", "variable": "param"}.get(op.kind, "op")
        if op.type == "Const":
            kind = "const"
        if parts[0].startswith("gradients"):
            kind = "grad"
        # "MatMul" named "MatMul" (or "MatMul_1") says its type once, not twice
        own_name = parts[-1] if re.sub(r"_\d+$", "", parts[-1]) != op.type else ""
        label = op.type + (f"\\n{own_name}" if own_name else "")
        label += f"\\n{shapes}" if shapes else ""
        d.nodes.append(Node(f"op{i}", label, kind, group, ref=op, details=op.name))
        for t in op.inputs:
            if id(t.op) in ids:
                d.edges.append((ids[id(t.op)], f"op{i}"))
        for c in op.control_inputs:
            if id(c) in ids:
                d.edges.append((ids[id(c)], f"op{i}"))
    for k, f in enumerate(fetches):
        op = getattr(f, "op", f)
        if id(op) in ids:
            d.nodes.append(Node(f"fetch{k}", f"fetch\\n{getattr(f, 'name', op.name)}", "output"))
            d.edges.append((ids[id(op)], f"fetch{k}"))
    for node in d.nodes:
        for depth in range(1, len(node.group) + 1):
            d.cluster_labels.setdefault(node.group[:depth], node.group[depth - 1])
    return d


# ---------------------------------------------------------------------------------------
# DOT


TITLE_WIDTH = 70  # characters per title line: long titles wrap instead of widening the picture


def _edge_label(text: str) -> str:
    """An edge's label as Graphviz HTML: values in blue, gradient lines (∂…) in red."""
    lines = []
    for line in text.split("\\n"):
        colour = "#c53030" if line.startswith("∂") else "#2b6cb0"
        lines.append(f'<font color="{colour}">{html.escape(line)}</font>')
    return "<br/>".join(lines)


def _escape(text: str) -> str:
    return text.replace('"', '\\"')


def to_dot(
    d: Diagram,
    max_nodes: int = 200,
    collapse: Sequence[str] = (),
    highlight: Iterable[str] = (),
    rankdir: str = "TB",
) -> str:
    """Graphviz source. Groups listed in ``collapse`` become one node each; past
    ``max_nodes`` operations the rest are summarised as one "N more" node."""
    collapsed = {tuple(c.split("/")) for c in collapse}
    marked = set(highlight)
    alias: dict[str, str] = {}
    shown: list[Node] = []
    ops_seen = 0
    hidden = 0
    for node in d.nodes:
        prefix = next((node.group[: len(c)] for c in collapsed if node.group[: len(c)] == c), None)
        if prefix is not None:
            key = "collapsed_" + "_".join(prefix)
            alias[node.id] = key
            if not any(n.id == key for n in shown):
                shown.append(Node(key, f"{'/'.join(prefix)}\\n(collapsed)", "op", prefix[:-1]))
            continue
        if node.kind in ("op", "grad"):
            ops_seen += 1
            if ops_seen > max_nodes:
                hidden += 1
                alias[node.id] = "more"
                continue
        shown.append(node)
    if hidden:
        shown.append(
            Node("more", f"… {hidden} more operations\\n(raise max_nodes to see them)", "more")
        )
    lines = [
        "digraph workbench {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555", fontname="Helvetica"];',
    ]
    if d.title:
        title = "\\n".join(textwrap.wrap(d.title, TITLE_WIDTH))
        lines.append(f'  label="{_escape(title)}"; labelloc=t; fontname="Helvetica";')
    by_group: dict[tuple[str, ...], list[Node]] = {}
    for node in shown:
        by_group.setdefault(node.group, []).append(node)

    def emit(group: tuple[str, ...], indent: str) -> None:
        for node in by_group.get(group, []):
            style = STYLES[node.kind]
            if node.id in marked:
                style += ', penwidth=3, color="#d69e2e", fillcolor="#fefcbf"'
            hover = _escape((node.details or node.label).replace("\n", "&#10;"))
            lines.append(
                f'{indent}"{node.id}" [label="{_escape(node.label)}", tooltip="{hover}", {style}];'
            )
        children = sorted(
            {
                g[: len(group) + 1]
                for g in by_group
                if len(g) > len(group) and g[: len(group)] == group
            }
        )
        for child in children:
            cid = "cluster_" + "_".join(f"{abs(hash(p)) % 10**8}" for p in child)
            lines.append(f'{indent}subgraph "{cid}" {{')
            label = d.cluster_labels.get(child, child[-1])
            dashed = "fused" in label or "sub-graph" in label
            lines.append(
                f'{indent}  label="{_escape(label)}"; '
                f'style="rounded{",dashed" if dashed else ""}"; color="#999999";'
            )
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")

    emit((), "  ")
    present = {n.id for n in shown}
    seen_edges: set[tuple[str, str]] = set()
    for a, b in d.edges:
        a, b = alias.get(a, a), alias.get(b, b)
        if a == b or a not in present or b not in present or (a, b) in seen_edges:
            continue
        seen_edges.add((a, b))
        text = d.edge_labels.get((a, b))
        if text:
            lines.append(f'  "{a}" -> "{b}" [label=<{_edge_label(text)}>, fontsize=9];')
        else:
            lines.append(f'  "{a}" -> "{b}";')
    lines.append("}")
    return "\n".join(lines)


def node_text(node: Node) -> str:
    return html.escape(node.label.replace("\\n", " "))
