"""The PyTorch peer: pytorch/examples word_language_model (model.py RNNModel, main.py train loop),
trimmed to what the benchmarks time. Same model and data as Unroll's reference LM: WikiText-2
train split, word tokens + <eos> per line, the 10,000 most frequent words (the rest -> <unk>),
emb/hidden 200, 2 layers, dropout 0.2, bptt 35, batch 20, SGD lr 20 (p -= lr * g), clip 0.25.

  python3 word_lm.py train    [--model LSTM|GRU|RNN_TANH] [--nhid 200] [--tied] [--steps 30] [--reps 3] [--threads N]
                              [--device cpu|cuda] [--batch 20]
  python3 word_lm.py generate [--tokens 200] [--reps 5] [--device cpu|cuda] ...
  python3 word_lm.py fit      [--epochs 1] [--tied] [--max-steps N]   main.py's whole schedule: train,
                              validate each epoch (lr /= 4 when it does not improve), test the best

The LAST line printed is one JSON object with the figures (medians over --reps).
"""
import argparse
import collections
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn


class RNNModel(nn.Module):
    """pytorch/examples word_language_model/model.py RNNModel (encoder, rnn, decoder, tying)."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.2, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ("LSTM", "GRU"):
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity="tanh", dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def read_lines(data_dir, split):
    with open(os.path.join(data_dir, "wikitext-2", f"{split}.txt"), encoding="utf8") as f:
        return [line.split() + ["</s>"] for line in f]


def load_corpus(data_dir, max_vocab, splits=("train",)):
    """WikiText-2 splits as ids; vocabulary from train = 4 specials + the most frequent words,
    max_vocab in all (Unroll's word tokenizer with maxVocab: <pad>, <unk>, <s>, </s> first).
    Returns (ids of each split in `splits` order..., vocabulary size)."""
    lines = read_lines(data_dir, "train")
    counts = collections.Counter(w for line in lines for w in line)
    specials = ["<pad>", "<unk>", "<s>", "</s>"]
    words = [w for w, _ in counts.most_common() if w not in specials][: max_vocab - len(specials)]
    index = {w: i for i, w in enumerate(specials + words)}
    unk = index["<unk>"]

    def ids(split_lines):
        return torch.tensor([index.get(w, unk) for line in split_lines for w in line], dtype=torch.long)

    return (*[ids(lines if s == "train" else read_lines(data_dir, s)) for s in splits], len(index))


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()  # [T, B]


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def synchronize(device):
    """Waits for the GPU's queued work (CUDA runs asynchronously), so the clock measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_throughput(args, ids, ntokens):
    torch.manual_seed(1111)
    device = torch.device(args.device)
    # on cuda, nn.LSTM/GRU/RNN run cuDNN's fused kernels (main.py --cuda; cudnn.benchmark left at its default)
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, 2, 0.2, args.tied).to(device)
    criterion = nn.NLLLoss()
    data = batchify(ids, args.batch).to(device)
    bptt = 35
    model.train()
    hidden = model.init_hidden(args.batch)
    pos = 0

    def step():
        nonlocal hidden, pos
        if pos + bptt + 1 > data.size(0):
            pos = 0
        x, y = data[pos : pos + bptt], data[pos + 1 : pos + 1 + bptt].reshape(-1)
        pos += bptt
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(x, hidden)
        loss = criterion(output, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-args.lr)
        return loss.item()

    for _ in range(args.warmup):
        step()
    rates = []
    for _ in range(args.reps):
        synchronize(device)
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        synchronize(device)
        rates.append(args.steps * bptt * args.batch / (time.perf_counter() - t0))
    return {"tokensPerSecond": statistics.median(rates), "runs": [round(r, 1) for r in rates]}


def evaluate(model, data, ntokens, bptt=35):
    """main.py evaluate(): chunk-length weighted mean NLL over the split (eval batch size 10)."""
    model.eval()
    total = 0.0
    hidden = model.init_hidden(data.size(1))
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            seq_len = min(bptt, data.size(0) - 1 - i)
            x, y = data[i : i + seq_len], data[i + 1 : i + 1 + seq_len].reshape(-1)
            output, hidden = model(x, hidden)
            hidden = repackage_hidden(hidden)
            total += seq_len * nn.functional.nll_loss(output, y).item()
    return total / (data.size(0) - 1)


def fit(args, train_ids, valid_ids, test_ids, ntokens):
    """main.py's schedule: SGD with clipping, validation after each epoch, lr /= 4 when validation
    does not improve, the best model (by validation loss) reloaded and scored on test."""
    torch.manual_seed(args.seed)
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, 2, 0.2, args.tied)
    criterion = nn.NLLLoss()
    train_data, valid_data, test_data = batchify(train_ids, 20), batchify(valid_ids, 10), batchify(test_ids, 10)
    bptt, lr, best_val, best_state, steps = 35, args.lr, None, None, 0
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        hidden = model.init_hidden(20)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            if args.max_steps and batch >= args.max_steps:
                break
            seq_len = min(bptt, train_data.size(0) - 1 - i)
            x, y = train_data[i : i + seq_len], train_data[i + 1 : i + 1 + seq_len].reshape(-1)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(x, hidden)
            criterion(output, y).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            steps += 1
        val = evaluate(model, valid_data, ntokens)
        if best_val is None or val < best_val:
            best_val, best_state = val, {k: v.clone() for k, v in model.state_dict().items()}
        else:
            lr /= 4.0
    seconds = time.perf_counter() - t0
    model.load_state_dict(best_state)
    test = evaluate(model, test_data, ntokens)
    return {"validPerplexity": math.exp(best_val), "testPerplexity": math.exp(test), "steps": steps, "epochs": args.epochs, "seconds": seconds}


def generate_latency(args, ntokens):
    torch.manual_seed(1111)
    device = torch.device(args.device)
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, 2, 0.2, args.tied).to(device)
    model.eval()
    times = []
    with torch.no_grad():
        for rep in range(args.reps + 1):  # the first is warm-up
            hidden = model.init_hidden(1)
            x = torch.randint(ntokens, (1, 1), dtype=torch.long).to(device)
            synchronize(device)
            t0 = time.perf_counter()
            for _ in range(args.tokens):  # word_language_model generate.py: softmax, multinomial, feed back
                output, hidden = model(x, hidden)
                weights = output.squeeze().div(1.0).exp()
                x.fill_(torch.multinomial(weights, 1)[0])
            synchronize(device)
            if rep > 0:
                times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    return {"ms": ms, "msPerToken": ms / args.tokens, "runs": [round(t, 1) for t in times]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "generate", "fit"])
    p.add_argument("--model", default="LSTM", choices=["LSTM", "GRU", "RNN_TANH"])
    p.add_argument("--emsize", type=int, default=None)
    p.add_argument("--nhid", type=int, default=200)
    p.add_argument("--tied", action="store_true")
    p.add_argument("--lr", type=float, default=20.0)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--tokens", type=int, default=200)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--device", default="cpu", help="train/generate: cpu or cuda (cuDNN's fused RNNs)")
    p.add_argument("--batch", type=int, default=20, help="train: batch size (main.py --batch_size)")
    p.add_argument("--data-dir", default=os.environ.get("UNROLL_DATA_DIR", "/work/shared/data"))
    p.add_argument("--max-vocab", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=1, help="fit: epochs (main.py --epochs)")
    p.add_argument("--max-steps", type=int, default=0, help="fit: stop each epoch after this many steps (0: the whole epoch)")
    p.add_argument("--seed", type=int, default=1111, help="fit: main.py --seed")
    args = p.parse_args()
    if args.emsize is None:
        args.emsize = args.nhid
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.mode == "train":
        ids, ntokens = load_corpus(args.data_dir, args.max_vocab)
        result = train_throughput(args, ids, ntokens)
    elif args.mode == "fit":
        result = fit(args, *load_corpus(args.data_dir, args.max_vocab, ("train", "valid", "test")))
    else:
        result = generate_latency(args, args.max_vocab)
    result.update({"peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "model": args.model,
                   "hidden": args.nhid, "tied": args.tied, "mode": args.mode, "reps": args.reps, "device": args.device})
    if args.device.startswith("cuda"):
        result.update({"gpu": torch.cuda.get_device_name(), "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()})
    if args.mode == "train":
        result["batch"] = args.batch
    print(json.dumps(result))


if __name__ == "__main__":
    main()
