#!/usr/bin/env bash
# Bounded work (issue 12, goal 4), table-driven: every `dptrain epsilon` / `dptrain calibrate`
# query answers, or refuses the parameter that would make it unbounded with the limit in the
# message (exit 2, the flag named, nothing on stdout). Each case runs under `timeout 30` as a hang
# guard (exit 124 = FAIL); the whole file takes ~10 s. Limits: docs/accounting.md, "Bounded work".
# Usage: cli_bounds_test.sh path/to/dptrain
set -u
dptrain="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
refused=0
total=0
slowest_ms=0
slowest_args=""

q="--sampling-rate 0.01"
ok="--noise-multiplier 1 --steps 100 --delta 1e-5"
mnist="--sampling-rate 0.004266666666666667 --steps 14100 --delta 1e-5"
orders_257=$(seq -s, 2 258)
orders_256=$(seq -s, 2 257)

# rc | text that stdout (rc 0) or stderr (otherwise) must hold | arguments
cases=(
  # the orders: each at most 10000 (order 1e9 never answered), at most 256 of them
  "2|--orders: each order must be <= 10000, got 1e9|epsilon $q $ok --orders 1e9"
  "2|--orders: each order must be <= 10000, got 10000.5|epsilon $q $ok --orders 2,10000.5"
  "2|--orders: each order must be <= 10000, got 1e9|calibrate --target-epsilon 1 $q --steps 100 --delta 1e-5 --orders 1e9"
  "2|--orders: at most 256 orders, got more|epsilon $q $ok --orders $orders_257"
  "0|\"optimal_order\":10000.0|epsilon $q $ok --orders 10000 --json"
  "0|\"epsilon\":|epsilon $q $ok --orders $orders_256 --json"
  # counts: exact up to 2^53, and every accountant answers for that many steps
  "2|--steps: must be <= 9007199254740992 (2^53), got 9223372036854775807|epsilon $q --noise-multiplier 1 --steps 9223372036854775807 --delta 1e-5"
  "2|--steps: must be <= 9007199254740992 (2^53), got 9007199254740993|epsilon $q --noise-multiplier 1 --steps 9007199254740993 --delta 1e-5"
  "2|--steps: must be <= 9007199254740992 (2^53), got 1e300|epsilon $q --noise-multiplier 1 --steps 1e300 --delta 1e-5"
  "2|--steps: must be a whole number >= 1, got 0|epsilon $q --noise-multiplier 1 --steps 0 --delta 1e-5"
  "2|--dataset-size: must be <= 9007199254740992 (2^53), got 1e17|epsilon --batch-size 10 --dataset-size 1e17 $ok"
  "2|--epochs: gives 1e+306 steps, more than 9007199254740992 (2^53), got 1e300|epsilon --batch-size 1 --dataset-size 1000000 --epochs 1e300 --noise-multiplier 1 --delta 1e-5"
  "0|\"steps\":9007199254740992|epsilon $q --noise-multiplier 1 --steps 9007199254740992 --delta 1e-5 --accountant pld --json"
  "0|\"steps\":9007199254740992|calibrate --target-epsilon 10 --sampling-rate 1e-6 --steps 9007199254740992 --delta 1e-5 --json"
  "1|target_epsilon 10 is unreachable|calibrate --target-epsilon 10 --sampling-rate 1e-6 --steps 9007199254740992 --delta 1e-5 --accountant pld"
  # calibrate: --tolerance 1e-16 (below one ulp) never converged; at most 12 evaluations
  "2|--tolerance: must be in [1e-12, 0.01], got 1e-16|calibrate --target-epsilon 1 $mnist --tolerance 1e-16"
  "2|--tolerance: must be in [1e-12, 0.01], got 0|calibrate --target-epsilon 1 $mnist --tolerance 0"
  "0|\"noise_multiplier\":2.181|calibrate --target-epsilon 1 $mnist --tolerance 1e-12 --json"
  "0|\"evaluations\":|calibrate --target-epsilon 1 $mnist --tolerance 1e-12 --accountant gdp --json"
  # the 17 s (once 40 s) PLD calibration: stops at PLD's certification edge or the budget
  "0|\"converged\":false|calibrate --accountant pld --target-epsilon 1e4 $q --steps 1000 --delta 1e-5 --json"
  # PLD / PRV knobs
  "2|--value-discretization-interval: must be in [1e-5, 0.1], got 1e-6|epsilon $q $ok --accountant pld --value-discretization-interval 1e-6"
  "0|\"accountant\":\"pld\"|epsilon $q $ok --accountant pld --value-discretization-interval 1e-5 --json"
  "2|--eps-error: must be in [1e-4, 1], got 1e-5|epsilon $q $ok --accountant prv --eps-error 1e-5"
  "0|\"accountant\":\"prv\"|epsilon $q $ok --accountant prv --eps-error 1e-4 --json"
  "0|\"accountant\":\"prv\"|epsilon $q $ok --accountant prv --delta-error 1e-300 --json"
  # delta: any value in (0, 1), even subnormal, answers
  "0|\"headline\"|epsilon $q --noise-multiplier 1 --steps 100 --delta 4.9e-324 --accountant all --json"
  "2|--delta: must be in (0, 1), got 0|epsilon $q --noise-multiplier 1 --steps 100 --delta 0"
)

for row in "${cases[@]}"; do
  IFS='|' read -r want needle args <<<"$row"
  total=$((total + 1))
  # shellcheck disable=SC2086  # the arguments are split on purpose
  start=$(date +%s%N)
  timeout 30 "$dptrain" $args >"$work/out" 2>"$work/err"
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  if [ "$ms" -gt "$slowest_ms" ]; then slowest_ms=$ms; slowest_args=$args; fi
  where="$work/err"
  [ "$want" -eq 0 ] && where="$work/out"
  why=""
  [ "$rc" -eq 124 ] && why="no answer within 30 s"
  [ -z "$why" ] && [ "$rc" -ne "$want" ] && why="exit code $rc, expected $want"
  [ -z "$why" ] && ! grep -qF -- "$needle" "$where" && why="the output does not hold '$needle'"
  [ -z "$why" ] && [ "$want" -eq 2 ] && [ -s "$work/out" ] && why="a refusal printed on stdout"
  grep -q "internal error" "$work/err" && why="$why internal error"
  [ "$want" -eq 2 ] && [ -z "$why" ] && refused=$((refused + 1))
  if [ -n "$why" ]; then
    failures=$((failures + 1))
    echo "FAIL ($why): dptrain ${args:0:160}"
    head -c 300 "$work/out" | sed 's/^/  stdout: /'
    head -c 300 "$work/err" | sed 's/^/  stderr: /'
  fi
done

echo "cli bounds: slowest query $((slowest_ms / 1000)).$(printf '%03d' $((slowest_ms % 1000))) s: dptrain ${slowest_args:0:160}"
echo "cli bounds: $refused refused, $((total - refused - failures)) answered, $failures failed of $total"
[ "$failures" -eq 0 ] && echo "cli bounds: all passed"
[ "$failures" -eq 0 ]
