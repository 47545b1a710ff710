"""Variational autoencoder built from two :class:`~skhep_models.nn.MLP` stacks, and its loss."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._mlp import MLP

__all__ = ["VAE", "BetaVAELoss", "VAE_OUTPUTS"]

VAE_OUTPUTS = ("train", "mean", "decode")


class VAE(nn.Module):
    """Gaussian variational autoencoder: ``x -> (mu, log sigma^2) -> z -> x'``.

    The encoder is an :class:`MLP` with ``hidden_layer_sizes`` and ``2 * latent_dim`` outputs
    (means and log-variances of q(z|x)); the decoder mirrors it (the hidden widths reversed)
    from ``latent_dim`` back to ``n_inputs``.

    Parameters
    ----------
    n_inputs : int
        Number of features.
    hidden_layer_sizes : sequence of int
        Encoder hidden widths; the decoder uses them in reverse order.
    latent_dim : int, default=8
        Size of the latent space.
    condition : sequence of int, default=()
        Positions of input features the decoder also receives (a conditional VAE): the
        decoder maps ``[z, x[:, condition]]`` to the features, so the latent space need not
        encode them and generation can fix them.
    **mlp_kwargs
        ``activation``, ``init``, ``batch_norm``, ``dropout``, passed to both :class:`MLP`.

    Notes
    -----
    ``forward(x, output=...)`` selects what the network computes, so one module serves the
    training engine and prediction:

    * ``"train"``: ``(x', mu, logvar)`` with ``z = mu + sigma * eps`` (reparameterisation;
      ``eps`` from torch's global generator, which the engine seeds). The validation loss is
      computed the same way, so it estimates the same quantity as the training loss.
    * ``"mean"``: the latent means ``mu``.
    * ``"decode"``: ``x`` is a batch of latent vectors (followed by the condition values
      when ``condition`` is set); returns the decoded features.

    Examples
    --------
    >>> import torch
    >>> from skhep_models.nn import VAE
    >>> vae = VAE(5, (16, 8), latent_dim=2)
    >>> recon, mu, logvar = vae(torch.zeros(3, 5))
    >>> recon.shape, mu.shape
    (torch.Size([3, 5]), torch.Size([3, 2]))
    >>> vae(torch.zeros(4, 2), output="decode").shape
    torch.Size([4, 5])
    """

    def __init__(
        self,
        n_inputs: int,
        hidden_layer_sizes: Sequence[int] = (64, 64),
        latent_dim: int = 8,
        condition: Sequence[int] = (),
        **mlp_kwargs,
    ):
        super().__init__()
        hidden = tuple(int(w) for w in hidden_layer_sizes)
        self.latent_dim = int(latent_dim)
        self.register_buffer("condition", torch.as_tensor(list(condition), dtype=torch.int64), persistent=False)
        # the loss calls encoder and decoder before one backward: MLP's fused kernel keeps one
        # set of buffers per network, which is safe as each network runs once per step
        self.encoder = MLP(n_inputs, hidden, 2 * self.latent_dim, **mlp_kwargs)
        self.decoder = MLP(self.latent_dim + len(self.condition), hidden[::-1], n_inputs, **mlp_kwargs)

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def forward(self, x, output: str = "train"):
        if output == "train":
            mu, logvar = self.encode(x)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            if len(self.condition):
                z = torch.cat([z, x[:, self.condition]], dim=1)
            return self.decoder(z), mu, logvar
        if output == "mean":
            return self.encode(x)[0]
        if output == "decode":
            return self.decoder(x)
        raise ValueError(f"output must be one of {VAE_OUTPUTS}, got {output!r}.")


class BetaVAELoss(nn.Module):
    """Per-event ``(1 - beta) * MSE + beta * KL`` of a :class:`VAE`'s ``"train"`` output.

    MSE is the mean over features of the squared reconstruction error; KL is the divergence
    ``KL(q(z|x) || N(0, 1))`` summed over the latent dimensions. ``reduction="none"`` returns
    one value per event (the engine applies event weights), ``"mean"`` their mean.

    Examples
    --------
    >>> import torch
    >>> from skhep_models.nn import BetaVAELoss
    >>> x = torch.ones(2, 3)
    >>> mu, logvar = torch.zeros(2, 4), torch.zeros(2, 4)  # q(z|x) = N(0, 1): KL = 0
    >>> BetaVAELoss(beta=0.5)((x + 1, mu, logvar), x)
    tensor(0.5000)
    """

    def __init__(self, beta: float = 1e-3, reduction: str = "mean"):
        super().__init__()
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta must be in [0, 1], got {beta!r}.")
        if reduction not in ("none", "mean"):
            raise ValueError(f"reduction must be 'none' or 'mean', got {reduction!r}.")
        self.beta = float(beta)
        self.reduction = reduction

    def forward(self, y_pred, y_true):
        recon, mu, logvar = y_pred
        mse = (recon - y_true).square().mean(dim=1)
        kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum(dim=1)
        loss = (1.0 - self.beta) * mse + self.beta * kl
        return loss if self.reduction == "none" else loss.mean()
