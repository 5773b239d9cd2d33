"""The walkthrough of docs/python.md: accounting, a run, its evaluation and weights, an error, the
metrics (plotted when matplotlib is installed). Run from a scratch folder (it writes runs/walkthrough):
    PYTHONPATH=<repo>/build/python /usr/bin/python3 <repo>/python/examples/walkthrough.py"""
import dptrain
from dptrain.accounting import PldAccountant, RdpAccountant, PoissonSampledGaussian, calibrate_noise_multiplier

# 1. Accounting: epsilon of 1,000 Poisson-sampled Gaussian steps, q = 0.01, sigma = 1.
event = PoissonSampledGaussian(sampling_probability=0.01, noise_multiplier=1.0)
pld = PldAccountant().compose(event, 1000)
rdp = RdpAccountant().compose(event, 1000)
print("pld epsilon:", round(pld.get_epsilon(1e-5), 4), " rdp epsilon:", round(rdp.get_epsilon(1e-5), 4))
print("pld delta at epsilon 2:", pld.get_delta(2.0))
sigma = calibrate_noise_multiplier(target_epsilon=1.0, sampling_probability=0.01, steps=1000, delta=1e-5, accountant="pld")
print("sigma for epsilon 1:", round(float(sigma), 4))

# 2. A run: the demo config, shortened, into a run folder.
config = {"name": "walkthrough", "seed": 1,
          "data": {"source": "generated", "task": "marker", "size": 2000},
          "model": {"embedding_dim": 16, "lstm": [{"hidden": 32}]},
          "training": {"epochs": 5, "batch_size": 64, "optimizer": {"name": "adam", "learning_rate": 0.01}},
          "privacy": {"clip_norm": 1.0, "target_epsilon": 3.0, "accountant": "rdp"}}
run = dptrain.run(config, out="runs/walkthrough")
print(run)
print("epsilon:", round(run.epsilon, 4), " test:", {k: round(v, 4) for k, v in run.metrics[-1]["test"].items() if isinstance(v, float)})
print("evaluate(validation):", {k: run.evaluate(split="validation")["metrics"][k] for k in ("examples", "accuracy")})
print("weights:", {name: w.shape for name, w in list(run.model.items())[:3]})

# 3. Errors carry the JSON path and the CLI's message.
try:
    dptrain.run({"seed": 1, "privacy": {"noise_multiplier": 1.0, "clip_norm": -1}})
except dptrain.ConfigError as e:
    print("ConfigError:", e.path, "|", e.message)

# 4. The metrics as rows (a DataFrame with pandas), a plot with matplotlib if installed.
epochs = [m for m in run.metrics if m["kind"] == "epoch"]
print("epoch validation accuracy:", [round(m["validation"]["accuracy"], 3) for m in epochs])
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.plot([m["epsilon"] for m in epochs], [m["validation"]["accuracy"] for m in epochs], marker="o")
    plt.xlabel("epsilon spent"); plt.ylabel("validation accuracy"); plt.savefig("accuracy_vs_epsilon.png")
    print("wrote accuracy_vs_epsilon.png")
except ImportError:
    print("(no matplotlib: apt-get install python3-matplotlib to plot)")
