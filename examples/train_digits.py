"""Train a network on the UCI handwritten digits with tracegrad — the main job (`make demo`).

1,797 8×8 grey-level images of the digits 0–9 (scikit-learn ships them: no download), a
stratified 80/20 train/test split with a fixed seed, standardization with the training
statistics, then (--model mlp, the default) an MLP 64→128→64→10 with ReLU, or (--model cnn) a
small CNN on the 1×8×8 images — two blocks conv 3×3 → batch norm → ReLU → max-pool 2×2, then
dropout and a linear head — trained by mini-batch SGD with momentum (or --optimizer) on the
softmax cross-entropy. Prints the final train and test accuracy and the wall time, and writes
(unless --no-plots): OUT/backprop.html, the backprop explorer of one training step (open it in
any browser, offline: step through the forward pass and the backward sweep); OUT/graph.svg, that
step's computation graph drawn by autograd.viz (grouped by module, with each op's VJP rule);
and OUT/loss.png, the per-epoch training loss and train/test accuracy.

--save PATH writes a checkpoint (nn.save) at the end of the run; --resume PATH continues one
up to --epochs epochs in total, exactly as if the run had never stopped (same parameters,
buffers and losses as an uninterrupted run with the same seed and settings).

A run that fails says so: a training loss that is not finite (NaN or ±inf) stops the run at
once, and a final test accuracy below twice chance (0.2 for ten classes) fails it after the
results are printed and the pictures and checkpoint written; either way the message goes to
stderr and the exit status is 1 (`main` raises `TrainingFailed`).

    python examples/train_digits.py --epochs 20 --batch-size 32 --lr 0.05 --seed 0 --out out
    python examples/train_digits.py --model cnn --save cnn.npz
    python examples/train_digits.py --model cnn --epochs 30 --resume cnn.npz
"""
import argparse
import math
import os
import sys
import time

import numpy as np
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import autograd as ag
import nn
import optim


def load_split(seed, as_images=False):
    """Digits → standardized (X_train, y_train, X_test, y_test), stratified 80/20 split.

    Standardization uses the training set's per-pixel mean and std (std 0 → 1).
    """
    X, y = nn.datasets.load_digits(as_images=as_images)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed)
    mean = X_train.mean(axis=0, keepdims=True)
    std = X_train.std(axis=0, keepdims=True)
    std[std == 0] = 1.0
    return ((X_train - mean) / std).astype(np.float32), y_train, ((X_test - mean) / std).astype(np.float32), y_test


def make_mlp():
    """The MLP 64→128→64→10 with ReLU (PyTorch's default Linear initialization)."""
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def make_cnn():
    """A small CNN for (N, 1, 8, 8) images → (N, 10) logits.

    Two blocks conv 3×3 (padding 1) → batch norm → ReLU → max-pool 2×2 (1×8×8 → 16×4×4 →
    32×2×2), then flatten (128), dropout p=0.25 and a linear head 128→10.
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 2 * 2, 10))


RECORD_EVERY = 10  # batches between two records of the training view (out/backprop.html)

# --model → (builder, input as images?, default epochs, default SGD lr); other optimizers: lr 1e-3
MODELS = {"mlp": (make_mlp, False, 20, 0.05), "cnn": (make_cnn, True, 12, 0.02)}


def accuracy(model, X, y, batch_size=512):
    """Fraction of correct arg-max predictions of `model` on (X, y), in eval mode."""
    model.eval()
    correct = 0
    with ag.no_grad():
        for i in range(0, len(X), batch_size):
            logits = model(ag.Tensor(X[i:i + batch_size]))
            correct += int((logits.argmax(dim=1).numpy() == y[i:i + batch_size]).sum())
    model.train()
    return correct / len(X)


OPTIMIZERS = {
    "sgd": lambda params, a: optim.SGD(params, lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay),
    "adam": lambda params, a: optim.Adam(params, lr=a.lr, weight_decay=a.weight_decay),
    "adamw": lambda params, a: optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay),
    "rmsprop": lambda params, a: optim.RMSprop(params, lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay),
}
SCHEDULES = ["none", "step", "exponential", "cosine", "onecycle"]
# ten balanced classes: guessing scores 0.1; a run whose final test accuracy stays below twice that failed
CHANCE = 0.1
LEARNED_FLOOR = 2 * CHANCE


class TrainingFailed(RuntimeError):
    """A run that diverged (a non-finite training loss) or ended no better than chance.

    Raised by `main`; run as a script, its message goes to stderr and the exit status is 1.
    """


def make_schedule(name, optimizer, epochs, steps_per_epoch, lr):
    """The learning-rate schedule `name` and whether it steps per batch (else per epoch).

    step: ×0.1 every third of the run; exponential: ×0.9 per epoch (the course's exponential
    decay); cosine: cosine decay to 0 over the run (each starting from `lr`); onecycle:
    `lr` is the peak (PyTorch's OneCycleLR max_lr, its other options at their defaults): a
    warm-up from lr/25 to lr over the first 30 % of the batches, then a cosine anneal to
    lr/250000, momentum (or Adam's β1) cycling between 0.95 and 0.85 the other way.
    """
    sched = optim.lr_scheduler
    if name == "step":
        return sched.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1), False
    if name == "exponential":
        return sched.ExponentialLR(optimizer, gamma=0.9), False
    if name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs), False
    if name == "onecycle":
        return sched.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch), True
    return None, False


# the defaults of the flags that define a run; the parser leaves these flags None when they are not
# given (so --resume can tell a given flag from a default) and resolve_defaults fills them in
DEFAULTS = {"model": "mlp", "batch_size": 32, "optimizer": "sgd", "schedule": "none", "momentum": 0.9,
            "weight_decay": 0.0, "seed": 0}


def build_parser():
    """The demo's argument parser.

    The flags that define a run (RUN_FLAGS) and --epochs parse to None when absent; their
    defaults (DEFAULTS, and per model for --epochs and --lr) are shown by --help and filled in
    by `resolve_defaults` (or taken from the checkpoint with --resume).
    """
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS), default=None,
                   help="mlp: 64→128→64→10 on flat pixels; cnn: two conv/batch-norm/max-pool blocks, "
                        f"dropout and a linear head on the 1×8×8 images (default: {DEFAULTS['model']})")
    p.add_argument("--epochs", type=int, default=None,
                   help="total number of epochs, also when resuming (default: " +
                        ", ".join(f"{k} {v[2]}" for k, v in sorted(MODELS.items())) + ")")
    p.add_argument("--batch-size", type=int, default=None,
                   help=f"samples per mini-batch (default: {DEFAULTS['batch_size']})")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=None,
                   help=f"the optimizer (default: {DEFAULTS['optimizer']})")
    p.add_argument("--schedule", choices=SCHEDULES, default=None,
                   help="learning-rate schedule (onecycle steps per batch, the others per epoch; "
                        f"default: {DEFAULTS['schedule']})")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate: the initial one for the step, exponential and cosine schedules; "
                        "with --schedule onecycle the peak one (OneCycleLR's max_lr: the cycle rises from "
                        "lr/25 to lr, then anneals to lr/250000) (default: for sgd " +
                        ", ".join(f"{k} {v[3]}" for k, v in sorted(MODELS.items())) + "; 0.001 for the others)")
    p.add_argument("--momentum", type=float, default=None,
                   help=f"SGD/RMSprop momentum (default: {DEFAULTS['momentum']})")
    p.add_argument("--weight-decay", type=float, default=None,
                   help=f"L2 penalty, decoupled for adamw (default: {DEFAULTS['weight_decay']})")
    p.add_argument("--seed", type=int, default=None,
                   help=f"seeds the split, the initialization, the shuffling and dropout (default: {DEFAULTS['seed']})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", default="out", help="folder for backprop.html, graph.svg and loss.png (default: out)")
    p.add_argument("--no-plots", action="store_true", help="write no pictures")
    p.add_argument("--save", metavar="PATH", default=None,
                   help="write a checkpoint (nn.save: model, optimizer, scheduler, epoch, RNG states, "
                        "history, settings) at the end of the run")
    p.add_argument("--resume", metavar="PATH", default=None,
                   help="continue the run saved in PATH up to --epochs epochs in total; the settings that "
                        "define the run (model, optimizer, lr, ...) come from the checkpoint")
    return p


def parse_args(argv=None):
    """Command-line flags of the demo (defaults not yet filled in: see resolve_defaults)."""
    return build_parser().parse_args(argv)


def resolve_defaults(args):
    """Fill in the defaults of the flags left None: DEFAULTS, then those that depend on the
    model or optimizer (epochs, lr); returns args."""
    for name, value in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.epochs is None:
        args.epochs = MODELS[args.model][2]
    if args.lr is None:
        args.lr = MODELS[args.model][3] if args.optimizer == "sgd" else 1e-3
    return args


# flags that define a run: on --resume they come from the checkpoint (giving another value is an error)
RUN_FLAGS = ("model", "batch_size", "optimizer", "schedule", "lr", "momentum", "weight_decay", "seed")
# schedules whose plan depends on the total number of epochs
HORIZON_SCHEDULES = ("step", "cosine", "onecycle")


def merge_resumed_args(args, saved, error):
    """Take the run-defining settings from a checkpoint's `saved` args; `error(msg)` on conflicts.

    Args:
        args (argparse.Namespace): this invocation's flags, not yet resolved (a run flag that is
            not None was given on the command line); changed in place.
        saved (dict): the checkpoint's "args".
        error (callable): raises (argparse's parser.error).
    """
    for name in RUN_FLAGS:
        if getattr(args, name) is not None and getattr(args, name) != saved[name]:
            error(f"--resume: --{name.replace('_', '-')} {getattr(args, name)} differs from the checkpoint's "
                  f"{saved[name]}; leave it out to continue the saved run")
        setattr(args, name, saved[name])
    if args.epochs is None:
        args.epochs = MODELS[args.model][2]
    if args.schedule in HORIZON_SCHEDULES and args.epochs != saved["epochs"]:
        error(f"--resume: the {args.schedule!r} schedule was planned for {saved['epochs']} epochs; --epochs "
              f"{args.epochs} would change its plan; use --epochs {saved['epochs']} (or the epoch-independent "
              f"schedules 'none' or 'exponential' to extend a run)")


def checkpoint_state(epoch, args, model, optimizer, scheduler, loader, history):
    """Everything needed to continue the run after `epoch` completed epochs, for nn.save.

    The loader's state (`DataLoader.state_dict`: its shuffling generator) and autograd's
    global generator's state (it draws dropout masks) hold numpy ``bit_generator.state`` dicts;
    their big integers survive nn.save (integers are stored as decimal strings).
    """
    return {
        "kind": "train_digits checkpoint",
        "epoch": epoch,
        "args": dict(vars(args)),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "loader": loader.state_dict(),
        "rng": {"global": ag.creation.get_rng().bit_generator.state},
        "history": {k: list(v) for k, v in history.items()},
    }


def restore_checkpoint(ckpt, model, optimizer, scheduler, loader):
    """Load a `checkpoint_state` dict (after nn.load) into freshly built objects; returns
    (completed epochs, history)."""
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(ckpt["scheduler"])
    loader.load_state_dict(ckpt["loader"])
    ag.creation.get_rng().bit_generator.state = ckpt["rng"]["global"]
    history = {k: [float(x) for x in v] for k, v in ckpt["history"].items()}
    return int(ckpt["epoch"]), history


def draw_step(model, loss_fn, xb, yb, out, recording=None):
    """Draw one training step (forward and backward on a batch); return the paths written.

    OUT/backprop.html: the backprop explorer of that step (`BackwardStepper.save_html`: step
    through the forward pass and the backward sweep; self-contained, opens offline in any
    browser). OUT/graph.svg: the step's graph (Graphviz's picture with module clusters when its
    `dot` is installed, else tracegrad's own SVG, laid out by igraph); OUT/graph.dot: its DOT
    source. `recording` (an autograd.viz.TrainingRecorder of the run) is shown under the explorer.
    Returns {"graph": the SVG's path, "explorer": the HTML's path}.
    """
    from autograd.viz import BackwardStepper, GraphvizNotFoundError, draw_graph, draw_svg, render
    params = list(model.parameters())
    kept = [p.grad for p in params]  # the last training step's gradients, put back afterwards
    buffers = [(b, b.clone()) for b in model.buffers()]  # batch-norm statistics, put back too
    rng = ag.creation.get_rng()
    rng_state = rng.bit_generator.state  # dropout draws from it
    model.zero_grad()
    outputs = []  # every module's output, kept alive so the explorer can show the forward values
    hooks = [m.register_forward_hook(lambda mod, args, out: outputs.append(out)) for _, m in model.named_modules()]
    loss = loss_fn(model(xb), yb)
    for h in hooks:
        h.remove()
    loss.name = "loss"
    labels = " ".join(str(v) for v in yb.tolist()[:24]) + (" …" if len(yb) > 24 else "")
    caption = (f"One training step of {type(model).__name__} on a batch of {len(yb)} digits: inputs x "
               f"{tuple(xb.shape)} (no gradient needed, so not drawn), labels {labels}; "
               f"loss {loss.item():.4f}. Forward first, then backward as the engine runs it.")
    stepper = BackwardStepper(loss, params=model)  # running it to the end is loss.backward()
    explorer = stepper.save_html(os.path.join(out, "backprop.html"), title="tracegrad: one training step",
                                 caption=caption, recording=recording)
    stepper.run()  # the gradients of the step, for the pictures below
    graph = draw_graph(loss, params=model, show_rules=True, group_modules=True)
    svg = draw_svg(loss, params=model, show_data=True, caption=caption.rsplit(" Forward first", 1)[0])
    for p, g in zip(params, kept):
        p.grad = g
    for b, data in buffers:
        b.data.copy_(data)
    rng.bit_generator.state = rng_state
    dot_path = os.path.join(out, "graph.dot")
    with open(dot_path, "w", encoding="utf-8") as f:
        f.write(graph.source)
    svg_path = os.path.join(out, "graph.svg")
    try:
        render(graph, svg_path)
    except GraphvizNotFoundError:
        svg.save(svg_path)
        print(f"note: Graphviz's `dot` is not installed: {svg_path} is tracegrad's own drawing (laid out by igraph)")
    return {"graph": svg_path, "explorer": explorer}


def plot_curves(losses, train_accs, test_accs, path):
    """Per-epoch training loss and train/test accuracy, side by side, saved as a PNG (Agg).

    The train accuracy is the running one over each epoch's mini-batches (free to compute);
    the test accuracy is measured after each epoch.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 3.5))
    FigureCanvasAgg(fig)
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = np.arange(1, len(losses) + 1)
    ax_loss.plot(epochs, losses, marker="o")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="training loss", yscale="log")
    ax_acc.plot(epochs, train_accs, marker="o", label="train (running, during the epoch)")
    ax_acc.plot(epochs, test_accs, marker="o", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def main(argv=None):
    """Train and evaluate; return a dict with train/test accuracy, losses and wall time (s).

    Also "model", "epoch_times" (s per epoch trained in this invocation) and, with --save, "checkpoint"
    (its path). Unless --no-plots: the per-epoch accuracies and the paths of the pictures written
    ("explorer": OUT/backprop.html; "graph": OUT/graph.svg, drawn by Graphviz, or by tracegrad
    without it; "curves": OUT/loss.png). With
    --resume, "losses" and the accuracies cover all epochs, the saved ones included (test
    accuracies of epochs run with --no-plots are NaN).

    Raises:
        TrainingFailed: at once when a training loss is not finite (nothing is written); at the
            end when the test accuracy is below LEARNED_FLOOR (twice chance), after the results
            are printed and the checkpoint and pictures written.
        SystemExit: for bad flags (argparse's usage error, status 2).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    start = time.perf_counter()
    ckpt = None
    if args.resume is not None:
        ckpt = nn.load(args.resume)
        if not isinstance(ckpt, dict) or ckpt.get("kind") != "train_digits checkpoint":
            parser.error(f"--resume: {args.resume} is not a checkpoint written by this demo's --save")
        merge_resumed_args(args, ckpt["args"], parser.error)
        if args.epochs < int(ckpt["epoch"]):
            parser.error(f"--resume: the checkpoint already has {ckpt['epoch']} epochs; got --epochs "
                         f"{args.epochs}, expected at least that many (--epochs counts all epochs)")
    else:
        resolve_defaults(args)
    builder, as_images = MODELS[args.model][:2]
    ag.manual_seed(args.seed)
    X_train, y_train, X_test, y_test = load_split(args.seed, as_images=as_images)
    model = builder()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X_train, y_train), batch_size=args.batch_size,
                                shuffle=True, seed=args.seed)
    scheduler, per_batch = make_schedule(args.schedule, optimizer, args.epochs, len(loader), args.lr)
    history = {"losses": [], "train_accuracies": [], "test_accuracies": []}
    first = 0
    if ckpt is not None:
        first, history = restore_checkpoint(ckpt, model, optimizer, scheduler, loader)
    losses, train_accs, test_accs = history["losses"], history["train_accuracies"], history["test_accuracies"]
    epoch_times = []
    recording = None
    if not args.no_plots:  # per-layer norms every RECORD_EVERY batches, shown under the explorer
        from autograd.viz import TrainingRecorder
        recording = TrainingRecorder(model, every=RECORD_EVERY)
    bar = tqdm(range(first, args.epochs), desc="epochs", disable=args.quiet, file=sys.stdout)
    for epoch in bar:
        tick = time.perf_counter()
        total, count, hits = 0.0, 0, 0
        for batch, (xb, yb) in enumerate(loader, 1):
            logits = model(xb)
            loss = loss_fn(logits, yb)
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingFailed(
                    f"train_digits: the training loss is not finite at epoch {epoch + 1}, batch {batch}; got "
                    f"{value}, expected a finite number. Hint: the run diverged; lower --lr (got {args.lr}).")
            optimizer.zero_grad()
            loss.backward()
            if recording is not None:
                recording.record(loss)
            optimizer.step()
            if per_batch:
                scheduler.step()
            total += value * len(yb)
            count += len(yb)
            hits += int((logits.argmax(dim=1) == yb).sum())
        if scheduler is not None and not per_batch:
            scheduler.step()
        losses.append(total / count)
        train_accs.append(hits / count)  # running accuracy over the epoch's mini-batches
        if not args.no_plots:
            test_accs.extend([float("nan")] * (len(losses) - 1 - len(test_accs)))  # epochs run with --no-plots
            test_accs.append(accuracy(model, X_test, y_test))
        epoch_times.append(time.perf_counter() - tick)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    train_acc = accuracy(model, X_train, y_train)
    test_acc = accuracy(model, X_test, y_test)
    wall = time.perf_counter() - start
    per_epoch = f"  ({np.mean(epoch_times):.2f} s/epoch)" if epoch_times else ""
    print(f"{args.model}: train accuracy {train_acc:.4f}  test accuracy {test_acc:.4f}  "
          f"wall time {wall:.1f} s{per_epoch}")
    result = {"train_accuracy": train_acc, "test_accuracy": test_acc, "losses": losses, "wall_time": wall,
              "model": model, "epoch_times": epoch_times}
    if args.save is not None:
        nn.save(checkpoint_state(args.epochs, args, model, optimizer, scheduler, loader, history), args.save)
        result["checkpoint"] = args.save
        print(f"saved epoch {args.epochs} to {args.save}")
    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
        xb, yb = next(iter(loader))
        recording.close()
        result.update(draw_step(model, loss_fn, xb, yb, args.out, recording))
        test_accs.extend([float("nan")] * (len(losses) - len(test_accs)))
        result["curves"] = plot_curves(losses, train_accs, test_accs, os.path.join(args.out, "loss.png"))
        result["train_accuracies"], result["test_accuracies"] = train_accs, test_accs
        print(f"wrote {result['explorer']} (open it in a browser), {result['graph']} and {result['curves']}")
    if test_acc < LEARNED_FLOOR:
        raise TrainingFailed(
            f"train_digits: the run did not learn; got test accuracy {test_acc:.4f}, expected at least "
            f"{LEARNED_FLOOR:.2f} (twice chance). Hint: lower --lr (got {args.lr}"
            f"{', the peak of the one-cycle schedule' if args.schedule == 'onecycle' else ''}).")
    return result


if __name__ == "__main__":
    try:
        main()
    except TrainingFailed as exc:
        sys.exit(str(exc))  # the message on stderr, exit status 1
