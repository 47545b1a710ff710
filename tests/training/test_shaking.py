"""The gradient-free engine step: population scores and vectorised objectives."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from skhep_models.metrics import best_significance, separation_power
from skhep_models.nn import MLP
from skhep_models.training import ScoreCollector, ShakingNet, TensorBatches, build_net, fit_net
from skhep_models.training import population_objective, population_scores


def _events(n=400, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.float64)
    scores = rng.normal(y[None, :] * 0.8, 1.0, size=(6, n))
    if ties:
        scores = np.round(scores, 1)
    w = rng.uniform(0.1, 3.0, n)
    return torch.tensor(scores), torch.tensor(y), torch.tensor(w)


@pytest.mark.parametrize("ties", [False, True])
def test_auc_equals_sklearn_weighted_auc(ties):
    scores, y, w = _events(ties=ties)
    got = population_objective("roc_auc", scores, y, w).numpy()
    want = [roc_auc_score(y, row, sample_weight=w) for row in scores.numpy()]
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("ties", [False, True])
def test_significance_and_ams_equal_the_metric_scan(ties):
    scores, y, w = _events(ties=ties)
    z = population_objective("significance", scores, y, w).numpy()
    ams = population_objective("ams", scores, y, w, b_reg=10.0).numpy()
    for i, row in enumerate(scores.numpy()):
        # the objective skips cuts keeping no background (an infinite Asimov Z)
        want, _ = best_significance(y.numpy(), row, sample_weight=w.numpy(), min_background=1e-12)
        assert z[i] == pytest.approx(want, rel=1e-9)
        want_ams, _ = best_significance(y.numpy(), row, sample_weight=w.numpy(), metric="ams")
        assert ams[i] == pytest.approx(want_ams, rel=1e-9)


def test_separation_equals_the_metric():
    scores, y, w = _events()
    got = population_objective("separation", scores, y, w).numpy()
    want = [separation_power(y.numpy(), row, sample_weight=w.numpy()) for row in scores.numpy()]
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_callable_objective_is_called_per_member():
    scores, y, w = _events()
    calls = []

    def objective(y_true, score, sample_weight):
        calls.append(len(score))
        return float(np.average(score * (2 * y_true - 1), weights=sample_weight))

    got = population_objective(objective, scores, y, w).numpy()
    assert calls == [400] * 6
    assert got[0] == pytest.approx(np.average(scores[0].numpy() * (2 * y.numpy() - 1), weights=w.numpy()))


@pytest.mark.parametrize("name", ["roc_auc", "significance", "separation"])
def test_integer_weights_equal_repeated_events(name):
    scores, y, _ = _events(n=120, ties=True)
    counts = torch.tensor(np.random.default_rng(1).integers(1, 4, 120), dtype=torch.float64)
    repeat = torch.repeat_interleave(torch.arange(120), counts.long())
    weighted = population_objective(name, scores, y, counts)
    repeated = population_objective(name, scores[:, repeat], y[repeat], None)
    np.testing.assert_allclose(weighted.numpy(), repeated.numpy(), rtol=1e-9)


def test_population_scores_match_each_network():
    torch.manual_seed(0)
    module = MLP(5, (7, 3), activation="tanh")
    X = torch.randn(1000, 5)
    base = torch.nn.utils.parameters_to_vector(module.parameters())
    thetas = base + 0.1 * torch.randn(4, base.numel())
    got = population_scores(module, thetas, X, widest_layer=7)
    for i in range(4):
        torch.nn.utils.vector_to_parameters(thetas[i], module.parameters())
        with torch.no_grad():
            torch.testing.assert_close(got[i], module(X)[:, 0])


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_population_scores_in_cache_sized_slices(monkeypatch, activation):
    import skhep_models.training._shaking as shaking

    monkeypatch.setattr(shaking, "_CACHE_ACTIVATIONS", 4 * 7 * 100)  # slices of 100 events
    torch.manual_seed(1)
    module = MLP(5, (7, 3), activation=activation)
    X = torch.randn(1050, 5)
    base = torch.nn.utils.parameters_to_vector(module.parameters())
    thetas = base + 0.1 * torch.randn(4, base.numel())
    got = population_scores(module, thetas, X, widest_layer=7)
    assert got.shape == (4, 1050)
    for i in range(4):
        torch.nn.utils.vector_to_parameters(thetas[i], module.parameters())
        with torch.no_grad():
            torch.testing.assert_close(got[i], module(X)[:, 0])


# ---- validation scores gathered batch by batch (fit_stream) ---------------------------------


def _batches(scores, y, w, size):
    for k in range(0, len(y), size):
        yield scores[k : k + size], y[k : k + size], w[k : k + size]


def _exact_and_gathered(scores, y, w, **collector):
    gathered = ScoreCollector(**collector)
    for batch in _batches(torch.tensor(scores), torch.tensor(y), torch.tensor(w), 3000):
        gathered.add(*batch)
    return (torch.tensor(scores), torch.tensor(y), torch.tensor(w)), gathered.sample()


@pytest.mark.parametrize("name", ["roc_auc", "significance", "ams", "separation"])
def test_scores_with_fewer_values_than_bins_are_binned_exactly(name):
    rng = np.random.default_rng(0)
    y = (rng.random(20_000) < 0.3).astype(np.float32)
    scores = np.clip(np.round(rng.normal(y, 1.0), 1), -2, 3).astype(np.float32)  # 51 values
    w = rng.uniform(0.1, 3.0, len(y)).astype(np.float32)
    exact, binned = _exact_and_gathered(scores, y, w, max_exact=5000, n_bins=1024)
    assert len(binned[0]) == 2 * 51 + 2  # bins (and the two ends), not events
    got = population_objective(name, binned[0][None], binned[1], binned[2])
    want = population_objective(name, exact[0][None], exact[1], exact[2])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9)


def test_binned_auc_is_within_its_bound_and_exact_below_the_cap():
    rng = np.random.default_rng(1)
    y = (rng.random(100_000) < 0.4).astype(np.float32)
    scores = rng.normal(y, 1.0).astype(np.float32)
    w = rng.uniform(0.1, 3.0, len(y)).astype(np.float32)
    exact, binned = _exact_and_gathered(scores, y, w, max_exact=5000, n_bins=64)
    auc = float(population_objective("roc_auc", exact[0][None], exact[1], exact[2])[0])
    got = float(population_objective("roc_auc", binned[0][None], binned[1], binned[2])[0])
    # pairs within a bin count one half: at most sum_k s_k b_k / (2 S B)
    s_k, b_k = binned[2][binned[1] == 1], binned[2][binned[1] == 0][:-2]  # less the two ends
    bound = float((s_k * b_k).sum() / (2 * s_k.sum() * b_k.sum()))
    assert abs(got - auc) <= bound < 2 / 64
    assert got != pytest.approx(auc, abs=1e-6)  # 64 bins are coarse enough to see
    # the score range is kept exactly (separation's binning); below the cap nothing is binned
    assert binned[0].min() == scores.min() and binned[0].max() == scores.max()
    kept, gathered = _exact_and_gathered(scores, y, w, max_exact=len(y), n_bins=64)
    for a, b in zip(kept, gathered):
        assert torch.equal(a, b)


# ---- the L2 penalty (alpha) ------------------------------------------------------------------


class _NormedNet(torch.nn.Module):
    """A weight matrix not named 'weight' and a LayerNorm whose 1-D scale is named 'weight'."""

    def __init__(self):
        super().__init__()
        self.W = torch.nn.Parameter(torch.randn(4, 3))
        self.norm = torch.nn.LayerNorm(4)
        self.out = torch.nn.Linear(4, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.norm(x @ self.W.T)))


def test_alpha_penalises_the_weight_matrices_whatever_their_names():
    torch.manual_seed(0)
    X = torch.randn(300, 3)
    y = (X[:, 0] + 0.5 * torch.randn(300) > 0).float()[:, None]
    net = build_net(_NormedNet, net_class=ShakingNet, criterion=torch.nn.Identity,
                    optimizer=torch.optim.SGD, learning_rate=0.1, batch_size=300, max_epochs=2,
                    patience=None, tol=0.0, monitor="train_loss", device="cpu", verbose=0,
                    alpha=2.0, widest_layer=4)  # fmt: skip
    fit_net(net, TensorBatches(X, y, normalize_weights=False), seed=0)
    m = net.module_
    theta = torch.nn.utils.parameters_to_vector(m.parameters()).detach()
    got = net._objective_of(theta[None], X, y[:, 0], None)[0]
    auc = population_objective("roc_auc", population_scores(m, theta[None], X, 4), y[:, 0], None)[0]
    # the matrices W and out.weight; not the biases, nor the LayerNorm's scale (1 at the start)
    matrices = torch.cat([m.W.detach().ravel(), m.out.weight.detach().ravel()]).double()
    assert float(got) == pytest.approx(float(auc - 2.0 * matrices.pow(2).mean()), abs=1e-9)
    # the net keeps no tensor outside skorch's device-mapped attributes (module_, ...): a
    # tensor attribute pickles with its device, so a net shaken on a GPU would not unpickle
    # on a machine without one
    state = net.__getstate__()
    assert not [k for k, v in state.items() if isinstance(v, torch.Tensor)]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_penalised_callable_objective_on_the_gpu():
    # a callable objective is evaluated on the CPU; its values join the penalty and the
    # perturbations on the network's device
    torch.manual_seed(0)
    X = torch.randn(300, 5, device="cuda")
    y = (X[:, 0] > 0).float()[:, None]
    net = build_net(MLP, net_class=ShakingNet, criterion=torch.nn.Identity,
                    optimizer=torch.optim.SGD, learning_rate=0.1, batch_size=300, max_epochs=3,
                    patience=None, tol=0.0, monitor="train_loss", device="cuda", verbose=0,
                    objective=lambda t, s, w: roc_auc_score(t, s, sample_weight=w), alpha=1.0,
                    widest_layer=7, module__n_inputs=5, module__hidden_layer_sizes=(7,),
                    module__activation="tanh")  # fmt: skip
    fit_net(net, TensorBatches(X, y, normalize_weights=False), seed=0)
    assert np.isfinite([row["train_objective"] for row in net.history]).all()
