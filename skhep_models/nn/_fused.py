"""Training-mode forward/backward of a plain MLP with preallocated activation buffers.

Eager autograd allocates every activation and every activation gradient afresh for each
mini-batch; for the seed networks those are 0.1-0.6 MB tensors that glibc hands back to the OS
and page-faults in again, which is most of the cost of a batch-1024 step on CPU (scikit-learn's
MLP avoids it by preallocating its activation and delta arrays once per fit). This function
keeps one set of buffers per batch shape, runs ``addmm`` into them with the activation applied
in place, and back-propagates by hand into a second set of buffers: two tensors per layer for
the whole fit instead of four per layer per batch, and one autograd node instead of ~20. The
wide float32 products on AVX-512 CPUs go through oneDNN instead (see ``_DNN_LINEAR``), which
writes fresh tensors but runs about twice as fast as MKL there.
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
# over 16-706 wide layers at 32-4096 events: benchmarks/linear_backends.py prints them with the
# backend picked). On Intel CPUs both libraries run AVX-512.
# Inference takes it too: its outputs are fresh tensors (no ``out=``), the allocations the
# reused buffers avoid, yet batch-4096 and -16384 prediction still ran 1.4-2.2x faster.


def _dnn_linear():
    """oneDNN's inner product where it runs AVX-512 (measured there), or None.

    It is an internal op (the one torch.compile's CPU back end calls): a torch build without
    it, or with another signature, falls back to MKL rather than failing later in a fit.
    """
    if not torch.backends.mkldnn.is_available():
        return None
    if torch.backends.cpu.get_cpu_capability() != "AVX512":
        return None  # AVX2-only x86 and ARM: not measured, MKL/OpenBLAS kept
    try:
        op = torch.ops.mkldnn._linear_pointwise.default
        ok = op(torch.ones(2, 3), torch.ones(1, 3), torch.zeros(1), "relu", [], "")
    except (AttributeError, RuntimeError, TypeError):
        return None
    return op if ok.shape == (2, 1) and float(ok.sum()) == 6.0 else None


_DNN_LINEAR = _dnn_linear()
_DNN_MIN_FLOPS = 3e6  # forward and input-gradient products
# The weight gradient reduces over the batch into a small matrix, which oneDNN does worse:
# only for layers wide on both sides (a 16-input one's took 2-4x MKL's time at batch 512-4096).
_DNN_MIN_FLOPS_DW = 8e6
_DNN_MIN_WEIGHTS_DW = 8192
_DNN_MIN_WIDTH_DW = 64


def _use_dnn(x, n_in, n_out, min_flops=_DNN_MIN_FLOPS):
    """Whether oneDNN computes a batch ``x``'s forward and input-gradient products through a
    layer of ``n_in`` inputs and ``n_out`` outputs (benchmarks/linear_backends.py)."""
    return (
        _DNN_LINEAR is not None
        and x.dtype == torch.float32
        and x.device.type == "cpu"
        and 2.0 * x.shape[0] * n_in * n_out >= min_flops
    )


def _use_dnn_dw(x, n_in, n_out):
    """Whether oneDNN computes that layer's weight gradient."""
    return (
        min(n_in, n_out) >= _DNN_MIN_WIDTH_DW
        and n_in * n_out >= _DNN_MIN_WEIGHTS_DW
        and _use_dnn(x, n_in, n_out, _DNN_MIN_FLOPS_DW)
    )


class _Scratch:
    """One batch shape's buffers and product plan: the hidden activations (and their
    gradients, for training), and per layer whether oneDNN computes its forward and input-
    gradient products (``dnn``) and its weight gradient (``dnn_dw``). Deciding once per shape
    keeps the per-batch Python short: 10-25 us less per step of the seed network."""

    __slots__ = ("acts", "grads", "dnn", "dnn_dw")

    def __init__(self, x, params, gradients):
        n = x.shape[0]
        shapes = [w.shape for w in params[0::2]]  # (out, in) per layer
        # normal tensors even under inference_mode (predict, sample): an inference tensor
        # could not be written by a later no_grad pass (e.g. a validation step)
        with torch.inference_mode(False):
            self.acts = [x.new_empty((n, o)) for o, _ in shapes[:-1]]
            self.grads = [x.new_empty((n, o)) for o, _ in shapes[:-1]] if gradients else None
        self.dnn = [_use_dnn(x, i, o) for o, i in shapes]
        self.dnn_dw = [_use_dnn_dw(x, i, o) for o, i in shapes]


class MLPWorkspace:
    """Activation and gradient buffers of one network, per (batch size, device, dtype)."""

    def __init__(self):
        self.buffers = {}
        self.generation = 0

    def get(self, x, params, gradients=True):
        """The :class:`_Scratch` for a batch ``x`` through the MLP of ``params`` (W1, b1, ...,
        Wout, bout); with ``gradients=False`` (inference) a separate one with activations only,
        so that a no-grad pass never overwrites a training pass's."""
        # inference may run in several threads at once (batches of a generator, joblib): each
        # gets its own buffers
        key = (x.shape[0], x.device, x.dtype, gradients or threading.get_ident())
        scratch = self.buffers.get(key)
        if scratch is None:
            if len(self.buffers) >= _MAX_SHAPES:
                self.buffers.clear()
            scratch = self.buffers[key] = _Scratch(x, params, gradients)
        return scratch


class _FusedMLP(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, workspace, activation, *params):
        scratch = workspace.get(x, params)
        y, acts = _forward_into(x, scratch, activation, params)
        workspace.generation += 1
        ctx.generation = workspace.generation
        ctx.workspace, ctx.activation, ctx.acts, ctx.scratch = workspace, activation, acts, scratch
        ctx.save_for_backward(x, *params[0::2])
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
        grads = _backward_into(grad_y, x, ctx.acts, ctx.scratch, ctx.activation, weights)
        return (None, None, None, *grads)


def _backward_into(grad_y, x, acts, scratch, activation, weights):
    """Parameter gradients ``[dW1, db1, ..., dWout, dbout]`` from the output gradient, given
    the forward pass's hidden activations ``acts``; the hidden layers' input gradients go
    through ``scratch``'s gradient buffers (or oneDNN's fresh tensors, as planned there)."""
    act_bwd = FUSED_ACTIVATIONS[activation][1]
    dnn, dnn_dw, bufs = scratch.dnn, scratch.dnn_dw, scratch.grads
    out_grads = [None] * (2 * len(weights))
    g = grad_y.contiguous()
    for i in range(len(acts), -1, -1):
        h_prev = acts[i - 1] if i else x
        if dnn_dw[i]:
            out_grads[2 * i] = _DNN_LINEAR(g.t(), h_prev.t(), None, "none", [], "")
        else:
            out_grads[2 * i] = g.t().mm(h_prev)
        out_grads[2 * i + 1] = g.sum(0)
        if i:
            if dnn[i]:
                g = act_bwd(_DNN_LINEAR(g, weights[i].t(), None, "none", [], ""), h_prev)
            else:
                g = act_bwd(torch.mm(g, weights[i], out=bufs[i - 1]), h_prev)
    return out_grads


def mlp_inference(x, workspace: MLPWorkspace, activation: str, params):
    """No-grad forward pass of a plain MLP through reused hidden-activation buffers.

    Large inference batches (generation, prediction) otherwise allocate megabytes per layer
    per batch, which glibc returns to the OS and page-faults in again. The output is a fresh
    tensor: callers may keep it while the next batch runs.
    """
    return _forward_into(x, workspace.get(x, params, gradients=False), activation, params)[0]


def _forward_into(x, scratch, activation, params):
    """The MLP's forward pass: ``(output, hidden)``, the hidden activations written into
    ``scratch``'s buffers (the activation applied in place), except where oneDNN computes a
    layer (it writes fresh tensors); ``output`` is a fresh tensor."""
    weights, biases = params[0::2], params[1::2]
    act_fwd = FUSED_ACTIVATIONS[activation][0]
    hidden = []
    h = x
    for W, b, out, dnn in zip(weights[:-1], biases[:-1], scratch.acts, scratch.dnn):
        if dnn:
            h = _DNN_LINEAR(h, W, b, activation, [], "")
        else:
            h = act_fwd(torch.addmm(b, h, W.t(), out=out))
        hidden.append(h)
    W, b = weights[-1], biases[-1]
    if scratch.dnn[-1]:
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
    with torch.no_grad():
        scratch = workspace.get(x, params)
        workspace.generation += 1  # an autograd forward still waiting for its backward fails
        out, acts = _forward_into(x, scratch, activation, params)
        diff = out - target
        n, k = diff.shape
        if weight is None:
            grad = diff * (2.0 / (n * k))
        else:
            grad = diff * weight.unsqueeze(1).mul(2.0 / (n * k))
        loss = torch.vdot(grad.view(-1), diff.view(-1)).mul_(0.5)
        for p, g in zip(params, _backward_into(grad, x, acts, scratch, activation, params[0::2])):
            if not p.requires_grad:  # frozen: the optimizer must not move it
                continue
            if p.grad is None:
                p.grad = g
            else:
                p.grad.add_(g)
    return loss, out
