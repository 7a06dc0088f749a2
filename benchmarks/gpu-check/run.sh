#!/usr/bin/env bash
# The prepared GPU check (issue 14): run on a bare NVIDIA machine (no network, no Node) from the
# repository root, with benchmarks/gpu-check/dist (node benchmarks/gpu-check/build.mjs) carried:
#
#   bash benchmarks/gpu-check/run.sh          (device tool: carry ["benchmarks/gpu-check/dist"])
#
# Unpacks Node, the bundles, Dawn, the corpora and the Vulkan loader; finds the NVIDIA driver's
# Vulkan ICD; then, within GPU_CHECK_BUDGET seconds (default 540), each step under `timeout`:
#   probe          the adapter webgpu starts on, ms per dispatch, the decoder matMul
#   webgpu-check   core's wasm-vs-webgpu comparison (demo and reference LM, same seed, losses step by step)
#   train-*        tokens/s of webgpu, wasm and PyTorch (cuDNN) on the reference LM (2-layer LSTM 200,
#                  WikiText-2 vocab 10k, bptt 35) at batch 20 and 128, untied and tied, and LSTM-650
#   generate-*     200 tokens at batch 1, webgpu vs PyTorch
# Every step writes $OUT/<step>.json ({ step, ok, status, seconds, result, error }), whether it
# worked, failed, timed out or was skipped for want of time; then $OUT/summary.json.
#
# Environment (for a dry run on CPU: UNROLL_WEBGPU_SOFTWARE=1 GPU_CHECK_PEER_DEVICE=cpu and fewer steps):
#   OUT (default /tmp/unroll-gpu-check-out)  GPU_CHECK_BUDGET (540)  GPU_CHECK_STEPS (10)  GPU_CHECK_REPS (2)
#   GPU_CHECK_WARMUP (3)  GPU_CHECK_BATCHES ("20 128")  GPU_CHECK_CONFIGS ("lstm lstm-tied lstm-650")
#   GPU_CHECK_CHECK_STEPS (10)  GPU_CHECK_CHECK_CONFIGS (demo,reference)  GPU_CHECK_GEN_REPS (5)
#   GPU_CHECK_PEER_DEVICE (cuda)  GPU_CHECK_PYTHON (first of python3, python with torch)  GPU_CHECK_WORK (/tmp/unroll-gpu-check)
#   UNROLL_WEBGPU_SOFTWARE
set -u
start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dist=$here/dist
OUT=${OUT:-/tmp/unroll-gpu-check-out}
BUDGET=${GPU_CHECK_BUDGET:-540}
STEPS=${GPU_CHECK_STEPS:-10}
REPS=${GPU_CHECK_REPS:-2}
WARMUP=${GPU_CHECK_WARMUP:-3}
BATCHES=${GPU_CHECK_BATCHES:-20 128}
CONFIGS=${GPU_CHECK_CONFIGS:-lstm lstm-tied lstm-650}
CHECK_STEPS=${GPU_CHECK_CHECK_STEPS:-10}
CHECK_CONFIGS=${GPU_CHECK_CHECK_CONFIGS:-demo,reference}
GEN_REPS=${GPU_CHECK_GEN_REPS:-5}
PEER_DEVICE=${GPU_CHECK_PEER_DEVICE:-cuda}
work=${GPU_CHECK_WORK:-/tmp/unroll-gpu-check}
RESERVE=15 # seconds kept for the summary
mkdir -p "$OUT/logs"

elapsed() { echo $(($(date +%s) - start)); }
say() { echo "[gpu-check $(elapsed)s] $*" | tee -a "$OUT/run.log"; }

# the Python with PyTorch (the peer); any Python writes the records
PY=
for p in ${GPU_CHECK_PYTHON:-} python3 python /usr/bin/python3 /opt/conda/bin/python; do
  if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then
    PY=$(command -v "$p")
    break
  fi
done
[ -n "$PY" ] || PY=$(command -v python3 || command -v python || true)
[ -n "$PY" ] || {
  say "no python3 on this machine: cannot write the step records"
  exit 1
}

# record STEP STATUS SECONDS RC: $OUT/STEP.json from the step's logs (the stdout's last line is its JSON)
record() {
  "$PY" - "$OUT" "$@" <<'EOF'
import json, os, sys
out, step, status, seconds, rc = sys.argv[1:6]
def read(name):
    try:
        with open(os.path.join(out, "logs", name), encoding="utf8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""
stdout, stderr = read(step + ".out"), read(step + ".err")
result = None
lines = stdout.strip().splitlines()
if lines:
    try:
        result = json.loads(lines[-1])
    except ValueError:
        pass
if status == "ok" and (rc != "0" or not isinstance(result, dict)):
    status = "failed"
rec = {"step": step, "ok": status == "ok", "status": status, "seconds": float(seconds), "rc": int(rc), "result": result}
if status != "ok":  # the message, without stack frames or the source line Node echoes
    text = [l for l in (stderr.strip() or stdout.strip()).splitlines() if l.strip() and not l.startswith("    at ") and len(l) < 2000]
    rec["error"] = "\n".join(text[-15:])[-3000:]
    rec["message"] = next((l for l in reversed(text) if "Error" in l or "error" in l), text[-1] if text else "")[:600]
with open(os.path.join(out, step + ".json"), "w") as f:
    json.dump(rec, f)
brief = ""
if isinstance(result, dict):
    for k in ("tokensPerSecond", "ms", "msPerDispatch", "device"):
        if k in result:
            v = result[k]
            brief += " %s=%s" % (k, round(v, 1) if isinstance(v, float) and k != "msPerDispatch" else v)
    for name, r in (result.get("results") or {}).items():  # webgpu-check
        prof = r["webgpu"].get("profile") or {}
        brief += " %s: agree=%s maxRelDiff=%.1e wasm=%s webgpu=%s tok/s perStep=%s kernelMs=%s" % (name, r.get("agree"), r.get("maxRelDiff", 0), r["wasm"]["tokensPerSecond"], r["webgpu"]["tokensPerSecond"], r["webgpu"].get("perStep"), prof.get("kernelMs") if prof.get("timed") else "untimed")
print("%s %s %.1fs%s%s" % (step, status, float(seconds), brief, "" if status == "ok" else ": " + rec["message"][:300]))
EOF
}

# step NAME CAP CMD...: runs CMD under timeout (CAP seconds, or what the budget has left), records it
step() {
  local name=$1 cap=$2
  shift 2
  local left=$((BUDGET - $(elapsed) - RESERVE))
  if ((left < 10)); then
    : >"$OUT/logs/$name.out"
    echo "skipped: ${left}s of the ${BUDGET}s budget left" >"$OUT/logs/$name.err"
    say "$(record "$name" skipped 0 0)"
    return
  fi
  ((cap > left)) && cap=$left
  local t0 rc status=ok
  t0=$(date +%s.%N)
  timeout -k 5 "$cap" "$@" >"$OUT/logs/$name.out" 2>"$OUT/logs/$name.err" </dev/null
  rc=$?
  ((rc == 124 || rc == 137)) && status=timeout && echo "timed out after ${cap}s" >>"$OUT/logs/$name.err"
  say "$(record "$name" "$status" "$("$PY" -c "import sys,time; print(round(time.time()-float(sys.argv[1]),1))" "$t0")" "$rc")"
}

# 1. Unpack (xz may be absent on a bare image: Python's lzma and ar reading then do it).
say "unpacking $dist into $work"
[ -f "$dist/payload.tar.xz" ] || {
  say "missing $dist/payload.tar.xz: run node benchmarks/gpu-check/build.mjs and carry benchmarks/gpu-check/dist"
  exit 1
}
rm -rf "$work" && mkdir -p "$work/tree" "$work/vulkan" "$work/icd"
if command -v xz >/dev/null; then
  tar -xJf "$dist/payload.tar.xz" -C "$work/tree"
else
  "$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$dist/payload.tar.xz" "$work/tree"
fi
deb=$(ls "$dist"/libvulkan1_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ] && command -v dpkg-deb >/dev/null; then
  dpkg-deb -x "$deb" "$work/vulkan"
elif [ -n "$deb" ]; then
  "$PY" - "$deb" "$work/vulkan" <<'EOF'
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
pos = 8  # "!<arch>\n", then 60-byte member headers
while pos < len(data):
    name, size = data[pos:pos + 16].decode().strip().rstrip("/"), int(data[pos + 48:pos + 58])
    body = data[pos + 60:pos + 60 + size]
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    pos += 60 + size + (size % 2)
EOF
fi
say "unpacked: $(du -sh "$work" | cut -f1)"

# 2. The machine, the driver and its Vulkan ICD.
NODE=$work/tree/bin/node
vklib=$work/vulkan/usr/lib/x86_64-linux-gnu
NODE_LD=$vklib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && NODE_LD=$NODE_LD:$d; done
icds=$(find /usr/local/nvidia /usr/share/vulkan /etc/vulkan /usr/local/share/vulkan -name '*.json' 2>/dev/null | grep -i -E 'nvidia|icd' | head -20)
icd=
for f in $icds; do # a Vulkan ICD manifest (not an EGL vendor file) that names the NVIDIA driver
  if grep -q '"ICD"' "$f" && grep -qi nvidia "$f"; then
    icd=$f
    break
  fi
done
glx=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 -maxdepth 2 -name 'libGLX_nvidia.so.0' 2>/dev/null | head -1)
if [ -z "$icd" ] && [ -n "$glx" ]; then
  # the driver's Vulkan entry point is libGLX_nvidia.so.0; write the ICD manifest the packages usually ship
  icd=$work/icd/nvidia_icd.json
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" >"$icd"
fi
if [ -n "$icd" ]; then
  export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
fi
{
  echo "== nvidia-smi"
  timeout 20 nvidia-smi 2>&1 || echo "(nvidia-smi failed or absent)"
  echo "== ICD manifests found:"
  echo "${icds:-(none)}"
  echo "== ICD used: ${icd:-(none: the Vulkan loader searches its default paths)}"
  [ -n "$icd" ] && cat "$icd"
  echo "== libGLX_nvidia: ${glx:-(not found: the container may lack the graphics libraries of the driver, NVIDIA_DRIVER_CAPABILITIES without graphics)}"
  echo "== driver's Vulkan-related libraries:"
  ls /usr/local/nvidia/lib64 2>/dev/null | grep -i -E 'glx|vulkan|spirv|gpucomp|eglcore|glcore' || echo "(none in /usr/local/nvidia/lib64)"
  echo "== /dev: $(ls /dev | grep -E 'nvidia|dri' | tr '\n' ' ')"
  echo "== glibc: $(ldd --version 2>&1 | head -1)"
  echo "== libstdc++ GLIBCXX max: $(strings "$($(command -v ldconfig || echo /sbin/ldconfig) -p | grep -m1 'libstdc++.so.6 ' | sed 's/.*=> //')" 2>/dev/null | grep -o 'GLIBCXX_3\.4\.[0-9]*' | sort -uV | tail -1)"
} >"$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

# dawn.node wants GLIBCXX_3.4.30 (GCC 12's libstdc++); an older system one gets ours, for Node only
if ! LD_LIBRARY_PATH=$NODE_LD "$NODE" -e 'require(process.argv[1])' "$work/tree/node_modules/webgpu/dist/linux-x64/dawn.node" 2>"$OUT/logs/dawn-load.err"; then
  say "dawn.node did not load with the system libstdc++ ($(tail -1 "$OUT/logs/dawn-load.err")); using the carried one"
  NODE_LD=$work/tree/lib/fallback:$NODE_LD
fi
torch=$("$PY" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1)
say "node $("$NODE" --version 2>&1); $PY: torch $torch; ICD ${icd:-none}; budget ${BUDGET}s"
"$PY" - "$OUT/env.json" "$("$NODE" --version 2>&1)" "$torch" "${icd:-}" "$BUDGET" "$(elapsed)" <<'EOF'
import json, os, sys
path, node, torch, icd, budget, unpack = sys.argv[1:7]
json.dump({"node": node, "torch": torch, "icd": icd or None, "budgetSeconds": int(budget), "unpackSeconds": int(unpack),
           "software": os.environ.get("UNROLL_WEBGPU_SOFTWARE") == "1", "peerDevice": os.environ.get("GPU_CHECK_PEER_DEVICE", "cuda"),
           "nproc": os.cpu_count()}, open(path, "w"))
EOF

# 3. The steps, most telling first. Node runs with the carried Vulkan loader; PyTorch as installed.
export UNROLL_DATA_DIR=$work/tree/data
lm=$work/tree/benchmarks/unroll/lm.mjs
software=()
[ "${UNROLL_WEBGPU_SOFTWARE:-}" = 1 ] && software=(--software)
# config name -> lm.ts flags / word_lm.py flags
uflags() { case $1 in lstm) echo "--cell lstm --hidden 200" ;; lstm-tied) echo "--cell lstm --hidden 200 --tied" ;; lstm-650) echo "--cell lstm --hidden 650" ;; esac; }
pflags() { case $1 in lstm) echo "--model LSTM --nhid 200" ;; lstm-tied) echo "--model LSTM --nhid 200 --tied" ;; lstm-650) echo "--model LSTM --nhid 650" ;; esac; }
step probe 60 env LD_LIBRARY_PATH="$NODE_LD" "$NODE" "$work/tree/benchmarks/gpu-check/probe.mjs" --backend webgpu
# webgpu-check also times one step's kernels (timestamp queries): at full resolution, not Dawn's quantised one
step webgpu-check 150 env LD_LIBRARY_PATH="$NODE_LD" UNROLL_DAWN_FLAGS="disable-dawn-features=timestamp_quantization" "$NODE" "$work/tree/packages/core/scripts/webgpu-check.mjs" --steps="$CHECK_STEPS" --configs="$CHECK_CONFIGS" "${software[@]}"
for c in $CONFIGS; do
  for b in $BATCHES; do
    s=train-$c-b$b
    # shellcheck disable=SC2046
    step "$s-webgpu" 150 env LD_LIBRARY_PATH="$NODE_LD" "$NODE" "$lm" train --backend webgpu $(uflags "$c") --batch "$b" --steps "$STEPS" --reps "$REPS" --warmup "$WARMUP"
    # shellcheck disable=SC2046
    step "$s-pytorch" 90 "$PY" "$root/benchmarks/peer/word_lm.py" train $(pflags "$c") --batch "$b" --steps "$STEPS" --reps "$REPS" --warmup "$WARMUP" --device "$PEER_DEVICE" --data-dir "$UNROLL_DATA_DIR"
    # Unroll's CPU path (wasm + OpenBLAS on every core): fewer steps, it is the slow side
    # shellcheck disable=SC2046
    step "$s-wasm" 90 env LD_LIBRARY_PATH="$NODE_LD" "$NODE" "$lm" train --backend wasm $(uflags "$c") --batch "$b" --steps "$(((STEPS + 1) / 2))" --reps 1 --warmup 2
  done
  if [ "$c" != lstm-650 ]; then
    # shellcheck disable=SC2046
    step "generate-$c-webgpu" 90 env LD_LIBRARY_PATH="$NODE_LD" "$NODE" "$lm" generate --backend webgpu $(uflags "$c") --tokens 200 --reps "$GEN_REPS"
    # shellcheck disable=SC2046
    step "generate-$c-pytorch" 60 "$PY" "$root/benchmarks/peer/word_lm.py" generate $(pflags "$c") --tokens 200 --reps "$GEN_REPS" --device "$PEER_DEVICE" --data-dir "$UNROLL_DATA_DIR"
  fi
done

# 4. The summary (the reserve keeps time for it).
timeout 20 env LD_LIBRARY_PATH="$NODE_LD" "$NODE" "$work/tree/benchmarks/gpu-check/summarize.mjs" "$OUT" >"$OUT/logs/summary.out" 2>&1
tail -n +1 "$OUT/logs/summary.out" | head -n -1
say "done in $(elapsed)s of ${BUDGET}s; records in $OUT"
