"""Loads the files of export.ts into PyTorch modules and compares per-token log-probabilities
with Unroll's. Needs torch (Debian: python3-torch).  python3 check.py DIR"""
import json, os, struct, sys, torch, torch.nn as nn
out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/unroll-interop"
def load(path):
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n]); base = 8 + n
    meta = h.pop("__metadata__", {})
    t = {k: torch.frombuffer(bytearray(b[base + v["data_offsets"][0]: base + v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"]) for k, v in h.items()}
    return meta, t
worst = 0.0
ref = json.load(open(os.path.join(out_dir, "unroll.json")))
for name, r in ref.items():
    meta, state = load(os.path.join(out_dir, f"{name}.safetensors"))
    cfg = json.loads(meta["model"])
    V, d, H = cfg["vocabSize"], cfg["embeddingSize"], cfg["hiddenSize"]
    kw = dict(num_layers=cfg["layers"], batch_first=True)
    rnn = nn.LSTM(d, H, **kw) if cfg["cell"] == "lstm" else nn.GRU(d, H, **kw) if cfg["cell"] == "gru" else nn.RNN(d, H, nonlinearity=cfg.get("activation", "tanh"), **kw)
    enc, dec = nn.Embedding(V, d), nn.Linear(H, V)
    if cfg["tied"]: state["decoder.weight"] = state["encoder.weight"]
    enc.load_state_dict({"weight": state["encoder.weight"]})
    rnn.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("rnn.")})
    dec.load_state_dict({"weight": state["decoder.weight"], "bias": state["decoder.bias"]})
    with torch.no_grad():
        out, _ = rnn(enc(torch.tensor([r["input"]])))
        logp = torch.log_softmax(dec(out)[0], -1)
        torch_lp = logp[torch.arange(len(r["targets"])), torch.tensor(r["targets"])]
    diff = (torch_lp - torch.tensor(r["logProbs"])).abs().max().item()
    print(f"{name}: {cfg['cell']} layers={cfg['layers']} tied={cfg['tied']} max |log p diff| = {diff:.2e}")
    worst = max(worst, diff)
sys.exit(0 if worst < 1e-4 else f"log-probabilities differ by {worst:.2e} (> 1e-4)")
