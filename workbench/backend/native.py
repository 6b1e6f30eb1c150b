"""Native CPU kernels: compile generated C source with the system compiler and load it.

Compiled libraries are cached on disk by the hash of their source. When no compiler is
found (or ``WORKBENCH_NATIVE=0``), :func:`load` returns ``None`` and callers fall back
to NumPy. The compiler is run without a shell, with a fixed argument list.

A kernel is called through cffi: its arguments are counts (Python ints) and arrays'
addresses as :func:`pointer` gives them. ``ndarray.ctypes.data``, what ctypes needs,
costs 1.2 µs an array, which a fused LSTM cell with 19 operands paid 64 times per step,
forward and backward; ``pointer`` costs 0.3.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from typing import Any

import cffi

from workbench import config

_FFI = cffi.FFI()
_FROM_BUFFER = _FFI.from_buffer
_LIBRARIES: dict[str, Any] = {}  # loaded once, kept for the process


@functools.cache
def compiler() -> str | None:
    """The C compiler to use, or None."""
    if not config.native_kernels():
        return None
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return path
    return None


# -fno-math-errno lets the compiler treat tanhf & co. as pure functions, so a loop calling
# them can use glibc's vector versions (libmvec, declared by the generated source).
FLAGS = ("-O3", "-march=native", "-fno-math-errno", "-fPIC", "-shared", "-std=c99")


# glibc's libmvec has SIMD versions of these single-precision functions (x86-64; the
# first five since glibc 2.22, the rest since 2.35). Declaring them lets the compiler
# vectorise a kernel's loop instead of calling the scalar function per element (the
# scalar tanhf made fused LSTM gates several times slower than NumPy's own tanh).
VECTOR_MATH = """
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__clang__)
#define WB_SIMD __attribute__((__simd__("notinbranch")))
WB_SIMD float expf(float); WB_SIMD float logf(float); WB_SIMD float sinf(float);
WB_SIMD float cosf(float); WB_SIMD float powf(float, float);
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)
WB_SIMD float tanhf(float); WB_SIMD float expm1f(float); WB_SIMD float log1pf(float);
WB_SIMD float erff(float);
#endif
#endif
"""


@functools.cache
def libraries() -> tuple[str, ...]:
    """Link flags: the math library, and glibc's vector math library when present."""
    import ctypes.util  # noqa: PLC0415

    return ("-lm", "-lmvec") if ctypes.util.find_library("mvec") else ("-lm",)


@functools.cache
def _cpu_signature() -> str:
    """What -march=native depends on: a cached library is only reused on the same CPU."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [line for line in f if line.startswith(("model name", "flags"))]
        return "".join(sorted(set(lines)))
    except OSError:
        import platform  # noqa: PLC0415

        return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1024)
def load(source: str, symbol: str, signature: str) -> Any:
    """Compile ``source`` (cached by its hash and the flags) and return the function
    ``symbol``, or None. ``signature`` spells its parameters: ``n`` a count (``long
    long``), ``p`` an array's address (pass :func:`pointer` of the array)."""
    cc = compiler()
    if cc is None:
        return None
    key = " ".join((cc, *FLAGS, *libraries(), _cpu_signature(), source))
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    directory = config.kernel_cache_dir()
    library = os.path.join(directory, f"k{digest}.so")
    if not os.path.exists(library):
        try:
            os.makedirs(directory, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                c_file = os.path.join(tmp, "kernel.c")
                with open(c_file, "w") as f:
                    f.write(source)
                built = os.path.join(tmp, "kernel.so")
                subprocess.run(
                    [cc, *FLAGS, "-o", built, c_file, *libraries()],
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                os.replace(built, library)  # atomic: a crash never leaves half a library
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        loaded = _LIBRARIES.get(library) or _LIBRARIES.setdefault(library, ctypes.CDLL(library))
        address = ctypes.cast(getattr(loaded, symbol), ctypes.c_void_p).value
    except (OSError, AttributeError):  # e.g. a vector math function this libc lacks
        return None
    parameters = ", ".join("long long" if kind == "n" else "void *" for kind in signature)
    return _FFI.cast(f"void (*)({parameters})", address)


def pointer(x: Any) -> Any:
    """The address of host array ``x``'s first element, for a kernel of :func:`load`
    (hold ``x`` until the call returns)."""
    if x.flags.c_contiguous:  # a broadcast or strided view would raise, at 2 µs a call
        try:
            return _FROM_BUFFER(x)
        except (TypeError, ValueError, BufferError):  # ml_dtypes' types: no buffer format
            pass
    return _FFI.cast("char *", x.ctypes.data)
