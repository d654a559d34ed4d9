// train.py's data section (Python source): MNIST/IDX, CIFAR-10 binary batches, an image folder and
// CSV, prepared in Netwright's order: load -> seeded random subset (--limit) -> random labels ->
// per-channel standardization with statistics of the training set only.

export const TRAIN_DATA_PY = `# ---------------------------------------------------------------------------------------------
# Data


def find(data_dir, names):
    """The first of names (plain or .gz) in data_dir, data_dir/MNIST/raw (torchvision's layout) or
    else NETWRIGHT_DATA_DIR."""
    folders = [Path(data_dir), Path(data_dir) / "MNIST" / "raw"]
    if NETWRIGHT_DATA_DIR:
        folders.append(Path(NETWRIGHT_DATA_DIR))
    for folder in folders:
        for name in names:
            for candidate in (folder / name, folder / (name + ".gz")):
                if candidate.exists():
                    return candidate
    raise SystemExit(
        f"{data_dir}: found none of {', '.join(names)} (plain or .gz); README.md says how to get the data."
    )


def read_idx(path):
    """An IDX file (MNIST's format) as a uint8 numpy array."""
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes.")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(find(data_dir, [f"{prefix}-images-idx3-ubyte", f"{prefix}-images.idx3-ubyte"]))
    labels = read_idx(find(data_dir, [f"{prefix}-labels-idx1-ubyte", f"{prefix}-labels.idx1-ubyte"]))
    x = torch.from_numpy(images.astype(np.float32) / 255).reshape(len(images), *INPUT_SHAPE)
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))


def load_cifar10(data_dir, split):
    """CIFAR-10's binary batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)."""
    folder = Path(data_dir)
    if (folder / "cifar-10-batches-bin").is_dir():
        folder = folder / "cifar-10-batches-bin"
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    records = np.concatenate([np.fromfile(find(folder, [n]), dtype=np.uint8).reshape(-1, 3073) for n in names])
    x = torch.from_numpy(records[:, 1:].astype(np.float32) / 255).reshape(-1, 3, 32, 32)
    return TensorDataset(x.reshape(len(x), *INPUT_SHAPE), torch.from_numpy(records[:, 0].astype(np.int64)))


def load_images(data_dir, split, seed):
    """A folder with one subfolder of pictures per class (torchvision's ImageFolder), resized to the
    model's input; train/ and test/ subfolders if it has them, else 20% held out (seeded)."""
    from torchvision import datasets, transforms

    channels, height, width = INPUT_SHAPE
    steps = [transforms.Resize((height, width))]
    if channels == 1:
        steps.append(transforms.Grayscale())
    steps.append(transforms.ToTensor())
    root = Path(data_dir)
    if (root / "train").is_dir():
        return datasets.ImageFolder(root / ("train" if split == "train" else "test"), transforms.Compose(steps))
    full = datasets.ImageFolder(root, transforms.Compose(steps))
    order = torch.randperm(len(full), generator=torch.Generator().manual_seed(seed)).tolist()
    cut = len(full) - round(0.2 * len(full))
    return Subset(full, order[:cut] if split == "train" else order[cut:])


def load_csv(data_dir, split, seed):
    """Rows of numbers with the class in the last column (a name or a non-negative integer), with
    or without a header row; train.csv and test.csv if data_dir has them, else 20% held out."""
    folder = Path(data_dir)
    paired = (folder / "train.csv").exists() and (folder / "test.csv").exists()
    files = [folder / f"{split}.csv"] if paired else sorted(folder.glob("*.csv"))[:1]
    if not files:
        raise SystemExit(f"{data_dir}: no .csv file there.")
    rows = [line.strip().split(",") for line in files[0].read_text().splitlines() if line.strip()]
    try:
        float(rows[0][0])
    except ValueError:
        rows = rows[1:]  # a header
    labels = [r[-1].strip() for r in rows]
    if all(label.isdigit() for label in labels):
        y = [int(label) for label in labels]
    else:
        names = sorted(set(labels))
        y = [names.index(label) for label in labels]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows], dtype=torch.float32)
    full = TensorDataset(x.reshape(len(x), *INPUT_SHAPE), torch.tensor(y, dtype=torch.int64))
    if paired:
        return full
    order = torch.randperm(len(full), generator=torch.Generator().manual_seed(seed)).tolist()
    cut = len(full) - round(0.2 * len(full))
    return Subset(full, order[:cut] if split == "train" else order[cut:])


def labels_of(dataset):
    if isinstance(dataset, TensorDataset):
        return dataset.tensors[1]
    if isinstance(dataset, Subset):
        return labels_of(dataset.dataset)[torch.as_tensor(dataset.indices)]
    return torch.as_tensor(dataset.targets)


class Relabeled(torch.utils.data.Dataset):
    """The same samples with other labels (the memorization demo's random labels)."""

    def __init__(self, dataset, labels):
        self.dataset, self.labels = dataset, labels

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        return self.dataset[i][0], self.labels[i]


class Standardized(torch.utils.data.Dataset):
    """(x - mean) / std per channel (the first axis of a sample)."""

    def __init__(self, dataset, mean, std):
        self.dataset = dataset
        shape = (-1,) + (1,) * (len(INPUT_SHAPE) - 1)
        self.mean, self.std = mean.reshape(shape), std.reshape(shape)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x, y = self.dataset[i]
        return (x - self.mean) / self.std, y


def channel_stats(dataset, limit=10_000):
    """Mean and population standard deviation per channel, over (at most limit) training samples."""
    count = min(len(dataset), limit)
    x = torch.stack([dataset[i][0] for i in range(count)]).double()
    x = x.transpose(0, 1).reshape(x.shape[1], -1)
    mean, std = x.mean(1), x.std(1, unbiased=False)
    return mean.float(), torch.where(std > 1e-12, std, torch.ones_like(std)).float()


def load_data(args):
    """The training and test sets, prepared as Netwright prepares them."""
    load = {
        "mnist": lambda split: load_mnist(args.data_dir, split),
        "cifar10": lambda split: load_cifar10(args.data_dir, split),
        "images": lambda split: load_images(args.data_dir, split, args.seed),
        "csv": lambda split: load_csv(args.data_dir, split, args.seed),
    }[args.data]
    train, test = load("train"), load("test")
    if args.limit is not None and args.limit < len(train):
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(args.seed))
        train = Subset(train, order[: args.limit].tolist())
    if args.test_limit is not None and args.test_limit < len(test):
        test = Subset(test, range(args.test_limit))
    classes = int(max(labels_of(train).max(), labels_of(test).max())) + 1
    if args.random_labels:
        generator = torch.Generator().manual_seed(args.seed ^ 0x5EED)
        train = Relabeled(train, torch.randint(classes, (len(train),), generator=generator))
    if args.normalize == "standardize":
        mean, std = channel_stats(train)
        train, test = Standardized(train, mean, std), Standardized(test, mean, std)
    return train, test, classes
`;
