"""PyTorch reference for `robust-features bench`: the zoo's models built layer for layer as
src/engine/models builds them (python/rfl_zoo.py), batch 128, the same workloads (train step with
Adam, PGD step, representation-inversion step, adversarial-training step) on the same input shapes.
Without --serve: prints one JSON object {threads, torch, rows: [{model, shape, workload, imagesPerSec,
msPerStep, steps, stepMs}]} for --model and --shape (default the reference cell, cnn on 28x28x1).
With --serve (how `robust-features bench` runs it, interleaving its windows with ours): prints
{threads, torch}, then answers each stdin line {"model", "shape", "workload", "seconds", "minSteps"}
with one line {"workload", "stepMs"} (that window's step times), until stdin closes.
Usage: python3 bench/torch_bench.py [--threads 2] [--batch 128] [--seconds 4] [--model cnn]
       [--shape 28x28x1] [--serve]
With --roofline (how bench/roofline.ts runs it): reads one JSON spec {reps, gemms, convs, steps} from
stdin and prints one JSON object of timings in ms under the keys bench/roofline.ts reads."""
import argparse, json, os, statistics, sys, time
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
try:
    import rfl_zoo
except ImportError as e:
    sys.exit(f"torch_bench.py: python/rfl_zoo.py (the zoo in PyTorch) is missing next to bench/: {e}")

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--seconds", type=float, default=4.0)
p.add_argument("--model", default="cnn")
p.add_argument("--shape", default="28x28x1")
p.add_argument("--serve", action="store_true")
p.add_argument("--roofline", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)


class Cell:
    """One model on one input shape (HxWxC as the bench names it), with its four workloads."""

    def __init__(self, model, shape):
        h, w, c = (int(d) for d in shape.split("x"))
        torch.manual_seed(0)
        self.m = m = rfl_zoo.build(model, shape=(c, h, w), classes=10)
        self.opt = torch.optim.Adam(m.parameters(), 1e-3)
        self.x = torch.rand(a.batch, c, h, w)
        self.y = torch.randint(0, 10, (a.batch,))
        with torch.no_grad():
            self.target_rep = m.eval().rep(torch.rand(a.batch, c, h, w))
        self.workloads = {"train": self.train_step, "pgd": self.pgd_step, "invert": self.invert_step, "advtrain": self.advtrain_step,
                          "apgd-t": self.apgd_t_step, "fab-t": self.fab_t_step, "square": self.square_step}
        self.warmed = set()
        # AutoAttack's steps (robust-features' apgd-t, fab-t and square workloads): a fixed APGD
        # state, a fixed FAB start eps/2 from x, and a Square state built at the first query.
        eps = 1.5
        with torch.no_grad():
            self.targets = m.eval()(self.x).topk(2, dim=1).indices[:, 1]
            d = torch.randn_like(self.x).flatten(1)
            self.apgd_start = (self.x + (d / d.norm(dim=1, keepdim=True) * eps).view_as(self.x)).clamp(0, 1)
            d = torch.randn_like(self.x).flatten(1)
            self.fab_start = (self.x + (d / d.norm(dim=1, keepdim=True) * eps / 2).view_as(self.x)).clamp(0, 1)
        self.apgd_grad = torch.randn_like(self.x)
        self.square_best = None

    def train_step(self):
        self.opt.zero_grad()
        F.cross_entropy(self.m(self.x), self.y).backward()
        self.opt.step()

    @staticmethod
    def l2_step(xa, g, step):
        n = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1) + 1e-10
        return (xa + step * g / n).clamp(0, 1)

    def pgd_step(self):
        x = self.x
        xa = x.clone().requires_grad_(True)
        loss = F.cross_entropy(self.m(xa), self.y)
        (g,) = torch.autograd.grad(loss, xa)
        with torch.no_grad():
            d = (self.l2_step(xa, g, 0.1) - x).flatten(1)
            d = d.renorm(p=2, dim=0, maxnorm=1.5).view_as(x)
            return (x + d).clamp(0, 1)

    def invert_step(self):
        xa = self.x.clone().requires_grad_(True)
        loss = (self.m.rep(xa) - self.target_rep).norm(dim=1).sum()
        (g,) = torch.autograd.grad(loss, xa)
        with torch.no_grad():
            return self.l2_step(xa, -g, 0.1)

    def advtrain_step(self):
        # PGD-7 at L2 eps=1.5 (random start, step 2.5*eps/7) against the model in eval mode, then a training step.
        # The best iterate per example is kept as MadryLab/robustness's Attacker keeps it (use_best, its default,
        # and what ours does): each iterate's loss comes from its gradient's forward pass, the last iterate's from
        # one more forward pass.
        m, x, y = self.m, self.x, self.y
        m.eval()
        eps, step = 1.5, 2.5 * 1.5 / 7
        d = torch.randn_like(x).flatten(1)
        d = (d / d.norm(dim=1, keepdim=True) * eps).view_as(x)
        xa = (x + d).clamp(0, 1)
        best_x, best_loss = None, None

        def keep_best(xa, losses):
            nonlocal best_x, best_loss
            if best_x is None:
                best_x, best_loss = xa.clone(), losses.clone()
                return
            better = losses > best_loss
            best_x[better], best_loss[better] = xa[better], losses[better]

        for _ in range(7):
            xa = xa.detach().requires_grad_(True)
            losses = F.cross_entropy(m(xa), y, reduction="none")
            (g,) = torch.autograd.grad(losses.mean(), xa)
            with torch.no_grad():
                keep_best(xa, losses)
                xa = self.l2_step(xa, g, step)
                dd = (xa - x).flatten(1).renorm(p=2, dim=0, maxnorm=eps).view_as(x)
                xa = (x + dd).clamp(0, 1)
        with torch.no_grad():
            keep_best(xa, F.cross_entropy(m(xa), y, reduction="none"))
        xa = best_x
        m.train()
        self.opt.zero_grad()
        F.cross_entropy(m(xa), y).backward()
        self.opt.step()

    @staticmethod
    def project_l2(x, xa, eps):
        d = (xa - x).flatten(1).renorm(p=2, dim=0, maxnorm=eps).view_as(x)
        return (x + d).clamp(0, 1)

    def apgd_t_step(self):
        # Momentum move (step 2*eps, alpha 0.75), projection, then the targeted DLR loss and its gradient.
        x, eps, alpha = self.x, 1.5, 0.75
        xk, g = self.apgd_start, self.apgd_grad
        with torch.no_grad():
            gn = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1) + 1e-10
            z = self.project_l2(x, xk + 2 * eps * g / gn, eps)
            xa = self.project_l2(x, xk + alpha * (z - xk) + (1 - alpha) * (xk - x), eps)
        xa.requires_grad_(True)
        logits = self.m(xa)
        top = logits.sort(dim=1, descending=True).values
        u = torch.arange(x.shape[0])
        scale = top[:, 0] - 0.5 * (top[:, 2] + top[:, 3]) + 1e-12
        losses = -(logits[u, self.y] - logits[u, self.targets]) / scale
        (grad,) = torch.autograd.grad(losses.sum(), xa)
        return losses.detach(), logits.argmax(1), grad

    @staticmethod
    def project_hyperplane_l2(t, w, b):
        # The smallest L2 move d with <w, t + d> = b and t + d in [0,1] (robust-features'
        # attacks/fabProjection.ts, vectorised): coordinate i moves towards the hyperplane by
        # |w_i| min(s, s_i), s_i = room to its box face / |w_i|, and s solves
        # g(s) = sum_i w_i^2 min(s, s_i) = |c|; g at every sorted kink from cumulative sums.
        c = b - (w * t).sum(1)
        up = (c >= 0).unsqueeze(1)
        sign = torch.where((w > 0) == up, 1.0, -1.0)
        room = torch.where(sign > 0, 1 - t, t).clamp_min(0)
        aw = w.abs()
        a = aw * aw
        movable = a > 0
        kink = torch.where(movable, room / torch.where(movable, aw, torch.ones_like(aw)), torch.zeros_like(aw))
        ks, order = kink.sort(dim=1)
        ak = a.gather(1, order)
        below = (ak * ks).cumsum(1)
        above = a.sum(1, keepdim=True) - ak.cumsum(1)
        need = c.abs().unsqueeze(1)
        k = ((below + ks * above) < need).sum(1, keepdim=True)
        prev = (k - 1).clamp_min(0)
        b0 = torch.where(k > 0, below.gather(1, prev), torch.zeros_like(need))
        a0 = torch.where(k > 0, above.gather(1, prev), a.sum(1, keepdim=True))
        s = torch.where(k < t.shape[1], (need - b0) / a0.clamp_min(1e-30), torch.full_like(need, float("inf")))
        return torch.where(movable, sign * aw * torch.minimum(s, kink), torch.zeros_like(w))

    def fab_t_step(self):
        # One FAB-T iteration from a fixed point eps/2 from x: the target gap z_t - z_y and its
        # gradient, the projections of that point and of x onto the linearised boundary within
        # [0,1], the move (alpha_max 0.1, eta 1.05), then a forward pass and the prediction.
        x, xk = self.x.flatten(1), self.fab_start
        n = x.shape[0]
        xa = xk.clone().requires_grad_(True)
        logits = self.m(xa)
        u = torch.arange(n)
        gap = logits[u, self.targets] - logits[u, self.y]
        (w,) = torch.autograd.grad(gap.sum(), xa)
        with torch.no_grad():
            xk, w = xk.flatten(1), w.flatten(1)
            b = (w * xk).sum(1) - gap
            d = self.project_hyperplane_l2(torch.cat((xk, x)), torch.cat((w, w)), torch.cat((b, b)))
            d1, d2 = d[:n], d[n:]
            a1, a2 = d1.norm(dim=1).clamp_min(1e-8), d2.norm(dim=1).clamp_min(1e-8)
            alpha = (a1 / (a1 + a2)).clamp(0, 0.1).unsqueeze(1)
            moved = ((xk + 1.05 * d1) * (1 - alpha) + (x + 1.05 * d2) * alpha).clamp(0, 1)
            return self.m(moved.view_as(self.x)).argmax(1)

    @staticmethod
    def bump(s):
        # Two rectangles of concentric squares (weights 1/(r+1)^2) of opposite signs, unit norm.
        def rect(rows, cols):
            d = torch.zeros(rows, cols)
            rc, cc = rows // 2, cols // 2
            for r in range(max(rc, cc) + 1):
                d[max(rc - r, 0):rc + r + 1, max(cc - r, 0):cc + r + 1] += 1.0 / (r + 1) ** 2
            return d / d.norm()
        d = torch.cat([rect(s // 2, s), -rect(s - s // 2, s)])
        return d / d.norm()

    def margin(self, xa, y):
        logits = self.m(xa)
        u = torch.arange(xa.shape[0])
        own = logits[u, y].clone()
        logits[u, y] = -float("inf")
        return own - logits.max(dim=1).values

    def square_step(self):
        # Query 500 of 5,000 (p = 0.8/16, 7x7 windows on 28x28): the L2 proposal for every image,
        # one forward pass, the margin, improvements kept.
        x, eps = self.x, 1.5
        n, c, h, w = x.shape
        with torch.no_grad():
            if self.square_best is None:
                d = torch.randn_like(x).flatten(1)
                self.square_best = (x + (d / d.norm(dim=1, keepdim=True) * eps).view_as(x)).clamp(0, 1)
                self.square_margin = self.margin(self.square_best, self.y)
            s = max(int(round((0.8 / 16 * h * w) ** 0.5)), 3)
            s += 1 - s % 2
            t1, l1, t2, l2 = (int(v) for v in torch.randint(0, h - s, (4,)))
            delta = self.square_best - x
            win1 = delta[:, :, t1:t1 + s, l1:l1 + s]
            mask = torch.zeros(1, 1, h, w)
            mask[:, :, t1:t1 + s, l1:l1 + s] = 1
            mask[:, :, t2:t2 + s, l2:l2 + s] = 1
            norm_image = delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
            norm_windows = (delta * mask).flatten(1).norm(dim=1).view(-1, 1, 1, 1)
            signs = torch.randint(0, 2, (n, c, 1, 1)).float() * 2 - 1
            new = self.bump(s).view(1, 1, s, s) * signs + win1 / (win1.flatten(2).norm(dim=2).view(n, c, 1, 1) + 1e-12)
            budget = ((eps ** 2 - norm_image ** 2).clamp(min=0) / c + norm_windows ** 2).sqrt()
            new = new / (new.flatten(2).norm(dim=2).view(n, c, 1, 1) + 1e-12) * budget
            delta[:, :, t2:t2 + s, l2:l2 + s] = 0
            delta[:, :, t1:t1 + s, l1:l1 + s] = new
            cand = (x + delta / (delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1) + 1e-12) * eps).clamp(0, 1)
            m = self.margin(cand, self.y)
            better = m < self.square_margin
            self.square_best[better] = cand[better]
            self.square_margin[better] = m[better]

    def window(self, name, seconds, min_steps):
        fn = self.workloads[name]
        # Batch norm in training mode for the training steps, inference mode for the attacks (as ours).
        self.m.train() if name in ("train", "advtrain") else self.m.eval()
        if name not in self.warmed:
            # Warm-up as robust-features' WorkloadTimer: at least 2 steps and 1 s, once per workload.
            warm_end = time.perf_counter() + 1.0
            n = 0
            while n < 2 or time.perf_counter() < warm_end:
                fn()
                n += 1
            self.warmed.add(name)
        times = []
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end or len(times) < min_steps:
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return [t * 1000 for t in times]


def time_into(out, key, f, reps):
    """Minimum wall and process-CPU ms of reps calls after a warm-up, as bench/roofline.ts."""
    f()
    wall = cpu = float("inf")
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        f()
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    out[key], out[key + " cpu"] = wall * 1000, cpu * 1000


# Convolution and product ops; torch.profiler's self time of everything else is "other".
GEMM_OPS = ("conv", "mm", "matmul", "linear")


def roofline(spec):
    """bench/roofline.ts's measurements on this side: GEMMs, convolution kernels, step profiles."""
    out, reps = {}, spec["reps"]
    for g in spec["gemms"]:
        a_ = torch.rand(g["k"], g["m"]) if g["transA"] else torch.rand(g["m"], g["k"])
        b_ = torch.rand(g["k"], g["n"])
        time_into(out, "gemm " + g["name"], lambda: torch.mm(a_.t() if g["transA"] else a_, b_), reps)
    for c in spec["convs"]:
        x = torch.rand(a.batch, c["ci"], c["h"], c["w"])
        w = torch.rand(c["co"], c["ci"], c["k"], c["k"])
        dy = torch.rand(a.batch, c["co"], c["ho"], c["wo"])
        # Symmetric padding k//2 gives the same output size as 'same' here; the work is the same.
        s, pd = [c["stride"]] * 2, [c["k"] // 2] * 2
        back = lambda mask: torch.ops.aten.convolution_backward(dy, x, w, None, s, pd, [1, 1], False, [0, 0], 1, mask)
        time_into(out, "conv fwd " + c["name"], lambda: F.conv2d(x, w, None, s, pd), reps)
        time_into(out, "conv dX " + c["name"], lambda: back([True, False, False]), reps)
        time_into(out, "conv dW " + c["name"], lambda: back([False, True, False]), reps)
    for st in spec["steps"]:
        cell = Cell(st["model"], st["shape"])
        cell.window(st["workload"], 0, 1)  # warm-up, and the model's mode for this workload
        walls, cpus = [], []
        for _ in range(reps):
            t, c = time.perf_counter(), time.process_time()
            cell.workloads[st["workload"]]()
            walls.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - c) * 1000)
        key = f"step {st['workload']} {st['model']} {st['shape']}"
        out[key + " wall"], out[key + " cpu"] = statistics.median(walls), statistics.median(cpus)
        gemm, other = [], []
        for _ in range(3):
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
                cell.workloads[st["workload"]]()
            ev = prof.key_averages()
            gemm.append(sum(e.self_cpu_time_total for e in ev if any(k in e.key for k in GEMM_OPS)) / 1000)
            other.append(sum(e.self_cpu_time_total for e in ev if not any(k in e.key for k in GEMM_OPS)) / 1000)
        out[key + " gemm"] = statistics.median(gemm)
        out[key + " other"] = statistics.median(other)
    return out


if a.roofline:
    print(json.dumps(roofline(json.load(sys.stdin))), flush=True)
elif a.serve:
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    cell, cell_key = None, None
    for line in sys.stdin:
        req = json.loads(line)
        key = (req.get("model", "cnn"), req.get("shape", "28x28x1"))
        if key != cell_key:
            # Cells come one after the other, as in ours: one model alive at a time.
            cell, cell_key = Cell(*key), key
        print(json.dumps({"workload": req["workload"], "stepMs": cell.window(req["workload"], req["seconds"], req["minSteps"])}), flush=True)
else:
    cell = Cell(a.model, a.shape)
    rows = []
    for w in cell.workloads:
        ms_list = cell.window(w, a.seconds, 5)
        ms = statistics.median(ms_list)
        rows.append(dict(model=a.model, shape=a.shape, workload=w, msPerStep=ms, imagesPerSec=a.batch / ms * 1000, steps=len(ms_list), stepMs=ms_list))
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "batch": a.batch, "rows": rows}))
