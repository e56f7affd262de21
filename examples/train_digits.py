"""Train a network on the UCI handwritten digits with tracegrad — the main job (`make demo`).

1,797 8×8 grey-level images of the digits 0–9 (scikit-learn ships them: no download), a
stratified 80/20 train/test split with a fixed seed, standardization with the training
statistics, then an MLP 64→128→64→10 with ReLU trained by mini-batch SGD with momentum on
the softmax cross-entropy. Prints the final train and test accuracy and the wall time, and
writes two pictures (unless --no-plots): OUT/graph.svg, one training step's computation graph
drawn by autograd.viz (grouped by module, with each op's VJP rule), and OUT/loss.png, the
per-epoch training loss and train/test accuracy.

    python examples/train_digits.py --epochs 20 --batch-size 32 --lr 0.05 --seed 0 --out out
"""
import argparse
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


def accuracy(model, X, y, batch_size=512):
    """Fraction of correct arg-max predictions of `model` on (X, y), in eval mode."""
    model.eval()
    correct = 0
    with ag.no_grad():
        for i in range(0, len(X), batch_size):
            logits = model(ag.Tensor(X[i:i + batch_size]))
            correct += int((logits.data.argmax(axis=1) == y[i:i + batch_size]).sum())
    model.train()
    return correct / len(X)


OPTIMIZERS = {
    "sgd": lambda params, a: optim.SGD(params, lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay),
    "adam": lambda params, a: optim.Adam(params, lr=a.lr, weight_decay=a.weight_decay),
    "adamw": lambda params, a: optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay),
    "rmsprop": lambda params, a: optim.RMSprop(params, lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay),
}
SCHEDULES = ["none", "step", "exponential", "cosine", "onecycle"]


def make_schedule(name, optimizer, epochs, steps_per_epoch, lr):
    """The learning-rate schedule `name` and whether it steps per batch (else per epoch).

    step: ×0.1 every third of the run; exponential: ×0.9 per epoch (the course's exponential
    decay); cosine: cosine decay to 0 over the run; onecycle: warm-up to 10×lr then anneal.
    """
    sched = optim.lr_scheduler
    if name == "step":
        return sched.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1), False
    if name == "exponential":
        return sched.ExponentialLR(optimizer, gamma=0.9), False
    if name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs), False
    if name == "onecycle":
        return sched.OneCycleLR(optimizer, max_lr=10 * lr, total_steps=epochs * steps_per_epoch), True
    return None, False


def parse_args(argv=None):
    """Command-line flags of the demo."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--schedule", choices=SCHEDULES, default="none",
                   help="learning-rate schedule (onecycle steps per batch, the others per epoch)")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate per step (default: 0.05 for sgd, 0.001 for the others)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD/RMSprop momentum")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (decoupled for adamw)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", default="out", help="folder for graph.svg and loss.png")
    p.add_argument("--no-plots", action="store_true", help="write no pictures")
    return p.parse_args(argv)


def draw_step(model, loss_fn, xb, yb, out):
    """Draw one training step (forward and backward on a batch) to OUT/graph.svg; return its path.

    The DOT source is written to OUT/graph.dot too; without Graphviz's `dot` only that file is
    written and a note says how to install Graphviz (the path returned is then the .dot file).
    """
    from autograd.viz import GraphvizNotFoundError, draw_graph, render
    params = list(model.parameters())
    kept = [p.grad for p in params]  # the last training step's gradients, put back afterwards
    model.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.name = "loss"
    loss.backward()
    graph = draw_graph(loss, params=model, show_rules=True, group_modules=True)
    for p, g in zip(params, kept):
        p.grad = g
    dot_path = os.path.join(out, "graph.dot")
    with open(dot_path, "w", encoding="utf-8") as f:
        f.write(graph.source)
    try:
        return render(graph, os.path.join(out, "graph.svg"))
    except GraphvizNotFoundError as exc:
        print(f"note: {exc} (the graph's DOT source is in {dot_path})")
        return dot_path


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

    Unless --no-plots: also the per-epoch accuracies and the paths of the pictures written
    ("graph": OUT/graph.svg, or OUT/graph.dot without Graphviz; "curves": OUT/loss.png).
    """
    args = parse_args(argv)
    start = time.perf_counter()
    ag.manual_seed(args.seed)
    X_train, y_train, X_test, y_test = load_split(args.seed)
    model = make_mlp()
    loss_fn = nn.CrossEntropyLoss()
    if args.lr is None:
        args.lr = 0.05 if args.optimizer == "sgd" else 1e-3
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X_train, y_train), batch_size=args.batch_size,
                                shuffle=True, seed=args.seed)
    scheduler, per_batch = make_schedule(args.schedule, optimizer, args.epochs, len(loader), args.lr)
    losses, train_accs, test_accs = [], [], []
    bar = tqdm(range(args.epochs), desc="epochs", disable=args.quiet, file=sys.stdout)
    for epoch in bar:
        total, count, hits = 0.0, 0, 0
        for xb, yb in loader:
            logits = model(xb)
            loss = loss_fn(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if per_batch:
                scheduler.step()
            total += loss.item() * len(yb)
            count += len(yb)
            hits += int((logits.data.argmax(axis=1) == yb.data).sum())
        if scheduler is not None and not per_batch:
            scheduler.step()
        losses.append(total / count)
        train_accs.append(hits / count)  # running accuracy over the epoch's mini-batches
        if not args.no_plots:
            test_accs.append(accuracy(model, X_test, y_test))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    train_acc = accuracy(model, X_train, y_train)
    test_acc = accuracy(model, X_test, y_test)
    wall = time.perf_counter() - start
    print(f"train accuracy {train_acc:.4f}  test accuracy {test_acc:.4f}  wall time {wall:.1f} s")
    result = {"train_accuracy": train_acc, "test_accuracy": test_acc, "losses": losses, "wall_time": wall,
              "model": model}
    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
        xb, yb = next(iter(loader))
        result["graph"] = draw_step(model, loss_fn, xb, yb, args.out)
        result["curves"] = plot_curves(losses, train_accs, test_accs, os.path.join(args.out, "loss.png"))
        result["train_accuracies"], result["test_accuracies"] = train_accs, test_accs
        print(f"wrote {result['graph']} and {result['curves']}")
    return result


if __name__ == "__main__":
    main()
