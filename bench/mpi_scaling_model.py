#!/usr/bin/env python3
"""Scaling model of a DP-SGD step on K ranks (docs/distributed.md, "Scaling model").

Built from measured figures: the per-example step time of one core (tau, from
bench/mpi_step_bench.sh's expected-batch-4096 run) and the message sizes of the protocol
(experiments/run/dp_step_distributed.cpp). For an expected batch B cut into chunks of b
examples (C = B / b chunks) on K ranks with links of L Gb/s:

  compute(K)  = ceil(C / K) * b * tau                 chunks dealt out evenly (LPT, equal chunks)
  gather(K)   = (C - ceil(C / K)) * (alpha + 4P / beta) rank 0 receives every other rank's chunk
                                                      sums once its own are done: serial on its link
  bcast(K)    = ceil(log2 K) * (alpha + 4P / beta)    the new parameters, binomial tree
  serial      = C * 4P / mem_bw + P * t_noise         rank 0 adds the chunk sums, draws the noise
  T(K)        = compute + gather + bcast + serial,  E(K) = T_1 / (K * T(K)), T_1 = C * b * tau + serial

beta = L / 8 bytes/s, alpha = per-message latency. Usage:
  bench/mpi_scaling_model.py [--tau-ms 5.07] [--params 330000] [--batch 4096] [--chunk 64]
"""
import argparse
import math

parser = argparse.ArgumentParser()
parser.add_argument("--tau-ms", type=float, default=5.07, help="one core's time per example (ms), measured")
parser.add_argument("--params", type=int, default=330_000, help="parameter count P")
parser.add_argument("--batch", type=int, default=4096, help="expected batch B")
parser.add_argument("--chunk", type=int, default=64, help="examples per chunk b (max_physical_batch_size)")
parser.add_argument("--alpha-us", type=float, default=20.0, help="latency per message (us)")
parser.add_argument("--mem-gbs", type=float, default=10.0, help="rank 0's memory bandwidth for the sums (GB/s)")
parser.add_argument("--noise-ns", type=float, default=10.0, help="one Gaussian draw (ns)")
args = parser.parse_args()

P, B, b = args.params, args.batch, args.chunk
C = math.ceil(B / b)
msg = 4 * P  # bytes of one chunk's sums, and of the parameters
tau = args.tau_ms / 1e3
serial = C * msg / (args.mem_gbs * 1e9) + P * args.noise_ns * 1e-9
t1 = C * b * tau + serial
print(f"B = {B}, chunks of {b} (C = {C}), P = {P} ({msg / 1e6:.2f} MB per message), tau = {args.tau_ms} ms/example/core, "
      f"alpha = {args.alpha_us} us, rank 0 serial work {serial * 1e3:.1f} ms; one rank: {t1:.2f} s/step")
print("| K | link | compute ms | gather ms | broadcast ms | step ms | efficiency |")
print("|---|---|---|---|---|---|---|")
for link in (10, 100):
    beta = link * 1e9 / 8
    per_msg = args.alpha_us * 1e-6 + msg / beta
    for K in (2, 4, 8, 16, 32, 64):
        compute = math.ceil(C / K) * b * tau
        gather = (C - math.ceil(C / K)) * per_msg
        bcast = math.ceil(math.log2(K)) * per_msg
        T = compute + gather + bcast + serial
        print(f"| {K} | {link} Gb/s | {compute * 1e3:.0f} | {gather * 1e3:.1f} | {bcast * 1e3:.1f} | {T * 1e3:.0f} | {t1 / (K * T):.2f} |")
