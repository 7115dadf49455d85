"""The PyTorch side of interop.test.ts: one process for every arch (torch takes seconds to import).

argv[1] is a JSON list of jobs:
  {"op": "logits", "file": F, "inputs": X.npy (NCHW float32), "out": Y.npy}
      builds the arch named in F's metadata, load_state_dict(strict), writes its eval-mode logits.
  {"op": "make", "arch": A, "shape": [C, H, W], "classes": K, "seed": S, "file": F, "inputs": X, "out": Y}
      a seeded torch model with random BatchNorm statistics, saved to F; its logits on X to Y.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
import rfl_zoo  # noqa: E402

torch.set_num_threads(1)
for job in json.loads(sys.argv[1]):
    if job["op"] == "logits":
        model = rfl_zoo.model_from_safetensors(job["file"])
    else:
        torch.manual_seed(job["seed"])
        model = rfl_zoo.build(job["arch"], tuple(job["shape"]), job["classes"])
        with torch.no_grad():
            for m in model.modules():
                # Untrained BatchNorm is the identity in every layer, so a swapped pair would go
                # unseen: give each its own scale, shift and running statistics.
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 2.0)
                    m.num_batches_tracked.fill_(7)
                if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None:
                    m.bias.uniform_(-0.1, 0.1)
        rfl_zoo.save_safetensors(job["file"], model.state_dict())
        model.eval()
    x = torch.from_numpy(np.load(job["inputs"]))
    with torch.no_grad():
        y = model(x).numpy().astype(np.float32)
    np.save(job["out"], y)
    print(json.dumps({"arch": job.get("arch"), "params": rfl_zoo.param_count(model)}))
