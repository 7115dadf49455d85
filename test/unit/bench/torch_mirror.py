"""The PyTorch side of torchMirror.test.ts: argv[1] is a JSON file with a list of cells
{arch, shape: [C, H, W], bin, tensors: [{name, shape, offset}]}: the state_dict entries and the
input "__x__" as float32 in the file `bin`, at `offset` floats. For each cell it builds
python/rfl_zoo.py's model, loads the weights (every state_dict entry but num_batches_tracked must
be given), and prints one JSON line {arch, shape, params, logits} (eval mode)."""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import rfl_zoo  # noqa: E402

torch.set_num_threads(1)
with open(sys.argv[1]) as f:
    cells = json.load(f)
for cell in cells:
    model = rfl_zoo.build(cell["arch"], tuple(cell["shape"]), 10)
    own = model.state_dict()
    flat = np.fromfile(cell["bin"], dtype="<f4")
    arrays = {t["name"]: torch.from_numpy(flat[t["offset"] : t["offset"] + int(np.prod(t["shape"]))].reshape(t["shape"]).copy()) for t in cell["tensors"]}
    x = arrays.pop("__x__")
    given = arrays
    missing = [k for k in own if k not in given and not k.endswith("num_batches_tracked")]
    extra = [k for k in given if k not in own]
    if missing or extra:
        sys.exit(f"{cell['arch']}: state_dict names differ: missing {missing}, unexpected {extra}")
    for k, v in given.items():
        if tuple(own[k].shape) != tuple(v.shape):
            sys.exit(f"{cell['arch']}: {k} has shape {tuple(own[k].shape)} here, {tuple(v.shape)} given")
    model.load_state_dict(given, strict=False)
    with torch.no_grad():
        logits = model.eval()(x)
    print(json.dumps({"arch": cell["arch"], "shape": cell["shape"], "params": rfl_zoo.param_count(model), "logits": logits.flatten().tolist()}), flush=True)
