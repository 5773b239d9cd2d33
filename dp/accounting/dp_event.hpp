// DP events: immutable values describing the mechanisms a training run executed, as
// dp_accounting's dp_event.py (Gaussian, PoissonSampled, SelfComposed, Composed, NoOp,
// NonPrivate). Only the validated factories of DpEvent build them; JSON via nlohmann.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

namespace dpt {

class DpEvent;

// The Gaussian mechanism with sensitivity 1 and noise std noise_multiplier (sigma >= 0).
struct GaussianEvent {
  double noise_multiplier = 0.0;
};

// `event` applied to a Poisson sample: each record included independently with
// probability sampling_rate (q in [0, 1]).
struct PoissonSampledEvent {
  double sampling_rate = 0.0;
  std::shared_ptr<const DpEvent> event;
};

// `event` run `count` (>= 1) times.
struct SelfComposedEvent {
  std::shared_ptr<const DpEvent> event;
  int64_t count = 1;
};

// Each of `events`, in turn (possibly none).
struct ComposedEvent {
  std::vector<DpEvent> events;
};

// Touches no private data.
struct NoOpEvent {};

// Releases private data without any guarantee: epsilon = inf.
struct NonPrivateEvent {};

// Events nest at most this deep (a DP-SGD run's event is 2-3 levels): deeper trees are refused
// by every factory and by dp_event_from_json, so describing, serialising, comparing and
// accounting for an event (all recursive) stay within the stack.
inline constexpr int kMaxEventDepth = 64;

class DpEvent {
 public:
  using Variant =
      std::variant<GaussianEvent, PoissonSampledEvent, SelfComposedEvent, ComposedEvent, NoOpEvent, NonPrivateEvent>;

  // Validated factories; throw AccountingError naming the parameter on invalid input, and for an
  // event nested deeper than kMaxEventDepth.
  static DpEvent gaussian(double noise_multiplier);
  static DpEvent poisson_sampled(double sampling_rate, DpEvent event);
  static DpEvent self_composed(DpEvent event, int64_t count);
  static DpEvent composed(std::vector<DpEvent> events);
  static DpEvent no_op();
  static DpEvent non_private();
  // DP-SGD's step: PoissonSampled(q, Gaussian(sigma)).
  static DpEvent poisson_sampled_gaussian(double sampling_rate, double noise_multiplier);

  const Variant& variant() const { return variant_; }
  template <typename T>
  const T* get_if() const {
    return std::get_if<T>(&variant_);
  }

  // Structural (deep) equality.
  friend bool operator==(const DpEvent& a, const DpEvent& b);

  // A one-line description, e.g. "PoissonSampled(q=0.01, Gaussian(noise_multiplier=1))".
  std::string describe() const;

  // Levels of nesting: 1 for a leaf, 1 + the deepest inner event otherwise (<= kMaxEventDepth).
  int depth() const { return depth_; }

 private:
  DpEvent(Variant variant, int depth);
  Variant variant_;
  int depth_ = 1;
};

// {"type": "gaussian", "noise_multiplier": 1.1}, {"type": "poisson_sampled", "sampling_rate": q,
// "event": {...}}, {"type": "self_composed", "event": {...}, "count": n},
// {"type": "composed", "events": [...]}, {"type": "no_op"}, {"type": "non_private"}.
nlohmann::json to_json(const DpEvent& event);

// The inverse; every field is required, unknown fields are rejected, and values are validated
// like the factories. Errors name the JSON path: "event.event.noise_multiplier must be finite
// and non-negative, but is -1.", "event.events[2].type is missing." (`path` names `j`). JSON
// nested deeper than kMaxEventDepth events is refused before it is followed; values quoted in
// messages are cut short.
DpEvent dp_event_from_json(const nlohmann::json& j, const std::string& path = "event");

}  // namespace dpt
