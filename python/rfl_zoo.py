"""Robust Features Lab's model zoo in PyTorch, layer for layer as src/engine/models builds it.

    import sys; sys.path.insert(0, "python")           # from the repository's root
    import rfl_zoo
    model = rfl_zoo.build("cnn", shape=(1, 28, 28), classes=10)
    model.load_state_dict(rfl_zoo.load_safetensors("cnn.safetensors"))   # from `export --format safetensors`
    logits = model.eval()(x)                            # x: float (N, C, H, W) in [0, 1]
    g = model.rep(x)                                    # g(x): the input of the final linear layer
    rfl_zoo.save_safetensors("mine.safetensors", model.state_dict())    # for `import --from`

`model_from_safetensors(path)` builds the arch named in a file this tool exported and loads it.
The state_dict names and layouts are what src/engine/interop/stateDict.ts writes and reads:
    mlp          fc1, fc2, logits
    cnn          conv1, conv2, fc1, logits (cnn-wide: the same at twice the width)
    vgg          conv1..conv4, fc1, logits
    resnet       conv1, bn1, layerK.B.{conv1,bn1,conv2,bn2,downsample.0,downsample.1} (K = 1..3;
                 B = 0, and 0..2 for resnet-deep), logits
    densenet     conv0, blockK.I.{bn,conv} (K = 1..3, I = 0..3), transK.{bn,conv} (K = 1, 2),
                 bn_final, logits
    inception    conv1, incK.{b1,b3_reduce,b3,b5_reduce,b5a,b5b,pool_proj} (K = 1, 2), logits
Two details make the logits equal to the TF.js model's, not just close in spirit:
  - convolutions pad as TensorFlow's 'same' does (SameConv2d): when the total padding is odd
    (a stride-2 3x3 conv on an even size) the extra row and column go at the bottom and right,
    where nn.Conv2d(padding=1) would shift the sampling grid by one pixel;
  - BatchNorm has eps 1e-3 (Keras' default, not PyTorch's 1e-5) and momentum 0.1 (Keras' 0.9
    is the weight of the old running value; PyTorch's momentum is the weight of the new one).
Inputs are NCHW; the exported weights of the first dense layer after a flatten are permuted so
that flattening (C, H, W) here meets the same weights as flattening (H, W, C) in TF.js.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

ARCHS = ("mlp", "cnn", "resnet", "vgg", "cnn-wide", "resnet-deep", "densenet", "inception")
BN_EPS = 1e-3
BN_MOMENTUM = 0.1


def _same_pad(size, kernel, stride):
    """TensorFlow's 'same' padding along one axis: (before, after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with TensorFlow's 'same' padding (see the module docstring)."""

    def __init__(self, cin, cout, kernel, stride=1, bias=True):
        super().__init__(cin, cout, kernel, stride=stride, padding=0, bias=bias)

    def forward(self, x):
        top, bottom = _same_pad(x.shape[-2], self.kernel_size[0], self.stride[0])
        left, right = _same_pad(x.shape[-1], self.kernel_size[1], self.stride[1])
        if top == bottom and left == right:
            return F.conv2d(x, self.weight, self.bias, self.stride, (top, left))
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.weight, self.bias, self.stride)


def _bn(c):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class Mlp(nn.Module):
    """flatten -> dense 256 -> dense 128 -> linear."""

    def __init__(self, shape, classes):
        super().__init__()
        c, h, w = shape
        self.fc1 = nn.Linear(c * h * w, 256)
        self.fc2 = nn.Linear(256, 128)
        self.logits = nn.Linear(128, classes)

    def rep(self, x):
        return F.relu(self.fc2(F.relu(self.fc1(x.flatten(1)))))

    def forward(self, x):
        return self.logits(self.rep(x))


class Cnn(nn.Module):
    """conv3x3 32 -> maxpool -> conv3x3 64 -> maxpool -> dense 128 -> linear.
    cnn-wide: the same at twice the width (64, 128, 256)."""

    def __init__(self, shape, classes, convs=(32, 64), dense=128):
        super().__init__()
        c, h, w = shape
        self.conv1 = SameConv2d(c, convs[0], 3)
        self.conv2 = SameConv2d(convs[0], convs[1], 3)
        self.fc1 = nn.Linear(convs[1] * (h // 2 // 2) * (w // 2 // 2), dense)
        self.logits = nn.Linear(dense, classes)

    def rep(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x):
        return self.logits(self.rep(x))


class Vgg(nn.Module):
    """[conv 32, conv 32, pool] [conv 64, conv 64, pool] -> dense 128 -> linear."""

    def __init__(self, shape, classes):
        super().__init__()
        c, h, w = shape
        self.conv1 = SameConv2d(c, 32, 3)
        self.conv2 = SameConv2d(32, 32, 3)
        self.conv3 = SameConv2d(32, 64, 3)
        self.conv4 = SameConv2d(64, 64, 3)
        self.fc1 = nn.Linear(64 * (h // 2 // 2) * (w // 2 // 2), 128)
        self.logits = nn.Linear(128, classes)

    def rep(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        x = F.max_pool2d(F.relu(self.conv4(F.relu(self.conv3(x)))), 2)
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x):
        return self.logits(self.rep(x))


class BasicBlock(nn.Module):
    """He et al. 2016's basic block; a 1x1 projection shortcut where the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = SameConv2d(cin, cout, 3, stride, bias=False)
        self.bn1 = _bn(cout)
        self.conv2 = SameConv2d(cout, cout, 3, 1, bias=False)
        self.bn2 = _bn(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                SameConv2d(cin, cout, 1, stride, bias=False), _bn(cout)
            )

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """stem conv 16, stages 16/32/64 of `blocks` basic blocks each (stride 2 between),
    GAP -> linear. blocks=3 is resnet-deep (ResNet-20's layout)."""

    def __init__(self, shape, classes, blocks=1):
        super().__init__()
        c, _, _ = shape
        self.conv1 = SameConv2d(c, 16, 3, bias=False)
        self.bn1 = _bn(16)

        def stage(cin, cout, stride):
            first = BasicBlock(cin, cout, stride)
            return nn.Sequential(first, *[BasicBlock(cout, cout, 1) for _ in range(blocks - 1)])

        self.layer1 = stage(16, 16, 1)
        self.layer2 = stage(16, 32, 2)
        self.layer3 = stage(32, 64, 2)
        self.logits = nn.Linear(64, classes)

    def rep(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x):
        return self.logits(self.rep(x))


class DenseLayer(nn.Module):
    """BN -> ReLU -> conv 3x3 with `growth` filters (no bias); its output joins its input."""

    def __init__(self, cin, growth):
        super().__init__()
        self.bn = _bn(cin)
        self.conv = SameConv2d(cin, growth, 3, bias=False)

    def forward(self, x):
        return torch.cat([x, self.conv(F.relu(self.bn(x)))], 1)


class Transition(nn.Module):
    """BN -> ReLU -> conv 1x1 halving the channels (no bias) -> average pool 2."""

    def __init__(self, cin):
        super().__init__()
        self.bn = _bn(cin)
        self.conv = SameConv2d(cin, cin // 2, 1, bias=False)

    def forward(self, x):
        return F.avg_pool2d(self.conv(F.relu(self.bn(x))), 2)


class DenseNet(nn.Module):
    """stem conv 24, three dense blocks of 4 layers (growth 12) with transitions between,
    BN -> ReLU -> GAP -> linear."""

    def __init__(self, shape, classes, layers=4, growth=12):
        super().__init__()
        c, _, _ = shape
        self.conv0 = SameConv2d(c, 24, 3, bias=False)
        ch = 24
        for b in (1, 2, 3):
            block = []
            for _ in range(layers):
                block.append(DenseLayer(ch, growth))
                ch += growth
            setattr(self, f"block{b}", nn.Sequential(*block))
            if b < 3:
                setattr(self, f"trans{b}", Transition(ch))
                ch //= 2
        self.bn_final = _bn(ch)
        self.logits = nn.Linear(ch, classes)

    def rep(self, x):
        x = self.trans1(self.block1(self.conv0(x)))
        x = self.trans2(self.block2(x))
        return F.relu(self.bn_final(self.block3(x))).mean(dim=(2, 3))

    def forward(self, x):
        return self.logits(self.rep(x))


class InceptionModule(nn.Module):
    """1x1; 1x1 -> 3x3; 1x1 -> 3x3 -> 3x3; 3x3 max-pool -> 1x1; the branches' last convs are
    linear and one ReLU follows their concatenation."""

    def __init__(self, cin, b1, b3reduce, b3, b5reduce, b5, pool):
        super().__init__()
        self.b1 = SameConv2d(cin, b1, 1)
        self.b3_reduce = SameConv2d(cin, b3reduce, 1)
        self.b3 = SameConv2d(b3reduce, b3, 3)
        self.b5_reduce = SameConv2d(cin, b5reduce, 1)
        self.b5a = SameConv2d(b5reduce, b5, 3)
        self.b5b = SameConv2d(b5, b5, 3)
        self.pool_proj = SameConv2d(cin, pool, 1)
        self.out_channels = b1 + b3 + b5 + pool

    def forward(self, x):
        y1 = self.b1(x)
        y3 = self.b3(F.relu(self.b3_reduce(x)))
        y5 = self.b5b(F.relu(self.b5a(F.relu(self.b5_reduce(x)))))
        yp = self.pool_proj(F.max_pool2d(x, 3, stride=1, padding=1))
        return F.relu(torch.cat([y1, y3, y5, yp], 1))


class Inception(nn.Module):
    """stem conv 32 -> pool, two Inception modules with a pool between, GAP -> linear."""

    def __init__(self, shape, classes):
        super().__init__()
        c, _, _ = shape
        self.conv1 = SameConv2d(c, 32, 3)
        self.inc1 = InceptionModule(32, 16, 16, 24, 8, 8, 8)
        self.inc2 = InceptionModule(self.inc1.out_channels, 32, 24, 48, 12, 16, 16)
        self.logits = nn.Linear(self.inc2.out_channels, classes)

    def rep(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(self.inc1(x), 2)
        return self.inc2(x).mean(dim=(2, 3))

    def forward(self, x):
        return self.logits(self.rep(x))


_CLASSES = {
    "mlp": Mlp,
    "cnn": Cnn,
    "resnet": ResNet,
    "vgg": Vgg,
    "cnn-wide": lambda shape, classes: Cnn(shape, classes, convs=(64, 128), dense=256),
    "resnet-deep": lambda shape, classes: ResNet(shape, classes, blocks=3),
    "densenet": DenseNet,
    "inception": Inception,
}


def init_like_tfjs(model):
    """The TF.js builders' initialisation in distribution (not bit for bit): He-normal
    (truncated at 2 sd) for hidden conv and dense layers, Glorot-uniform for the head, zero biases."""
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if name == "logits":
                nn.init.xavier_uniform_(m.weight)
            else:
                sd = math.sqrt(2.0 / m.weight[0].numel())  # He: sqrt(2 / fan_in)
                nn.init.trunc_normal_(m.weight, 0.0, sd, -2 * sd, 2 * sd)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def build(arch, shape=(1, 28, 28), classes=10):
    """The zoo's `arch` for images of `shape` = (C, H, W) and `classes` classes."""
    if arch not in _CLASSES:
        raise ValueError(f"unknown arch {arch!r}: expected one of {', '.join(ARCHS)}")
    c, h, w = shape
    return init_like_tfjs(_CLASSES[arch]((c, h, w), classes))


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def load_safetensors(path):
    """A safetensors file as a state_dict (dict of torch tensors)."""
    arrays, _ = safetensors_np.load(path)
    return {k: torch.from_numpy(v) for k, v in arrays.items()}


def save_safetensors(path, state_dict, metadata=None):
    """A state_dict as a safetensors file that `robust-features import --from` reads."""
    arrays = {k: v.detach().cpu().contiguous().numpy() for k, v in state_dict.items()}
    safetensors_np.save(path, arrays, {"format": "pt", **(metadata or {})})


def model_from_safetensors(path):
    """Builds the arch recorded by `robust-features export --format safetensors` and loads it (eval mode)."""
    arrays, meta = safetensors_np.load(path)
    if "rfl.arch" not in meta:
        raise ValueError(
            f"{path}: no rfl.arch in its metadata; use build(arch, shape, classes) and load_state_dict"
        )
    shape = tuple(int(s) for s in meta["rfl.input_shape_chw"].split(","))
    model = build(meta["rfl.arch"], shape, int(meta["rfl.num_classes"]))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
    return model.eval()
