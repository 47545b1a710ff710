"""Training-mode forward/backward of a plain MLP with preallocated activation buffers.

Eager autograd allocates every activation and every activation gradient afresh for each
mini-batch; for the seed networks those are 0.1-0.6 MB tensors that glibc hands back to the OS
and page-faults in again, which is most of the cost of a batch-1024 step on CPU (scikit-learn's
MLP avoids it by preallocating its activation and delta arrays once per fit). This function
keeps one set of buffers per batch shape, runs ``addmm`` into them with the activation applied
in place, and back-propagates by hand into a second set of buffers: two tensors per layer for
the whole fit instead of four per layer per batch, and one autograd node instead of ~20.
"""

from __future__ import annotations

import threading

import torch

__all__ = ["fused_mlp", "fused_mse_step", "mlp_inference", "FUSED_ACTIVATIONS", "MLPWorkspace"]

_aten = torch.ops.aten

# activation name (also the name of oneDNN's fused post-op) -> (in-place forward, in-place
# backward from the activation's *output*)
FUSED_ACTIVATIONS = {
    "relu": (
        torch.Tensor.relu_,
        lambda g, h: _aten.threshold_backward.grad_input(g, h, 0, grad_input=g),
    ),
    "tanh": (torch.Tensor.tanh_, lambda g, h: _aten.tanh_backward.grad_input(g, h, grad_input=g)),
    "sigmoid": (
        torch.Tensor.sigmoid_,
        lambda g, h: _aten.sigmoid_backward.grad_input(g, h, grad_input=g),
    ),
}

_MAX_SHAPES = 4  # full batches, the last partial batch, and a little slack

# oneDNN's inner product, used beside ``addmm``/``mm`` for the larger float32 products on CPU.
# PyTorch's CPU wheels route float32 products through MKL, which on AMD CPUs runs its AVX2
# kernels; oneDNN dispatches on the instruction set and runs AVX-512 there: half the time for
# the seed network's 140x64 layer at batch 1024, and 0.5-0.65x for 706x460 at any batch size
# (2 cores, AMD EPYC Zen 5, MKL 2024.2, oneDNN 3.12). Its fixed cost (~15 us a call against
# MKL's ~4) loses on small products, hence the thresholds (set from timings on 1 and 2 threads
# over 16-706 wide layers at 32-4096 events). On Intel CPUs both libraries run AVX-512.
_DNN_LINEAR = (
    torch.ops.mkldnn._linear_pointwise.default if torch.backends.mkldnn.is_available() else None
)
_DNN_MIN_FLOPS = 3e6  # forward and input-gradient products
# The weight gradient reduces over the batch into a small matrix, which oneDNN does worse:
# only for wide layers.
_DNN_MIN_FLOPS_DW = 8e6
_DNN_MIN_WEIGHTS_DW = 8192


def _use_dnn(x, n_in, n_out, min_flops=_DNN_MIN_FLOPS):
    return (
        _DNN_LINEAR is not None
        and x.dtype == torch.float32
        and x.device.type == "cpu"
        and 2.0 * x.shape[0] * n_in * n_out >= min_flops
    )


class MLPWorkspace:
    """Activation and gradient buffers of one network, per (batch size, device, dtype)."""

    def __init__(self):
        self.buffers = {}
        self.generation = 0

    def get(self, x, params, gradients=True):
        """``(activations, gradients)`` buffers for a batch ``x`` through the MLP of ``params``
        (W1, b1, ..., Wout, bout), one per hidden layer; with ``gradients=False`` (inference)
        a separate set of activations only, so that a no-grad pass never overwrites a
        training pass's."""
        n = x.shape[0]
        # inference may run in several threads at once (batches of a generator, joblib): each
        # gets its own buffers
        key = (n, x.device, x.dtype, gradients or threading.get_ident())
        bufs = self.buffers.get(key)
        if bufs is None:
            if len(self.buffers) >= _MAX_SHAPES:
                self.buffers.clear()
            # normal tensors even under inference_mode (predict, sample): an inference tensor
            # could not be written by a later no_grad pass (e.g. a validation step)
            widths = [w.shape[0] for w in params[0:-2:2]]  # the hidden layers'
            with torch.inference_mode(False):
                bufs = tuple(
                    [x.new_empty((n, w)) for w in widths] for _ in range(2 if gradients else 1)
                )  # (activations, gradients)
            self.buffers[key] = bufs
        return bufs


class _FusedMLP(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, workspace, activation, *params):
        weights = params[0::2]
        acts, grads = workspace.get(x, params)
        y, acts = _forward_into(x, acts, activation, params)
        workspace.generation += 1
        ctx.generation = workspace.generation
        ctx.workspace, ctx.activation, ctx.acts, ctx.grads = workspace, activation, acts, grads
        ctx.save_for_backward(x, *weights)
        return y

    @staticmethod
    def backward(ctx, grad_y):
        if ctx.workspace.generation != ctx.generation:
            raise RuntimeError(
                "MLP(fused=True): a second training-mode forward pass ran before the backward "
                "pass of the first, overwriting its activation buffers. Build the MLP with "
                "fused=False for such training loops."
            )
        x, *weights = ctx.saved_tensors
        grads = _backward_into(grad_y, x, ctx.acts, ctx.grads, ctx.activation, weights)
        return (None, None, None, *grads)


def _backward_into(grad_y, x, acts, bufs, activation, weights):
    """Parameter gradients ``[dW1, db1, ..., dWout, dbout]`` from the output gradient, the
    hidden-layer input gradients back-propagated through the buffers ``bufs``."""
    act_bwd = FUSED_ACTIVATIONS[activation][1]
    out_grads = [None] * (2 * len(weights))
    g = grad_y.contiguous()
    for i in range(len(acts), -1, -1):
        h_prev = acts[i - 1] if i > 0 else x
        n_out, n_in = weights[i].shape
        if n_in * n_out >= _DNN_MIN_WEIGHTS_DW and _use_dnn(g, n_in, n_out, _DNN_MIN_FLOPS_DW):
            out_grads[2 * i] = _DNN_LINEAR(g.t(), h_prev.t(), None, "none", [], "")
        else:
            out_grads[2 * i] = g.t().mm(h_prev)
        out_grads[2 * i + 1] = g.sum(0)
        if i > 0:
            if _use_dnn(g, n_in, n_out):
                g = _DNN_LINEAR(g, weights[i].t(), None, "none", [], "")
            else:
                g = torch.mm(g, weights[i], out=bufs[i - 1])
            g = act_bwd(g, acts[i - 1])
    return out_grads


def mlp_inference(x, workspace: MLPWorkspace, activation: str, params):
    """No-grad forward pass of a plain MLP through reused hidden-activation buffers.

    Large inference batches (generation, prediction) otherwise allocate megabytes per layer
    per batch, which glibc returns to the OS and page-faults in again. The output is a fresh
    tensor: callers may keep it while the next batch runs.
    """
    (acts,) = workspace.get(x, params, gradients=False)
    return _forward_into(x, acts, activation, params)[0]


def _forward_into(x, acts, activation, params):
    """The MLP's forward pass: ``(output, hidden)``, the hidden activations written into their
    buffers in ``acts`` (the activation applied in place), except where oneDNN computes a
    layer (it writes fresh tensors); ``output`` is a fresh tensor."""
    weights, biases = params[0::2], params[1::2]
    act_fwd = FUSED_ACTIVATIONS[activation][0]
    hidden = []
    h = x
    for W, b, out in zip(weights[:-1], biases[:-1], acts):
        if _use_dnn(h, W.shape[1], W.shape[0]):
            h = _DNN_LINEAR(h, W, b, activation, [], "")
        else:
            h = act_fwd(torch.addmm(b, h, W.t(), out=out))
        hidden.append(h)
    W, b = weights[-1], biases[-1]
    if _use_dnn(h, W.shape[1], W.shape[0]):
        return _DNN_LINEAR(h, W, b, "none", [], ""), hidden
    return torch.addmm(b, h, W.t()), hidden


def fused_mlp(x, workspace: MLPWorkspace, activation: str, params):
    """Apply a plain MLP (``params`` = W1, b1, ..., Wout, bout) with buffer reuse; differentiable
    in the parameters (not in ``x``)."""
    return _FusedMLP.apply(x, workspace, activation, *params)


def fused_mse_step(x, target, weight, workspace: MLPWorkspace, activation: str, params):
    """One training step's forward pass, weighted MSE loss and backward pass, without autograd.

    The loss is the engine's: the mean over events of ``weight`` times the mean squared error
    over outputs (the plain mean without ``weight``). Its gradient with respect to the
    output is ``2 * weight * (output - target) / (n_events * n_outputs)``, so the backward pass
    starts there and no autograd graph (loss nodes, the engine's scheduling, gradient
    accumulation) is built: one batch-1024 epoch of the seed network (80k events, 2 cores)
    took 85 ms (median) through autograd and takes 64 ms this way, with less spread. The
    parameters' ``.grad`` are set (added to, where one is already there), as autograd would:
    only those of parameters that require a gradient.

    Returns ``(loss, output)``, both detached.
    """
    weights = params[0::2]
    with torch.no_grad():
        acts, bufs = workspace.get(x, params)
        workspace.generation += 1  # an autograd forward still waiting for its backward fails
        out, acts = _forward_into(x, acts, activation, params)
        diff = out - target
        n, k = diff.shape
        if weight is None:
            grad = diff * (2.0 / (n * k))
        else:
            grad = diff * weight.unsqueeze(1).mul(2.0 / (n * k))
        loss = torch.vdot(grad.view(-1), diff.view(-1)).mul_(0.5)
        for p, g in zip(params, _backward_into(grad, x, acts, bufs, activation, weights)):
            if not p.requires_grad:  # frozen: the optimizer must not move it
                continue
            if p.grad is None:
                p.grad = g
            else:
                p.grad.add_(g)
    return loss, out
