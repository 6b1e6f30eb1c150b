"""Sharding on the logical CPU devices — meshes, specs, layouts, ``shard_map`` and the
collectives — against real JAX run on eight CPU devices in a process of its own (JAX fixes
its device count when it starts, so it cannot share this one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import workbench.functional as wjax
import workbench.functional.numpy as wnp
from workbench.functional import lax as wlax

pytest.importorskip("jax")

# The same programs, written once against a module pair (jax, lax) and run on both.
PROGRAMS = r"""
import numpy as np

def programs(jax, jnp, lax, P, NamedSharding, shard_map, AxisType):
    out = {}
    explicit = jax.make_mesh((2, 4), ("x", "y"))
    mesh = jax.make_mesh((2, 4), ("x", "y"), axis_types=(AxisType.Auto, AxisType.Auto))
    x = np.arange(32.0, dtype=np.float32).reshape(8, 4)
    v = np.arange(8.0, dtype=np.float32)
    a = jax.device_put(x, NamedSharding(explicit, P("x", None)))
    out["typeof"] = str(jax.typeof(a))
    out["typeof_sin"] = str(jax.typeof(jnp.sin(a)))
    out["shard_shape"] = list(a.sharding.shard_shape(a.shape))
    out["n_shards"] = len(a.addressable_shards)
    out["shard1"] = [[s.start, s.stop] for s in a.addressable_shards[5].index[:1]]
    out["replicated"] = bool(a.is_fully_replicated)
    out["spec_repr"] = repr(P("x", ("y", "x"), None))
    out["sharding_repr"] = repr(NamedSharding(explicit, P("x")))
    out["mesh_repr"] = repr(mesh)
    try:
        shard_map(lambda s: s, mesh=explicit, in_specs=P("x"), out_specs=P("x"))(v)
        out["explicit_mismatch"] = "no error"
    except ValueError as err:
        out["explicit_mismatch"] = str(err).split(". ")[0]
    placed = jax.device_put(v, NamedSharding(explicit, P("x")))
    same = shard_map(lambda s: s * 2, mesh=explicit, in_specs=P("x"), out_specs=P("x"))(placed)
    out["explicit_typeof"] = str(jax.typeof(same))
    b = jax.device_put(x, NamedSharding(mesh, P("y", "x")))
    out["map"] = sorted(
        [d.id, [[s.start, s.stop] for s in idx]]
        for d, idx in b.sharding.devices_indices_map(b.shape).items()
    )
    total = shard_map(lambda s: lax.psum(s.sum(), "x"), mesh=mesh, in_specs=P("x"), out_specs=P())
    out["psum"] = float(total(v))
    both = shard_map(lambda s: lax.psum(s, ("x", "y")), mesh=mesh, in_specs=P(("x", "y")),
                     out_specs=P())
    out["psum_both"] = np.asarray(both(np.arange(16.0, dtype=np.float32))).tolist()
    idx = shard_map(lambda s: s * lax.axis_index("y") + 10 * lax.axis_index("x"), mesh=mesh,
                    in_specs=P("x", "y"), out_specs=P("x", "y"))
    out["axis_index"] = np.asarray(idx(np.ones((4, 8), np.float32))).tolist()
    ring = shard_map(lambda s: lax.ppermute(s, "y", [(i, (i + 1) % 4) for i in range(4)]),
                     mesh=mesh, in_specs=P(None, "y"), out_specs=P(None, "y"))
    out["ppermute"] = np.asarray(ring(x)).tolist()
    half = shard_map(lambda s: lax.ppermute(s, "y", [(0, 2), (1, 3)]), mesh=mesh,
                     in_specs=P(None, "y"), out_specs=P(None, "y"))
    out["ppermute_partial"] = np.asarray(half(x)).tolist()
    scat = shard_map(lambda s: lax.psum_scatter(s, "y", scatter_dimension=0, tiled=True),
                     mesh=mesh, in_specs=P(None, "y"), out_specs=P("y", None))
    out["psum_scatter"] = np.asarray(scat(x)).tolist()
    gat = shard_map(lambda s: lax.all_gather(s, "y", axis=1, tiled=True), mesh=mesh,
                    in_specs=P("x", "y"), out_specs=P("x", None), check_vma=False)
    square = np.arange(64.0, dtype=np.float32).reshape(8, 8)
    out["all_gather_tiled"] = np.asarray(gat(square)).tolist()
    gat2 = shard_map(lambda s: lax.all_gather(s, "y", axis=0), mesh=mesh,
                     in_specs=P(None, "y"), out_specs=P(None, None, "y"), check_vma=False)
    out["all_gather_stack"] = np.asarray(gat2(x)).tolist()
    a2a = shard_map(lambda s: lax.all_to_all(s, "y", 0, 1, tiled=True), mesh=mesh,
                    in_specs=P(None, "y"), out_specs=P(None, "y"))
    out["all_to_all"] = np.asarray(a2a(np.arange(128.0, dtype=np.float32).reshape(8, 16))).tolist()
    pm = shard_map(lambda s: (lax.pmax(s, "x"), lax.pmin(s, "x"), lax.pmean(s, "x")), mesh=mesh,
                   in_specs=P("x"), out_specs=(P(), P(), P()))
    out["pmax_pmin_pmean"] = [np.asarray(t).tolist() for t in pm(v)]
    mm = shard_map(lambda p, q: lax.psum(p @ q, "y"), mesh=mesh,
                   in_specs=(P("x", "y"), P("y", None)), out_specs=P("x", None))
    w = np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8)
    out["matmul"] = np.asarray(mm(w.T.copy(), w)).tolist()
    loss = lambda p: shard_map(lambda s: lax.psum(jnp.sum(jnp.sin(s) ** 2), "x"), mesh=mesh,
                               in_specs=P("x"), out_specs=P())(p)
    out["grad"] = np.asarray(jax.grad(loss)(v)).tolist()
    out["jit"] = np.asarray(jax.jit(idx)(np.ones((4, 8), np.float32))).tolist()
    # data parallelism inside shard_map: a replicated weight's gradient is summed over the
    # devices (its implicit broadcast's transpose), psum's transpose is that broadcast
    xs = np.linspace(-2, 2, 40, dtype=np.float32).reshape(8, 5)
    ys = np.linspace(1, -1, 8, dtype=np.float32)
    wt = np.linspace(0.5, -0.5, 5, dtype=np.float32)
    mse = lambda q, a, b: jnp.mean((jnp.tanh(a @ q) - b) ** 2)
    specs = dict(mesh=mesh, in_specs=(P(), P("x"), P("x")), out_specs=P())
    out["dp_pmean_of_grads"] = np.asarray(shard_map(
        lambda q, a, b: lax.pmean(jax.grad(mse)(q, a, b), "x"), **specs)(wt, xs, ys)).tolist()
    out["dp_grad_of_pmean"] = np.asarray(shard_map(
        lambda q, a, b: jax.grad(lambda r: lax.pmean(mse(r, a, b), "x"))(q), **specs
    )(wt, xs, ys)).tolist()
    out["dp_full_batch"] = np.asarray(jax.grad(mse)(wt, xs, ys)).tolist()
    # over Explicit axes, under jit: the traced arguments keep their shardings (types)
    placed = [jax.device_put(a, NamedSharding(explicit, P("x"))) for a in (xs, ys)]
    dp_psum = jax.jit(shard_map(
        lambda q, a, b: jax.grad(lambda r: lax.psum(mse(r, a, b), "x"))(q),
        mesh=explicit, in_specs=(P(), P("x"), P("x")), out_specs=P()))
    out["dp_grad_of_psum_explicit"] = np.asarray(dp_psum(wt, *placed)).tolist()
    for name, m in (("uneven", mesh), ("uneven_explicit", explicit)):
        try:
            jax.device_put(np.arange(6.0), NamedSharding(m, P("y")))
            out[name] = "no error"
        except ValueError as err:
            out[name] = str(err).split(" Got shape")[0]
    try:
        jax.make_mesh((4, 4), ("x", "y"))
        out["too_many"] = "no error"
    except ValueError as err:
        out["too_many"] = str(err).split(" (")[0]
    return out
"""

JAX_SIDE = r"""
import json, os, sys
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
import jax, jax.numpy as jnp
from jax import lax
from jax.sharding import PartitionSpec as P, NamedSharding, AxisType
exec(sys.argv[1])
print(json.dumps(programs(jax, jnp, lax, P, NamedSharding, jax.shard_map, AxisType)))
"""


@pytest.fixture
def eight_cpus(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WORKBENCH_CPU_DEVICES", "8")
    yield


@pytest.fixture(scope="module")
def theirs() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    run = subprocess.run(
        [sys.executable, "-c", JAX_SIDE, PROGRAMS],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


@pytest.fixture
def ours(eight_cpus: None) -> dict[str, Any]:
    from workbench.functional.sharding import AxisType, NamedSharding, P

    namespace: dict[str, Any] = {}
    exec(PROGRAMS, namespace)  # noqa: S102 - the program text above
    run = namespace["programs"]
    return dict(run(wjax, wnp, wlax, P, NamedSharding, wjax.shard_map, AxisType))


KEYS = [
    "typeof", "typeof_sin", "shard_shape", "n_shards", "shard1", "replicated", "spec_repr",
    "sharding_repr", "map", "uneven", "too_many", "mesh_repr", "explicit_mismatch",
    "explicit_typeof", "uneven_explicit",
]  # fmt: skip
NUMBERS = [
    "psum", "psum_both", "axis_index", "ppermute", "ppermute_partial", "psum_scatter",
    "all_gather_tiled", "all_gather_stack", "all_to_all", "pmax_pmin_pmean", "matmul", "grad",
    "jit", "dp_pmean_of_grads", "dp_grad_of_pmean", "dp_full_batch", "dp_grad_of_psum_explicit",
]  # fmt: skip


@pytest.mark.parametrize("key", KEYS)
def test_layouts_and_messages_equal_jax(
    key: str, ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    assert ours[key] == theirs[key]


@pytest.mark.parametrize("key", NUMBERS)
def test_shard_map_and_collectives_equal_jax(
    key: str, ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    np.testing.assert_allclose(
        np.asarray(ours[key], dtype=float), np.asarray(theirs[key], dtype=float), rtol=1e-6
    )


def test_the_picture_shows_each_block_with_its_devices(eight_cpus: None) -> None:
    from workbench.functional.sharding import NamedSharding, P, sharding_picture

    mesh = wjax.make_mesh((2, 4), ("x", "y"))
    a = wjax.device_put(np.zeros((8, 4), np.float32), NamedSharding(mesh, P("x", "y")))
    lines = sharding_picture(a).splitlines()
    assert lines[2].split("│")[1:-1] == [" CPU 0 ", " CPU 1 ", " CPU 2 ", " CPU 3 "]
    assert "CPU 4,5,6,7" in sharding_picture(wjax.reshard(a, NamedSharding(mesh, P("x"))))


def test_set_mesh_lets_a_bare_spec_name_the_layout(eight_cpus: None) -> None:
    from workbench.functional.sharding import P, get_abstract_mesh

    mesh = wjax.make_mesh((2, 4), ("x", "y"))
    with wjax.set_mesh(mesh):
        assert get_abstract_mesh() is mesh
        assert str(wjax.typeof(wjax.reshard(np.arange(8.0), P("y")))) == "float32[8@y]"
    assert get_abstract_mesh().empty
    with pytest.raises(ValueError, match="needs a mesh"):
        wjax.reshard(np.arange(8.0), P("y"))
