#!/usr/bin/env bash
# Config and data files through `dptrain run` (issue 12, goals 4 and 6), table-driven: a config or
# data path that is not a regular file (a device, a FIFO, a directory) is refused before reading,
# naming the path; a config above 1 MiB is refused; --out '' is refused naming --out; CSV values
# beyond float's range are refused naming file, line and column, and +-1e300 (once "a constant
# column") standardises and trains. Each case runs under `timeout 20` (exit 124 = a hang = FAIL).
# Usage: cli_files_test.sh path/to/dptrain
set -u
dptrain="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
total=0

config() {  # config <file> <data path> [standardize]
  cat > "$1" <<EOF
{"name": "files", "seed": 1,
 "data": {"source": "csv", "path": "$2", "column": "v", "window": 4, "standardize": "${3:-train}"},
 "model": {"lstm": [{"hidden": 4}], "dense": [], "output": "regression"},
 "training": {"epochs": 1, "batch_size": 8, "optimizer": {"name": "sgd", "learning_rate": 0.01}},
 "privacy": {"noise_multiplier": 1.0, "accountant": "rdp"}}
EOF
}
{
  echo "t,v"
  for t in $(seq 0 59); do
    if [ $((t % 2)) -eq 0 ]; then echo "$t,1e300"; else echo "$t,-8.5e307"; fi
  done
} > big.csv
mkfifo pipe.json pipe.csv
mkdir folder.csv
ln -s /dev/zero zero.csv
head -c 2000000 /dev/zero | tr '\0' ' ' > huge.json
config ok.json big.csv
config zero.json /dev/zero
config link.json zero.csv
config fifo.json pipe.csv
config folder.json folder.csv
config none.json big.csv none

# rc | text the output must hold (stdout for rc 0, stderr otherwise) | arguments (shell words)
cases=(
  "2|/dev/zero: cannot read config file: not a regular file (a character device)|run /dev/zero"
  "2|pipe.json: cannot read config file: not a regular file (a FIFO)|run pipe.json"
  "2|.: cannot read config file: Is a directory|run ."
  "2|huge.json: cannot read config file: it is 2000000 bytes, more than the 1048576 (1 MiB)|run huge.json"
  "2|--out: must not be empty|run ok.json --out ''"
  "2|--out: 1 required TEXT:PATH missing|run ok.json --out="
  "2|--out: must not be empty|grads ok.json --examples 0 --out ''"
  "2|/dev/zero: not a regular file (a character device)|run zero.json --out out-zero"
  "2|zero.csv: not a regular file (a character device)|run link.json --out out-link"
  "2|pipe.csv: not a regular file (a FIFO)|run fifo.json --out out-fifo"
  "2|folder.csv: not a regular file (a directory)|run folder.json --out out-folder"
  "2|big.csv:2: column 'v': 1e+300 is beyond float's range|run none.json --out out-none"
  "0|run folder: out-ok|run ok.json --out out-ok"
)

for row in "${cases[@]}"; do
  IFS='|' read -r want needle args <<<"$row"
  total=$((total + 1))
  eval "timeout 20 \"\$dptrain\" $args" >out.txt 2>err.txt  # eval: '' is an empty argument
  rc=$?
  where=err.txt
  [ "$want" -eq 0 ] && where=out.txt
  why=""
  [ "$rc" -eq 124 ] && why="no answer within 20 s"
  [ -z "$why" ] && [ "$rc" -ne "$want" ] && why="exit code $rc, expected $want"
  [ -z "$why" ] && ! grep -qF -- "$needle" "$where" && why="the output does not hold '$needle'"
  grep -q "internal error" err.txt && why="$why internal error"
  if [ -n "$why" ]; then
    failures=$((failures + 1))
    echo "FAIL ($why): dptrain $args"
    head -c 300 out.txt | sed 's/^/  stdout: /'
    head -c 300 err.txt | sed 's/^/  stderr: /'
  fi
done
# The +-1e300 run trained on finite numbers: no non-finite gradient, no NaN loss.
if [ -f out-ok/metrics.jsonl ]; then
  grep -qE '"nonfinite":[1-9]|nan|inf' out-ok/metrics.jsonl && { failures=$((failures + 1)); echo "FAIL: the +-1e300 run has non-finite numbers"; }
fi

echo "cli files: $((total - failures)) of $total passed"
[ "$failures" -eq 0 ] && echo "cli files: all passed"
[ "$failures" -eq 0 ]
