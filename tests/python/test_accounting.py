"""dptrain.accounting: the same answers as the CLI (`dptrain epsilon/calibrate --json`, the same C++
code, so equal to the bit), the reference values of /work/shared/ref within the C++ reference tests'
tolerances, errors as ValueError subclasses naming the parameter, and no memory growth."""
import json
import os
import subprocess
import unittest

import dptrain
from dptrain import accounting as acc

CLI = os.environ.get("DPTRAIN_CLI", "dptrain")
REF = os.path.join(os.environ.get("DPT_REF_DIR", "/work/shared/ref"), "accounting_ref.json")
# Cases cheap enough for every accountant (PLD/PRV take well under a second each).
CASES = ["q0.01_s1_T1e3", "q0.1_s2_T500", "fullbatch_s10_T100"]


def load_reference():
    with open(REF) as f:  # Python's json reads its bare Infinity/NaN
        return json.load(f)


def cli_json(*args):
    out = subprocess.run([CLI, *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def question_args(c):
    return ["--sampling-rate", repr(c["q"]), "--steps", str(c["steps"]), "--delta", repr(c["delta"])]


def accountant(kind):
    return {"rdp": acc.RdpAccountant, "pld": acc.PldAccountant, "prv": acc.PrvAccountant,
            "gdp": acc.GdpAccountant}[kind]()


def vm_rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class EventTest(unittest.TestCase):
    def test_dp_accounting_spelling_is_the_same_event(self):
        e = acc.PoissonSampledGaussian(sampling_probability=0.01, noise_multiplier=1.0)
        self.assertEqual(e, acc.PoissonSampledDpEvent(0.01, acc.GaussianDpEvent(1.0)))
        self.assertEqual(repr(e), "PoissonSampledGaussian(sampling_probability=0.01, noise_multiplier=1.0)")
        self.assertEqual(e.to_json(), {"type": "poisson_sampled", "sampling_rate": 0.01,
                                       "event": {"type": "gaussian", "noise_multiplier": 1.0}})

    def test_json_round_trip(self):
        e = acc.Composed([acc.SelfComposed(acc.PoissonSampledGaussian(0.02, 1.5), 7), acc.Gaussian(3.0),
                          acc.NoOp(), acc.NonPrivate()])
        back = acc.event_from_json(e.to_json())
        self.assertEqual(back, e)
        self.assertEqual(repr(back), repr(e))

    def test_events_are_immutable(self):
        with self.assertRaises(AttributeError):
            acc.Gaussian(1.0).noise_multiplier = 2.0


class AgainstCliTest(unittest.TestCase):
    def test_epsilon_equals_the_cli(self):
        cases = {c["name"]: c for c in load_reference()["cases"]}
        # rdp and gdp on every shared case (milliseconds each); pld and prv, whose FFTs take up
        # to seconds on the long cases, on CASES.
        runs = [(name, kind) for name in cases for kind in ["rdp", "gdp"]] + \
               [(name, kind) for name in CASES for kind in ["pld", "prv"]]
        self.assertEqual(len(cases), 8)
        for name, kind in runs:
            c = cases[name]
            with self.subTest(case=name, accountant=kind):
                a = accountant(kind).compose(acc.PoissonSampledGaussian(c["q"], c["sigma"]), c["steps"])
                ours = a.get_epsilon(c["delta"])
                cli = cli_json("epsilon", "--noise-multiplier", repr(c["sigma"]), *question_args(c),
                               "--accountant", kind)
                self.assertEqual(ours, cli["epsilon"])
                report = a.epsilon_report(c["delta"])
                self.assertEqual(report["epsilon"], cli["epsilon"])
                if kind == "rdp":  # the CLI's rdp JSON has its own shape
                    self.assertEqual(report["optimal_order"], cli["optimal_order"])
                else:
                    self.assertEqual(report["status"], cli["status"])

    def test_calibration_equals_the_cli_and_meets_the_target(self):
        for kind, target, q, steps in [("rdp", 3.0, 0.01, 1000), ("pld", 2.0, 1.0, 100), ("gdp", 1.0, 0.01, 1000)]:
            with self.subTest(accountant=kind):
                r = acc.calibrate_noise_multiplier(target, q, steps, 1e-5, accountant=kind, max_evaluations=12)
                cli = cli_json("calibrate", "--target-epsilon", repr(target), "--sampling-rate", repr(q), "--steps",
                               str(steps), "--delta", "1e-05", "--accountant", kind)
                self.assertEqual(r.noise_multiplier, cli["noise_multiplier"])
                self.assertEqual(r.evaluations, cli["evaluations"])
                self.assertEqual(float(r), r.noise_multiplier)
                eps = accountant(kind).compose(acc.PoissonSampledGaussian(q, r.noise_multiplier), steps)
                self.assertLessEqual(eps.get_epsilon(1e-5), target)
                self.assertEqual(eps.get_epsilon(1e-5), r.epsilon)

    def test_max_steps_is_the_largest_within_budget(self):
        b = acc.max_steps(3.0, 0.01, 1.0, 1e-5)
        e = acc.PoissonSampledGaussian(0.01, 1.0)
        self.assertLessEqual(acc.RdpAccountant().compose(e, b.steps).get_epsilon(1e-5), 3.0)
        self.assertGreater(acc.RdpAccountant().compose(e, b.steps + 1).get_epsilon(1e-5), 3.0)
        self.assertEqual(int(b), b.steps)


class ReferenceTest(unittest.TestCase):
    """The C++ reference tests' criteria (tests/dp/accounting/reference_test.cpp, pld_reference_test.cpp)."""

    def test_reference_cases(self):
        cases = {c["name"]: c for c in load_reference()["cases"]}
        for name in CASES:
            c = cases[name]
            m = c["methods"]
            event = acc.PoissonSampledGaussian(c["q"], c["sigma"])
            with self.subTest(case=name):
                lower = m["msft_prv_fine"]["lower"]
                rdp = acc.RdpAccountant().compose(event, c["steps"]).get_epsilon(c["delta"])
                tighter = min(m["opacus_rdp"]["eps"], m["dpacc_rdp"]["eps"])
                self.assertLessEqual(rdp, tighter * (1 + 1e-3))
                self.assertGreaterEqual(rdp, lower)
                pld = acc.PldAccountant().compose(event, c["steps"]).get_epsilon(c["delta"])
                self.assertLessEqual(pld, m["dpacc_pld"]["eps"] * (1 + 1e-3))
                self.assertGreaterEqual(pld, lower)
                prv = acc.PrvAccountant().compose(event, c["steps"]).epsilon_report(c["delta"])
                self.assertLessEqual(prv["upper"], m["msft_prv"]["upper"] * (1 + 1e-3))
                self.assertGreaterEqual(prv["upper"], lower)
                self.assertLess(abs(prv["estimate"] - m["msft_prv"]["estimate"]) / m["msft_prv"]["estimate"], 1e-3)


class BatchSizeTest(unittest.TestCase):
    def test_max_batch_size_is_the_largest_within_the_target(self):
        n, sigma, steps, delta, target = 60000, 1.0, 1000, 1e-5, 3.0
        b = acc.max_batch_size(target, sigma, steps, n, delta)
        eps = lambda size: acc.RdpAccountant().compose(acc.PoissonSampledGaussian(size / n, sigma), steps).get_epsilon(delta)
        self.assertLessEqual(eps(b.batch_size), target)
        self.assertGreater(eps(b.batch_size + 1), target)
        self.assertEqual(b.epsilon, eps(b.batch_size))
        self.assertEqual(b.sampling_probability, b.batch_size / n)
        self.assertLessEqual(b.evaluations, 2 + 16)  # bisection over [1, 60000]
        # agrees with the other direction: at q = B / N, max_steps allows at least these steps
        self.assertGreaterEqual(int(acc.max_steps(target, b.batch_size / n, sigma, delta)), steps)

    def test_unreachable_and_bad_arguments(self):
        with self.assertRaises(acc.UnreachableTargetError):
            acc.max_batch_size(0.01, 0.5, 1000, 100, 1e-5)
        with self.assertRaisesRegex(acc.AccountingError, "dataset_size"):
            acc.max_batch_size(3.0, 1.0, 1000, 0, 1e-5)
        self.assertEqual(int(acc.max_batch_size(1e6, 5.0, 10, 50, 1e-5)), 50)  # the whole dataset fits


class HostileInputTest(unittest.TestCase):
    """What an adversarial pass crashed or misanswered: deep nesting, NaN targets, delta 0."""

    def test_deep_nesting_is_refused_not_a_crash(self):
        e = acc.Gaussian(1.0)
        with self.assertRaisesRegex(acc.AccountingError, "more than the 64 an event may have"):
            for _ in range(20000):
                e = acc.PoissonSampled(0.5, e)
        e = acc.Gaussian(1.0)
        with self.assertRaisesRegex(acc.AccountingError, "more than the 64"):
            for _ in range(200000):
                e = acc.SelfComposed(e, 2)
        with self.assertRaisesRegex(acc.AccountingError, "event must be an object, but is an array"):
            acc.event_from_json("[" * 100000 + "]" * 100000)
        deep = '{"type": "self_composed", "count": 2, "event": ' * 100000 + '{"type": "no_op"}' + "}" * 100000
        with self.assertRaisesRegex(acc.AccountingError, "nested deeper than the 64 levels"):
            acc.event_from_json(deep)

    def test_max_batch_size_refuses_a_nan_or_infinite_target(self):
        for target in (float("nan"), float("inf"), 0.0, -1.0):
            with self.subTest(target=target), self.assertRaisesRegex(acc.AccountingError, "target_epsilon"):
                acc.max_batch_size(target, 1.0, 1000, 60000, 1e-5)

    def test_gdp_at_delta_zero_is_infinite(self):
        g = acc.GdpAccountant().compose(acc.PoissonSampledGaussian(0.01, 1.0), 1000)
        self.assertEqual(g.get_epsilon(0.0), float("inf"))

    def test_pld_interval_in_the_clis_range(self):
        for h in (5e-324, 1e-6, 0.5):
            with self.subTest(h=h), self.assertRaisesRegex(acc.AccountingError, r"in \[1e-5, 0.1\]"):
                acc.PldAccountant(h)

    def test_rdp_orders_sorted_without_duplicates(self):
        self.assertEqual(acc.RdpAccountant(orders=[3, 2, 2, 2.5]).orders, [2.0, 2.5, 3.0])


class ErrorTest(unittest.TestCase):
    def assert_error(self, f, text, kind=acc.AccountingError):
        with self.assertRaises(kind) as cm:
            f()
        self.assertIsInstance(cm.exception, ValueError)
        self.assertIsInstance(cm.exception, dptrain.Error)  # one `except dptrain.Error` catches every dptrain error
        self.assertIn(text, str(cm.exception))

    def test_out_of_range_arguments_name_the_parameter(self):
        self.assert_error(lambda: acc.PoissonSampledGaussian(1.5, 1.0), "sampling_rate must be in [0, 1]")
        self.assert_error(lambda: acc.Gaussian(-1.0), "noise_multiplier must be finite and non-negative")
        self.assert_error(lambda: acc.Gaussian(float("nan")), "noise_multiplier")
        self.assert_error(lambda: acc.RdpAccountant().get_epsilon(2.0), "delta must be in [0, 1]")
        self.assert_error(lambda: acc.PldAccountant().compose(acc.Gaussian(1.0), 0), "count must be >= 1")
        self.assert_error(lambda: acc.PldAccountant(value_discretization_interval=0.0),
                          "value_discretization_interval")
        self.assert_error(lambda: acc.RdpAccountant(orders=[0.5]), "order must be finite and > 1")
        self.assert_error(lambda: acc.event_from_json({"type": "gaussian"}), "event.noise_multiplier is missing")
        self.assert_error(lambda: acc.calibrate_noise_multiplier(1.0, 0.01, 100, 1.5), "delta")
        self.assert_error(lambda: acc.calibrate_noise_multiplier(-1.0, 0.01, 100, 1e-5), "target_epsilon",
                          acc.UnreachableTargetError)
        self.assert_error(lambda: acc.calibrate_noise_multiplier(1.0, 0.01, 100, 1e-5, accountant="moments"),
                          "accountant must be one of rdp, pld, prv, gdp")

    def test_failed_compose_leaves_the_accountant_unchanged(self):
        a = acc.RdpAccountant().compose(acc.Gaussian(1.0), 2)
        with self.assertRaises(acc.AccountingError):
            a.compose(acc.Gaussian(1.0), -3)
        self.assertEqual(a.ledger, acc.SelfComposed(acc.Gaussian(1.0), 2))
        self.assertEqual(a.to_json()["ledger"], [{"count": 2, "event": {"type": "gaussian", "noise_multiplier": 1.0}}])


class MemoryTest(unittest.TestCase):
    def test_no_growth_over_1000_accountants(self):
        def cycle(n):
            for k in range(n):
                a = acc.RdpAccountant().compose(acc.PoissonSampledGaussian(0.01, 1.0 + k * 1e-4), 1000)
                self.assertGreater(a.get_epsilon(1e-5), 0.0)
                acc.GdpAccountant().compose(acc.Gaussian(2.0)).get_delta(1.0)
        cycle(100)  # warm-up
        before = vm_rss_kb()
        cycle(1000)
        growth_kb = vm_rss_kb() - before
        self.assertLess(growth_kb, 5 * 1024, f"VmRSS grew by {growth_kb} kB")


if __name__ == "__main__":
    unittest.main()
