"""The one multi-layer perceptron builder shared by every neural estimator."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.modules import module as _module_globals

from ._fused import FUSED_ACTIVATIONS, MLPWorkspace, fused_mlp, fused_mse_step, mlp_inference

__all__ = ["MLP", "ACTIVATIONS", "INITIALIZATIONS"]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "leaky_relu": nn.LeakyReLU,
}


def _glorot_uniform(w):
    nn.init.xavier_uniform_(w)


def _glorot_normal(w):
    nn.init.xavier_normal_(w)


def _he_uniform(w):
    nn.init.kaiming_uniform_(w, nonlinearity="relu")


def _he_normal(w):
    nn.init.kaiming_normal_(w, nonlinearity="relu")


def _lecun_normal(w):
    nn.init.kaiming_normal_(w, nonlinearity="linear")


# Keras names, because the seed systems were specified in Keras terms; biases start at zero as there.
INITIALIZATIONS = {
    "glorot_uniform": _glorot_uniform,
    "glorot_normal": _glorot_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
    "lecun_normal": _lecun_normal,
    "torch_default": None,
}


class MLP(nn.Sequential):
    """Fully connected network: ``[Linear -> (BatchNorm) -> activation -> (Dropout)] * n -> Linear``.

    Parameters
    ----------
    n_inputs : int
        Number of input features.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer; empty for a linear model.
    n_outputs : int, default=1
        Width of the output layer (no activation on it: losses take raw outputs).
    activation : str, default="relu"
        One of :data:`ACTIVATIONS`.
    init : str, default="glorot_uniform"
        Weight initialisation, one of :data:`INITIALIZATIONS` (Keras names). Biases start at zero,
        except with ``"torch_default"``, which keeps PyTorch's own initialisation.
    batch_norm : bool, default=False
        Insert ``BatchNorm1d`` between each hidden ``Linear`` and its activation.
    dropout : float, default=0.0
        Dropout probability after each hidden activation; 0 adds no layer.
    fused : bool, default=True
        In training mode, run plain networks (relu/tanh/sigmoid, no BatchNorm, no dropout, no
        hooks) through :func:`~skhep_models.nn._fused.fused_mlp`, which reuses preallocated
        activation buffers instead of allocating them per batch, and computes the wide float32
        products on CPUs with AVX-512 through oneDNN instead of MKL (the same results up to
        rounding, ~1e-6 relative; faster on CPU). Training loops that run two forward passes
        before one backward need ``fused=False``. Without gradients (prediction, generation)
        such networks also run through reused hidden-activation buffers, one set per thread.

    Examples
    --------
    >>> import torch
    >>> from skhep_models.nn import MLP
    >>> net = MLP(4, (8, 8), n_outputs=2, activation="tanh", batch_norm=True)
    >>> net(torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """

    def __init__(
        self,
        n_inputs: int,
        hidden_layer_sizes: Sequence[int] = (),
        n_outputs: int = 1,
        *,
        activation: str = "relu",
        init: str = "glorot_uniform",
        batch_norm: bool = False,
        dropout: float = 0.0,
        fused: bool = True,
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}.")
        if init not in INITIALIZATIONS:
            raise ValueError(f"init must be one of {sorted(INITIALIZATIONS)}, got {init!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        widths = [int(n_inputs), *map(int, hidden_layer_sizes)]
        if min(widths) < 1 or int(n_outputs) < 1:
            raise ValueError(
                f"layer widths must be positive, got inputs={n_inputs}, "
                f"hidden={tuple(hidden_layer_sizes)}, outputs={n_outputs}."
            )
        layers: list[nn.Module] = []
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers.append(nn.Linear(w_in, w_out))
            if batch_norm:
                layers.append(nn.BatchNorm1d(w_out))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(widths[-1], int(n_outputs)))
        super().__init__(*layers)
        self.reset_parameters(init)
        self.activation = activation
        self.fusable = fused and activation in FUSED_ACTIVATIONS and not batch_norm and not dropout
        self._workspace = MLPWorkspace()

    def forward(self, x):
        # Module.__call__ costs ~2 us per layer (hook bookkeeping), a tenth of a batch-32 step of
        # the seed network: call the layers' forward directly unless some hook must run.
        if self._has_hooks():
            return super().forward(x)
        if self._fused_training(x):
            return fused_mlp(x, self._workspace, self.activation, self._flat_params())
        if (
            self.fusable and not torch.is_grad_enabled() and x.dim() == 2
            # not under torch.func.vmap (population_scores of a module holding an MLP):
            # products into preallocated buffers (out=) have no batching rule
            and not torch._C._are_functorch_transforms_active()
        ):
            # attributes, not _parameters: torch.func.functional_call swaps them (float64 predict)
            params = [p for layer in self._modules.values() if isinstance(layer, nn.Linear)
                      for p in (layer.weight, layer.bias)]  # fmt: skip
            return mlp_inference(x, self._workspace, self.activation, params)
        for layer in self._modules.values():
            x = layer.forward(x)
        return x

    def mse_step(self, x, target, weight=None):
        """Forward pass, weighted MSE loss and backward pass of one training batch, or None.

        On the fused path (see ``fused``; training mode, gradients on, no hooks) the gradients
        are computed by hand, without an autograd graph, and set on the parameters' ``.grad``
        (those of parameters that require one); returns ``(loss, output)`` (detached). The
        loss is the mean over events of ``weight`` times the mean squared error over the
        outputs. Returns None, having done nothing, wherever that path does not apply (among
        others: hooks on the parameters, a subclass's own ``forward``, targets or weights of
        another shape or dtype than the output's); the caller then runs autograd as usual.
        """
        n = x.shape[0]
        if not (
            self._fused_training(x)
            and type(self).forward is MLP.forward
            and x.dim() == 2 and target.shape == (n, self[-1].out_features)
            and target.dtype == x.dtype
            and (weight is None or (weight.shape == (n,) and weight.dtype == x.dtype))
            and not self._has_hooks()
        ):  # fmt: skip
            return None
        params = self._flat_params()
        if any(p._backward_hooks or p._post_accumulate_grad_hooks for p in params):
            return None  # tensor hooks on a parameter (gradient clipping, logging) must run
        return fused_mse_step(x, target, weight, self._workspace, self.activation, params)

    def _fused_training(self, x) -> bool:
        """Whether this pass may take the fused training path (hooks are checked apart)."""
        return self.fusable and self.training and torch.is_grad_enabled() and not x.requires_grad

    def _flat_params(self):
        """``[W1, b1, ..., Wout, bout]``: the parameters of the Linear layers, in order."""
        return [p for layer in self._modules.values() for p in layer._parameters.values()]

    def __getstate__(self):
        state = dict(super().__getstate__())
        state["_workspace"] = MLPWorkspace()  # scratch buffers are not part of the model
        return state

    def _has_hooks(self) -> bool:
        if (
            _module_globals._global_forward_hooks
            or _module_globals._global_forward_pre_hooks
            or _module_globals._global_backward_hooks
            or _module_globals._global_backward_pre_hooks
        ):
            return True
        return any(
            m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks
            for m in self._modules.values()
        )

    @torch.no_grad()
    def reset_parameters(self, init: str = "glorot_uniform") -> None:
        """(Re)initialise every ``Linear`` layer with ``init``; BatchNorm layers are reset."""
        init_fn = INITIALIZATIONS[init]
        for layer in self:
            if isinstance(layer, nn.Linear):
                if init_fn is None:
                    layer.reset_parameters()
                else:
                    init_fn(layer.weight)
                    nn.init.zeros_(layer.bias)
            elif isinstance(layer, nn.BatchNorm1d):
                layer.reset_parameters()
