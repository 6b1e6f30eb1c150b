"""How each implementation of a training step is run, written once per style.

A workload supplies its model in each style (a module builder for the PyTorch-like
libraries, a loss written with ``tf`` ops, a loss written with ``jax.numpy``-like ops);
these builders turn one into a :class:`~workbench.bench.suite.Runner` for a library:

- :func:`torch_like`: ``workbench.eager`` or PyTorch (optionally ``compile``d), with
  ``optim.SGD``/``optim.Adam``, ``zero_grad``/``backward``/``step``.
- :func:`session`: TF1 graph mode in ``workbench.static``, ``sess.run([loss, train_op])``
  with the batch fed every step and a ``tf.compat.v1.train`` optimizer.
- :func:`tf_function`: a ``tf.function`` step with a ``GradientTape`` and a Keras
  optimizer (or ``assign_sub`` for SGD).
- :func:`functional`: ``workbench.functional`` or JAX, ``value_and_grad`` and a pure
  optimiser update, under ``jit`` or not.

Every runner starts from the same NumPy initial values; its ``results`` are the loss and
the updated parameters, in the workload's canonical order and layout.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.bench.suite import Runner, Unavailable


@dataclass(frozen=True)
class Optimizer:
    """``sgd`` or ``adam`` (PyTorch's defaults apart from the learning rate, eps 1e-8)."""

    kind: str
    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8

    def tf_epsilon(self) -> float:
        """TensorFlow's Adam adds epsilon to sqrt(v) *before* the bias correction,
        PyTorch's after it; this epsilon makes TensorFlow's first step PyTorch's exactly
        (later steps differ by less as the correction fades). Without it, weights with
        gradients near 1e-8 move by visibly different amounts in the two libraries."""
        return self.eps * (1 - self.betas[1]) ** 0.5


def need(module: str) -> Any:
    """Import ``module`` or say that the implementation cannot run without it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise Unavailable(f"{module.split('.')[0]} is not installed") from err


def host_only(device: str, what: str) -> None:
    if device.startswith("cuda"):
        raise Unavailable(f"{what} runs on the CPU in this suite")


def to_numpy(value: Any) -> np.ndarray:
    """A host copy of an array of any of the libraries compared."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    elif hasattr(value, "get") and not isinstance(value, np.ndarray):
        value = value.get()
    elif hasattr(value, "numpy"):
        value = value.numpy()
    return np.array(value, copy=True)


# ---------------------------------------------------------------------------------------
# PyTorch style


def torch_like(
    library: str,
    build: Callable[[Any], Any],
    weights: Sequence[np.ndarray],
    inputs: Sequence[np.ndarray],
    loss: Callable[..., Any],
    opt: Optimizer,
    device: str,
    *,
    compile: bool = False,  # noqa: A002
) -> Runner:
    """``build(lib)`` returns a module whose ``parameters()`` follow ``weights``' order;
    ``loss(lib, model, *inputs)`` returns the scalar loss."""
    lib = need(library)
    where = "cuda" if device.startswith("cuda") else "cpu"
    if where == "cuda" and not lib.cuda.is_available():
        raise Unavailable(f"{library} sees no GPU")
    model = build(lib).to(where)
    params = list(model.parameters())
    if [tuple(p.shape) for p in params] != [w.shape for w in weights]:
        raise AssertionError(f"{library}: the model's parameters do not match the weights")
    with lib.no_grad():
        for p, w in zip(params, weights):
            p.copy_(lib.tensor(w, device=where))
    tensors = [lib.tensor(a, device=where) for a in inputs]
    if compile:
        try:
            forward = lib.compile(model)
        except Exception as err:  # noqa: BLE001 - a compiler that cannot work here
            raise Unavailable(f"{library}.compile failed: {err}") from err
    else:
        forward = model
    if opt.kind == "sgd":
        optimizer = lib.optim.SGD(params, lr=opt.lr)
    else:
        optimizer = lib.optim.Adam(params, lr=opt.lr, betas=opt.betas, eps=opt.eps)

    def step() -> Any:
        value = loss(lib, forward, *tensors)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        return value

    def results(value: Any) -> list[np.ndarray]:
        return [np.asarray(value.item())] + [to_numpy(p) for p in params]

    return Runner(step, results)


# ---------------------------------------------------------------------------------------
# TensorFlow style


def session(
    build_loss: Callable[..., Any],
    weights: Sequence[np.ndarray],
    inputs: Sequence[np.ndarray],
    opt: Optimizer,
    device: str,
) -> Runner:
    """TF1 graph mode: placeholders (batch dimension unknown), variables, the loss
    ``build_loss(tf, params, *placeholders)``, and ``optimizer.minimize``."""
    host_only(device, "the static front end")
    tf = need("workbench.static")
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        feeds = [v1.placeholder(tf.as_dtype(a.dtype), (None, *a.shape[1:])) for a in inputs]
        params = [tf.Variable(w) for w in weights]
        loss = build_loss(tf, params, *feeds)
        if opt.kind == "sgd":
            optimizer = v1.train.GradientDescentOptimizer(opt.lr)
        else:
            optimizer = v1.train.AdamOptimizer(
                opt.lr, beta1=opt.betas[0], beta2=opt.betas[1], epsilon=opt.tf_epsilon()
            )
        train = optimizer.minimize(loss)
        sess = v1.Session(graph=graph)
        sess.run(v1.global_variables_initializer())
    feed = dict(zip(feeds, inputs))

    def step() -> Any:
        return sess.run([loss, train], feed)[0]

    def results(value: Any) -> list[np.ndarray]:
        return [np.asarray(value)] + [np.asarray(v) for v in sess.run(params)]

    return Runner(step, results)


def tf_function(
    build_loss: Callable[..., Any],
    weights: Sequence[np.ndarray],
    inputs: Sequence[np.ndarray],
    opt: Optimizer,
    device: str,
) -> Runner:
    """TF2: a ``tf.function`` training step with a ``GradientTape``."""
    host_only(device, "the static front end")
    tf = need("workbench.static")
    params = [tf.Variable(w) for w in weights]
    tensors = [tf.constant(a) for a in inputs]
    optimizer = None
    if opt.kind == "adam":
        optimizer = tf.keras.optimizers.Adam(
            opt.lr, beta_1=opt.betas[0], beta_2=opt.betas[1], epsilon=opt.tf_epsilon()
        )

    @tf.function
    def train_step(*args: Any) -> Any:
        with tf.GradientTape() as tape:
            value = build_loss(tf, params, *args)
        grads = tape.gradient(value, params)
        if optimizer is None:
            for p, g in zip(params, grads):
                p.assign_sub(opt.lr * g)
        else:
            optimizer.apply_gradients(zip(grads, params))
        return value

    def results(value: Any) -> list[np.ndarray]:
        return [np.asarray(value)] + [p.numpy() for p in params]

    return Runner(lambda: train_step(*tensors), results)


# ---------------------------------------------------------------------------------------
# JAX style


def _adam_init(jnp: Any, params: list[Any]) -> Any:
    return (jnp.zeros(()), [jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params])


def _update(jnp: Any, opt: Optimizer, params: list[Any], grads: list[Any], state: Any) -> Any:
    """SGD or Adam as pure functions (PyTorch's formulas), for JAX-like libraries."""
    if opt.kind == "sgd":
        return [p - opt.lr * g for p, g in zip(params, grads)], state
    b1, b2 = opt.betas
    t, ms, vs = state
    t = t + 1
    ms = [b1 * m + (1 - b1) * g for m, g in zip(ms, grads)]
    vs = [b2 * v + (1 - b2) * g * g for v, g in zip(vs, grads)]
    c1, c2 = 1 - b1**t, 1 - b2**t
    new = [p - opt.lr * (m / c1) / (jnp.sqrt(v / c2) + opt.eps) for p, m, v in zip(params, ms, vs)]
    return new, (t, ms, vs)


def functional(
    library: str,
    loss: Callable[..., Any],
    weights: Sequence[np.ndarray],
    inputs: Sequence[np.ndarray],
    opt: Optimizer,
    device: str,
    *,
    jit: bool = True,
) -> Runner:
    """``loss(jax, jnp, params, *inputs)``; params and optimiser state passed explicitly."""
    jax = need(library)
    jnp = need(f"{library}.numpy")
    if library == "workbench.functional":
        host_only(device, "the functional front end")
    target = jax_device(jax, device) if library == "jax" else None

    def put(a: np.ndarray) -> Any:
        if a.dtype == np.int64:
            a = a.astype(np.int32)  # JAX's default integer width
        return jax.device_put(a, target) if target is not None else jnp.asarray(a)

    params = [put(w) for w in weights]
    args = [put(a) for a in inputs]
    state = _adam_init(jnp, params) if opt.kind == "adam" else ()

    def update(params: list[Any], state: Any, *args: Any) -> Any:
        value, grads = jax.value_and_grad(lambda p: loss(jax, jnp, p, *args))(params)
        new, state = _update(jnp, opt, params, grads, state)
        return value, new, state

    run = jax.jit(update) if jit else update
    holder: list[Any] = [params, state]

    def step() -> Any:
        value, holder[0], holder[1] = run(holder[0], holder[1], *args)
        return jax.block_until_ready((value, holder[0]))[0]

    def results(value: Any) -> list[np.ndarray]:
        return [np.asarray(value)] + [np.asarray(p) for p in holder[0]]

    return Runner(step, results)


def jax_device(jax: Any, device: str) -> Any:
    try:
        return jax.devices("gpu" if device.startswith("cuda") else "cpu")[0]
    except RuntimeError as err:
        raise Unavailable(f"JAX has no {device} device") from err


# ---------------------------------------------------------------------------------------
# The usual set of implementations for a training step


def standard_impls(
    *,
    torch_model: Callable[[Any, dict[str, int]], Any],
    torch_loss: Callable[..., Any],
    tf_loss: Callable[..., Any],
    jax_loss: Callable[..., Any],
    setup: Callable[[dict[str, int]], tuple[list[np.ndarray], list[np.ndarray]]],
    opt: Optimizer,
    sized: bool = False,
) -> dict[str, Callable[[Any, str], Runner]]:
    """Builders for eager, static (Session and function), functional (jit and not),
    PyTorch (eager and compiled) and ``jax.jit``, from one model per style.

    ``setup(sizes)`` returns the initial weights (canonical layout) and the inputs;
    with ``sized``, the static and functional losses also get ``sizes=`` (the case's)."""

    def bind(loss: Callable[..., Any], case: Any) -> Callable[..., Any]:
        return functools.partial(loss, sizes=case.sizes) if sized else loss

    def torch_impl(library: str, compiled: bool = False) -> Callable[[Any, str], Runner]:
        def build(case: Any, device: str) -> Runner:
            weights, inputs = setup(case.sizes)
            return torch_like(
                library,
                lambda lib: torch_model(lib, case.sizes),
                weights,
                inputs,
                torch_loss,
                opt,
                device,
                compile=compiled,
            )

        return build

    def tf_impl(kind: Callable[..., Runner]) -> Callable[[Any, str], Runner]:
        def build(case: Any, device: str) -> Runner:
            weights, inputs = setup(case.sizes)
            return kind(bind(tf_loss, case), weights, inputs, opt, device)

        return build

    def jax_impl(library: str, jit: bool) -> Callable[[Any, str], Runner]:
        def build(case: Any, device: str) -> Runner:
            weights, inputs = setup(case.sizes)
            return functional(library, bind(jax_loss, case), weights, inputs, opt, device, jit=jit)

        return build

    return {
        "eager": torch_impl("workbench.eager"),
        "static-session": tf_impl(session),
        "static-function": tf_impl(tf_function),
        "functional-jit": jax_impl("workbench.functional", True),
        "functional": jax_impl("workbench.functional", False),
        "torch": torch_impl("torch"),
        "torch-compile": torch_impl("torch", compiled=True),
        "jax-jit": jax_impl("jax", True),
    }


def training_impls(
    *,
    setup: Callable[[dict[str, int]], tuple[list[np.ndarray], list[np.ndarray]]],
    hand_step: Callable[[dict[str, int]], Callable[..., Any]],
    opt: Optimizer,
    **models: Any,
) -> dict[str, Callable[[Any, str], Runner]]:
    """Every implementation of a training step: the hand-written one (``hand_step(sizes)``
    returns its ``loss_and_grads``) and :func:`standard_impls` with ``models``."""
    from workbench.bench import hand  # noqa: PLC0415

    def by_hand(case: Any, device: str) -> Runner:
        weights, inputs = setup(case.sizes)
        return hand.runner(device, weights, inputs, hand_step(case.sizes), opt)

    return {"numpy": by_hand, **standard_impls(setup=setup, opt=opt, **models)}


def training_workload(
    name: str, description: str, full: dict[str, int], tiny: dict[str, int], **impls: Any
) -> Any:
    """A workload with one case (``tiny`` sizes under ``--tiny``) and
    :func:`training_impls`."""
    from workbench.bench.suite import Case, Workload  # noqa: PLC0415

    return Workload(
        name,
        description,
        lambda quick, small: [Case(name, "", dict(tiny if small else full))],
        training_impls(**impls),
    )
