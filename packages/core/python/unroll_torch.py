"""Load what `unroll export RUN --out DIR` wrote into ordinary PyTorch modules, in one line:

    import unroll_torch
    model = unroll_torch.load("DIR")   # a LanguageModel, Tagger or Classifier (torch.nn.Module)

Each module carries its tokenizer and labels and does what the matching CLI command does, with
the same numbers: `score` and `generate` (greedy) as `unroll score` / `unroll sample --greedy`,
`tag` as `unroll tag`, `classify` as `unroll classify`. The tensors keep torch's names and
layouts (nn.Embedding, nn.LSTM / nn.GRU / nn.RNN, nn.Linear), so `state_dict()` is torch's own.
The format and every rule used here: packages/core/CHECKPOINT.md. Needs torch only (Debian's
python3-torch has no `safetensors` package, so the file is read here).
"""
import json
import math
import os
import struct
import sys

import torch
from torch import nn

__all__ = ["load", "read_safetensors", "Tokenizer", "LanguageModel", "Tagger", "Classifier"]

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"  # ids 0, 1, 2, 3 in every input vocabulary
FORMAT, FORMAT_VERSION = "unroll-checkpoint", 1
_DTYPES = {"F32": torch.float32, "I32": torch.int32}


def read_safetensors(path):
    """The tensors and the string metadata of a safetensors file:
    [8-byte little-endian header length N][N bytes of JSON header][raw little-endian tensor data]."""
    if sys.byteorder != "little":
        raise RuntimeError("this reader assumes a little-endian machine, as the file's data is")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: expected a safetensors file, got {len(data)} bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file; is this an Unroll export?")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}; Unroll writes F32 and I32")
        begin, end = (8 + n + offset for offset in info["data_offsets"])
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=_DTYPES[info["dtype"]]) if end > begin else torch.zeros(0, dtype=_DTYPES[info["dtype"]])
        tensors[name] = flat.reshape(info["shape"])
    return tensors, meta


class Tokenizer:
    """Unroll's tokenizer from its JSON: `char` = one token per Unicode code point; `word` = Python's
    str.split() (lowercased first when options.lowercase). Tokens outside the vocabulary are <unk>;
    a word that spells a special (`<unk>`, `</s>`, ...) is that special."""

    def __init__(self, spec):
        self.kind = spec["kind"]
        self.options = spec.get("options", {})
        self.tokens = list(spec["vocabulary"]["tokens"])
        self.specials = list(spec["vocabulary"].get("specials", []))
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    def tokenize(self, text):
        if self.kind == "char":
            return list(text)
        return [self.normalize(w) for w in text.split()]

    def normalize(self, token):
        """One already-split token as tokenize() would leave it."""
        return token.lower() if self.kind == "word" and self.options.get("lowercase") else token

    def id_of(self, token):
        if token in self.ids:
            return self.ids[token]
        if UNK in self.ids:
            return self.ids[UNK]
        raise KeyError(f"{token!r} is not in the vocabulary, which has no {UNK}")

    def encode(self, text):
        return [self.id_of(t) for t in self.tokenize(text)]

    def decode(self, ids):
        return ("" if self.kind == "char" else " ").join(self.tokens[i] for i in ids)


def _rnn(cfg, input_size, bidirectional=False):
    """nn.LSTM / nn.GRU / nn.RNN with Unroll's gate order, which is torch's (dropout: training only)."""
    kw = dict(num_layers=cfg["layers"], batch_first=True, bidirectional=bidirectional)
    if cfg["cell"] == "lstm":
        return nn.LSTM(input_size, cfg["hiddenSize"], **kw)
    if cfg["cell"] == "gru":
        return nn.GRU(input_size, cfg["hiddenSize"], **kw)
    if cfg["cell"] == "elman":
        return nn.RNN(input_size, cfg["hiddenSize"], nonlinearity=cfg.get("activation") or "tanh", **kw)
    raise ValueError(f"unknown cell {cfg['cell']!r}; Unroll writes elman, lstm or gru")


class LanguageModel(nn.Module):
    """pytorch/examples word_language_model's RNNModel: e_t = E x_t, h_t = RNN(h_{t-1}, e_t),
    logits = V h_t + b; tied (Press & Wolf 2017): V = E, which needs d = H."""

    def __init__(self, cfg, tokenizer):
        super().__init__()
        V, d, H = cfg["vocabSize"], cfg["embeddingSize"], cfg["hiddenSize"]
        self.cfg, self.tokenizer = cfg, tokenizer
        self.encoder = nn.Embedding(V, d)
        self.rnn = _rnn(cfg, d)
        self.decoder = nn.Linear(H, V)
        if cfg["tied"]:
            self.decoder.weight = self.encoder.weight  # V = E: the file stores the matrix once
        t = tokenizer
        # A word stream ends every line with </s>, so a sentence starts after </s>; a character
        # stream starts a line after "\n" and ends it with "\n".
        self.start = t.ids[EOS] if t.kind == "word" else t.ids.get("\n", t.ids[BOS])
        self.end = t.ids["\n"] if t.kind == "char" and "\n" in t.ids else t.ids[EOS]
        # never drawn: what training never targets (<pad>, <s>; for characters also <unk> and </s>)
        never = [PAD, BOS, UNK, EOS] if t.kind == "char" else [PAD, BOS]
        self.banned = [t.ids[s] for s in never if s in t.ids]

    def forward(self, ids, hidden=None):
        """ids [B, T] -> logits [B, T, |V|] and the final hidden state."""
        out, hidden = self.rnn(self.encoder(ids), hidden)
        return self.decoder(out), hidden

    @torch.no_grad()
    def score(self, text):
        """As `unroll score`: {logProb, perplexity, tokens: [{token, logProb}]}, natural log,
        reading start + text and predicting text + end (the end token is scored too)."""
        ids = self.tokenizer.encode(text)
        logits, _ = self(torch.tensor([[self.start] + ids]))
        logp = torch.log_softmax(logits[0], dim=-1)
        targets = ids + [self.end]
        lps = logp[torch.arange(len(targets)), torch.tensor(targets)].tolist()
        total = sum(lps)
        return {"logProb": total, "perplexity": math.exp(-total / len(targets)),
                "tokens": [{"token": self.tokenizer.tokens[i], "logProb": lp} for i, lp in zip(targets, lps)]}

    @torch.no_grad()
    def generate(self, prompt="", max_length=200):
        """As `unroll sample --greedy`: the prompt, then up to max_length tokens, each the most
        likely one; stops early when </s> is drawn (word models; it is not returned), but not
        before the first token when the prompt is empty."""
        prompt_ids = self.tokenizer.encode(prompt) if prompt else []
        logits, hidden = self(torch.tensor([[self.start] + prompt_ids]))
        out = []
        stop = self.tokenizer.ids.get(EOS)
        for step in range(max_length):
            z = logits[0, -1].clone()
            z[self.banned] = -math.inf
            if step == 0 and not prompt_ids and stop is not None:
                z[stop] = -math.inf  # a sample from nothing has at least one token
            nxt = int(torch.argmax(z))  # the first of equal maxima, as Unroll picks
            if nxt == stop:
                break
            out.append(nxt)
            if step + 1 < max_length:
                logits, hidden = self(torch.tensor([[nxt]]), hidden)
        return self.tokenizer.decode(prompt_ids + out)


class Tagger(nn.Module):
    """A (bi)RNN with a softmax over the tags at every token: y_t = softmax(V [h_t^f ; h_t^b] + b)."""

    def __init__(self, cfg, tokenizer, labels):
        super().__init__()
        self.cfg, self.tokenizer, self.labels = cfg, tokenizer, labels
        dirs = 2 if cfg["bidirectional"] else 1
        self.encoder = nn.Embedding(cfg["vocabSize"], cfg["embeddingSize"])
        self.rnn = _rnn(cfg, cfg["embeddingSize"], cfg["bidirectional"])
        self.decoder = nn.Linear(dirs * cfg["hiddenSize"], cfg["numTags"])

    def forward(self, ids):
        """ids [B, T] (one unpadded sentence per row) -> tag logits [B, T, numTags]."""
        out, _ = self.rnn(self.encoder(ids))
        return self.decoder(out)

    @torch.no_grad()
    def tag(self, text):
        """As `unroll tag`: [{token, tag}] for each word of a text (or of a list of words), the
        argmax over every label, <pad> included."""
        words = text.split() if isinstance(text, str) else list(text)  # raw tokens (capitals kept), as `unroll tag` shows them
        if not words:
            return []
        best = self(torch.tensor([[self.tokenizer.id_of(self.tokenizer.normalize(w)) for w in words]]))[0].argmax(-1).tolist()
        return [{"token": w, "tag": self.labels[i]} for w, i in zip(words, best)]


class Classifier(nn.Module):
    """Pool the RNN's states into one vector, then y = softmax(W_2 relu(W_1 h + b_1) + b_2).
    Pooling: last = the top layer's h_n ([forward ; backward] as torch orders it), mean, or max."""

    def __init__(self, cfg, tokenizer, labels):
        super().__init__()
        self.cfg, self.tokenizer, self.labels = cfg, tokenizer, labels
        self.dirs = 2 if cfg["bidirectional"] else 1
        H = cfg["hiddenSize"]
        self.encoder = nn.Embedding(cfg["vocabSize"], cfg["embeddingSize"])
        self.rnn = _rnn(cfg, cfg["embeddingSize"], cfg["bidirectional"])
        self.head = nn.Sequential(nn.Linear(self.dirs * H, H), nn.ReLU(), nn.Dropout(cfg["dropout"]), nn.Linear(H, cfg["numClasses"]))

    def forward(self, ids):
        """ids [B, T] (one unpadded text per row) -> class logits [B, numClasses]."""
        out, hidden = self.rnn(self.encoder(ids))
        pooling = self.cfg["pooling"]
        if pooling == "last":
            h_n = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h_n, c_n)
            pooled = torch.cat(list(h_n[-self.dirs:]), dim=-1)  # top layer, forward then backward
        elif pooling == "mean":
            pooled = out.mean(dim=1)
        else:
            pooled = out.max(dim=1).values
        return self.head(pooled)

    @torch.no_grad()
    def classify(self, text):
        """As `unroll classify`: {label, probabilities: {label: p}}."""
        ids = self.tokenizer.encode(text)
        if not ids:
            raise ValueError("classify needs a text with at least one token")
        p = torch.softmax(self(torch.tensor([ids]))[0], dim=-1).tolist()
        best = p.index(max(p))  # the first of equal maxima, as Unroll picks
        return {"label": self.labels[best], "probabilities": dict(zip(self.labels, p))}


def load(path):
    """An export folder (or its model.safetensors) -> a LanguageModel, Tagger or Classifier in eval mode."""
    file = os.path.join(path, "model.safetensors") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise FileNotFoundError(f"{file}: not found; write it with `unroll export RUN --out DIR` and load DIR")
    tensors, meta = read_safetensors(file)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{file}: metadata format is {meta.get('format')!r}, not {FORMAT!r}: not written by Unroll")
    if int(meta.get("format_version", "0")) > FORMAT_VERSION:
        raise ValueError(f"{file}: format version {meta['format_version']} is newer than this loader reads ({FORMAT_VERSION})")
    if "tokenizer" not in meta:
        raise ValueError(f"{file}: no tokenizer in its metadata; export it again with this version of `unroll export`")
    task, cfg = json.loads(meta["task"]), json.loads(meta["model"])
    tokenizer = Tokenizer(json.loads(meta["tokenizer"]))
    labels = json.loads(meta["labels"]) if "labels" in meta else None
    state = {k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "train."))}
    if cfg.get("chars"):
        raise NotImplementedError(f"{file}: a model with character features (model.chars, tensors chars.*) is not loaded here yet; load it with Unroll's loadModel")
    if task == "lm":
        model = LanguageModel(cfg, tokenizer)
        if cfg["tied"]:
            state["decoder.weight"] = state["encoder.weight"]
    elif task == "tagger":
        model = Tagger(cfg, tokenizer, labels)
    elif task == "classifier":
        model = Classifier(cfg, tokenizer, labels)
    else:
        raise ValueError(f"{file}: unknown task {task!r}; Unroll writes lm, tagger or classifier")
    model.load_state_dict(state)  # strict: every name and shape must match
    model.task, model.step, model.metrics = task, json.loads(meta.get("step", "0")), json.loads(meta.get("metrics", "{}"))
    return model.eval()
