#!/usr/bin/python3
"""Reference continuous normalizing flow (FFJORD, Grathwohl et al. 2019) in plain PyTorch,
the same model and solver as nox's CNF, for benchmarking side by side.

Model: one CNF stage and a standard normal base.
  * Dynamics f(z, t) = MLP([z, t]): Linear(D+1, H1), act, ..., Linear(Hk, D); act = tanh
    (or softplus). Hidden weights uniform in +-1/sqrt(fan_in) (PyTorch's default), every bias
    0, the output layer zero-initialised (f = 0: the flow starts at the identity), as nox.
  * Solver: `--ode-steps` classical RK4 steps of h = 1/steps over t in [0, 1] on the augmented
    state (z, integral of tr df/dz), unrolled; the density direction integrates x -> z forward,
    log p(x) = log N(z; 0, I) + sum_k h/6 (tr1 + 2 tr2 + 2 tr3 + tr4).
  * Exact trace: tr df/dz = sum_i (e_i^T df/dz)_i, D vector-Jacobian products
    (torch.autograd.grad) per evaluation; in training with create_graph=True, so the loss
    backpropagates through them (second order), as nox differentiates its derived VJPs.
  * Sampling integrates backwards on the same grid.

Data and training as ../../../shared/bench/torch_maf.py: CSV without header; split by
numpy.random.default_rng(seed).permutation, the first round(test_frac*N) rows test, the rest
train; standardized with the train mean and population std; Adam (lr, betas (0.9, 0.999),
eps 1e-8), minibatches of --batch rows drawn with replacement; test NLL in the data's original
units. Timings cover the loops only (time.perf_counter).

Output: one JSON line (train_steps_per_s, test_nll_nats, logprob_samples_per_s, ...).
"""
import argparse
import json
import math
import time

import numpy as np
import torch


class Dynamics(torch.nn.Module):
    def __init__(self, d, hidden, act):
        super().__init__()
        sizes = [d + 1] + hidden + [d]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        for lin in self.layers:
            torch.nn.init.zeros_(lin.bias)
        torch.nn.init.zeros_(self.layers[-1].weight)
        self.act = torch.tanh if act == "tanh" else torch.nn.functional.softplus

    def forward(self, z, t):
        h = torch.cat([z, torch.full_like(z[:, :1], t)], dim=1)
        for i, lin in enumerate(self.layers):
            h = lin(h)
            if i + 1 < len(self.layers):
                h = self.act(h)
        return h


class CNF(torch.nn.Module):
    def __init__(self, d, hidden, steps, act):
        super().__init__()
        self.d, self.steps = d, steps
        self.f = Dynamics(d, hidden, act)

    def field(self, z, t, train):
        """f(z, t) and the exact trace of df/dz per row."""
        if not train:
            z = z.detach().requires_grad_(True)
        with torch.enable_grad():
            f = self.f(z, t)
            tr = torch.zeros(z.shape[0], dtype=z.dtype)
            for i in range(self.d):
                g = torch.autograd.grad(f[:, i].sum(), z, create_graph=train, retain_graph=True)[0]
                tr = tr + g[:, i]
        if not train:
            return f.detach(), tr.detach()
        return f, tr

    def forward(self, x, train=False):
        """z and log|det dz/dx|, by RK4 from t = 0 to 1."""
        h = 1.0 / self.steps
        z = x
        if train and not z.requires_grad:
            z = z.requires_grad_(True)
        acc = torch.zeros(x.shape[0], dtype=x.dtype)
        for k in range(self.steps):
            t = k * h
            k1, t1 = self.field(z, t, train)
            k2, t2 = self.field(z + h / 2 * k1, t + h / 2, train)
            k3, t3 = self.field(z + h / 2 * k2, t + h / 2, train)
            k4, t4 = self.field(z + h * k3, t + h, train)
            z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            acc = acc + h / 6 * (t1 + 2 * t2 + 2 * t3 + t4)
        return z, acc

    def log_prob(self, x, train=False):
        z, ld = self.forward(x, train)
        return -0.5 * (z * z).sum(1) - 0.5 * self.d * math.log(2 * math.pi) + ld

    @torch.no_grad()
    def inverse(self, z):
        h = -1.0 / self.steps
        for k in range(self.steps):
            t = 1 + k * h
            k1 = self.f(z, t)
            k2 = self.f(z + h / 2 * k1, t + h / 2)
            k3 = self.f(z + h / 2 * k2, t + h / 2)
            k4 = self.f(z + h * k3, t + h)
            z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return z


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--hidden", default="64,64")
    ap.add_argument("--ode-steps", type=int, default=8)
    ap.add_argument("--activation", choices=["tanh", "softplus"], default="tanh")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=2)
    ap.add_argument("--test-frac", type=float, default=0.2)
    ap.add_argument("--eval-batch", type=int, default=1000)
    ap.add_argument("--min-time", type=float, default=0.5)
    args = ap.parse_args()
    hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    torch.set_default_dtype(dtype)
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(limits=args.blas_threads, user_api="blas")
    except ImportError:
        pass
    torch.set_num_threads(args.threads)

    raw = np.loadtxt(args.data, delimiter=",", ndmin=2, dtype=np.float64)
    n, d = raw.shape
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(n)
    n_test = int(round(args.test_frac * n))
    test_np, train_np = raw[perm[:n_test]], raw[perm[n_test:]]
    mean, std = train_np.mean(axis=0), train_np.std(axis=0)
    std[std < 1e-12] = 1.0
    sum_log_std = float(np.log(std).sum())
    train = torch.as_tensor((train_np - mean) / std, dtype=dtype)
    test = torch.as_tensor((test_np - mean) / std, dtype=dtype)

    torch.manual_seed(args.seed)
    model = CNF(d, hidden, args.ode_steps, args.activation).to(dtype)
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n_train = train.shape[0]

    losses = []
    t0 = time.perf_counter()
    for _ in range(args.steps):
        idx = torch.randint(0, n_train, (args.batch,))
        loss = -model.log_prob(train[idx].clone(), train=True).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    t_train = time.perf_counter() - t0

    def lp_all(data):
        return torch.cat([model.log_prob(data[i:i + args.eval_batch]) for i in range(0, data.shape[0], args.eval_batch)])

    lp = lp_all(test)
    test_nll = float(-lp.mean().item() + sum_log_std)
    lp_rows, reps = 0, 0
    t0 = time.perf_counter()
    while reps < 1 or time.perf_counter() - t0 < args.min_time:
        lp_all(test)
        lp_rows += n_test
        reps += 1
    t_lp = time.perf_counter() - t0
    z = torch.randn(256, d, dtype=dtype)
    with torch.no_grad():
        pass
    x = model.inverse(z)
    z2, _ = model.forward(x)
    print(json.dumps({
        "data": args.data, "dim": d, "n_train": n_train, "n_test": n_test, "hidden": hidden,
        "ode_steps": args.ode_steps, "activation": args.activation, "batch": args.batch, "steps": args.steps,
        "lr": args.lr, "seed": args.seed, "dtype": args.dtype, "n_params": n_params,
        "train_seconds": t_train, "train_steps_per_s": args.steps / t_train,
        "final_loss_mean_last50_std_units": sum(losses[-50:]) / len(losses[-50:]),
        "test_nll_nats": test_nll, "logprob_samples_per_s": lp_rows / t_lp,
        "round_trip_max_abs_err": (z2.detach() - z).abs().max().item(),
    }))


if __name__ == "__main__":
    main()
