import math

import pytest
import torch
from torch import nn

from skhep_models.nn import ACTIVATIONS, MLP


def test_layer_order_and_output_width():
    net = MLP(5, (7, 3), n_outputs=2, activation="tanh", batch_norm=True, dropout=0.25)
    kinds = [type(m) for m in net]
    assert kinds == [
        nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Dropout,
        nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Dropout,
        nn.Linear,
    ]
    assert net(torch.randn(4, 5)).shape == (4, 2)


def test_plain_network_has_no_batchnorm_or_dropout():
    net = MLP(3, (4,))
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]


def test_empty_hidden_layers_is_a_linear_model():
    net = MLP(3, ())
    assert len(net) == 1 and isinstance(net[0], nn.Linear)


def test_glorot_uniform_bounds_and_zero_bias():
    torch.manual_seed(0)
    net = MLP(100, (50,), n_outputs=1)
    lin = net[0]
    bound = math.sqrt(6.0 / (100 + 50))
    assert lin.weight.abs().max() <= bound
    # a uniform(-b, b) sample of 5000 values reaches close to its bound
    assert lin.weight.abs().max() > 0.95 * bound
    assert torch.count_nonzero(lin.bias) == 0


def test_torch_default_init_keeps_nonzero_bias():
    torch.manual_seed(0)
    net = MLP(10, (20,), init="torch_default")
    assert torch.count_nonzero(net[0].bias) > 0


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_builds(activation):
    assert isinstance(MLP(2, (3,), activation=activation)[1], ACTIVATIONS[activation])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"activation": "swish2"}, "activation must be one of"),
        ({"init": "orthogonal"}, "init must be one of"),
        ({"dropout": 1.0}, "dropout must be in"),
        ({"hidden_layer_sizes": (4, 0)}, "widths must be positive"),
    ],
)
def test_invalid_arguments_raise(kwargs, match):
    params = {"n_inputs": 3, "hidden_layer_sizes": (4,), **kwargs}
    with pytest.raises(ValueError, match=match):
        MLP(**params)
