"""Peak memory of one implementation, measured in a process of its own.

One process holds every implementation while they are timed, and allocators keep what
they freed, so a per-implementation peak cannot be read there. Instead a child process
imports the library, notes its resident size, builds the implementation (weights,
optimiser state, compiled programs) and runs a few steps; the peak is how far the
resident set rose above that mark (Linux's ``VmHWM``, reset through ``clear_refs``).
On a GPU the peak is the device pools' (CuPy's pool, PyTorch's
``max_memory_allocated``, JAX's ``peak_bytes_in_use``).

``python -m workbench.bench.memory WORKLOAD CASE IMPL DEVICE SIZE`` prints
``{"peak_bytes": N}`` (SIZE: full, quick or tiny).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from typing import Any

LIBRARIES = {
    "eager": "workbench.eager",
    "static": "workbench.static",
    "functional": "workbench.functional",
    "torch": "torch",
    "jax": "jax",
}


def status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current resident size
        return True
    except OSError:
        return False


def _gpu_peak(impl: str) -> int:
    if impl.startswith("torch"):
        import torch  # noqa: PLC0415

        torch.cuda.synchronize()
        return int(torch.cuda.max_memory_allocated())
    if impl.startswith("jax"):
        import jax  # noqa: PLC0415

        stats = jax.devices("gpu")[0].memory_stats() or {}
        return int(stats.get("peak_bytes_in_use", 0))
    import cupy  # noqa: PLC0415

    cupy.cuda.Device().synchronize()
    return int(cupy.get_default_memory_pool().total_bytes())


def measure(workload: str, label: str, impl: str, device: str, size: str, steps: int = 3) -> int:
    """Peak bytes of ``steps`` steps (after one warm-up) of one implementation, measured
    in this process: call it in a fresh one (see :func:`in_child`)."""
    from workbench.bench.workloads import WORKLOADS  # noqa: PLC0415

    spec = WORKLOADS[workload]
    case = next(c for c in spec.cases(size == "quick", size == "tiny") if c.label == label)
    import_library(impl)
    reset_peak()
    base = status("VmRSS") or 0
    runner = spec.impls[impl](case, device)
    for _ in range(steps + 1):
        runner.step()
    return peak_since(base, device, impl)


def import_library(impl: str) -> None:
    """Import the library an implementation uses, so its own footprint is not counted."""
    prefix = impl.split("-")[-1] if impl.startswith("tutorial-") else impl.split("-")[0]
    if prefix in LIBRARIES:
        importlib.import_module(LIBRARIES[prefix])


def peak_since(base: int, device: str, impl: str) -> int:
    """The peak since :func:`reset_peak` above ``base`` resident bytes (on a GPU, the
    device pools' peak)."""
    if device.startswith("cuda"):
        return _gpu_peak(impl.removeprefix("tutorial-"))
    peak = status("VmHWM")
    if peak is None:
        import resource  # noqa: PLC0415

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return max(peak - base, 0)


def in_child(workload: str, label: str, impl: str, device: str, size: str) -> int | None:
    """:func:`measure` in a fresh Python process; None if it could not be measured."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "workbench.bench.memory", workload, label, impl, device, size],
            capture_output=True,
            text=True,
            timeout=900,
        )
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        return None
    try:
        found: Any = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return int(found["peak_bytes"])


def main(argv: list[str]) -> int:
    workload, label, impl, device, size = argv
    print(json.dumps({"peak_bytes": measure(workload, label, impl, device, size)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
