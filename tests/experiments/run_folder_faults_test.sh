#!/usr/bin/env bash
# Run folders you can trust (issue 12), table-driven: every case asserts the exit code, that the
# message names the file or field, and that no file of the run folder changed.
#   corruption  resume refuses a folder whose checkpoint, config, manifest, metrics or data changed
#   concurrency one writer per folder: a second run/resume is refused at once, naming the holder
#   dead ends   a kill after every single atomic write of a run leaves a folder that resumes, or
#               that `run` recognises as never started and reuses; the result is byte-identical
#   garbage     a diverging run, or one dropping > 50% of an epoch, stops with an error and no model;
#               degenerate data is warned about
#   environment an unusable output path fails at once, naming it; folders 0700, files 0600
#   other       report/grads on damaged or special files, bad --examples / --threads: refused
# Usage: run_folder_faults_test.sh DPTRAIN
set -euo pipefail
dptrain="$1"
work=$(mktemp -d)
trap 'umount "$work/full" 2> /dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A small run: 3 epochs of 4 steps, a checkpoint every 3 steps, the cheap accountant only.
cat > "$work/small.json" <<'EOF'
{"name": "small", "seed": 11,
 "data": {"source": "generated", "task": "marker", "size": 150, "min_length": 3, "max_length": 8},
 "model": {"embedding_dim": 4, "lstm": [{"hidden": 6}]},
 "training": {"epochs": 3, "batch_size": 30, "optimizer": {"name": "adam", "learning_rate": 0.01}},
 "privacy": {"noise_multiplier": 1.1, "accountant": "rdp"},
 "output": {"checkpoint_every_steps": 3}}
EOF
sed 's/"seed": 11/"seed": 12/' "$work/small.json" > "$work/other.json"

"$dptrain" run "$work/small.json" --out "$work/ref" > /dev/null 2>&1 || fail "the reference run failed"
"$dptrain" run "$work/other.json" --out "$work/other_ref" > /dev/null 2>&1 || fail "the other reference run failed"
same_as_ref() {  # $1: folder that must equal the uninterrupted reference run
  for f in metrics.jsonl model.safetensors privacy.json config.json; do
    cmp -s "$work/ref/$f" "$1/$f" || fail "$2: $f differs from the uninterrupted run"
  done
}
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort && find . -not -type f | sort); }
killed_copy() {  # $1: new folder: the small run killed before step 7 (last checkpoint at step 6)
  rm -rf "$1"
  set +e
  "$dptrain" run "$work/small.json" --out "$1" --debug-kill-at-step 7 > /dev/null 2>&1
  set -e
}
killed_copy "$work/killed"
ckpt_of() { echo "$1/checkpoint/$(cut -d' ' -f1 "$1/checkpoint/LATEST")"; }
flip_byte() {  # $1: file, $2: offset — xor one byte
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $(( b ^ 1 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- corruption: each row is a name, the text the message must hold, and a mutation ------------
corrupt_cases=(
  "model bit flip|model.safetensors|flip_byte \$(ckpt_of \$d)/model.safetensors 200"
  "optimizer bit flip|optimizer.safetensors|flip_byte \$(ckpt_of \$d)/optimizer.safetensors 300"
  "model from another run|model.safetensors|cp \$(ckpt_of $work/other_ref)/model.safetensors \$(ckpt_of \$d)/model.safetensors"
  "optimizer from another run|optimizer.safetensors|cp \$(ckpt_of $work/other_ref)/optimizer.safetensors \$(ckpt_of \$d)/optimizer.safetensors"
  "accountant history edited|state.json|sed -i 's/\"count\": 6/\"count\": 3/' \$(ckpt_of \$d)/state.json"
  "next_step edited|state.json|sed -i 's/\"next_step\": 6/\"next_step\": 0/' \$(ckpt_of \$d)/state.json"
  "metrics_bytes 1e9|state.json|sed -i 's/\"metrics_bytes\": [0-9]*/\"metrics_bytes\": 1000000000/' \$(ckpt_of \$d)/state.json"
  "state.json truncated|state.json|truncate -s 40 \$(ckpt_of \$d)/state.json"
  "LATEST names another digest|state.json|sed -i 's/sha256:[0-9a-f]*/sha256:$(printf '%064d' 0)/' \$d/checkpoint/LATEST"
  "LATEST garbage|LATEST|echo step-99999 > \$d/checkpoint/LATEST"
  "checkpoint folder deleted|state.json|rm -rf \$(ckpt_of \$d)"
  "checkpoint from another run|config.json|rm -rf \$d/checkpoint && cp -r $work/other_ref/checkpoint \$d/checkpoint"
  "config.json: learning rate|run_id|sed -i 's/\"learning_rate\": 0.01/\"learning_rate\": 0.02/' \$d/config.json"
  "config.json: seed|run_id|sed -i 's/\"seed\": 11/\"seed\": 13/' \$d/config.json"
  "config.json: delta|run_id|sed -i 's/\"delta\": 0.0001/\"delta\": 0.001/' \$d/config.json"
  "config.json: steps|run_id|sed -i 's/\"steps\": 12/\"steps\": 9/' \$d/config.json"
  "config.json: name (not in the key)|config.json|sed -i 's/\"name\": \"small\"/\"name\": \"renamed\"/' \$d/config.json"
  "config.json deleted|config.json|rm \$d/config.json"
  "config.json not JSON|config.json|echo '{' > \$d/config.json"
  "manifest.json: resolved delta|manifest.json|sed -i 's/\"delta\": 0.0001/\"delta\": 1e-05/' \$d/manifest.json"
  "manifest.json: threads (harmless)|manifest.json|sed -i 's/\"threads\": [0-9]*/\"threads\": 64/' \$d/manifest.json"
  "manifest.json deleted|manifest.json|rm \$d/manifest.json"
  "manifest.json: another version|manifest.json: a run folder of dptrain 0.0.1; this is dptrain|sed -i 's/\"dptrain_version\": \"[^\"]*\"/\"dptrain_version\": \"0.0.1\"/' \$d/manifest.json"
  "metrics.jsonl truncated|metrics.jsonl|truncate -s 200 \$d/metrics.jsonl"
  "metrics.jsonl edited|metrics.jsonl|sed -i '2s/\"step\":1/\"step\":5/' \$d/metrics.jsonl"
  "metrics.jsonl deleted|metrics.jsonl|rm \$d/metrics.jsonl"
  "data.json: a split's count|data.json: differs from the data description|sed -i '0,/\"examples\": /s//\"examples\": 1/' \$d/data.json"
  "data.json: a class renamed|data.json: differs from the data description|sed -i 's/\"no marker\"/\"nomarker\"/' \$d/data.json"
  "data.json deleted|data.json|rm \$d/data.json"
)
# Forged: state.json edited and LATEST's digest recomputed (the digests guard against damage, not
# a forger; what the progress says is still checked against metrics.jsonl and the accountants).
forge() {  # $1: folder, $2: sed expression applied to the latest checkpoint's state.json
  local state
  state="$(ckpt_of "$1")/state.json"
  sed -i "$2" "$state"
  echo "$(cut -d' ' -f1 "$1/checkpoint/LATEST") sha256:$(sha256sum "$state" | cut -d' ' -f1)" > "$1/checkpoint/LATEST"
}
forge_metrics() {  # $1: folder, $2: sed expression for metrics.jsonl (same length); state.json's digest follows
  local bytes digest
  sed -i "$2" "$1/metrics.jsonl"
  bytes=$(grep -o '"metrics_bytes": [0-9]*' "$(ckpt_of "$1")/state.json" | grep -o '[0-9]*$')
  digest=$(head -c "$bytes" "$1/metrics.jsonl" | sha256sum | cut -d' ' -f1)
  forge "$1" "s/\"metrics.jsonl\": \"[0-9a-f]*\"/\"metrics.jsonl\": \"$digest\"/"
}
corrupt_cases+=(
  "forged: a step line's epoch|step line 2 before the checkpoint is damaged|forge_metrics \$d '2s/\"epoch\":0/\"epoch\":1/'"
  # (the batch size of line 6 has two digits: its first digit changes, the length stays)
  "forged: a step line's batch size|add up to|forge_metrics \$d '6{s/\"batch_size\":1\([0-9]\)/\"batch_size\":2\1/;t;s/\"batch_size\":[0-9]\([0-9]\)/\"batch_size\":1\1/}'"
  "forged: an epoch's epsilon|epsilon_history\\[0\\] says epsilon = 0.001 after 4 steps|forge \$d 's/\"epsilon\": [0-9.]*/\"epsilon\": 0.001/'"
  "forged: an epoch's epsilon as text|epsilon_history\\[0\\] is|forge \$d 's/\"epsilon\": [0-9.]*/\"epsilon\": \"inf\"/'"
  "forged: an epoch's step|epsilon_history\\[0\\] is|forge \$d 's/\"step\": 4/\"step\": 3/'"
  "forged: epsilon_history not objects|epsilon_history\\[0\\] is 5|forge \$d '/\"epsilon_history\"/,/\\]/c\\  \"epsilon_history\": [5],'"
  "forged: dropped examples|add up to|forge \$d 's/\"nonfinite_examples\": 0/\"nonfinite_examples\": 123456/'"
  "forged: epoch examples 2^63-1|add up to|forge \$d 's/\"epoch_examples\": [0-9]*/\"epoch_examples\": 9223372036854775807/'"
  "forged: next_step 6.9|progress.next_step must be a whole number|forge \$d 's/\"next_step\": 6/\"next_step\": 6.9/'"
  "forged: format_version 2.7|checkpoint format 2.7|forge \$d 's/^ \"format_version\": 2/ \"format_version\": 2.7/'"
  "checkpoint folder replaced by a file|checkpoint: is not a folder|rm -rf \$d/checkpoint && echo x > \$d/checkpoint"
  "manifest.json a FIFO|manifest.json: is a FIFO|rm \$d/manifest.json && mkfifo \$d/manifest.json"
  "LATEST a FIFO|LATEST: is a FIFO|rm \$d/checkpoint/LATEST && mkfifo \$d/checkpoint/LATEST"
  "state.json a directory|state.json: is a directory|rm \$(ckpt_of \$d)/state.json && mkdir \$(ckpt_of \$d)/state.json"
)
refused=0
for row in "${corrupt_cases[@]}"; do
  IFS='|' read -r name needle mutation <<< "$row"
  d="$work/corrupt"
  rm -rf "$d"; cp -a "$work/killed" "$d"
  eval "$mutation"
  before=$(snapshot "$d")
  set +e
  timeout 60 "$dptrain" resume "$d" > /dev/null 2> "$work/err"
  rc=$?
  set -e
  [ "$rc" -ne 124 ] || fail "corruption '$name': resume did not answer within 60 s"
  # 1: a damaged folder; 2: a config.json that is no longer a valid config
  [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "corruption '$name': resume must exit 1 or 2, got $rc: $(cat "$work/err")"
  grep -q -- "$needle" "$work/err" || fail "corruption '$name': message does not name $needle: $(cat "$work/err")"
  grep -q "internal error" "$work/err" && fail "corruption '$name': an internal error: $(cat "$work/err")"
  [ "$before" = "$(snapshot "$d")" ] || fail "corruption '$name': the refused resume changed the folder"
  refused=$((refused + 1))
done
echo "ok: corruption: $refused of ${#corrupt_cases[@]} cases refused, naming the file, folder untouched"

# What is not corruption: bytes after the checkpoint (a line torn by the kill) are dropped, and
# the result is the uninterrupted run's.
d="$work/torn"; rm -rf "$d"; cp -a "$work/killed" "$d"
printf '{"kind":"step","step":99,"lo' >> "$d/metrics.jsonl"
"$dptrain" resume "$d" > /dev/null 2>&1 || fail "a torn last line must not stop a resume"
same_as_ref "$d" "torn line"
echo "ok: a torn line after the checkpoint is truncated away (never padded), the result is the uninterrupted run"

# The data changed between kill and resume (a jsonl source): refused, naming the run id.
for i in $(seq 1 120); do echo "{\"text\": \"text number $i $((i * 7919 % 97))\", \"label\": $((i % 2))}"; done > "$work/texts.jsonl"
sed -e "s|\"source\": \"generated\", \"task\": \"marker\", \"size\": 150, \"min_length\": 3, \"max_length\": 8|\"source\": \"jsonl\", \"path\": \"$work/texts.jsonl\"|" \
  "$work/small.json" > "$work/texts.json"
set +e
"$dptrain" run "$work/texts.json" --out "$work/texts_run" --debug-kill-at-step 5 > /dev/null 2>&1
set -e
echo '{"text": "one more", "label": 1}' >> "$work/texts.jsonl"
before=$(snapshot "$work/texts_run")
set +e
"$dptrain" resume "$work/texts_run" > /dev/null 2> "$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "run_id" "$work/err" || fail "a data file changed since the run started must be refused (rc $rc): $(cat "$work/err")"
[ "$before" = "$(snapshot "$work/texts_run")" ] || fail "the refused resume changed the folder"
echo "ok: a data file changed between kill and resume is refused"

# ---- concurrency --------------------------------------------------------------------------------
# Two runs into one folder, started together (different seeds): exactly one runs, the other is
# refused naming the holder; the folder is the winner's run, byte for byte.
trials=0; right=0
for trial in 1 2 3 4; do
  d="$work/race$trial"
  "$dptrain" run "$work/small.json" --out "$d" > "$work/a.out" 2> "$work/a.err" & pa=$!
  "$dptrain" run "$work/other.json" --out "$d" > "$work/b.out" 2> "$work/b.err" & pb=$!
  set +e; wait $pa; ra=$?; wait $pb; rb=$?; set -e
  trials=$((trials + 1))
  if [ "$ra" -eq 0 ] && [ "$rb" -ne 0 ]; then winner=ref; loser=b
  elif [ "$rb" -eq 0 ] && [ "$ra" -ne 0 ]; then winner=other_ref; loser=a
  else fail "race $trial: exactly one run must succeed (exit codes $ra, $rb)"; fi
  grep -qE "in use by another dptrain \(process [0-9]+\)|already holds a run" "$work/$loser.err" \
    || fail "race $trial: the refused run does not say why: $(cat "$work/$loser.err")"
  for f in metrics.jsonl model.safetensors privacy.json config.json; do
    cmp -s "$work/$winner/$f" "$d/$f" || fail "race $trial: $f is not the winner's"
  done
  right=$((right + 1))
done
echo "ok: concurrent runs into one folder: $right of $trials trials left exactly the winner's run"

# Two resumes of one killed folder at once: one resumes, the other is refused (or, if the first
# had already finished, redoes nothing wrong); the result is the uninterrupted run's.
trials=0; refused_resumes=0
for trial in 1 2 3 4; do
  killed_copy "$work/rr$trial"
  "$dptrain" resume "$work/rr$trial" > /dev/null 2> "$work/a.err" & pa=$!
  "$dptrain" resume "$work/rr$trial" > /dev/null 2> "$work/b.err" & pb=$!
  set +e; wait $pa; ra=$?; wait $pb; rb=$?; set -e
  trials=$((trials + 1))
  [ "$ra" -eq 0 ] || [ "$rb" -eq 0 ] || fail "resume race $trial: neither resume succeeded ($ra, $rb)"
  for x in a b; do
    r=$([ $x = a ] && echo $ra || echo $rb)
    if [ "$r" -ne 0 ]; then
      grep -q "in use by another dptrain (process [0-9]*)" "$work/$x.err" || fail "resume race $trial: refusal does not name the holder: $(cat "$work/$x.err")"
      refused_resumes=$((refused_resumes + 1))
    fi
  done
  same_as_ref "$work/rr$trial" "resume race $trial"
done
echo "ok: concurrent resumes: $trials of $trials trials equal the uninterrupted run ($refused_resumes second writers refused)"

# ---- dead ends: a kill right after every atomic write of a run ----------------------------------
k=1; resumed=0; restarted=0
while :; do
  d="$work/kill$k"
  set +e
  "$dptrain" run "$work/small.json" --out "$d" --debug-kill-after-write "$k" > /dev/null 2>&1
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then break; fi  # k is past the last write: the run completed
  [ "$rc" -eq 137 ] || fail "kill after write $k: expected SIGKILL (137), got $rc"
  if [ -f "$d/manifest.json" ]; then
    "$dptrain" resume "$d" > /dev/null 2> "$work/err" || fail "kill after write $k: resume failed: $(cat "$work/err")"
    resumed=$((resumed + 1))
  else
    set +e
    "$dptrain" resume "$d" > /dev/null 2> "$work/err"
    rc=$?
    set -e
    [ "$rc" -eq 1 ] && grep -q "never started" "$work/err" || fail "kill after write $k: resume of a never-started folder: $(cat "$work/err")"
    "$dptrain" run "$work/small.json" --out "$d" > /dev/null 2> "$work/err" || fail "kill after write $k: run could not reuse the folder: $(cat "$work/err")"
    restarted=$((restarted + 1))
  fi
  same_as_ref "$d" "kill after write $k"
  rm -rf "$d"
  k=$((k + 1))
done
[ $((resumed + restarted)) -ge 20 ] || fail "only $((resumed + restarted)) kill points: the hook did not fire?"
echo "ok: dead ends: $((resumed + restarted)) of $((resumed + restarted)) kill points recover ($resumed resumed, $restarted never started and re-run)"

# ---- garbage ------------------------------------------------------------------------------------
sed 's/"learning_rate": 0.01/"learning_rate": 1e308/' "$work/small.json" > "$work/diverge.json"
set +e
"$dptrain" run "$work/diverge.json" --out "$work/diverge" > /dev/null 2> "$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "NaN or Inf" "$work/err" || fail "a diverging run must stop with exit 1 (rc $rc): $(cat "$work/err")"
[ ! -f "$work/diverge/model.safetensors" ] || fail "a diverged run must not write a model"
grep -q '"stopped": "stopped at step' "$work/diverge/privacy.json" || fail "the report of a stopped run does not say it stopped"
for field in clip_norm noise_multiplier; do
  sed "s/\"noise_multiplier\": 1.1/\"noise_multiplier\": 1.1, \"$field\": 1e308/; s/\"noise_multiplier\": 1.1, \"noise_multiplier\": 1e308/\"noise_multiplier\": 1e308/" \
    "$work/small.json" > "$work/huge.json"
  set +e
  "$dptrain" run "$work/huge.json" --out "$work/huge" > /dev/null 2> "$work/err"
  rc=$?
  set -e
  [ "$rc" -eq 2 ] && grep -q "privacy.$field" "$work/err" || fail "$field 1e308 must be refused naming privacy.$field (rc $rc): $(cat "$work/err")"
  [ ! -e "$work/huge" ] || fail "$field 1e308: a refused run left its folder behind"
done
# Two of every three values at 3e38 (z = 3e38 with a fixed standardisation, a finite float): the
# windows with such a target get Inf gradients and are dropped, more than half of the epoch.
{
  echo "t,v"
  for t in $(seq 0 99); do if [ $((t % 3)) -ne 0 ]; then echo "$t,3e38"; else echo "$t,0.5"; fi; done
} > "$work/huge_values.csv"
cat > "$work/drops.json" <<EOF
{"name": "drops", "seed": 1,
 "data": {"source": "csv", "path": "$work/huge_values.csv", "column": "v", "window": 4,
          "standardize": "fixed", "standardize_mean": 0, "standardize_stddev": 1},
 "model": {"lstm": [{"hidden": 4}], "dense": [], "output": "regression"},
 "training": {"epochs": 2, "batch_size": 8, "optimizer": {"name": "sgd", "learning_rate": 0.01}},
 "privacy": {"noise_multiplier": 1.0, "accountant": "rdp"}}
EOF
set +e
"$dptrain" run "$work/drops.json" --out "$work/drops" > /dev/null 2> "$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -qE "training stopped at step [0-9]+: [0-9]+ of the epoch's [0-9]+ examples had NaN or Inf gradients and were dropped \(more than 50%\)" "$work/err" \
  || fail "a run dropping most of an epoch must stop with exit 1 (rc $rc): $(cat "$work/err")"
[ ! -f "$work/drops/model.safetensors" ] || fail "a run that dropped most of an epoch must not write a model"
grep -q '"stopped": "stopped at step' "$work/drops/privacy.json" || fail "the report of a run stopped for drops does not say it stopped"
# One value in three at 3e38: about a third of the examples drop (a run that goes on), and the
# epoch's loss sum is +inf, which state.json must carry through a kill and a resume.
{
  echo "t,v"
  for t in $(seq 0 99); do if [ $((t % 3)) -eq 0 ]; then echo "$t,3e38"; else echo "$t,0.5"; fi; done
} > "$work/some_huge.csv"
sed 's|huge_values.csv|some_huge.csv|; s|"accountant": "rdp"}}|"accountant": "rdp"}, "output": {"checkpoint_every_steps": 3}}|' \
  "$work/drops.json" > "$work/some.json"
"$dptrain" run "$work/some.json" --out "$work/some_ref" > /dev/null 2>&1 || fail "the run dropping a third of its examples failed"
set +e
"$dptrain" run "$work/some.json" --out "$work/some_killed" --debug-kill-at-step 14 > /dev/null 2>&1
set -e
grep -q '"epoch_loss_sum": "inf"' "$work"/some_killed/checkpoint/step-*/state.json || fail "the checkpoint does not carry an infinite loss sum"
"$dptrain" resume "$work/some_killed" > /dev/null 2> "$work/err" || fail "a run with an infinite loss sum does not resume: $(cat "$work/err")"
for f in metrics.jsonl model.safetensors privacy.json; do
  cmp -s "$work/some_ref/$f" "$work/some_killed/$f" || fail "the resumed run with an infinite loss sum differs in $f"
done
sed 's/"size": 150/"size": 8/; s/"batch_size": 30/"batch_size": 4/' "$work/small.json" |
  sed 's/"data": {/"data": {"validation_fraction": 0, "test_fraction": 0, /' > "$work/tiny.json"
"$dptrain" run "$work/tiny.json" --out "$work/tiny" > /dev/null 2> "$work/err" || fail "an 8-example run failed: $(cat "$work/err")"
grep -q "warning: the training split has only 8 examples" "$work/err" || fail "no warning for 8 training examples"
grep -q '"warnings"' "$work/tiny/privacy.json" || fail "the report does not carry the warning"
echo "ok: garbage: a diverging run and one dropping most of an epoch stop (exit 1, no model, report says so); an infinite loss sum resumes byte-identically; 1e308 scales refused; tiny data warned"

# ---- environment --------------------------------------------------------------------------------
echo "not a folder" > "$work/a_file"
# rc | text stderr must hold (the path and why) | arguments; run by refuse_all below
env_cases=(
  "1|$work/a_file: exists and is not a folder|run $work/small.json --out $work/a_file"
  "1|$work/a_file/run: cannot create the run folder|run $work/small.json --out $work/a_file/run"
  "1|/proc/dptrain-run: cannot create the run folder|run $work/small.json --out /proc/dptrain-run"
)
refuse_all() {  # the rows of a table: each exits with its code, says its text, within 60 s
  local row want needle args rc
  for row in "$@"; do
    IFS='|' read -r want needle args <<< "$row"
    set +e
    eval "timeout 60 \"\$dptrain\" $args" > /dev/null 2> "$work/err"  # eval: '' is an empty argument
    rc=$?
    set -e
    [ "$rc" -eq "$want" ] && grep -qF -- "$needle" "$work/err" \
      || fail "'dptrain $args': expected exit $want and '$needle', got $rc: $(cat "$work/err")"
  done
}
refuse_all "${env_cases[@]}"
mkdir "$work/mine"; echo "precious" > "$work/mine/notes.txt"
set +e
"$dptrain" run "$work/small.json" --out "$work/mine" > /dev/null 2> "$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "holds no dptrain run" "$work/err" && [ "$(cat "$work/mine/notes.txt")" = "precious" ] \
  || fail "a folder of someone else's files must be refused and left alone (rc $rc): $(cat "$work/err")"
[ "$(stat -c %a "$work/ref")" = "700" ] || fail "run folder mode $(stat -c %a "$work/ref"), expected 700"
for f in config.json manifest.json metrics.jsonl privacy.json model.safetensors .lock; do
  [ "$(stat -c %a "$work/ref/$f")" = "600" ] || fail "$f mode $(stat -c %a "$work/ref/$f"), expected 600"
done
[ "$(stat -c %a "$(ckpt_of "$work/ref")")" = "700" ] || fail "checkpoint folder is not 700"
echo "ok: environment: ${#env_cases[@]} unusable output paths refused naming them; foreign folders left alone; 0700/0600"

# ---- other commands: report, grads, flags -------------------------------------------------------
mkfifo "$work/a_fifo"
rm -rf "$work/rep"; cp -a "$work/ref" "$work/rep"; rm "$work/rep/privacy.md"; mkdir "$work/rep/privacy.md"
other_cases=(
  "1|privacy.md: is a directory|report $work/rep"
  "1|a_fifo: exists and is a FIFO, not a regular file; refusing to replace it|grads $work/small.json --examples 0 --out $work/a_fifo"
  "2|--examples: example 0 is listed twice|grads $work/small.json --examples 0,0 --out $work/g.safetensors"
  "2|'' is not an example index|grads $work/small.json --examples '' --out $work/g.safetensors"
  "2|'99999999999999999999' is not an example index|grads $work/small.json --examples 99999999999999999999 --out $work/g.safetensors"
  "2|--threads: Value 1000 not in range 1 to 256|run $work/small.json --out $work/threads --threads 1000"
)
refuse_all "${other_cases[@]}"
[ -p "$work/a_fifo" ] || fail "grads replaced a FIFO given as --out"
[ ! -e "$work/threads" ] || fail "--threads 1000 left a run folder"
echo "ok: other commands: ${#other_cases[@]} cases (report of a damaged folder, grads onto a FIFO, --examples, --threads) refused"

# A full disk at every stage of a run (a small tmpfs; needs root to mount, skipped otherwise): exit 1
# naming the file and ENOSPC, and once there is room the folder resumes or re-runs to the same result.
mkdir -p "$work/full"
if mount -t tmpfs -o size=4k tmpfs "$work/full" 2> /dev/null; then
  umount "$work/full"
  points=0
  for kb in 4 8 12 16 20 24 32 40; do
    mount -t tmpfs -o size=${kb}k tmpfs "$work/full"
    set +e
    "$dptrain" run "$work/small.json" --out "$work/full/r" > /dev/null 2> "$work/err"
    rc=$?
    set -e
    mount -o remount,size=20m "$work/full"
    if [ "$rc" -ne 0 ]; then
      [ "$rc" -eq 1 ] && grep -q "No space left on device" "$work/err" \
        || { umount "$work/full"; fail "full disk at ${kb}k: expected exit 1 with ENOSPC, got $rc: $(cat "$work/err")"; }
      if [ -f "$work/full/r/manifest.json" ]; then cmd=(resume "$work/full/r"); else cmd=(run "$work/small.json" --out "$work/full/r"); fi
      "$dptrain" "${cmd[@]}" > /dev/null 2> "$work/err" || { umount "$work/full"; fail "full disk at ${kb}k: no recovery: $(cat "$work/err")"; }
      points=$((points + 1))
    fi
    ( same_as_ref "$work/full/r" "full disk at ${kb}k" ) || { umount "$work/full"; exit 1; }
    umount "$work/full"
  done
  [ "$points" -ge 6 ] || fail "only $points full-disk points failed a write: sizes too large?"
  echo "ok: full disk: $points stages fail with exit 1 naming the file (ENOSPC) and recover byte-identically"
else
  echo "skipped: full disk (mounting a tmpfs needs root)"
fi

echo "run folder faults: all passed"
