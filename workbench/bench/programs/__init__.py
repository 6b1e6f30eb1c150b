"""Training steps written by others' rules: plain PyTorch and JAX programs, run as they
are and again with only their imports changed.

The suite's own implementations share a harness written with the workbench in mind.
These files are written the way the frameworks' tutorials write a model and a training
step, without an eye on the workbench; :func:`load` reads one and, for the workbench,
rewrites nothing but its import lines (``import torch`` → ``import workbench.eager as
torch``, ``import jax.numpy as jnp`` → ``import workbench.functional.numpy as jnp``, …),
as a learner porting a program would. The ratios BENCHMARKS.md leads with come from
these.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

import numpy as np

from workbench.bench.styles import host_only, jax_device, need, to_numpy
from workbench.bench.suite import Runner, Unavailable

HERE = Path(__file__).parent
# the real framework → the workbench front end that stands in for it
STAND_INS = {
    "torch": "workbench.eager",
    "jax": "workbench.functional",
    "tensorflow": "workbench.static",
}
_IMPORT = re.compile(r"^(\s*)(import|from)\s+(torch|jax|tensorflow)\b(\S*)(.*)$")


def port(source: str) -> str:
    """``source`` with its torch/jax imports pointed at the workbench; nothing else
    changes (a bare ``import torch`` keeps the name ``torch``)."""
    lines = []
    for line in source.splitlines():
        found = _IMPORT.match(line)
        if found:
            indent, verb, root, tail, rest = found.groups()
            module = STAND_INS[root] + tail
            if verb == "import" and not tail and " as " not in rest:
                rest = f" as {root}{rest}"
            elif verb == "import" and tail and " as " not in rest:
                raise ValueError(f"cannot port {line.strip()!r}: give the module a name with 'as'")
            line = f"{indent}{verb} {module}{rest}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def load(name: str, on_workbench: bool) -> types.ModuleType:
    """The program ``programs/<name>.py`` as a module, importing the real framework or,
    with ``on_workbench``, the workbench (``Unavailable`` if the framework is absent)."""
    path = HERE / f"{name}.py"
    source = path.read_text()
    if on_workbench:
        source = port(source)
    else:
        need(name.split("_")[0])
    module = types.ModuleType(f"workbench.bench.programs.{name}", None)
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - our own files
    return module


def torch_runner(
    program: str,
    on_workbench: bool,
    net: dict[str, int],
    weights: list[np.ndarray],
    inputs: list[np.ndarray],
    lr: float,
    device: str,
) -> Any:
    """A :class:`~workbench.bench.suite.Runner` for a PyTorch-style program: ``Net(**net)``
    with ``weights`` copied into ``parameters()`` in order, ``make_optimizer`` and
    ``train_step`` as the program defines them."""
    prog = load(program, on_workbench)
    torch = prog.torch
    where = "cuda" if device.startswith("cuda") else "cpu"
    if where == "cuda" and not torch.cuda.is_available():
        raise Unavailable("no GPU is visible")
    model = prog.Net(**net).to(where)
    params = list(model.parameters())
    with torch.no_grad():
        for p, w in zip(params, weights, strict=True):
            p.copy_(torch.tensor(w, device=where))
    optimizer = prog.make_optimizer(model, lr)
    data, target = (torch.tensor(a, device=where) for a in inputs)

    def step() -> Any:
        return prog.train_step(model, optimizer, data, target)

    def results(loss: Any) -> list[np.ndarray]:
        return [np.asarray(loss.item())] + [to_numpy(p) for p in params]

    return Runner(step, results)


def jax_runner(
    program: str,
    on_workbench: bool,
    weights: list[np.ndarray],
    inputs: list[np.ndarray],
    lr: float,
    device: str,
) -> Any:
    """A Runner for a JAX-style program: parameters as (w, b) pairs, dense weights as
    (in, out) the way JAX code writes them (the suite's are PyTorch's (out, in))."""
    prog = load(program, on_workbench)
    jax = prog.jax
    if on_workbench:
        host_only(device, "the functional front end")
    target = jax_device(jax, device)
    flip = [w.ndim == 2 for w in weights[::2]]
    params = [
        (jax.device_put(w.T if f else w, target), jax.device_put(b, target))
        for w, b, f in zip(weights[::2], weights[1::2], flip)
    ]
    x, y = (
        jax.device_put(a.astype(np.int32) if a.dtype == np.int64 else a, target) for a in inputs
    )
    update = prog.make_update(lr)
    state = [params]

    def step() -> Any:
        state[0], loss = update(state[0], x, y)
        return jax.block_until_ready(loss)

    def results(loss: Any) -> list[np.ndarray]:
        out = [np.asarray(loss)]
        for (w, b), f in zip(state[0], flip):
            out += [np.asarray(w).T if f else np.asarray(w), np.asarray(b)]
        return out

    return Runner(step, results)


def impls(torch_program: str, jax_program: str, setup: Any, net: Any, lr: float) -> dict[str, Any]:
    """The four tutorial implementations of a workload: the PyTorch program on PyTorch
    and on the eager front end, the JAX program on JAX and on the functional one.
    ``setup(sizes)`` gives weights and inputs, ``net(sizes)`` the ``Net`` arguments."""

    def torch_impl(on_workbench: bool) -> Any:
        def build(case: Any, device: str) -> Any:
            weights, inputs = setup(case.sizes)
            return torch_runner(
                torch_program, on_workbench, net(case.sizes), weights, inputs, lr, device
            )

        return build

    def jax_impl(on_workbench: bool) -> Any:
        def build(case: Any, device: str) -> Any:
            weights, inputs = setup(case.sizes)
            return jax_runner(jax_program, on_workbench, weights, inputs, lr, device)

        return build

    return {
        "tutorial-eager": torch_impl(True),
        "tutorial-torch": torch_impl(False),
        "tutorial-functional": jax_impl(True),
        "tutorial-jax": jax_impl(False),
    }
