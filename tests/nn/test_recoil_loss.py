"""RecoilResponseLoss: squared error plus the batch's response held at 1 in true-pT bins."""

import pytest
import torch

from skhep_models.nn import RecoilResponseLoss


def _truth():
    # 30 events at pT 25 (bin 20-30), 30 at pT 50 (bin 40-60), 5 at pT 100 (too few to count)
    angles = torch.linspace(0, 6.0, 65)
    pt = torch.cat([torch.full((30,), 25.0), torch.full((30,), 50.0), torch.full((5,), 100.0)])
    return torch.stack([pt * torch.cos(angles), pt * torch.sin(angles)], dim=1)


def test_perfect_predictions_cost_nothing_and_zero_weight_is_the_mse():
    truth = _truth()
    assert float(RecoilResponseLoss()(truth, truth)) == 0.0
    pred = truth + torch.randn_like(truth)
    w = torch.rand(len(truth))
    mse = ((pred - truth) ** 2).mean(dim=1)
    torch.testing.assert_close(RecoilResponseLoss(response_weight=0.0)(pred, truth, w), (mse * w).mean())


def test_penalty_counts_the_filled_bins_only():
    truth = _truth()
    pred = 0.9 * truth  # response 0.9 in every bin
    mse = ((pred - truth) ** 2).mean(dim=1).mean()
    loss = RecoilResponseLoss(response_weight=3.0, min_events=20)(pred, truth)
    # two filled bins (20-30, 40-60); the five pT-100 events are below min_events
    torch.testing.assert_close(loss, mse + 3.0 * 2 * 0.1**2)
    loss_all = RecoilResponseLoss(response_weight=3.0, min_events=5)(pred, truth)
    torch.testing.assert_close(loss_all, mse + 3.0 * 3 * 0.1**2)


def test_works_in_standardised_units_and_pulls_a_low_response_up():
    truth = _truth()
    mean, scale = torch.tensor([1.0, -2.0]), torch.tensor([20.0, 30.0])
    loss = RecoilResponseLoss(response_weight=5.0, y_mean=mean.tolist(), y_scale=scale.tolist())
    std = (truth - mean) / scale
    # a prediction that is exact in GeV costs nothing
    assert float(loss(std, std)) == 0.0
    pred_gev = (0.8 * truth).requires_grad_()
    penalty_only = RecoilResponseLoss(response_weight=5.0, y_mean=mean.tolist(), y_scale=scale.tolist())
    value = penalty_only((pred_gev - mean) / scale, std) - (((pred_gev - mean) / scale - std) ** 2).mean(1).mean()
    value.backward()
    # descending the penalty moves each filled-bin prediction outwards along its truth
    along = (-pred_gev.grad * truth).sum(dim=1)
    assert (along[:60] > 0).all() and torch.allclose(along[60:], torch.zeros(5))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"response_weight": -1.0}, "response_weight"),
        ({"bins": [20.0]}, "bins"),
        ({"bins": [30.0, 20.0]}, "bins"),
        ({"y_mean": [0.0, 0.0, 0.0]}, "2-component"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RecoilResponseLoss(**kwargs)


def test_sample_weight_weighs_the_response_and_zero_weight_events_do_not_count():
    truth = _truth()
    pred = 0.9 * truth
    w = torch.ones(len(truth))
    pred[30:60] = 0.5 * truth[30:60]  # a second bin far off, then weighted out
    w[30:60] = 0.0
    loss = RecoilResponseLoss(response_weight=3.0, min_events=20)
    mse = (((pred - truth) ** 2).mean(dim=1) * w).mean()
    # only the 20-30 bin counts: its response 0.9; the zero-weight bin holds no events
    torch.testing.assert_close(loss(pred, truth, w), mse + 3.0 * 0.1**2)
    # integer weights equal repeated events in the response
    w2 = torch.ones(len(truth))
    w2[:30] = 2.0
    pred2 = truth * torch.linspace(0.7, 1.1, len(truth))[:, None]
    repeated = torch.cat([truth[:30], truth])
    penalty = lambda p, t, w=None: loss(p, t, w) - (  # noqa: E731
        ((p - t) ** 2).mean(1) * (1 if w is None else w)
    ).mean()
    torch.testing.assert_close(
        penalty(pred2, truth, w2), penalty(torch.cat([pred2[:30], pred2]), repeated)
    )


def test_float64_inputs():
    truth = _truth().double()
    loss = RecoilResponseLoss(response_weight=3.0, min_events=20)
    value = loss(0.9 * truth, truth)
    assert value.dtype == torch.float64
    torch.testing.assert_close(value, ((0.1 * truth) ** 2).mean(1).mean() + 3.0 * 2 * 0.1**2)
    torch.testing.assert_close(loss(0.9 * truth, truth.float()), value)
