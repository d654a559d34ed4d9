// train.py's recipe and loop (Python source): Netwright's optimizers, schedules, losses and
// initializers in torch.optim / torch.nn terms (saying so where Netwright's semantics differ from
// PyTorch's), then DDP training with a DistributedSampler, evaluation, checkpoints and JSON lines.

export const TRAIN_RECIPE_PY = `# ---------------------------------------------------------------------------------------------
# Recipe


class HeavyBall(torch.optim.Optimizer):
    """Netwright's heavy-ball momentum (Polyak 1964): p <- p - lr * g + momentum * (p - p_previous).

    torch.optim.SGD(momentum=...) keeps a velocity v <- momentum * v + g and steps p <- p - lr * v.
    The two give the same sequence while lr is constant; under a schedule the velocity form scales
    past gradients by today's lr and this one by the lr they were taken with. Netwright's "heavy-ball"
    is this form, so it is implemented here rather than mapped to SGD.
    """

    def __init__(self, params, lr, momentum=0.9, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.add(p, alpha=group["weight_decay"]) if group["weight_decay"] else p.grad
                state = self.state[p]
                current = p.clone()
                # Netwright starts p_previous at the initial weights: the first step is plain SGD.
                previous = state.get("previous", current)
                p.add_(g, alpha=-group["lr"]).add_(current - previous, alpha=group["momentum"])
                state["previous"] = current


def make_optimizer(args, params):
    """torch.optim with Netwright's hyper-parameters (PyTorch's defaults elsewhere: eps 1e-8,
    RMSProp alpha 0.99, Adagrad eps 1e-10, dampening 0)."""
    kind, lr, wd = args.optimizer, args.lr, args.weight_decay
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if kind in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=args.momentum, nesterov=kind == "nesterov", weight_decay=wd)
    if kind == "heavy-ball":
        return HeavyBall(params, lr=lr, momentum=args.momentum, weight_decay=wd)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8, weight_decay=wd)
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=1e-10, weight_decay=wd)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(args.beta1, args.beta2), weight_decay=wd)
    return torch.optim.AdamW(params, lr=lr, betas=(args.beta1, args.beta2), weight_decay=wd)


def lr_schedule(text, base_lr, steps_per_epoch, total_steps):
    """The learning rate of optimizer step k (from 0), as Netwright's schedules define it:
    step:<epochs>:<gamma> is StepLR over epochs; cosine[:<eta_min>] anneals over every step of the
    run (CosineAnnealingLR with T_max = total steps, stepped per batch, not per epoch);
    inverse:<c0>:<c1> is lr_k = c0 / (c1 + k), Robbins-Monro's form, which ignores --lr."""
    kind, *values = text.split(":")
    values = [float(v) for v in values]
    if kind == "constant":
        return lambda k: base_lr
    if kind == "step":
        size, gamma = values
        return lambda k: base_lr * gamma ** ((k // steps_per_epoch) // int(size))
    if kind == "cosine":
        eta_min = values[0] if values else 0.0
        return lambda k: eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * k / max(total_steps, 1))) / 2
    if kind == "inverse":
        c0, c1 = values
        return lambda k: c0 / (c1 + k)
    raise SystemExit(f"--schedule {text}: use constant, step:<epochs>:<gamma>, cosine[:<eta_min>] or inverse:<c0>:<c1>.")


def loss_function(kind, classes):
    """Netwright's losses with PyTorch's default (mean) reductions. Class labels become one-hot
    targets for MSE and BCE, as in Netwright."""
    one_hot = lambda y, out: F.one_hot(y, classes).to(out.dtype).reshape(out.shape)
    if kind == "cross-entropy":
        return lambda out, y: F.cross_entropy(out.reshape(len(out), -1), y)
    if kind == "nll":
        return lambda out, y: F.nll_loss(out.reshape(len(out), -1), y)
    if kind == "mse":
        return lambda out, y: F.mse_loss(out, one_hot(y, out))
    return lambda out, y: F.binary_cross_entropy_with_logits(out, one_hot(y, out))


NORMS = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)


@torch.no_grad()
def initialize(model, text):
    """--init other than default replaces every weight and bias, as Netwright does: normalization
    layers keep scale 1 and shift 0; xavier and kaiming set biases to 0 and keep 1-d weights."""
    kind, _, value = text.partition(":")
    if kind == "default":
        return
    for module in model.modules():
        if isinstance(module, NORMS):
            continue
        for name, p in module.named_parameters(recurse=False):
            if kind == "zeros":
                p.zero_()
            elif kind == "constant":
                p.fill_(float(value))
            elif kind == "normal":
                nn.init.normal_(p, 0.0, float(value))
            elif kind == "uniform":
                nn.init.uniform_(p, -float(value), float(value))
            elif name == "bias":
                p.zero_()
            elif p.dim() >= 2 and kind == "xavier":
                nn.init.xavier_uniform_(p)
            elif p.dim() >= 2 and kind == "kaiming":
                nn.init.kaiming_normal_(p, nonlinearity="relu")
`;

export const TRAIN_LOOP_PY = `# ---------------------------------------------------------------------------------------------
# Training


def write_safetensors(path, state_dict):
    """The state_dict in model.py's weights format (safetensors layout), written atomically."""
    names = {torch.float32: "F32", torch.float16: "F16", torch.float64: "F64", torch.int64: "I64"}
    header, chunks, offset = {}, [], 0
    for name, tensor in state_dict.items():
        raw = tensor.detach().cpu().contiguous().numpy().tobytes()
        header[name] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    temporary = Path(str(path) + ".tmp")
    temporary.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    os.replace(temporary, path)


@torch.no_grad()
def evaluate(model, dataset, loss_fn, device):
    model.eval()
    total, correct = 0.0, 0
    for x, y in DataLoader(dataset, batch_size=256):
        x, y = x.to(device), y.to(device)
        out = model(x)
        total += loss_fn(out, y).item() * len(y)
        correct += (out.reshape(len(out), -1).argmax(1) == y).sum().item()
    return total / len(dataset), correct / len(dataset)


def setup_distributed():
    """(rank, world size, device): torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; plain python runs alone."""
    if "RANK" not in os.environ:
        return 0, 1, torch.device("cuda" if torch.cuda.is_available() else "cpu")
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return dist.get_rank(), dist.get_world_size(), torch.device("cuda", local_rank)
    dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size(), torch.device("cpu")


def main(argv=None):
    args = parse_args(argv)
    rank, world, device = setup_distributed()
    say = print if rank == 0 else (lambda *a, **k: None)
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must divide among the {world} processes.")
    torch.manual_seed(args.seed)
    train_set, test_set, classes = load_data(args)
    model = load_model(args.weights)
    initialize(model, args.init)
    model.to(device)
    ddp = model
    if world > 1:
        ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    # Frozen layers (model.FROZEN) have requires_grad off: the optimizer neither steps nor decays them.
    optimizer = make_optimizer(args, [p for p in model.parameters() if p.requires_grad])
    # Every process takes its share of each epoch's order: a fresh permutation per epoch (seeded),
    # or the data set's own order with --shuffle none.
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=args.shuffle == "random",
                                 seed=args.seed, drop_last=True)
    loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler, drop_last=True,
                        num_workers=args.workers, pin_memory=device.type == "cuda")
    steps_per_epoch = len(loader)
    if steps_per_epoch == 0:
        raise SystemExit(f"{len(train_set)} training samples are fewer than one batch of {args.batch_size}.")
    schedule = lr_schedule(args.schedule, args.lr, steps_per_epoch, steps_per_epoch * args.epochs)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: schedule(k) / args.lr)
    loss_fn = loss_function(args.loss, classes)
    amp = args.amp and device.type == "cuda"
    if args.amp and not amp:
        say("note: --amp needs a CUDA GPU; training in float32.", file=sys.stderr)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    start = 0
    if args.resume and Path(args.checkpoint).exists():
        saved = torch.load(args.checkpoint, map_location=device)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        scaler.load_state_dict(saved["scaler"])
        start = saved["epoch"]
        say(f"Resuming {args.checkpoint} after epoch {start}.", file=sys.stderr)
    say(f"Training on {len(train_set)} samples, testing on {len(test_set)}, {world} process(es) on {device.type}.",
        file=sys.stderr)
    for epoch in range(start, args.epochs):
        sampler.set_epoch(epoch)
        ddp.train()
        totals = torch.zeros(3, dtype=torch.float64, device=device)  # loss sum, correct, samples
        began = time.perf_counter()
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device.type, enabled=amp):
                out = ddp(x)
                loss = loss_fn(out, y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if args.clip:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            correct = (out.reshape(len(out), -1).argmax(1) == y).sum()
            totals += torch.stack([loss.detach().double() * len(y), correct.double(), totals.new_tensor(len(y))])
            step = scheduler.last_epoch
            if args.log_every and step % args.log_every == 0:
                step_loss = loss.detach().clone()
                if world > 1:
                    dist.all_reduce(step_loss)
                    step_loss /= world
                if args.json:
                    say(json.dumps({"event": "step", "epoch": epoch, "step": step, "loss": step_loss.item()}))
        if world > 1:
            dist.all_reduce(totals)
        seconds = time.perf_counter() - began
        if rank == 0:
            test_loss, test_accuracy = evaluate(model, test_set, loss_fn, device) if len(test_set) else (None, None)
            loss_sum, correct, seen = totals.tolist()
            line = {"event": "epoch", "epoch": epoch + 1, "trainLoss": loss_sum / seen, "trainAccuracy": correct / seen,
                    "testLoss": test_loss, "testAccuracy": test_accuracy, "samplesPerSecond": seen / seconds,
                    "msPerUpdate": 1000 * seconds / max(1, len(loader)), "provider": device.type}
            if args.json:
                print(json.dumps(line), flush=True)
            else:
                print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / seen:.4f}, accuracy {correct / seen:.2%}; "
                      f"test loss {test_loss:.4f}, accuracy {test_accuracy:.2%}; {seen / seconds:.0f} samples/s", flush=True)
            checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                          "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(), "epoch": epoch + 1,
                          "args": vars(args)}
            torch.save(checkpoint, args.checkpoint + ".tmp")
            os.replace(args.checkpoint + ".tmp", args.checkpoint)
        if world > 1:
            dist.barrier()
    if rank == 0 and args.out:
        write_safetensors(args.out, model.state_dict())
        say(f"Wrote the trained weights to {args.out} (load_model({args.out!r}) reads them).", file=sys.stderr)
    if world > 1:
        dist.destroy_process_group()
    return model


if __name__ == "__main__":
    main()
`;
