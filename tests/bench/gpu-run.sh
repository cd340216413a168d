#!/usr/bin/env bash
# The device half of `npm run bench:gpu` (tests/bench/gpu.mjs packs what it
# needs into .gpu/): on a machine with a GPU, and perhaps no node, runs the
# GAN models on WebGPU (Dawn) and WASM over the batch sizes, each model's
# cold first step in a fresh process (programs compiled ahead, and not), and
# torch_gan.py on CUDA and on the CPU where PyTorch is there (TORCH=none
# skips it). Appends JSON lines to $1; the other arguments go to the bench.
# A failed part is reported and the rest goes on.
# Usage: gpu-run.sh OUT.jsonl [--models toy,article,dcgan] [--batches ...] [--seconds N]
set -uo pipefail
out=$1
shift
cd "$(dirname "$0")/../.."
models=toy,article,dcgan
batches=32,64,128,256,512
seconds=2
while [ $# -gt 0 ]; do
  case $1 in
    --models) models=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "gpu-run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

unxz_to() { python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
# The node packed beside the bench (gpu.mjs pack --node) over whatever node the machine has.
if [ -f .gpu/node.xz ]; then
  node=/tmp/gpu-bench-node
  unxz_to .gpu/node.xz $node && chmod +x $node
else
  node=$(command -v node || true)
fi
[ -n "$node" ] || { echo "gpu-run.sh: no node, and no .gpu/node.xz (gpu.mjs pack --node)" >&2; exit 1; }
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
for x in .gpu/dawn/dist/*/dawn.node.xz; do
  [ -f "${x%.xz}" ] || unxz_to "$x" "${x%.xz}"
done

gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1 || true)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
printf '{"kind":"machine","gpu":"%s","cpu":"%s","cores":%s,"date":"%s"}\n' \
  "${gpu:-no NVIDIA GPU}" "$cpu" "$(nproc)" "$(date -u +%FT%TZ)" >>"$out"

bench() { "$node" .gpu/bench/bench.mjs --dawn .gpu/dawn --wasm .gpu/wasm --seconds "$seconds" "$@" | tee -a "$out"; }
# Cold first steps: a fresh process (no pipelines yet) per model and per way of compiling.
for m in ${models//,/ }; do
  for ahead in off on; do bench --models "$m" --batches none --backends webgpu --compile-ahead $ahead; done
done
bench --models "$models" --batches "$batches" --first off

if [ "${TORCH:-}" != none ] && python3 -c 'import torch' 2>/dev/null; then
  devices=cpu
  python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' && devices="cuda cpu"
  for d in $devices; do
    for m in ${models//,/ }; do
      python3 tests/bench/torch_gan.py --model "$m" --batch "$batches" --device "$d" --seconds "$seconds" | tee -a "$out"
    done
  done
fi
