// train.py: the project's training recipe as a script that runs with `python train.py` on one CPU or
// GPU and with `torchrun` on many (DDP). Every setting is a flag whose default is the project's value.
import { OPTIMIZERS } from '../../autodiff/optimizers.ts';
import { LOSSES } from '../../autodiff/loss.ts';
import { decimal, py, type PyValue } from './python.ts';
import type { TorchTrainSettings } from './settings.ts';
import { TRAIN_DATA_PY } from './trainData.ts';
import { TRAIN_LOOP_PY, TRAIN_RECIPE_PY } from './trainLoop.ts';

/** One argparse line, the help on a continuation line when the call gets long. */
function arg(flag: string, options: Record<string, PyValue>, help: string): string {
  const head = [py(flag), ...Object.entries(options).map(([k, v]) => `${k}=${py(v)}`)].join(', ');
  const one = `    p.add_argument(${head}, help=${py(help)})`;
  return one.length <= 100 ? one : `    p.add_argument(${head},\n                   help=${py(help)})`;
}

const orNone = (v: number | undefined): PyValue => (v === undefined ? null : v);

function flags(s: TorchTrainSettings): string {
  const int = { raw: 'int' };
  const float = { raw: 'float' };
  return [
    arg('--data', { choices: ['mnist', 'cifar10', 'images', 'csv'], default: s.data }, 'the data set'),
    arg(
      '--data-dir',
      { default: { raw: `str(HERE / ${py(s.dataDir)})` } },
      "where it is: MNIST's four IDX files (plain or .gz), CIFAR-10's binary batches, a folder per class, or CSV",
    ),
    arg('--epochs', { type: int, default: s.epochs }, 'passes over the training set'),
    arg(
      '--batch-size',
      { type: int, default: s.batchSize },
      'global batch size, split evenly over the processes',
    ),
    arg('--lr', { type: float, default: decimal(s.lr) }, 'learning rate'),
    arg(
      '--optimizer',
      { choices: [...OPTIMIZERS], default: s.optimizer },
      "torch.optim semantics; heavy-ball is Netwright's",
    ),
    arg('--momentum', { type: float, default: decimal(s.momentum) }, 'momentum, heavy-ball and nesterov'),
    arg('--beta1', { type: float, default: decimal(s.beta1) }, 'Adam and AdamW'),
    arg('--beta2', { type: float, default: decimal(s.beta2) }, 'Adam and AdamW'),
    arg(
      '--weight-decay',
      { type: float, default: decimal(s.weightDecay) },
      'L2 penalty (decoupled for AdamW)',
    ),
    arg(
      '--schedule',
      { default: s.schedule },
      'constant, step:<epochs>:<gamma>, cosine[:<eta_min>] or inverse:<c0>:<c1>',
    ),
    arg(
      '--clip',
      { type: float, default: s.clipNorm === undefined ? null : decimal(s.clipNorm) },
      'clip the global gradient norm to this',
    ),
    arg(
      '--loss',
      { choices: [...LOSSES], default: s.loss },
      'cross-entropy from logits, nll, mse or bce-with-logits',
    ),
    arg(
      '--init',
      { default: s.init },
      'default (the weights file), zeros, constant:<v>, normal:<std>, uniform:<a>, xavier or kaiming',
    ),
    arg(
      '--normalize',
      { choices: ['none', 'standardize'], default: s.normalize },
      'standardize: per channel, with training-set statistics',
    ),
    arg(
      '--limit',
      { type: int, default: orNone(s.limit) },
      'train on a seeded random subset of this many samples',
    ),
    arg(
      '--test-limit',
      { type: int, default: orNone(s.testLimit) },
      'test on the first this many test samples',
    ),
    arg(
      '--random-labels',
      { action: { raw: 'argparse.BooleanOptionalAction' }, default: s.randomLabels },
      'replace the training labels by random classes (memorization demo)',
    ),
    arg(
      '--seed',
      { type: int, default: s.seed },
      'seeds the subset, the batch order and default initialisation',
    ),
    arg(
      '--shuffle',
      { choices: ['random', 'none'], default: 'random' },
      "batch order: a fresh seeded permutation per epoch, or the data set's order",
    ),
    arg(
      '--weights',
      { default: null },
      'initial weights (safetensors layout); default: weights.safetensors beside model.py',
    ),
    arg('--checkpoint', { default: 'checkpoint.pt' }, 'written after every epoch'),
    arg('--resume', { action: 'store_true' }, 'continue from --checkpoint'),
    arg('--out', { default: 'trained.safetensors' }, 'the trained weights, in the weights file layout'),
    arg('--amp', { action: 'store_true' }, 'mixed precision (CUDA only)'),
    arg('--workers', { type: int, default: 0 }, 'DataLoader worker processes'),
    arg('--json', { action: 'store_true' }, 'one JSON line per epoch on rank 0, as netwright train --json'),
    arg('--log-every', { type: int, default: 0 }, 'with --json, also a JSON line every this many steps'),
  ].join('\n');
}

/** train.py's text for a model called `modelName`, with `s` as every flag's default. */
export function trainScript(modelName: string, s: TorchTrainSettings): string {
  return `"""Train ${modelName} with the recipe of its Netwright project, on one CPU or GPU or on many.

    python train.py                               # one CPU or GPU
    torchrun --nproc_per_node=4 train.py          # 4 processes on this machine (nccl on GPUs, gloo on CPU)
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=HOST --master_port=29500 train.py

Each setting of the project is a flag whose default is the project's value (see --help); the batch
size is global, so N processes each take batch-size / N samples per step.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, Subset, TensorDataset

from model import INPUT_SHAPE, load_model

HERE = Path(__file__).resolve().parent
# Netwright's own copy of the data on the machine that exported this project, searched when
# --data-dir doesn't have the files (None: not exported from a machine with one).
NETWRIGHT_DATA_DIR = ${py(s.fallbackDataDir ?? null)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
${flags(s)}
    return p.parse_args(argv)


${TRAIN_DATA_PY}

${TRAIN_RECIPE_PY}

${TRAIN_LOOP_PY}`;
}
