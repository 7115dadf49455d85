"""PyTorch reference for `robust-features bench`: the same cnn (conv32-conv64-dense128), batch 128,
28x28x1, the same workloads (train step with Adam, PGD step, representation-inversion step, adversarial-training step).
Prints one JSON object {threads, torch, rows: [{workload, imagesPerSec, msPerStep, steps, stepMs}]}.
With --serve (how `robust-features bench` runs it, interleaving its windows with ours): prints
{threads, torch}, then answers each stdin line {"workload", "seconds", "minSteps"} with one line
{"workload", "stepMs"} (that window's step times), until stdin closes.
Usage: python3 bench/torch_bench.py [--threads 2] [--batch 128] [--seconds 4] [--serve]"""
import argparse, json, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--seconds", type=float, default=4.0)
p.add_argument("--serve", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.f1 = nn.Linear(64 * 7 * 7, 128)
        self.f2 = nn.Linear(128, 10)

    def rep(self, x):  # g(x): the input of the final linear layer
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return F.relu(self.f1(x.flatten(1)))

    def forward(self, x):
        return self.f2(self.rep(x))


m = Cnn()
opt = torch.optim.Adam(m.parameters(), 1e-3)
x = torch.rand(a.batch, 1, 28, 28)
y = torch.randint(0, 10, (a.batch,))
target_rep = m.rep(torch.rand(a.batch, 1, 28, 28)).detach()


def train_step():
    opt.zero_grad()
    F.cross_entropy(m(x), y).backward()
    opt.step()


def l2_step(xa, g, step):
    n = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1) + 1e-10
    return (xa + step * g / n).clamp(0, 1)


def pgd_step():
    xa = x.clone().requires_grad_(True)
    loss = F.cross_entropy(m(xa), y)
    (g,) = torch.autograd.grad(loss, xa)
    with torch.no_grad():
        d = (l2_step(xa, g, 0.1) - x).flatten(1)
        d = d.renorm(p=2, dim=0, maxnorm=1.5).view_as(x)
        return (x + d).clamp(0, 1)


def invert_step():
    xa = x.clone().requires_grad_(True)
    loss = (m.rep(xa) - target_rep).norm(dim=1).sum()
    (g,) = torch.autograd.grad(loss, xa)
    with torch.no_grad():
        return l2_step(xa, -g, 0.1)


def advtrain_step():
    # PGD-7 at L2 eps=1.5 (random start, step 2.5*eps/7) against the model in eval mode, then a training step.
    m.eval()
    eps, step = 1.5, 2.5 * 1.5 / 7
    d = torch.randn_like(x).flatten(1)
    d = (d / d.norm(dim=1, keepdim=True) * eps).view_as(x)
    xa = (x + d).clamp(0, 1)
    for _ in range(7):
        xa = xa.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(m(xa), y), xa)
        with torch.no_grad():
            xa = l2_step(xa, g, step)
            dd = (xa - x).flatten(1).renorm(p=2, dim=0, maxnorm=eps).view_as(x)
            xa = (x + dd).clamp(0, 1)
    m.train()
    opt.zero_grad()
    F.cross_entropy(m(xa), y).backward()
    opt.step()


WORKLOADS = {"train": train_step, "pgd": pgd_step, "invert": invert_step, "advtrain": advtrain_step}
warmed = set()


def window(fn, seconds, min_steps):
    m.train() if fn in (train_step, advtrain_step) else m.eval()
    if fn not in warmed:
        # Warm-up as robust-features' WorkloadTimer: at least 2 steps and 1 s, once per workload.
        warm_end = time.perf_counter() + 1.0
        n = 0
        while n < 2 or time.perf_counter() < warm_end:
            fn()
            n += 1
        warmed.add(fn)
    times = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(times) < min_steps:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return [t * 1000 for t in times]


if a.serve:
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        print(json.dumps({"workload": req["workload"], "stepMs": window(WORKLOADS[req["workload"]], req["seconds"], req["minSteps"])}), flush=True)
else:
    rows = []
    for w, f in WORKLOADS.items():
        ms_list = window(f, a.seconds, 5)
        ms = statistics.median(ms_list)
        rows.append(dict(workload=w, msPerStep=ms, imagesPerSec=a.batch / ms * 1000, steps=len(ms_list), stepMs=ms_list))
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "batch": a.batch, "rows": rows}))
