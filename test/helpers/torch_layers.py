# Real PyTorch for the sequence-layer tests (run by test/unit/layers-sequence.test.ts through
# test/helpers/python.ts): for each case, a module built from its constructor text with seeded
# random weights, one forward pass on a seeded input, the gradients of the mean squared error
# against a seeded target, and the module exported to ONNX (opset 17) the way PyTorch 1.13 writes it.
#
#   python3 torch_layers.py OUT_DIR CONFIG_JSON
#
# CONFIG_JSON: {"cases": [{"name", "module", "input": shape, "ids": count or null, "seed",
#                           "attention": "self" | "causal" | absent}],
#               "counts": [module text, ...]}
# The last stdout line is JSON: per case its parameters (state_dict order), input, output, target,
# loss and gradients (flat lists; the input's too for real-valued inputs), the ONNX path; per count, model.parameters()' element count.
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class FirstOutput(nn.Module):
    """The module's first output only (nn.LSTM and nn.GRU return (output, state)); attention as
    self-attention (x is query, key and value), "causal" with the mask above the diagonal."""

    def __init__(self, inner, attention=None):
        super().__init__()
        self.inner = inner
        self.attention = attention

    def forward(self, x):
        if self.attention:
            steps = x.shape[1] if self.inner.batch_first else x.shape[0]
            mask = torch.ones(steps, steps, dtype=torch.bool).triu(1) if self.attention == "causal" else None
            return self.inner(x, x, x, need_weights=False, attn_mask=mask)[0]
        y = self.inner(x)
        return y[0] if isinstance(y, tuple) else y


def flat(t):
    return t.detach().reshape(-1).tolist()


def run_case(out_dir, case):
    torch.manual_seed(case["seed"])
    module = eval(case["module"], {"nn": nn})
    # Every parameter random (not PyTorch's init), so a wrong layout shows up in the numbers.
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.5, 0.5)
    module.eval()
    shape = case["input"]
    if case.get("ids"):
        x = torch.randint(0, case["ids"], shape, dtype=torch.int64)
    else:
        x = torch.randn(shape, requires_grad=True)
    wrapped = FirstOutput(module, case.get("attention"))
    y = wrapped(x)
    target = torch.randn(y.shape)
    loss = F.mse_loss(y, target)
    loss.backward()
    path = os.path.join(out_dir, case["name"] + ".onnx")
    torch.onnx.export(wrapped, (x,), path, opset_version=17, input_names=["x"], output_names=["y"])
    return {
        # Netwright's parameter names have no dots (out_proj.weight is out_proj_weight).
        "params": {k.replace(".", "_"): flat(v) for k, v in module.state_dict().items()},
        "x": flat(x.detach().float()),
        "y": flat(y),
        "yShape": list(y.shape),
        "target": flat(target),
        "loss": loss.item(),
        "grads": {k.replace(".", "_"): flat(p.grad) for k, p in module.named_parameters()},
        "inputGrad": None if x.grad is None else flat(x.grad),
        "onnx": path,
    }


def main():
    out_dir, config = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(1)
    cases = {c["name"]: run_case(out_dir, c) for c in config["cases"]}
    counts = [
        sum(p.numel() for p in eval(m, {"nn": nn}).parameters()) for m in config.get("counts", [])
    ]
    print(json.dumps({"cases": cases, "counts": counts}))


main()
