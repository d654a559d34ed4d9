# Exports PyTorch models to ONNX for the import tests (run by test/helpers/torchModels.ts through
# test/helpers/python.ts): torchvision architectures with random weights, a transformer encoder,
# and small models in training mode. Nothing is downloaded.
#
#   python3 torch_exports.py OUT_DIR MODEL[,MODEL...]
#
# For each model, OUT_DIR gets NAME.onnx, NAME.x.bin (a seeded input) and NAME.y.bin (PyTorch's own
# output for it; not for training-mode models, whose output is random), both raw little-endian
# float32; the last stdout line is JSON with, per model, its
# parameter count (model.parameters()), input/output shapes and, for the training-mode models, the
# loss and every parameter gradient of one cross-entropy step.
import json
import sys

import torch
import torch.nn as nn
import torchvision

tv = torchvision.models


class Encoder(nn.Module):
    """nn.TransformerEncoder (batch_first), 2 layers, then a per-position Linear head."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            d_model=32, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True
        )
        self.enc = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(32, 5)

    def forward(self, x):
        return self.head(self.enc(x))


class Dynamic(nn.Module):
    """What exporters write for shapes read at run time: Range/Expand of positions, a Where mask,
    attention as MatMuls with batch dimensions, Softmax, and a Reshape to the batch."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        n, length, d = x.shape
        positions = torch.arange(length).unsqueeze(0).expand(n, length)
        mask = positions.unsqueeze(-1) < (length // 2)
        y = torch.where(mask, self.lin(x), torch.zeros_like(x))
        attention = torch.softmax(y @ y.transpose(1, 2) / d**0.5, -1)
        return (attention @ x).reshape(n, -1)

    def macs(self, length):
        d = self.lin.in_features
        return length * d * self.lin.out_features + 2 * length * length * d


class TrainNet(nn.Module):
    """Conv -> BatchNorm -> ReLU (-> Dropout) -> Flatten -> Linear, exported in training mode."""

    def __init__(self, p):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(p) if p > 0 else nn.Identity()
        self.fc = nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.drop(self.relu(self.bn1(self.conv1(x)))), 1))


# name -> (constructor, input shape); small inputs where the architecture allows.
MODELS = {
    "resnet18": (lambda: tv.resnet18(), (1, 3, 64, 64)),
    "mobilenet_v2": (lambda: tv.mobilenet_v2(), (1, 3, 64, 64)),
    "mobilenet_v3_small": (lambda: tv.mobilenet_v3_small(), (1, 3, 64, 64)),
    "densenet121": (lambda: tv.densenet121(), (1, 3, 64, 64)),
    "squeezenet1_1": (lambda: tv.squeezenet1_1(), (1, 3, 64, 64)),
    "efficientnet_b0": (lambda: tv.efficientnet_b0(), (1, 3, 64, 64)),
    "shufflenet_v2_x0_5": (lambda: tv.shufflenet_v2_x0_5(), (1, 3, 64, 64)),
    # VGG's adaptive 7x7 pool exports only when the feature map is a multiple of 7: 224 x 224.
    "vgg11": (lambda: tv.vgg11(), (1, 3, 224, 224)),
    "vgg19": (lambda: tv.vgg19(), (1, 3, 224, 224)),
    # Real size: 102 MB of ONNX, past what one HostApi message may carry.
    "resnet50": (lambda: tv.resnet50(), (1, 3, 224, 224)),
    "transformer": (lambda: Encoder(), (2, 10, 32)),
    "dynamic": (lambda: Dynamic(), (2, 6, 8)),
    "train_bn_dropout": (lambda: TrainNet(0.25), (4, 3, 6, 6)),
    "train_bn": (lambda: TrainNet(0.0), (4, 3, 6, 6)),
}


def randomize_batch_norm(model):
    """Running statistics and affine parameters away from (0, 1), so BatchNorm is no identity."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def conv_linear_macs(model, x):
    """Conv: Cout x Cin/groups x kh x kw x Hout x Wout; Linear: in x out per output row; per sample."""
    total = [0]

    def conv(m, inp, out):
        total[0] += out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear(m, inp, out):
        total[0] += out[0].numel() * m.in_features

    hooks = [
        m.register_forward_hook(conv if isinstance(m, nn.Conv2d) else linear)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear)) and type(m) is not nn.modules.linear.NonDynamicallyQuantizableLinear
    ]
    with torch.no_grad():
        model(x[:1])
    for h in hooks:
        h.remove()
    return total[0]


def encoder_macs(model, seq):
    """nn.TransformerEncoder per sample (its attention projections are not nn.Linear calls)."""
    total = 0
    for layer in model.enc.layers:
        e, f = layer.linear1.in_features, layer.linear1.out_features
        total += 4 * e * e * seq  # q, k, v and output projections
        total += 2 * seq * seq * e  # Q K^T and attention-weighted V, over all heads
        total += 2 * e * f * seq  # the feed-forward pair
    return total + seq * model.head.in_features * model.head.out_features


def write(path, tensor):
    tensor.detach().contiguous().to(torch.float32).numpy().astype("<f4").tofile(path)


def export(name, out):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    model = make()
    randomize_batch_norm(model)
    training = name.startswith("train_")
    model.train(training)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
    info = {
        "params": sum(p.numel() for p in model.parameters()),
        "input": list(shape),
        # Channels of BatchNorms that follow a bias-free convolution (every one in torchvision):
        # folding them into the convolutions removes 2C parameters and adds C biases.
        "bnChannels": sum(m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm2d)),
        "macs": (
            encoder_macs(model, shape[1])
            if name == "transformer"
            else model.macs(shape[1])
            if name == "dynamic"
            else conv_linear_macs(model, x)
        ),
    }
    if training:
        # One cross-entropy step in train mode (batch statistics), before export changes nothing.
        targets = torch.tensor([i % 5 for i in range(shape[0])])
        loss = nn.functional.cross_entropy(model(x), targets)
        loss.backward()
        info["targets"] = targets.tolist()
        info["loss"] = loss.item()
        info["grads"] = {k: p.grad.flatten().tolist() for k, p in model.named_parameters()}
        mode = torch.onnx.TrainingMode.TRAINING
    else:
        # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the convolutions).
        mode = torch.onnx.TrainingMode.PRESERVE
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(
        model,
        x,
        f"{out}/{name}.onnx",
        opset_version=17,
        training=mode,
        do_constant_folding=False,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
    )
    write(f"{out}/{name}.x.bin", x)
    if not training:
        write(f"{out}/{name}.y.bin", y)
    info["output"] = list(y.shape)
    return info


def main():
    out, names = sys.argv[1], sys.argv[2].split(",")
    torch.set_num_threads(1)
    print(json.dumps({name: export(name, out) for name in names}))


main()
