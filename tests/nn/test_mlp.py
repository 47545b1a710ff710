import math

import pytest
import torch
from torch import nn

from skhep_models.nn import ACTIVATIONS, MLP, _fused


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


def test_layer_hooks_still_run():
    # the direct-forward shortcut must not bypass hooks (pruning, weight norm, user hooks)
    net = MLP(3, (4,))
    x = torch.randn(2, 3)
    plain = net(x)
    seen = []
    handle = net[1].register_forward_hook(lambda mod, inp, out: seen.append(out.shape))
    assert torch.equal(net(x), plain) and seen == [torch.Size([2, 4])]
    handle.remove()
    pre = net[0].register_forward_pre_hook(lambda mod, inp: (inp[0] * 0,))
    assert torch.equal(net(x), net(torch.zeros_like(x)))
    pre.remove()
    assert torch.equal(net(x), plain)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("hidden", [(), (7,), (9, 5, 3)])
def test_fused_training_path_matches_autograd(activation, hidden):
    torch.manual_seed(0)
    fused = MLP(4, hidden, n_outputs=2, activation=activation)
    plain = MLP(4, hidden, n_outputs=2, activation=activation, fused=False)
    plain.load_state_dict(fused.state_dict())
    assert fused.fusable and not plain.fusable
    for n in (6, 3):  # two batch shapes: full and partial last batch
        x, target = torch.randn(n, 4), torch.randn(n, 2)
        for net in (fused, plain):
            net.zero_grad()
            out = net(x)
            ((out - target) ** 2).mean().backward()
            net.out = out.detach()
        torch.testing.assert_close(fused.out, plain.out, rtol=1e-6, atol=1e-6)
        for a, b in zip(fused.parameters(), plain.parameters()):
            torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def _engine_mse(out, target, weight):
    per_event = ((out - target) ** 2).mean(1)
    return per_event.mean() if weight is None else (per_event * weight).mean()


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("hidden", [(), (9, 5)])
def test_mse_step_gives_autograds_loss_and_gradients(activation, weighted, hidden):
    torch.manual_seed(0)
    fused = MLP(4, hidden, n_outputs=2, activation=activation)
    plain = MLP(4, hidden, n_outputs=2, activation=activation, fused=False)
    plain.load_state_dict(fused.state_dict())
    for n in (6, 3):
        x, target = torch.randn(n, 4), torch.randn(n, 2)
        w = torch.rand(n) * 2 if weighted else None
        fused.zero_grad()
        plain.zero_grad()
        loss, out = fused.mse_step(x, target, w)
        expected_out = plain(x)
        expected = _engine_mse(expected_out, target, w)
        expected.backward()
        assert loss.grad_fn is None and out.grad_fn is None
        torch.testing.assert_close(loss, expected.detach(), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(out, expected_out.detach(), rtol=1e-5, atol=1e-6)
        for a, b in zip(fused.parameters(), plain.parameters()):
            torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(_fused._DNN_LINEAR is None, reason="this torch build has no oneDNN")
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_wide_layers_through_onednn_give_autograds_gradients(activation, monkeypatch):
    # batch 1024 through a 140-64 network: oneDNN takes the forward, input-gradient and weight-
    # gradient products of the 140x64 layer (MKL the small ones)
    calls = []
    dnn = _fused._DNN_LINEAR
    monkeypatch.setattr(_fused, "_DNN_LINEAR", lambda *a: calls.append(a[1].shape) or dnn(*a))
    torch.manual_seed(0)
    fused = MLP(16, (140, 64), activation=activation)
    plain = MLP(16, (140, 64), activation=activation, fused=False)
    plain.load_state_dict(fused.state_dict())
    x, target, w = torch.randn(1024, 16), torch.randn(1024, 1), torch.rand(1024)
    loss, out = fused.mse_step(x, target, w)
    expected_out = plain(x)
    expected = _engine_mse(expected_out, target, w)
    expected.backward()
    assert len(calls) == 4  # forward of both hidden layers, the 140x64 layer's two gradients
    torch.testing.assert_close(loss, expected.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out, expected_out.detach(), rtol=1e-5, atol=1e-6)
    for a, b in zip(fused.parameters(), plain.parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6)
    # the same products through the autograd Function (any loss, not only mse_step's)
    for net in (fused, plain):
        net.zero_grad()
        net.out = net(x)
        (net.out**3).mean().backward()
    assert len(calls) == 8
    torch.testing.assert_close(fused.out, plain.out, rtol=1e-5, atol=1e-6)
    for a, b in zip(fused.parameters(), plain.parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6)
    calls.clear()
    fused(x[:8]).sum().backward()  # small products stay with MKL
    assert calls == []


def test_onednn_products_only_on_avx512_cpus_with_a_working_op(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    assert _fused._dnn_linear() is None
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)
    assert _fused._dnn_linear() is None


@pytest.mark.skipif(_fused._DNN_LINEAR is None, reason="no oneDNN products on this machine")
def test_onednn_weight_gradients_only_for_layers_wide_on_both_sides():
    x = torch.empty(1024, 1)
    assert _fused._use_dnn_dw(x, 140, 64) and _fused._use_dnn_dw(x, 706, 460)
    # 16 inputs: oneDNN's reduction over the batch took 2-4x MKL's time (linear_backends.py)
    assert _fused._use_dnn(x, 16, 706) and not _fused._use_dnn_dw(x, 16, 706)
    assert not _fused._use_dnn_dw(x, 64, 64)  # 4096 weights
    assert not _fused._use_dnn_dw(torch.empty(32, 1), 140, 64)  # too few FLOPs
    assert not _fused._use_dnn_dw(x.double(), 140, 64)


def test_mse_step_adds_to_existing_gradients():
    torch.manual_seed(0)
    net = MLP(3, (5,))
    x, target = torch.randn(8, 3), torch.randn(8, 1)
    net.mse_step(x, target)
    once = [p.grad.clone() for p in net.parameters()]
    net.mse_step(x, target)
    for g, g1 in zip((p.grad for p in net.parameters()), once):
        torch.testing.assert_close(g, 2 * g1)


def test_mse_step_declines_where_the_fused_path_does_not_apply():
    x, target = torch.randn(4, 3), torch.randn(4, 1)
    assert MLP(3, (5,), batch_norm=True).mse_step(x, target) is None
    assert MLP(3, (5,), activation="elu").mse_step(x, target) is None
    assert MLP(3, (5,)).eval().mse_step(x, target) is None
    assert MLP(3, (5,)).mse_step(x, target.ravel()) is None  # shapes the loss would broadcast
    assert MLP(3, (5,), n_outputs=2).mse_step(x, target) is None
    net = MLP(3, (5,))
    net[0].register_forward_hook(lambda *a: None)
    assert net.mse_step(x, target) is None
    with torch.no_grad():
        assert MLP(3, (5,)).mse_step(x, target) is None
    assert all(p.grad is None for p in net.parameters())


def test_mse_step_declines_what_autograd_must_handle():
    torch.manual_seed(0)
    x, target = torch.randn(4, 3), torch.randn(4, 1)
    # a hook on a parameter tensor (clipping, logging) runs only through autograd
    net = MLP(3, (5,))
    net[2].weight.register_hook(lambda g: g.clamp(-1e-3, 1e-3))
    assert net.mse_step(x, target) is None
    net = MLP(3, (5,))
    net[0].bias.register_post_accumulate_grad_hook(lambda p: None)
    assert net.mse_step(x, target) is None

    # a subclass's own forward is what autograd would differentiate
    class Shifted(MLP):
        def forward(self, x):
            return super().forward(x) + 1.0

    assert Shifted(3, (5,)).mse_step(x, target) is None
    # targets and weights of another dtype or shape than the output's: autograd promotes or
    # broadcasts them (float64 weights give a float64 loss); the hand-written step would fail
    assert MLP(3, (5,)).mse_step(x, target.double()) is None
    assert MLP(3, (5,)).mse_step(x, target, torch.rand(4, dtype=torch.float64)) is None
    assert MLP(3, (5,)).mse_step(x, target, torch.rand(4, 1)) is None
    assert all(p.grad is None for p in net.parameters())


def test_mse_step_between_a_forward_and_its_backward_raises_instead_of_wrong_gradients():
    # the hand-written step reuses the training buffers an autograd forward saved
    net = MLP(3, (4,))
    pending = net(torch.randn(5, 3))
    assert net.mse_step(torch.randn(5, 3), torch.randn(5, 1)) is not None
    with pytest.raises(RuntimeError, match="second training-mode forward"):
        pending.sum().backward()


def test_mse_step_leaves_frozen_parameters_without_gradient():
    torch.manual_seed(0)
    fused = MLP(3, (5,))
    plain = MLP(3, (5,), fused=False)
    plain.load_state_dict(fused.state_dict())
    for net in (fused, plain):
        net[0].weight.requires_grad_(False)
    x, target = torch.randn(8, 3), torch.randn(8, 1)
    assert fused.mse_step(x, target) is not None
    _engine_mse(plain(x), target, None).backward()
    # an optimizer steps every parameter that has a .grad: a frozen one must have none
    assert fused[0].weight.grad is None and plain[0].weight.grad is None
    for a, b in zip(fused.parameters(), plain.parameters()):
        if b.grad is not None:
            torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_fused_path_used_only_where_it_applies():
    assert not MLP(3, (4,), batch_norm=True).fusable
    assert not MLP(3, (4,), dropout=0.1).fusable
    assert not MLP(3, (4,), activation="elu").fusable
    net = MLP(3, (4,))
    assert net(torch.randn(2, 3)).grad_fn.name().endswith("_FusedMLPBackward")
    net.eval()
    assert "Addmm" in net(torch.randn(2, 3)).grad_fn.name()  # inference: plain layers


def test_second_forward_before_backward_raises_instead_of_wrong_gradients():
    net = MLP(3, (4,))
    first = net(torch.randn(5, 3))
    net(torch.randn(5, 3))
    with pytest.raises(RuntimeError, match="second training-mode forward"):
        first.sum().backward()


def test_pickle_drops_scratch_buffers():
    import pickle

    net = MLP(3, (64,))
    net(torch.randn(256, 3)).sum().backward()
    assert net._workspace.buffers
    clone = pickle.loads(pickle.dumps(net))
    assert not clone._workspace.buffers
    x = torch.randn(4, 3)
    assert torch.equal(clone.eval()(x), net.eval()(x))


@pytest.mark.parametrize("onednn", [True, False])
def test_no_grad_path_matches_the_layers_and_is_thread_safe(onednn, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    if not onednn:  # oneDNN writes fresh tensors: MKL's products go into the reused buffers
        monkeypatch.setattr(_fused, "_DNN_LINEAR", None)
    torch.manual_seed(0)
    net = MLP(5, (256, 256), n_outputs=3).eval()
    plain = MLP(5, (256, 256), n_outputs=3, fused=False).eval()
    plain.load_state_dict(net.state_dict())
    xs = [torch.randn(4000, 5) for _ in range(8)]
    def run(x):
        with torch.no_grad():  # grad mode is per thread
            return net(x)

    with torch.no_grad():
        # oneDNN computes the wide layers here (see _fused._use_dnn): same values as nn.Linear's
        # MKL products up to rounding
        for x in xs[:2]:
            torch.testing.assert_close(net(x), plain(x), rtol=1e-5, atol=1e-6)
        expected = [net(x) for x in xs]
        # each thread gets its own activation buffers, so concurrent batches do not mix
        with ThreadPoolExecutor(4) as pool:
            for _ in range(5):
                assert all(torch.equal(a, b) for a, b in zip(pool.map(run, xs), expected))
        first = net(xs[0])
        net(xs[1])
        assert torch.equal(first, expected[0])  # outputs are not reused buffers


def test_no_grad_pass_after_an_inference_mode_pass():
    net = MLP(3, (8,), n_outputs=2).eval()
    x = torch.randn(5, 3)
    with torch.inference_mode():  # as predict and sample run
        expected = net(x)
    with torch.no_grad():  # the same batch shape reuses the buffers
        assert torch.equal(net(x), expected)
        assert torch.equal(net.train()(x), expected)  # a validation step


def test_no_grad_path_under_vmap():
    from torch.func import functional_call, stack_module_state, vmap

    torch.manual_seed(0)
    nets = [MLP(3, (8,), n_outputs=2).eval() for _ in range(3)]
    params, _ = stack_module_state(nets)
    x = torch.randn(5, 3)
    with torch.no_grad():  # e.g. population_scores of a module that holds an MLP
        out = vmap(lambda p: functional_call(nets[0], p, (x,)))(params)
        for k, net in enumerate(nets):
            torch.testing.assert_close(out[k], net(x))
