"""The shared training engine: batching, weighted loss, early stopping, NaN guard, hooks."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from torch import nn

from skhep_models.nn import MLP
from skhep_models.training import (
    FastBatchIterator,
    NonFiniteLossError,
    TensorBatches,
    build_net,
    fit_net,
    predict,
    resolve_device,
)


def _data(n=256, d=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    y = (X[:, :1] * 2 - X[:, 1:2]) + 0.1 * torch.randn(n, 1, generator=g)
    return X, y


def _net(**kw):
    params = dict(
        criterion=nn.MSELoss,
        criterion__reduction="none",
        learning_rate=1e-2,
        batch_size=32,
        max_epochs=5,
        patience=None,
        tol=0.0,
        monitor="train_loss",
        device="cpu",
        verbose=0,
        module__n_inputs=4,
        module__hidden_layer_sizes=(16,),
    )
    params.update(kw)
    return build_net(MLP, **params)


class TestFastBatchIterator:
    def test_each_row_exactly_once_per_epoch_with_partial_last_batch(self):
        X = torch.arange(10.0).reshape(-1, 1)
        it = FastBatchIterator(TensorBatches(X, X * 2), batch_size=4, shuffle=True)
        batches = list(it)
        assert [len(b[0]) for b in batches] == [4, 4, 2] and len(it) == 3
        rows = torch.cat([b[0] for b in batches]).ravel()
        assert sorted(rows.tolist()) == list(range(10))
        # X and y stay aligned after the shuffle
        for xb, yb, wb in batches:
            assert torch.equal(yb, xb * 2) and wb is None

    def test_a_too_small_last_batch_joins_the_previous_one(self):
        X = torch.arange(9.0).reshape(-1, 1)
        plain = FastBatchIterator(TensorBatches(X), batch_size=4)
        assert [len(b[0]) for b in plain] == [4, 4, 1]
        merged = FastBatchIterator(TensorBatches(X), batch_size=4, min_last_batch=2)
        assert [len(b[0]) for b in merged] == [4, 5] and len(merged) == 2
        assert torch.equal(torch.cat([b[0] for b in merged]), X)
        single = FastBatchIterator(TensorBatches(X[:1]), batch_size=4, min_last_batch=2)
        assert [len(b[0]) for b in single] == [1]  # nothing to join: the caller must refuse

    def test_shuffles_differently_each_epoch_and_not_without_shuffle(self):
        X = torch.arange(100.0).reshape(-1, 1)
        torch.manual_seed(0)
        it = FastBatchIterator(TensorBatches(X), batch_size=100, shuffle=True)
        first, second = next(iter(it))[0], next(iter(it))[0]
        assert not torch.equal(first, second)
        plain = FastBatchIterator(TensorBatches(X), batch_size=100, shuffle=False)
        assert torch.equal(next(iter(plain))[0], X)

    def test_weights_are_normalised_to_mean_one(self):
        w = torch.tensor([1.0, 3.0, 0.0, 4.0])
        ds = TensorBatches(torch.zeros(4, 1), torch.zeros(4, 1), w)
        assert torch.allclose(ds.sample_weight, torch.tensor([0.5, 1.5, 0.0, 2.0]))


def test_weighted_loss_is_the_weighted_mean():
    net = _net().initialize()
    y_pred = torch.tensor([[0.0], [0.0], [0.0]])
    y_true = torch.tensor([[1.0], [2.0], [3.0]])
    w = torch.tensor([1.0, 0.0, 2.0])
    expected = (1 * 1 + 0 * 4 + 2 * 9) / 3  # mean of w * l, weights of mean 1
    assert net.get_loss(y_pred, y_true, sample_weight=w).item() == pytest.approx(expected)
    assert net.get_loss(y_pred, y_true).item() == pytest.approx((1 + 4 + 9) / 3)


@pytest.mark.parametrize("weighted", [False, True])
def test_mse_without_autograd_trains_as_autograd_does(weighted):
    # the engine hands MSE steps of a fused MLP to MLP.mse_step; the same fit through autograd
    # (fused=False) must end with the same weights and losses
    X, y = _data(300)
    w = torch.rand(len(X)) + 0.5 if weighted else None
    nets = []
    for fused in (True, False):
        net = _net(module__hidden_layer_sizes=(40, 8), module__fused=fused, max_epochs=3)
        fit_net(net, TensorBatches(X, y, w), seed=0)
        assert net.module_.fusable == fused
        nets.append(net)
    fast, slow = nets
    np.testing.assert_allclose(
        fast.history[:, "train_loss"], slow.history[:, "train_loss"], rtol=1e-5
    )
    for a, b in zip(fast.module_.parameters(), slow.module_.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_other_losses_keep_autograd():
    X, y = _data(64)
    net = _net(criterion=nn.L1Loss)
    fit_net(net, TensorBatches(X, y), seed=0)
    assert not net._mse_step


def test_mse_without_autograd_hands_callbacks_the_batch_predictions():
    X, y = _data(100)
    seen = []

    class Keep(Callback):
        def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
            if training:
                seen.append((batch[0], y_pred))

    # a learning rate of 0: the weights after the fit are the ones each batch was run with
    net = _net(learning_rate=0.0, max_epochs=2, callbacks=[Keep()])
    fit_net(net, TensorBatches(X, y), seed=0)
    assert net._mse_step and [len(xb) for xb, _ in seen] == [32, 32, 32, 4] * 2
    with torch.no_grad():
        for xb, y_pred in seen:  # each kept as it was: no later batch wrote over it
            torch.testing.assert_close(y_pred, net.module_(xb), rtol=1e-5, atol=1e-6)


def test_mse_without_autograd_keeps_the_module_out_of_the_pickled_state():
    import pickle

    X, y = _data(64)
    net = _net(max_epochs=1)
    fit_net(net, TensorBatches(X, y), seed=0)
    # a reference to the module (its bound mse_step) beside skorch's module_ would be pickled
    # a second time, outside the attributes skorch maps to the loading device
    state = net.__getstate__()
    assert not any(isinstance(v, nn.Module) or isinstance(getattr(v, "__self__", None), nn.Module)
                   for v in state.values())  # fmt: skip
    again = pickle.loads(pickle.dumps(net))
    fit_net(again, TensorBatches(X, y), seed=1)
    assert again._mse_step


def test_float64_weights_train_as_autograd_does():
    # autograd takes float64 weights (a float64 loss); the hand-written step declines them
    X, y = _data(100)
    w = torch.rand(len(X), dtype=torch.float64) + 0.5
    nets = []
    for fused in (True, False):
        net = _net(module__fused=fused, max_epochs=2)
        fit_net(net, TensorBatches(X, y, w), seed=0)
        nets.append(net)
    for a, b in zip(nets[0].module_.parameters(), nets[1].module_.parameters()):
        torch.testing.assert_close(a, b)


def test_early_stopping_restores_best_validation_weights():
    X, y = _data(400)
    train, valid = TensorBatches(X[:300], y[:300]), TensorBatches(X[300:], y[300:])
    # a learning rate high enough to make the validation loss bounce
    net = _net(learning_rate=0.05, max_epochs=60, patience=5, monitor="valid_loss")
    fit_net(net, train, valid, seed=0)
    history = net.history
    valid_losses = [row["valid_loss"] for row in history]
    best = int(np.argmin(valid_losses))
    stopped_early = len(history) < 60
    assert stopped_early and len(history) == best + 1 + 5
    restored = predict(net, X[300:])
    restored_loss = float(np.mean((restored - y[300:].numpy()) ** 2))
    assert restored_loss == pytest.approx(min(valid_losses), rel=1e-5)
    assert restored_loss < valid_losses[-1]


def test_non_finite_loss_raises_clear_error():
    X, _ = _data(64)
    y = torch.full((64, 1), 1e30)  # squared error overflows float32
    with pytest.raises(NonFiniteLossError, match=r"train loss became inf at epoch 1.*diverged"):
        fit_net(_net(), TensorBatches(X, y), seed=0)


def test_same_seed_same_weights_and_global_rng_untouched():
    X, y = _data()
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = fit_net(_net(), TensorBatches(X, y), seed=7)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = fit_net(_net(), TensorBatches(X, y), seed=np.int64(7))  # a numpy integer seeds alike
    c = fit_net(_net(), TensorBatches(X, y), seed=8)
    pa, pb, pc = (predict(n, X) for n in (a, b, c))
    assert np.array_equal(pa, pb)
    assert not np.array_equal(pa, pc)


def test_thread_count_restored_after_small_batch_training():
    X, y = _data()
    before = torch.get_num_threads()
    fit_net(_net(), TensorBatches(X, y), seed=0, widest_layer=16)
    assert torch.get_num_threads() == before


def test_batch_hooks_called_only_when_implemented():
    class CountBatches(Callback):
        def initialize(self):
            self.n = 0
            return self

        def on_batch_end(self, net, training=False, **kwargs):
            self.n += training

    class CountGrads(Callback):
        def initialize(self):
            self.n = 0
            return self

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.n += sum(1 for _ in named_parameters) > 0

    X, y = _data(100)
    counter, grads = CountBatches(), CountGrads()
    net = fit_net(_net(max_epochs=2, callbacks=[counter, grads]), TensorBatches(X, y), seed=0)
    assert counter.n == 2 * 4  # 2 epochs of ceil(100 / 32) batches
    assert grads.n == 2 * 4
    assert net._hooks == {"on_batch_begin": False, "on_batch_end": True, "on_grad_computed": True}


def test_history_records_weighted_epoch_losses():
    X, y = _data(128)
    w = torch.ones(128)
    w[:64] = 0  # only the second half counts
    net = _net(max_epochs=1, learning_rate=1e-12)  # weights effectively frozen
    fit_net(net, TensorBatches(X, y, w), seed=0)
    pred = predict(net, X)
    expected = float(np.mean((pred[64:] - y[64:].numpy()) ** 2))
    assert net.history[-1, "train_loss"] == pytest.approx(expected, rel=1e-4)


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="must be 'cpu', 'cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")


class TestFastAdamW:
    @staticmethod
    def _train(opt_factory, steps=6, amsgrad=False):
        torch.manual_seed(0)
        model = MLP(4, (8, 8))
        opt = opt_factory(model.parameters(), lr=1e-2, weight_decay=0.05, amsgrad=amsgrad)
        X, y = _data(64)
        for i in range(steps):
            opt.zero_grad()
            nn.functional.mse_loss(model(X[i * 8 : i * 8 + 8]), y[i * 8 : i * 8 + 8]).backward()
            opt.step()
        return model, opt

    @pytest.mark.parametrize("amsgrad", [False, True])
    def test_identical_to_fused_adamw(self, amsgrad):
        from skhep_models.training import FastAdamW

        fast, fast_opt = self._train(FastAdamW, amsgrad=amsgrad)
        ref, _ = self._train(lambda p, **kw: torch.optim.AdamW(p, fused=True, **kw), amsgrad=amsgrad)
        assert fast_opt._fast_lists is not None  # the direct path was taken
        for a, b in zip(fast.parameters(), ref.parameters()):
            assert torch.equal(a, b)

    def test_falls_back_and_rebuilds_after_load_state_dict(self):
        from skhep_models.training import FastAdamW

        model, opt = self._train(FastAdamW, steps=2)
        opt.load_state_dict(opt.state_dict())
        assert opt._fast_lists is None
        calls = []
        opt.register_step_post_hook(lambda *a: calls.append(1))
        model(torch.ones(2, 4)).sum().backward()
        opt.step()  # hooks registered: AdamW's own step, which runs them
        assert calls == [1] and int(opt.state[next(model.parameters())]["step"]) == 3


def test_fast_adamw_state_dict_round_trip_continues_identically():
    from skhep_models.training import FastAdamW

    torch.manual_seed(0)
    X, y = _data(64)

    def run(model, opt, rows):
        for i in rows:
            opt.zero_grad()
            nn.functional.mse_loss(model(X[i : i + 8]), y[i : i + 8]).backward()
            opt.step()

    a = MLP(4, (8,))
    b = MLP(4, (8,))
    b.load_state_dict(a.state_dict())
    opt_a, opt_b = FastAdamW(a.parameters(), lr=1e-2), FastAdamW(b.parameters(), lr=1e-2)
    run(a, opt_a, range(0, 32, 8))
    run(b, opt_b, range(0, 16, 8))
    opt_b.load_state_dict(opt_b.state_dict())  # state tensors replaced; steps were shared views
    run(b, opt_b, range(16, 32, 8))
    assert all(int(opt_b.state[p]["step"]) == 4 for p in b.parameters())
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_plateau_schedule_lowers_the_learning_rate():
    X, y = _data(128)
    net = _net(max_epochs=30, learning_rate=0.5, lr_schedule="plateau", patience=5)
    fit_net(net, TensorBatches(X, y), seed=0)
    assert net.optimizer_.param_groups[0]["lr"] < 0.5


def test_cosine_schedule_anneals_to_zero():
    X, y = _data(64)
    net = _net(max_epochs=4, lr_schedule="cosine")
    fit_net(net, TensorBatches(X, y), seed=0)
    assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_unknown_schedule_raises():
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        _net(lr_schedule="step")


def test_time_budget_stops_training(capsys):
    X, y = _data(64)
    net = _net(max_epochs=1000, max_time=1e-9, verbose=1)
    fit_net(net, TensorBatches(X, y), seed=0)
    assert len(net.history) == 1
    assert "time budget" in capsys.readouterr().out


def test_time_budget_keeps_the_last_epoch_as_a_best_weight_candidate(monkeypatch):
    from skhep_models.training import _engine

    clock = iter(range(1000))  # one tick at train begin, one per epoch end
    monkeypatch.setattr(_engine.time, "perf_counter", lambda: next(clock))
    X, y = _data(400)
    train, valid = TensorBatches(X[:300], y[:300]), TensorBatches(X[300:], y[300:])
    net = _net(learning_rate=1e-3, max_epochs=50, patience=20, monitor="valid_loss", max_time=2.5)
    fit_net(net, train, valid, seed=0)
    valid_losses = [row["valid_loss"] for row in net.history]
    assert len(valid_losses) == 3  # the budget ran out at the end of epoch 3
    restored = predict(net, X[300:])
    restored_loss = float(np.mean((restored - y[300:].numpy()) ** 2))
    assert restored_loss == pytest.approx(min(valid_losses), rel=1e-5)
