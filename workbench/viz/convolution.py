"""Seeing a convolution, in the spirit of CNN Explainer: a filter sliding over an input,
the im2col matrix whose rows are the patches it visits, and the output map filling in,
position by position; and the filters a trained network learned, with the feature maps
they produce. Outputs are computed by the workbench's own ``conv2d`` (cross-correlation,
as every framework computes it: the kernel is not flipped); the im2col matrix is built
beside it to show the same numbers as one matrix product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.viz import plots

KERNELS: dict[str, np.ndarray] = {
    "vertical edges": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], np.float32),
    "horizontal edges": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], np.float32),
    "blur": np.full((3, 3), 1 / 9, np.float32),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32),
}


def sample_image() -> np.ndarray:
    """A 10x10 picture of a "7" with a bar: strokes in several directions, so every
    kernel above finds something."""
    image = np.zeros((10, 10), np.float32)
    image[1, 2:8] = 1.0  # the top bar
    for row in range(2, 9):  # the diagonal stroke
        image[row, 8 - (row + 1) // 2] = 1.0
    image[5, 3:7] = 1.0  # the crossing bar
    return image


def im2col(image: np.ndarray, kh: int, kw: int, stride: int = 1) -> np.ndarray:
    """The patches a kh x kw filter visits, one flattened patch per row (row-major
    positions): shape (out_h * out_w, kh * kw)."""
    windows = np.lib.stride_tricks.sliding_window_view(image, (kh, kw))[::stride, ::stride]
    return windows.reshape(-1, kh * kw)


def convolve(image: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """'valid' cross-correlation of a 2-d image with a 2-d kernel, by the workbench's
    ``conv2d`` (PyTorch's layout: one image, one channel)."""
    import workbench.eager as torch  # noqa: PLC0415

    out = torch.nn.functional.conv2d(
        torch.tensor(np.asarray(image, np.float32)[None, None]),
        torch.tensor(np.asarray(kernel, np.float32)[None, None]),
        stride=stride,
    )
    return out.numpy()[0, 0]


def _show_matrix(ax: Any, values: np.ndarray, cmap: str = "gray", numbers: bool = False) -> None:
    ax.imshow(values, cmap=cmap)
    ax.set_xticks([])
    ax.set_yticks([])
    if numbers:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=8, color="#d69e2e")


def _outline(ax: Any, row: float, col: float, height: float, width: float) -> None:
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    corner = (col - 0.5, row - 0.5)
    ax.add_patch(Rectangle(corner, width, height, fill=False, edgecolor="#e53e3e", lw=2.5))


def explorer_figure(image: np.ndarray, kernel: np.ndarray, position: int, stride: int = 1) -> Any:
    """Input with the filter's window at output ``position`` (row-major), the kernel,
    the output map so far, and the im2col matrix with the patch's row marked."""
    kh, kw = kernel.shape
    out = convolve(image, kernel, stride)
    out_h, out_w = out.shape
    i, j = divmod(position, out_w)
    rows = im2col(image, kh, kw, stride)
    shown = np.full(out.shape, np.nan)
    shown.flat[: position + 1] = out.flat[: position + 1]
    fig = plots._figure(figsize=(11, 3.6))
    grid = fig.add_gridspec(1, 4, width_ratios=[1, 0.55, 1, 1.1])
    ax = fig.add_subplot(grid[0])
    _show_matrix(ax, image)
    _outline(ax, i * stride, j * stride, kh, kw)
    ax.set_title(f"input {image.shape[0]}x{image.shape[1]}", fontsize=9)
    ax = fig.add_subplot(grid[1])
    _show_matrix(ax, kernel, cmap="coolwarm", numbers=True)
    ax.set_title(f"kernel {kh}x{kw}", fontsize=9)
    ax = fig.add_subplot(grid[2])
    limit = float(np.abs(out).max()) or 1.0
    ax.imshow(shown, cmap="coolwarm", vmin=-limit, vmax=limit)
    ax.set_xticks([])
    ax.set_yticks([])
    _outline(ax, i, j, 1, 1)
    ax.set_title(f"output {out_h}x{out_w}: [{i}, {j}] = {out[i, j]:.3g}", fontsize=9)
    ax = fig.add_subplot(grid[3])
    ax.imshow(rows, cmap="gray", aspect="auto", interpolation="nearest")
    ax.axhline(position, color="#e53e3e", lw=2)
    ax.set_xlabel(f"{kh * kw} pixels of a patch", fontsize=8)
    ax.set_ylabel(f"{rows.shape[0]} patches", fontsize=8)
    ax.set_title("im2col: output = patches @ kernel.ravel()", fontsize=9)
    fig.tight_layout()
    return fig


def feature_maps(filters: Any, image: np.ndarray, title: str = "") -> Any:
    """Each filter (top row) and the feature map it makes of ``image`` (bottom row).
    ``filters``: an array (n, kh, kw) or (n, 1, kh, kw) — a Conv2d's weight works."""
    weights = np.asarray(filters.detach().numpy() if hasattr(filters, "detach") else filters)
    weights = weights.reshape(-1, weights.shape[-2], weights.shape[-1])
    n = len(weights)
    fig = plots._figure(figsize=(1.3 * n, 3.0))
    for k, kernel in enumerate(weights):
        top = fig.add_subplot(2, n, k + 1)
        _show_matrix(top, kernel, cmap="coolwarm")
        top.set_title(f"filter {k}", fontsize=8)
        bottom = fig.add_subplot(2, n, n + k + 1)
        _show_matrix(bottom, convolve(image, kernel), cmap="viridis")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


class ConvolutionExplorer:
    """A slider moves the filter over the input; the output map fills in and the im2col
    row of the current patch is marked. Choose a kernel, or pass your own."""

    def __init__(self, image: Any = None, kernel: Any = "vertical edges", stride: int = 1):
        from workbench.viz.widgets import _ipywidgets  # noqa: PLC0415

        w = _ipywidgets()
        self.image = sample_image() if image is None else np.asarray(image, np.float32)
        kernels = dict(KERNELS)
        if not isinstance(kernel, str):
            kernels = {"yours": np.asarray(kernel, np.float32), **kernels}
            kernel = "yours"
        self.kernels = kernels
        self.stride = int(stride)
        self.kernel = w.Dropdown(options=list(kernels), value=kernel, description="kernel")
        self.position = w.IntSlider(
            min=0, max=0, value=0, description="position", style={"description_width": "initial"}
        )
        self.picture = w.Image(format="png", layout={"max_width": "100%", "height": "auto"})
        self.kernel.observe(lambda change: self._new_kernel(), names="value")
        self.position.observe(lambda change: self.draw(), names="value")
        self.widget = w.VBox([w.HBox([self.kernel, self.position]), self.picture])
        self._new_kernel()

    def output(self) -> np.ndarray:
        return convolve(self.image, self.kernels[self.kernel.value], self.stride)

    def _new_kernel(self) -> None:
        out = self.output()
        self.position.max = out.size - 1
        self.position.value = min(self.position.value, out.size - 1)
        self.draw()

    def draw(self) -> None:
        from workbench.notebook import figure_png  # noqa: PLC0415

        kernel = self.kernels[self.kernel.value]
        self.figure = explorer_figure(self.image, kernel, self.position.value, self.stride)
        self.picture.value = figure_png(self.figure)

    def _ipython_display_(self) -> None:
        from IPython.display import display  # noqa: PLC0415

        display(self.widget)
