#!/usr/bin/env bash
# The README's Slurm recipe ("Beyond one machine") on a real Slurm: installs Debian's Slurm and munge
# (as root, with apt), starts a one-node cluster on localhost in a temporary folder, runs the README's
# `bash examples/slurm-array.sh ...` lines verbatim on a 40-image subset of the test bed, one shard made
# to fail first so that the merge names it and `rerun` fixes it, and checks that the merged run equals
# a single `run`: records (less timing), metrics.json, results.csv, curves.csv, per-class.csv.
#
#   sudo bash scripts/slurm-check.sh        # after pnpm build; CI runs it (.ci/run)
#
# Exit 0: passed, or skipped with the reason (not root, no apt-get, no test bed, Slurm or munge could
# not be installed or started). Exit 1: the recipe failed. Every wait has a deadline; the daemons it
# started are stopped by pid, and its folder removed, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

skip() { echo "slurm-check: skipped: $*"; exit 0; }
fail() { echo "slurm-check: FAILED: $*" >&2; exit 1; }
say() { echo "slurm-check: $*"; }

[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" = 0 ] || skip "not root (it installs Debian packages and runs the Slurm daemons)"
command -v apt-get >/dev/null 2>&1 || skip "no apt-get (Debian's slurm-wlm and munge packages are what it checks)"
SHARED=${CAM_LOCALIZE_SHARED:-$ROOT/../shared}
ILSVRC=$SHARED/datasets/ilsvrc2012-val-1000
MODEL_FILE=$SHARED/models/mobilenetv1-0.25-128-imagenet.onnx
[ -f "$ILSVRC/image_ids.txt" ] && [ -f "$MODEL_FILE" ] || skip "no test bed at $SHARED"
[ -f packages/cli/dist/bin.cjs ] || fail "packages/cli is not built (pnpm build)"
IMAGES=${SLURM_CHECK_IMAGES:-40}

started=$(date +%s)
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null ||
  ! command -v munged >/dev/null; then
  say "installing slurmctld, slurmd, slurm-client and munge from apt"
  (timeout 120 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq \
    --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null) ||
    skip "Slurm or munge could not be installed from apt"
fi
say "slurm $(dpkg-query -W -f '${Version}' slurmd 2>/dev/null), $(munged --version 2>&1 | head -1)"

T=$(mktemp -d /tmp/slurm-check.XXXXXX)
PIDS=()
cleanup() {
  local code=$?
  if [ -f "$T/slurm.conf" ] && [ ${#PIDS[@]} -gt 1 ]; then
    # Jobs first (ours are the only ones on this cluster), so no slurmstepd outlives the daemons.
    SLURM_CONF=$T/slurm.conf timeout 10 scancel --quiet --full "$(SLURM_CONF=$T/slurm.conf timeout 10 squeue -h -o %A | sort -u | tr '\n' ' ')" 2>/dev/null || true
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [ "$code" = 0 ] || { echo "--- slurmctld.log (tail)"; tail -n 15 "$T/slurmctld.log" 2>/dev/null || true;
    echo "--- slurmd.log (tail)"; tail -n 15 "$T/slurmd.log" 2>/dev/null || true; }
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1; shift
  local deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# munge: its own key and socket in $T (root is refused without --force).
mkdir -p "$T/munge" "$T/ctld" "$T/spool" "$T/work"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$T/munge" && chmod 400 "$T/munge/munge.key"
munged -F --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munge/munged.log" --seed-file="$T/munge/seed" >/dev/null 2>&1 &
PIDS+=($!)
wait_for 20 test -S "$T/munge/munge.sock" || skip "munged did not start: $(tail -n 3 "$T/munge/munged.log" 2>/dev/null)"

# A one-node cluster on 127.0.0.1, on ports unlikely to be taken.
HOST=$(hostname -s)
PORT=$((20000 + RANDOM % 20000))
cat >"$T/slurm.conf" <<EOF
ClusterName=check
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/ctld
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=check Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
PIDS+=($!)
node_idle() { [ "$(sinfo -h -n "$HOST" -o %T | tr -d '*')" = idle ]; }
wait_for 60 node_idle || skip "the one-node Slurm did not come up: $(tail -n 3 "$T/slurmctld.log" "$T/slurmd.log" "$T/slurmctld.out" "$T/slurmd.out" 2>/dev/null)"
say "one-node cluster up ($HOST, $(nproc) CPUs) in $(($(date +%s) - started)) s"

# The dataset: the first $IMAGES images of the test bed's ILSVRC sample, copied.
DS=$T/ilsvrc-$IMAGES
mkdir -p "$DS/images"
head -n "$IMAGES" "$ILSVRC/image_ids.txt" >"$DS/image_ids.txt"
while read -r id; do cp "$ILSVRC/$id" "$DS/$id"; done <"$DS/image_ids.txt"
for name in class_labels.txt image_sizes.txt localization.txt; do
  grep -F -f "$DS/image_ids.txt" "$ILSVRC/$name" >"$DS/$name"
done
cp "$ILSVRC/synsets.txt" "$DS/"

# The README's lines, as written there (its Slurm block), run from the checkout's root as it says, with
# this check's dataset, model and folders in place of its /data paths.
readme_line() {
  local line
  line=$(grep -E "^$1" README.md | head -n 1 | sed 's/[[:space:]]*#.*$//')
  [ -n "$line" ] || fail "README.md has no line starting '$1'"
  echo "$line"
}
SUBMIT=$(readme_line 'bash examples/slurm-array.sh submit')
RERUN=$(readme_line 'bash examples/slurm-array.sh rerun')
eval "$(readme_line 'export CAM_LOCALIZE_ARGS=')"
export DATASET=$DS MODEL=$MODEL_FILE RUN=$T/work/runs/check SHARDS=${SHARDS:-4}
export LOGS=$T/work/logs
# cam-localize is not on the PATH: the script must find the checkout's CLI itself.
! command -v cam-localize >/dev/null 2>&1 || fail "cam-localize is on the PATH; this check needs a plain checkout"

# The merge job's id, from the script's output; then its end, within a deadline.
merge_job() { sed -n 's/^merge: *job \([0-9]*\).*/\1/p' <<<"$1"; }
wait_job() {
  local job=$1 seconds=$2
  ended() { ! squeue -h -j "$job" 2>/dev/null | grep -q .; }
  wait_for "$seconds" ended || fail "job $job still not done after $seconds s: $(squeue -h -j "$job" -o '%i %T %r')"
  scontrol show job -o "$job" | grep -o 'JobState=[A-Z_]*'
}

# A shard that cannot write its folder (a file where the folder goes) fails, so the merge must name it.
mkdir -p "$RUN" && touch "$RUN/shard-3"
say "\$ $SUBMIT   (SHARDS=$SHARDS; shard 3 made to fail)"
out=$(eval "$SUBMIT" 2>&1) || fail "submit: $out"
echo "$out" | sed 's/^/  /'
job=$(merge_job "$out")
[ -n "$job" ] || fail "no merge job id in: $out"
state=$(wait_job "$job" 600)
[ "$state" = JobState=FAILED ] || fail "the merge ran although shard 3 failed ($state)"
grep -q "shard(s) 3 of $SHARDS did not succeed" "$LOGS/cam-localize-merge-$job.out" ||
  fail "the merge's log does not name shard 3: $(cat "$LOGS/cam-localize-merge-$job.out")"
say "the merge refused, naming shard 3: $(grep -m1 'did not succeed' "$LOGS/cam-localize-merge-$job.out")"

rm "$RUN/shard-3"
say "\$ $RERUN"
out=$(eval "$RERUN" 2>&1) || fail "rerun: $out"
echo "$out" | sed 's/^/  /'
job=$(merge_job "$out")
state=$(wait_job "$job" 600)
[ "$state" = JobState=COMPLETED ] || fail "the merge after the re-run: $state: $(cat "$LOGS/cam-localize-merge-$job.out")"
grep -q "shard 3/$SHARDS " "$LOGS"/cam-localize-*_2.out || fail "the re-run task did not run shard 3/$SHARDS"

# The GPU form reaches sbatch as --gres=gpu:1, which this GPU-less node must refuse.
gpu=$(GPUS=1 CPUS=1 bash examples/slurm-array.sh submit 2>&1) && fail "GPUS=1 was accepted on a node without GPUs: $gpu"
grep -q 'Invalid generic resource' <<<"$gpu" || fail "GPUS=1: not the --gres refusal: $gpu"
say "GPUS=1 submits --gres=gpu:1 (refused here: no GPU)"

say "the single run to compare with"
# shellcheck disable=SC2086 # CAM_LOCALIZE_ARGS is split on spaces, as the Slurm script splits it.
node packages/cli/dist/bin.cjs run "$DS" --model "$MODEL_FILE" --device cpu $CAM_LOCALIZE_ARGS \
  --out "$T/single" >"$T/single.log" 2>&1 || fail "single run: $(tail -n 5 "$T/single.log")"
node scripts/slurm-check-compare.mjs "$T/single" "$RUN/merged" || fail "the merged run differs from a single run"
say "passed in $(($(date +%s) - started)) s: $SHARDS shards, shard 3 failed, named, re-run; merged = single run"
