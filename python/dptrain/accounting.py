"""Privacy accounting for DP-SGD, shaped like Google's dp_accounting.

Events describe what a training run did; accountants compose them and answer epsilon at a
delta (or delta at an epsilon); calibration finds the noise multiplier for a target epsilon.
Everything is computed by dptrain's C++ accountants (the same code as ``dptrain epsilon``), with
the GIL released. Only add/remove-one adjacency is implemented.

    >>> from dptrain.accounting import PldAccountant, PoissonSampledGaussian
    >>> PldAccountant().compose(PoissonSampledGaussian(0.01, 1.0), 1000).get_epsilon(1e-5)
    1.828243693890915

dp_accounting's spellings work too: ``PoissonSampledDpEvent(q, GaussianDpEvent(sigma))``,
``SelfComposedDpEvent``, ``ComposedDpEvent``. Invalid arguments raise ``AccountingError`` (a
``ValueError``) whose message names the C++ parameter (``sampling_rate`` for q).
"""
import collections as _collections
import json as _json

from dptrain import _dptrain

AccountingError = _dptrain.AccountingError
UnsupportedEventError = _dptrain.UnsupportedEventError
UnreachableTargetError = _dptrain.UnreachableTargetError
NoiseCalibration = _dptrain.NoiseCalibration
StepsBudget = _dptrain.StepsBudget
_Event = _dptrain._Event

__all__ = [
    "AccountingError", "UnsupportedEventError", "UnreachableTargetError",
    "DpEvent", "Gaussian", "PoissonSampled", "PoissonSampledGaussian", "SelfComposed", "Composed", "NoOp",
    "NonPrivate", "event_from_json",
    "GaussianDpEvent", "PoissonSampledDpEvent", "SelfComposedDpEvent", "ComposedDpEvent", "NoOpDpEvent",
    "NonPrivateDpEvent",
    "PrivacyAccountant", "RdpAccountant", "PldAccountant", "PrvAccountant", "GdpAccountant",
    "NoiseCalibration", "StepsBudget", "calibrate_noise_multiplier", "max_steps",
    "BatchSizeBudget", "max_batch_size",
]


# ----------------------------------------------------------------------------------------- events

class DpEvent:
    """An immutable description of a mechanism (base class of every event).

    Events compare equal when they describe the same mechanism (``PoissonSampled(q, Gaussian(s))
    == PoissonSampledGaussian(q, s)``); ``to_json()`` gives the dict ``event_from_json`` reads back.
    """

    __slots__ = ("_native",)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, native, **fields):
        object.__setattr__(self, "_native", native)
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def to_json(self):
        """The event as a dict, e.g. ``{"type": "gaussian", "noise_multiplier": 1.0}``."""
        return _json.loads(self._native.to_json())

    def __eq__(self, other):
        if not isinstance(other, DpEvent):
            return NotImplemented
        return self._native == other._native

    def __hash__(self):
        return hash(self._native.to_json())


def _native_of(event, what="event"):
    if not isinstance(event, DpEvent):
        raise TypeError(f"{what} must be a dptrain.accounting DpEvent, not {type(event).__name__}")
    return event._native


class Gaussian(DpEvent):
    """The Gaussian mechanism with sensitivity 1 and noise std ``noise_multiplier`` (sigma >= 0).

    Example: ``Gaussian(1.1)``. dp_accounting: ``GaussianDpEvent``.
    """

    __slots__ = ("noise_multiplier",)

    def __init__(self, noise_multiplier):
        self._set(_Event.gaussian(noise_multiplier), noise_multiplier=float(noise_multiplier))

    def __repr__(self):
        return f"Gaussian(noise_multiplier={self.noise_multiplier!r})"


class PoissonSampled(DpEvent):
    """``event`` applied to a Poisson sample: each record is included independently with
    probability ``sampling_probability`` (q in [0, 1]).

    Example: ``PoissonSampled(0.01, Gaussian(1.0))``. dp_accounting: ``PoissonSampledDpEvent``.
    The accountants support only Gaussian (and NoOp/NonPrivate) inner events.
    """

    __slots__ = ("sampling_probability", "event")

    def __init__(self, sampling_probability, event):
        self._set(_Event.poisson_sampled(sampling_probability, _native_of(event)),
                  sampling_probability=float(sampling_probability), event=event)

    def __repr__(self):
        return f"PoissonSampled(sampling_probability={self.sampling_probability!r}, event={self.event!r})"


class PoissonSampledGaussian(PoissonSampled):
    """One DP-SGD step: a Gaussian mechanism (noise std ``noise_multiplier`` times the clip norm)
    on a Poisson sample with rate ``sampling_probability`` (q in [0, 1]).

    Example: ``PoissonSampledGaussian(sampling_probability=256 / 60000, noise_multiplier=1.1)``;
    equal to ``PoissonSampledDpEvent(q, GaussianDpEvent(sigma))``. ``.event`` is the Gaussian.
    """

    __slots__ = ("noise_multiplier",)

    def __init__(self, sampling_probability, noise_multiplier):
        native = _Event.poisson_sampled_gaussian(sampling_probability, noise_multiplier)
        self._set(native, sampling_probability=float(sampling_probability),
                  noise_multiplier=float(noise_multiplier), event=Gaussian(noise_multiplier))

    def __repr__(self):
        return (f"PoissonSampledGaussian(sampling_probability={self.sampling_probability!r}, "
                f"noise_multiplier={self.noise_multiplier!r})")


class SelfComposed(DpEvent):
    """``event`` run ``count`` (>= 1) times. Example: ``SelfComposed(PoissonSampledGaussian(0.01, 1.0), 1000)``.

    dp_accounting: ``SelfComposedDpEvent``.
    """

    __slots__ = ("event", "count")

    def __init__(self, event, count):
        self._set(_Event.self_composed(_native_of(event), count), event=event, count=int(count))

    def __repr__(self):
        return f"SelfComposed(event={self.event!r}, count={self.count!r})"


class Composed(DpEvent):
    """Each of ``events``, in turn (possibly none). Example: ``Composed([Gaussian(2.0), Gaussian(3.0)])``.

    dp_accounting: ``ComposedDpEvent``.
    """

    __slots__ = ("events",)

    def __init__(self, events):
        events = list(events)
        natives = [_native_of(e, f"events[{k}]") for k, e in enumerate(events)]
        self._set(_Event.composed(natives), events=events)

    def __repr__(self):
        return f"Composed({self.events!r})"


class NoOp(DpEvent):
    """An event that touches no private data (epsilon 0). dp_accounting: ``NoOpDpEvent``."""

    __slots__ = ()

    def __init__(self):
        self._set(_Event.no_op())

    def __repr__(self):
        return "NoOp()"


class NonPrivate(DpEvent):
    """Releases private data without any guarantee (epsilon = inf). dp_accounting: ``NonPrivateDpEvent``."""

    __slots__ = ()

    def __init__(self):
        self._set(_Event.non_private())

    def __repr__(self):
        return "NonPrivate()"


GaussianDpEvent = Gaussian
PoissonSampledDpEvent = PoissonSampled
SelfComposedDpEvent = SelfComposed
ComposedDpEvent = Composed
NoOpDpEvent = NoOp
NonPrivateDpEvent = NonPrivate


def _from_dict(d):
    kind = d["type"]
    if kind == "gaussian":
        return Gaussian(d["noise_multiplier"])
    if kind == "poisson_sampled":
        inner = d["event"]
        if inner["type"] == "gaussian":
            return PoissonSampledGaussian(d["sampling_rate"], inner["noise_multiplier"])
        return PoissonSampled(d["sampling_rate"], _from_dict(inner))
    if kind == "self_composed":
        return SelfComposed(_from_dict(d["event"]), d["count"])
    if kind == "composed":
        return Composed([_from_dict(e) for e in d["events"]])
    return NoOp() if kind == "no_op" else NonPrivate()


def event_from_json(d):
    """The event of a dict as ``DpEvent.to_json()`` writes it (or its JSON text).

    Every field is required and validated; errors (AccountingError) name the path, e.g.
    ``event.event.noise_multiplier``. Example: ``event_from_json({"type": "gaussian", "noise_multiplier": 1.0})``.
    """
    text = d if isinstance(d, str) else _json.dumps(d, allow_nan=False)
    native = _Event.from_json(text)  # validates
    return _from_dict(_json.loads(native.to_json()))


# ------------------------------------------------------------------------------------ accountants

class PrivacyAccountant:
    """Base class of the accountants: compose events, then ask epsilon at a delta or delta at an epsilon.

    ``compose`` returns the accountant, so ``RdpAccountant().compose(e, 1000).get_epsilon(1e-5)`` works.
    Calls release the GIL; one accountant answers one call at a time (threads may share it).
    """

    _kind = None

    def __init__(self, **settings):
        self._native = _dptrain._Accountant(self._kind, **settings)

    @property
    def name(self):
        """The accountant's name in dptrain's configs and JSON: "rdp", "pld", "prv" or "gdp"."""
        return self._native.name

    def supports(self, event):
        """Whether ``compose(event)`` would succeed (no state changes)."""
        return self._native.supports(_native_of(event))

    def compose(self, event, count=1):
        """Charge ``event`` ``count`` (>= 1) times and return self.

        Raises UnsupportedEventError (unsupported event) or AccountingError (count < 1); the
        accountant is then unchanged.
        """
        self._native.compose(_native_of(event), count)
        return self

    def get_epsilon(self, target_delta):
        """The smallest epsilon this accountant certifies at ``target_delta`` in [0, 1] (inf if none)."""
        return self._native.get_epsilon(target_delta)

    def get_delta(self, target_epsilon):
        """The smallest delta in [0, 1] this accountant certifies at ``target_epsilon`` >= 0."""
        return self._native.get_delta(target_epsilon)

    def epsilon_report(self, target_delta):
        """epsilon at ``target_delta`` with how it was obtained, as a dict: the fields of
        ``dptrain epsilon --json`` ("epsilon", "valid", "status", "upper", and per kind e.g.
        "optimal_order" (rdp), "lower"/"estimate" (prv)); infinities are the string "inf"."""
        return _json.loads(self._native.report(target_delta))

    @property
    def ledger_entries(self):
        """Every composed event, in order, as a list of (event, count) (consecutive identical
        events share one entry)."""
        return [(_from_dict(_json.loads(e.to_json())), n) for e, n in self._native.ledger()]

    @property
    def ledger(self):
        """Everything composed so far as one event, like dp_accounting's ``ledger``: NoOp() when
        empty, the event (or SelfComposed(event, count)) for one entry, else Composed([...])."""
        events = [e if n == 1 else SelfComposed(e, n) for e, n in self.ledger_entries]
        if not events:
            return NoOp()
        return events[0] if len(events) == 1 else Composed(events)

    def to_json(self):
        """Settings and ledger as a dict (the C++ accountant's JSON, as run folders store it)."""
        return _json.loads(self._native.to_json())

    def __repr__(self):
        return f"<{type(self).__name__} with {len(self._native.ledger())} ledger entries>"


class RdpAccountant(PrivacyAccountant):
    """Renyi-DP accountant (Mironov 2017; sampled Gaussian: Mironov, Talwar & Zhang 2019): an
    upper bound on epsilon, minimised over the orders.

    orders: RDP orders, each finite, > 1 and <= 10000, at most 256 (None: dp_accounting's
        DEFAULT_RDP_ORDERS 1.1..10.9, 11..63, 128, 256, 512, 1024).
    conversion: RDP to (epsilon, delta): "improved" (Canonne, Kamath & Steinke 2020, as
        dp_accounting) or "classic" (rdp + log(1/delta)/(alpha-1)).
    Example: ``RdpAccountant().compose(PoissonSampledGaussian(0.01, 1.0), 1000).get_epsilon(1e-5)``.
    """

    _kind = "rdp"

    def __init__(self, orders=None, conversion="improved"):
        super().__init__(orders=None if orders is None else [float(a) for a in orders], conversion=conversion)

    @property
    def orders(self):
        """The orders used, sorted and without duplicates (the minimum over them does not depend on
        the order they were given in)."""
        return sorted(set(self._native.orders))

    def get_epsilon_and_optimal_order(self, target_delta):
        """(epsilon, the order attaining it) at ``target_delta``, as dp_accounting's (order None when epsilon is inf)."""
        report = self.epsilon_report(target_delta)
        return self.get_epsilon(target_delta), report.get("optimal_order")


class PldAccountant(PrivacyAccountant):
    """Privacy-loss-distribution accountant (Koskela et al. 2020; dp_accounting's PLDAccountant):
    pessimistic connect-the-dots discretisation, FFT composition, both directions of
    add/remove-one adjacency. An upper bound, close to the true epsilon.

    value_discretization_interval: grid step of the privacy loss (nats), in [1e-5, 0.1] (as the CLI);
        default 1e-4, as dp_accounting and the C++ default. Smaller is tighter and slower.
    Example: ``PldAccountant().compose(PoissonSampledGaussian(0.01, 1.0), 1000).get_epsilon(1e-5)`` (~1.8282).
    epsilon is inf where no grid holds the loss (q = 1 with tiny sigma) or delta is below the mass
    the discretisation puts at +inf; ``epsilon_report`` says which.
    """

    _kind = "pld"

    def __init__(self, value_discretization_interval=1e-4):
        h = value_discretization_interval
        # The CLI's range (--value-discretization-interval): finer grids are coarsened back to the
        # PLD's bin limit anyway, and a subnormal one breaks the grid arithmetic.
        if not (isinstance(h, (int, float)) and 1e-5 <= h <= 0.1):
            raise AccountingError(f"value_discretization_interval must be in [1e-5, 0.1], but is {h!r}.")
        super().__init__(value_discretization_interval=value_discretization_interval)


class PrvAccountant(PrivacyAccountant):
    """Privacy-random-variable accountant (Gopi, Lee & Wutschitz 2021; microsoft/prv_accountant):
    get_epsilon is the certified upper bound of a [lower, upper] bracket of half-width about
    ``eps_error`` around the estimate (inf when it cannot be certified); ``epsilon_report`` gives
    "lower", "estimate" and "upper".

    eps_error: target half-width of the bracket (absolute epsilon), default 0.01.
    delta_error: delta slack of the bounds; 0 (default) means delta / 1000 for epsilon queries.
    Example: ``PrvAccountant(eps_error=0.01).compose(PoissonSampledGaussian(0.01, 1.0), 1000).get_epsilon(1e-5)``.
    """

    _kind = "prv"

    def __init__(self, eps_error=0.01, delta_error=0.0):
        super().__init__(eps_error=eps_error, delta_error=delta_error)


class GdpAccountant(PrivacyAccountant):
    """Gaussian-DP central-limit approximation (Dong, Roth & Su 2019; Opacus's GDP accountant).
    An APPROXIMATION of epsilon, never a guarantee: use RdpAccountant or PldAccountant for bounds.

    Example: ``GdpAccountant().compose(PoissonSampledGaussian(0.01, 1.0), 1000).get_epsilon(1e-5)`` (~1.62).
    """

    _kind = "gdp"

    def __init__(self):
        super().__init__()


# ------------------------------------------------------------------------------------ calibration

def _native_accountant(accountant):
    if isinstance(accountant, PrivacyAccountant):
        return accountant._native  # its kind and settings; its ledger is not used
    if isinstance(accountant, str):
        return _dptrain._Accountant(accountant)
    raise TypeError(f"accountant must be a name (rdp, pld, prv, gdp) or a PrivacyAccountant, "
                    f"not {type(accountant).__name__}")


def calibrate_noise_multiplier(target_epsilon, sampling_probability, steps, delta, accountant="rdp",
                               tolerance=1e-6, max_evaluations=60):
    """The smallest noise multiplier sigma such that ``steps`` DP-SGD steps
    PoissonSampledGaussian(sampling_probability, sigma) have epsilon <= ``target_epsilon`` at ``delta``.

    accountant: "rdp", "pld", "prv", "gdp", or an accountant instance whose settings are used
        (e.g. ``PldAccountant(1e-3)``; its ledger is ignored).
    tolerance: relative precision of sigma, in (0, 1); max_evaluations: epsilon computations
        allowed for narrowing (``dptrain calibrate`` uses 12; pld/prv take up to ~1 s each).
    Returns a NoiseCalibration (``float(result)`` is sigma; ``.epsilon`` <= target always holds;
    ``.converged`` False when narrowing stopped early). Raises UnreachableTargetError when no
    sigma <= 1e6 meets the target, AccountingError for out-of-range arguments.
    Example: ``calibrate_noise_multiplier(3.0, 0.01, 1000, 1e-5).noise_multiplier`` (~0.8646).
    """
    return _dptrain._calibrate_noise_multiplier(target_epsilon, sampling_probability, steps, delta,
                                                _native_accountant(accountant), tolerance, max_evaluations)


def max_steps(target_epsilon, sampling_probability, noise_multiplier, delta, accountant="rdp",
              max_steps=2 ** 50):
    """The largest number T <= ``max_steps`` of DP-SGD steps PoissonSampledGaussian(q, sigma)
    whose epsilon at ``delta`` is <= ``target_epsilon``.

    accountant: as for calibrate_noise_multiplier. Returns a StepsBudget (``int(result)`` is T,
    ``.epsilon`` its epsilon; T = 0 when even one step exceeds the target). Raises
    UnreachableTargetError when even ``max_steps`` steps stay within the target.
    Example: ``max_steps(3.0, 0.01, 1.0, 1e-5).steps`` (2195 by RDP).
    """
    return _dptrain._max_steps(target_epsilon, sampling_probability, noise_multiplier, delta,
                               _native_accountant(accountant), max_steps)


class BatchSizeBudget(_collections.namedtuple("BatchSizeBudget", ["batch_size", "sampling_probability", "epsilon",
                                                                    "evaluations"])):
    """max_batch_size's answer: the expected batch size B, q = B / N, epsilon at q (<= the target),
    and how many epsilons were computed. ``int(result)`` is B."""

    def __int__(self):
        return self.batch_size


def max_batch_size(target_epsilon, noise_multiplier, steps, dataset_size, delta, accountant="rdp"):
    """The largest expected batch size B in [1, dataset_size] such that ``steps`` DP-SGD steps
    PoissonSampledGaussian(B / dataset_size, noise_multiplier) have epsilon <= ``target_epsilon``
    at ``delta`` (dptrain's privacy.target_epsilon fixes sigma; this fixes sigma and the steps and
    asks how large a batch the budget allows).

    Bisection over the integers on a fresh accountant per evaluation (about log2(N) of them): it
    relies on epsilon growing with q for fixed sigma and steps, true of every accountant here; the
    returned B always meets the target (its epsilon is returned), and B + 1 exceeds it unless
    B = dataset_size. accountant: "rdp", "pld", "prv" or "gdp" (default settings). Raises
    UnreachableTargetError when even B = 1 exceeds the target, AccountingError for bad arguments.
    Example: ``max_batch_size(3.0, 1.0, 1000, 60000, 1e-5).batch_size``.
    """
    classes = {"rdp": RdpAccountant, "pld": PldAccountant, "prv": PrvAccountant, "gdp": GdpAccountant}
    if not (isinstance(target_epsilon, (int, float)) and target_epsilon > 0 and target_epsilon < float("inf")):
        raise AccountingError(f"target_epsilon must be finite and > 0, but is {target_epsilon!r}.")
    if accountant not in classes:
        raise AccountingError(f"accountant must be one of rdp, pld, prv, gdp for max_batch_size, got {accountant!r}")
    if hasattr(dataset_size, "__index__") and not isinstance(dataset_size, bool):
        dataset_size = dataset_size.__index__()  # numpy integers too
    if not isinstance(dataset_size, int) or dataset_size < 1:
        raise AccountingError(f"dataset_size must be an integer >= 1, but is {dataset_size!r}.")
    evaluations = 0

    def epsilon(b):
        nonlocal evaluations
        evaluations += 1
        event = PoissonSampledGaussian(b / dataset_size, noise_multiplier)
        return classes[accountant]().compose(event, steps).get_epsilon(delta)

    lo_eps = epsilon(1)
    if lo_eps > target_epsilon:
        raise UnreachableTargetError(f"even a batch of 1 (q = 1/{dataset_size}) spends epsilon {lo_eps:.6g} > the target "
                                     f"{target_epsilon} in {steps} steps at noise multiplier {noise_multiplier}")
    lo, hi = 1, dataset_size
    hi_eps = epsilon(hi)
    if hi_eps <= target_epsilon:
        return BatchSizeBudget(hi, 1.0, hi_eps, evaluations)
    while hi - lo > 1:  # epsilon(lo) <= target < epsilon(hi)
        mid = (lo + hi) // 2
        mid_eps = epsilon(mid)
        if mid_eps <= target_epsilon:
            lo, lo_eps = mid, mid_eps
        else:
            hi = mid
    return BatchSizeBudget(lo, lo / dataset_size, lo_eps, evaluations)
