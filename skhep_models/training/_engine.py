"""The one training engine: a skorch ``NeuralNet`` with a lean, weighted, fast mini-batch path.

skorch provides parameter routing (``module__*``, ``optimizer__*``), initialisation, callbacks,
history, early stopping with best-weight restore and pickling. This module changes what happens
per mini-batch, which is where small-batch training spends its time:

* batches are slices of pre-shuffled tensors (:class:`~skhep_models.training.FastBatchIterator`),
  held in memory or streamed chunk by chunk (:class:`~skhep_models.training.StreamBatches`);
* ``train_step`` is zero_grad / forward / weighted loss / backward / step, nothing else;
* losses are accumulated on the device and recorded once per epoch (no per-batch history);
* per-batch callback hooks are only called when a callback actually implements them.

Public estimators never subclass this net: they build one with :func:`build_net`, train it with
:func:`fit_net` and predict with :func:`predict`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterable

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, EpochTimer, LRScheduler, PrintLog
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator

from ._data import FastBatchIterator, TensorBatches
from ._optim import FastAdamW
from ._stream import StreamBatches

__all__ = [
    "EngineNet",
    "NonFiniteLossError",
    "BatchProgressBar",
    "build_net",
    "fit_net",
    "predict",
    "resolve_device",
    "torch_seed",
]

# Validation and prediction need no gradients, so they run in large batches.
INFERENCE_BATCH_SIZE = 8192
# Below this many activations per layer (batch_size * widest layer) one intra-op thread is
# faster than several: the per-op thread hand-off costs more than the arithmetic. Measured on
# 2 cores with the 140-64-26-18 network (benchmarks/training_speed.py).
_SINGLE_THREAD_WORK = 64 * 160

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")


class NonFiniteLossError(ValueError):
    """Raised when the training or validation loss becomes NaN or infinite."""


def _implements(cb, hook):
    return getattr(type(cb), hook, None) is not getattr(Callback, hook)


class BatchProgressBar(Callback):
    """A tqdm progress bar over the mini-batches of each epoch (``verbose >= 2``)."""

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        from tqdm.auto import tqdm

        n_batches = math.ceil(len(dataset_train) / net.batch_size)
        epoch = len(net.history)
        self.pbar_ = tqdm(total=n_batches, desc=f"epoch {epoch}", leave=False, unit="batch")

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.pbar_.update()

    def on_epoch_end(self, net, **kwargs):
        self.pbar_.close()


class TimeBudget(Callback):
    """Stop training at the end of the first epoch that ends past ``seconds`` of training.

    Stops the way skorch's EarlyStopping does (``KeyboardInterrupt``, caught by skorch), so the
    best weights are still restored when early stopping is on.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        if time.perf_counter() - self.start_ > self.seconds:
            if net.verbose:
                print(f"Stopping: the time budget of {self.seconds:g} s is used up.")
            raise KeyboardInterrupt


LR_SCHEDULES = ("plateau", "cosine")


def _lr_scheduler(schedule, *, monitor, patience, max_epochs):
    if schedule == "plateau":
        # halve the rate after a fifth of the early-stopping patience without improvement
        wait = max(1, (patience or 10) // 5)
        return LRScheduler(
            policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
            monitor=monitor, mode="min", factor=0.5, patience=wait,
        )  # fmt: skip
    if schedule == "cosine":
        return LRScheduler(policy=torch.optim.lr_scheduler.CosineAnnealingLR, T_max=max_epochs)
    raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES} or None, got {schedule!r}.")


class EngineNet(NeuralNet):
    """skorch ``NeuralNet`` running the fast weighted mini-batch loop (internal).

    Batches are ``(X, y, sample_weight)`` tuples; the criterion must be built with
    ``reduction="none"`` so the engine can apply per-event weights.
    """

    def __init__(self, module, criterion, **kwargs):
        kwargs.setdefault("dataset", TensorBatches)
        kwargs.setdefault("iterator_train", FastBatchIterator)
        kwargs.setdefault("iterator_valid", FastBatchIterator)
        kwargs.setdefault("iterator_train__shuffle", True)
        kwargs.setdefault("iterator_valid__batch_size", INFERENCE_BATCH_SIZE)
        kwargs.setdefault("train_split", None)
        super().__init__(module, criterion, **kwargs)

    def get_default_callbacks(self):
        # train_loss / valid_loss are recorded by run_single_epoch itself, so skorch's
        # per-batch PassthroughScoring is not needed.
        return [("epoch_timer", EpochTimer()), ("print_log", PrintLog())]

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        callbacks = [cb for _, cb in self.callbacks_]
        self._hooks = {h: any(_implements(cb, h) for cb in callbacks) for h in _BATCH_HOOKS}
        # The module computes the loss's gradients itself (nn.MLP.mse_step: no autograd
        # graph) when the loss is the engine's weighted MSE and nothing overrides how it is
        # computed. A flag, not the bound method: that would pickle (and, unpickled, hold) a
        # second copy of module_ outside skorch's device-mapped attributes.
        self._mse_step = (
            callable(getattr(self.module_, "mse_step", None))
            and type(self.criterion_) is torch.nn.MSELoss
            and self.criterion_.reduction == "none"
            and type(self).get_loss is EngineNet.get_loss
        )

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        if getattr(self.criterion_, "batch_loss", False):
            # a loss that couples the batch's events (a response constraint) weighs them itself
            return self.criterion_(y_pred, y_true, sample_weight)
        loss = self.criterion_(y_pred, y_true)
        if sample_weight is None:
            return loss.mean()
        if loss.dim() > 1:
            loss = loss.flatten(1).mean(1)
        return (loss * sample_weight).mean()

    def train_step(self, batch, **fit_params):
        Xi, yi, wi = batch
        self.optimizer_.zero_grad(set_to_none=True)
        step = self.module_.mse_step(Xi, yi, wi) if self._mse_step else None
        if step is None:
            y_pred = self.module_(Xi)
            loss = self.get_loss(y_pred, yi, sample_weight=wi, training=True)
            loss.backward()
        else:
            loss, y_pred = step
        if self._hooks["on_grad_computed"]:
            params = TeeGenerator(self.get_all_learnable_params())
            self.notify("on_grad_computed", named_parameters=params, batch=batch)
        self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        Xi, yi, wi = batch
        with torch.no_grad():
            y_pred = self.module_(Xi)
            loss = self.get_loss(y_pred, yi, sample_weight=wi, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def evaluation_step(self, batch, training=False):
        Xi = batch[0] if isinstance(batch, tuple) and len(batch) == 3 else unpack_data(batch)[0]
        with torch.set_grad_enabled(training):
            self._set_training(training)
            return self.module_(Xi)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        self._set_training(training)
        hooks = self._hooks["on_batch_begin"] or self._hooks["on_batch_end"]
        total = None
        n_seen = n_batches = 0
        for batch in iterator:
            if hooks:
                self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            n = len(batch[0])
            loss = step["loss"].detach()
            total = loss * n if total is None else total.add_(loss, alpha=n)
            n_seen += n
            n_batches += 1
            if hooks:
                self.notify("on_batch_end", batch=batch, training=training, **step)
        epoch_loss = total.item() / n_seen
        epoch = len(self.history)
        if not math.isfinite(epoch_loss):
            raise NonFiniteLossError(
                f"The {prefix} loss became {epoch_loss} at epoch {epoch}: the network diverged. "
                "Lower learning_rate, scale the inputs (e.g. StandardScaler) or check the "
                "targets and sample weights for extreme values."
            )
        key = f"{prefix}_loss"
        previous = [row[key] for row in self.history[:-1] if key in row]
        self.history.record(key, epoch_loss)
        self.history.record(f"{key}_best", not previous or epoch_loss < min(previous))
        self.history.record(f"{prefix}_batch_count", n_batches)


def resolve_device(device: str) -> str:
    """Map ``'auto'`` to ``'cuda'`` when available (else ``'cpu'``) and check the request."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but PyTorch sees no CUDA device. "
                "Use device='cpu' or device='auto'."
            )
        return device
    raise ValueError(f"device must be 'cpu', 'cuda[:N]' or 'auto', got {device!r}.")


@contextlib.contextmanager
def torch_seed(seed: int, device: str = "cpu"):
    """Seed torch's generators for the duration of the block without leaking global state."""
    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        if devices:
            torch.manual_seed(seed)
        else:
            # only the generator in use: torch.manual_seed also queues a lazy seeding of every
            # CUDA device (formatting a stack trace, ~1 ms), which fork_rng would not undo
            torch.default_generator.manual_seed(int(seed))  # as torch.manual_seed: numpy ints
        yield


@contextlib.contextmanager
def _intraop_threads(n_threads: int | None):
    if n_threads is None or n_threads == torch.get_num_threads():
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def build_net(
    module,
    *,
    criterion,
    learning_rate: float,
    batch_size: int,
    max_epochs: int,
    patience: int | None,
    tol: float,
    monitor: str,
    device: str,
    verbose: int,
    weight_decay: float = 0.0,
    lr_schedule: str | None = None,
    max_time: float | None = None,
    optimizer=FastAdamW,
    callbacks: Iterable = (),
    net_class: type[EngineNet] | None = None,
    **kwargs,
) -> EngineNet:
    """Build the engine net; ``kwargs`` carry skorch's prefixed params (``module__*`` ...).

    ``monitor`` is the history key early stopping and the 'plateau' schedule watch
    (``'valid_loss'`` or ``'train_loss'``); with ``patience=None`` training runs all
    ``max_epochs``. ``lr_schedule`` is None, 'plateau' (halve on a plateau) or 'cosine'
    (cosine annealing over ``max_epochs``); ``max_time`` (seconds) ends training at the first
    epoch boundary past it. ``net_class`` swaps the per-step algorithm (e.g. the gradient-free
    :class:`~skhep_models.training.ShakingNet`) and keeps everything else.
    """
    callbacks = list(callbacks)
    if lr_schedule is not None:
        callbacks.append(
            _lr_scheduler(lr_schedule, monitor=monitor, patience=patience, max_epochs=max_epochs)
        )
    if patience is not None:
        callbacks.append(
            EarlyStopping(
                monitor=monitor,
                patience=patience,
                threshold=tol,
                threshold_mode="rel",
                load_best=True,
                sink=print,
            )
        )
    if max_time is not None:
        # after EarlyStopping: callbacks run in order, and the epoch that exhausts the budget
        # must still be recorded as a candidate for the best weights before training stops
        callbacks.append(TimeBudget(max_time))
    if verbose >= 2:
        callbacks.append(BatchProgressBar())
    if device != "mps" and optimizer in (torch.optim.Adam, torch.optim.AdamW):
        # One fused kernel for all parameters: ~1.6x the throughput at batch 32.
        kwargs.setdefault("optimizer__fused", True)
    if kwargs.get("module__batch_norm"):
        kwargs.setdefault("iterator_train__min_last_batch", 2)
    if verbose < 1:
        # PrintLog formats its table every epoch even when it prints nothing.
        kwargs.setdefault("callbacks__print_log", None)
    return (net_class or EngineNet)(
        module,
        criterion=criterion,
        optimizer=optimizer,
        lr=learning_rate,
        optimizer__weight_decay=weight_decay,
        batch_size=batch_size,
        max_epochs=max_epochs,
        callbacks=callbacks,
        device=device,
        verbose=verbose,
        **kwargs,
    )


def fit_net(
    net: EngineNet,
    train: TensorBatches | StreamBatches,
    valid: TensorBatches | StreamBatches | None = None,
    *,
    seed: int,
    widest_layer: int | None = None,
) -> EngineNet:
    """Initialise and train ``net`` deterministically for a given ``seed``.

    Weight initialisation and every epoch's shuffling draw from torch's global generator,
    seeded here inside ``torch.random.fork_rng`` so the caller's random state is untouched.
    ``train`` and ``valid`` are tensors in memory or chunks streamed from a source; the loop
    is the same.
    """
    from skorch.helper import predefined_split

    net.set_params(train_split=None if valid is None else predefined_split(valid))
    threads = None
    if widest_layer is not None and net.batch_size * widest_layer <= _SINGLE_THREAD_WORK:
        threads = 1
    device = str(net.device)
    with torch_seed(seed, device), _intraop_threads(threads if device == "cpu" else None):
        net.initialize()
        try:
            net.partial_fit(train)
        finally:
            # the trained net must not carry (and pickle) the validation set or its source
            net.set_params(train_split=None)
    return net


def predict(net: EngineNet, X: torch.Tensor, *, float64: bool = True, **forward_kwargs) -> np.ndarray:
    """Raw network outputs for ``X`` (evaluation mode, no gradients) as a numpy array.

    On the CPU the forward pass runs in float64 unless ``float64=False``: float32 matrix
    products round differently for different batch shapes (~1e-7), and an event's prediction
    must not depend on which other events are predicted with it. The cost is small next to
    training. ``forward_kwargs`` go to the module's ``forward`` (e.g. a VAE's ``output``).
    """
    module = net.module_
    module.eval()
    device = next(module.parameters()).device
    state = None
    if device.type == "cpu" and float64:
        state = {
            name: t.double() if t.is_floating_point() else t
            for name, t in (*module.named_parameters(), *module.named_buffers())
        }

    def forward(x):
        x = x.to(device)
        if state is None:
            return module(x, **forward_kwargs)
        return torch.func.functional_call(module, state, (x.double(),), forward_kwargs)

    with torch.inference_mode():
        out = None
        for i in range(0, len(X), INFERENCE_BATCH_SIZE):
            batch = forward(X[i : i + INFERENCE_BATCH_SIZE]).cpu()
            if out is None:  # one allocation, not a list of batches and their concatenation
                out = torch.empty((len(X), *batch.shape[1:]), dtype=batch.dtype)
            out[i : i + len(batch)] = batch
    return out.numpy()
