# torchvision's ResNet-18 with random weights (nothing downloaded) as an ONNX file, the backbone
# the transfer-learning measurement fine-tunes:
#   /usr/bin/python3 scripts/export-resnet18.py OUT.onnx [SIZE]
import sys

import torch
import torchvision

torch.manual_seed(0)
out = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 224
model = torchvision.models.resnet18(weights=None).eval()
torch.onnx.export(model, torch.randn(1, 3, size, size), out, opset_version=17,
                  input_names=["image"], output_names=["logits"])
print(out)
