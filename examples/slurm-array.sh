#!/bin/bash
# A dataset split over a Slurm job array, then merged into one run directory by a separate job.
#
#   export DATASET=/data/ilsvrc2012-val MODEL=/models/resnet50.onnx RUN=runs/ilsvrc-resnet50
#   bash examples/slurm-array.sh submit                       # SHARDS tasks, then one merge job
#   GPUS=1 CPUS=8 bash examples/slurm-array.sh submit -- --preset mobilenet   # one GPU per task; flags for `run`
#   bash examples/slurm-array.sh rerun 3,7                    # shards 3 and 7 again, then a new merge
#
# Run it on the login node from anywhere: it submits itself with sbatch. Variables (all optional but
# DATASET, MODEL and RUN): SHARDS (16), GPUS (0: no --gres, so any partition takes it; N: --gres=gpu:N
# and --device cuda), CPUS (1: fits any partition; 8 is a good figure with a GPU), MEM (the partition's
# default), TIME (the partition's), PARTITION, DEVICE (cuda with GPUS, else cpu), LOGS (logs/, made
# here: Slurm opens the logs before a task starts), CAM_LOCALIZE_ARGS (flags for `run`, like `-- ...`).
# Shard K of SHARDS is array index K-1 (`--shard K/SHARDS`, also when the array is a subset), written to
# $RUN/shard-K; a requeued or re-run task continues it with --resume, and logs are appended.
# The merge is a single job (never an array) that starts once every shard task has ended (afterany);
# it merges only when every shard succeeded, and otherwise names the shards that did not, and how to
# re-run them. `cam-localize` from the PATH, else the CLI of the checkout this script lives in.
# Checked on a one-node Slurm 22.05 (Debian's) by scripts/slurm-check.sh: README, "Beyond one machine".
#SBATCH --job-name=cam-localize
#SBATCH --array=0-15
#SBATCH --open-mode=append
set -euo pipefail

SHARDS=${SHARDS:-16}
GPUS=${GPUS:-0}
CPUS=${CPUS:-1}
LOGS=${LOGS:-logs}
if [ "$GPUS" -gt 0 ]; then DEVICE=${DEVICE:-cuda}; else DEVICE=${DEVICE:-cpu}; fi

mode=${1:-shard}
[ $# -gt 0 ] && shift
# Flags for `run`: CAM_LOCALIZE_ARGS (split on spaces), then anything after `--`.
read -r -a EXTRA <<<"${CAM_LOCALIZE_ARGS:-}"
SELECT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; EXTRA+=("$@"); break ;;
    *) SELECT="$1"; shift ;;
  esac
done

die() { echo "slurm-array.sh: $*" >&2; exit 2; }
need() { for name in "$@"; do [ -n "${!name:-}" ] || die "set $name (see the top of this script)"; done; }

# The checkout this script belongs to: sbatch runs a copy in its spool folder, so `submit` passes it on.
if [ -z "${CAM_LOCALIZE_ROOT:-}" ] && [ -f "$(dirname "${BASH_SOURCE[0]}")/../packages/cli/package.json" ]; then
  CAM_LOCALIZE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
if [ -z "${CAM_LOCALIZE_ROOT:-}" ] && [ -f "${SLURM_SUBMIT_DIR:-/nonexistent}/packages/cli/package.json" ]; then
  CAM_LOCALIZE_ROOT=$SLURM_SUBMIT_DIR # `sbatch examples/slurm-array.sh` from the checkout's root
fi
export CAM_LOCALIZE_ROOT=${CAM_LOCALIZE_ROOT:-}
if command -v cam-localize >/dev/null 2>&1; then
  CLI=(cam-localize)
elif [ -n "$CAM_LOCALIZE_ROOT" ] && [ -f "$CAM_LOCALIZE_ROOT/packages/cli/dist/bin.cjs" ]; then
  CLI=(node "$CAM_LOCALIZE_ROOT/packages/cli/dist/bin.cjs")
else
  CLI=()
fi

# Submits the shard tasks of `indices` (a Slurm array list), then the merge after them.
submit() {
  local indices=$1
  need DATASET MODEL RUN
  [ ${#CLI[@]} -gt 0 ] || die "cam-localize is not on the PATH and this script is not in a built checkout (pnpm build)"
  mkdir -p "$LOGS"
  local resources=(--cpus-per-task="$CPUS")
  [ "$GPUS" -gt 0 ] && resources+=(--gres="gpu:$GPUS")
  [ -n "${MEM:-}" ] && resources+=(--mem="$MEM")
  [ -n "${TIME:-}" ] && resources+=(--time="$TIME")
  [ -n "${PARTITION:-}" ] && resources+=(--partition="$PARTITION")
  export DATASET MODEL RUN SHARDS GPUS CPUS DEVICE LOGS
  local script
  script=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
  local shards merge
  shards=$(sbatch --parsable --array="$indices" --open-mode=append "${resources[@]}" \
    --output="$LOGS/cam-localize-%A_%a.out" "$script" shard -- "${EXTRA[@]}")
  shards=${shards%%;*}
  merge=$(sbatch --parsable --dependency="afterany:$shards" --job-name=cam-localize-merge \
    --cpus-per-task="$CPUS" ${MEM:+--mem="$MEM"} ${TIME:+--time="$TIME"} ${PARTITION:+--partition="$PARTITION"} \
    --open-mode=append --output="$LOGS/cam-localize-merge-%j.out" --export=ALL,SHARD_JOB="$shards" \
    --wrap "exec bash '$script' merge")
  merge=${merge%%;*}
  echo "shards: job $shards (array $indices, $SHARDS shards, logs $LOGS/cam-localize-${shards}_<index>.out)"
  echo "merge:  job $merge (after every shard task; log $LOGS/cam-localize-merge-$merge.out)"
}

case "$mode" in
  submit)
    submit "0-$((SHARDS - 1))"
    ;;
  rerun)
    [ -n "$SELECT" ] || die "rerun needs shard numbers, e.g. rerun 3 or rerun 3,7 (1 to $SHARDS)"
    indices=""
    for k in ${SELECT//,/ }; do
      [[ "$k" =~ ^[0-9]+$ ]] && [ "$k" -ge 1 ] && [ "$k" -le "$SHARDS" ] || die "no shard $k of $SHARDS"
      indices+="${indices:+,}$((k - 1))"
    done
    submit "$indices"
    ;;
  shard)
    need DATASET MODEL RUN SLURM_ARRAY_TASK_ID
    [ ${#CLI[@]} -gt 0 ] || die "cam-localize is not on the PATH and CAM_LOCALIZE_ROOT names no built checkout"
    K=$((SLURM_ARRAY_TASK_ID + 1))
    [ "$K" -le "$SHARDS" ] || die "array index $SLURM_ARRAY_TASK_ID is past SHARDS=$SHARDS"
    OUT="$RUN/shard-$K"
    STATUS="$RUN/shard-status"
    mkdir -p "$STATUS"
    rm -f "$STATUS/$K.ok"
    RESUME=()
    [ -f "$OUT/config.json" ] && RESUME=(--resume)
    echo "== $(date -Is) shard $K/$SHARDS on $(hostname) (job ${SLURM_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0})"
    status=0
    "${CLI[@]}" run "$DATASET" --model "$MODEL" --device "$DEVICE" --shard "$K/$SHARDS" --out "$OUT" \
      --no-report "${RESUME[@]}" "${EXTRA[@]}" || status=$?
    # Exit 1 means some images failed: they are recorded in results.jsonl (and counted by merge), so the
    # shard is done; anything else (2: usage, 127: no command, a signal) fails the task.
    [ "$status" -le 1 ] || exit "$status"
    echo "$status" >"$STATUS/$K.ok"
    ;;
  merge)
    need RUN
    [ ${#CLI[@]} -gt 0 ] || die "cam-localize is not on the PATH and CAM_LOCALIZE_ROOT names no built checkout"
    failed=()
    dirs=()
    for ((k = 1; k <= SHARDS; k++)); do
      [ -f "$RUN/shard-status/$k.ok" ] || failed+=("$k")
      dirs+=("$RUN/shard-$k")
    done
    if [ ${#failed[@]} -gt 0 ]; then
      list=$(IFS=,; echo "${failed[*]}")
      echo "slurm-array.sh: not merged: shard(s) $list of $SHARDS did not succeed" \
        "(logs: $LOGS/cam-localize-${SHARD_JOB:-<job>}_<shard-1>.out)." >&2
      echo "re-run them, and then the merge: bash examples/slurm-array.sh rerun $list" >&2
      exit 1
    fi
    overwrite=()
    [ -f "$RUN/merged/config.json" ] && overwrite=(--overwrite)
    exec "${CLI[@]}" merge "${dirs[@]}" --out "$RUN/merged" "${overwrite[@]}"
    ;;
  *)
    die "unknown mode '$mode': submit, rerun K[,K...], shard (a task), merge (the merge job)"
    ;;
esac
