#!/bin/bash
# A dataset split over a Slurm job array (one GPU per task), then merged into one run directory.
#
#   jid=$(sbatch --parsable examples/slurm-array.sh)                          # the shards
#   sbatch --dependency=afterany:$jid examples/slurm-array.sh merge            # then the merge
#
# Each task takes shard K of N from SLURM_ARRAY_TASK_ID/COUNT/MIN (`--shard auto`; any contiguous
# --array works: 0-15, 1-16, ...). A requeued or re-submitted task continues its shard with --resume.
# `merge` refuses (exit 2) unless every shard is there, finished and made with the same settings,
# naming the missing or doubled images; re-run the shards it names, then the merge.
# Not run here: this repository was tested with 4 local processes (packages/cli/test/commands/shards.test.ts).
#SBATCH --job-name=cam-localize
#SBATCH --array=0-15
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=02:00:00
#SBATCH --output=logs/cam-localize-%A_%a.out
set -euo pipefail

DATASET=${DATASET:-/data/ilsvrc2012-val}           # a folder `cam-localize run` reads
MODEL=${MODEL:-/models/resnet50.onnx}
RUN=${RUN:-runs/ilsvrc-resnet50}                    # on a file system every node sees
DEVICE=${DEVICE:-cuda}

if [ "${1:-shard}" = merge ]; then
  exec cam-localize merge "$RUN"/shard-* --out "$RUN/merged"
fi

OUT="$RUN/shard-$SLURM_ARRAY_TASK_ID"
RESUME=()
[ -f "$OUT/config.json" ] && RESUME=(--resume)
# Exit 1 means some images failed: they are recorded in results.jsonl (and counted by merge), so the
# task is done; anything else (2: usage, a crash) fails the task.
cam-localize run "$DATASET" --model "$MODEL" --protocol wsolevaluation --device "$DEVICE" \
  --shard auto --out "$OUT" --no-report "${RESUME[@]}" || [ $? -eq 1 ]
