// DP events (dp_accounting's dp_event.py as C++ values): validated factories, deep equality,
// and JSON (de)serialisation that names the offending field.
#include "dp/accounting/dp_event.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {
namespace {

void check_noise_multiplier(double sigma, const std::string& name) {
  check_finite_non_negative<AccountingError>(sigma, name);
}

void check_sampling_rate(double q, const std::string& name) {
  check_in<AccountingError>(q, Bounds::closed(0.0, 1.0), name);
}

void check_count(int64_t count, const std::string& name) { check_at_least<AccountingError>(count, 1, name); }

// ---- JSON reading with paths ----

// "<path> <what>.", e.g. "event.events[1].count must be an integer, but is 1.5."
[[noreturn]] void json_error(const std::string& path, const std::string& what) {
  throw AccountingError(path + " " + what + ".");
}

// A value for a message: scalars as written, arrays and objects by kind (never dumped whole:
// they may be huge or deep).
std::string shown(const nlohmann::json& v) {
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  std::string text = v.dump();
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

void check_keys(const nlohmann::json& j, const std::string& path, const std::set<std::string>& allowed) {
  for (const auto& [key, value] : j.items()) {
    if (!allowed.contains(key))
      json_error(path + "." + key, "is not a field of a " + j.value("type", std::string("DP")) + " event");
  }
}

const nlohmann::json& field(const nlohmann::json& j, const std::string& path, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end()) json_error(path + "." + key, "is missing");
  return *it;
}

double number_field(const nlohmann::json& j, const std::string& path, const std::string& key) {
  const nlohmann::json& v = field(j, path, key);
  if (!v.is_number()) json_error(path + "." + key, "must be a number, but is " + shown(v));
  return v.get<double>();
}

int64_t integer_field(const nlohmann::json& j, const std::string& path, const std::string& key) {
  const nlohmann::json& v = field(j, path, key);
  if (!v.is_number_integer()) json_error(path + "." + key, "must be an integer, but is " + shown(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    json_error(path + "." + key, "must fit in 64 bits, but is " + shown(v));
  }
  return v.get<int64_t>();
}

}  // namespace

DpEvent::DpEvent(Variant variant, int depth) : variant_(std::move(variant)), depth_(depth) {
  if (depth_ > kMaxEventDepth) {
    throw AccountingError("event is nested " + std::to_string(depth_) + " levels deep, more than the " +
                          std::to_string(kMaxEventDepth) + " an event may have (a DP-SGD step is 2).");
  }
}

DpEvent DpEvent::gaussian(double noise_multiplier) {
  check_noise_multiplier(noise_multiplier, "noise_multiplier");
  return DpEvent(GaussianEvent{noise_multiplier}, 1);
}

DpEvent DpEvent::poisson_sampled(double sampling_rate, DpEvent event) {
  check_sampling_rate(sampling_rate, "sampling_rate");
  const int depth = event.depth() + 1;
  return DpEvent(PoissonSampledEvent{sampling_rate, std::make_shared<const DpEvent>(std::move(event))}, depth);
}

DpEvent DpEvent::self_composed(DpEvent event, int64_t count) {
  check_count(count, "count");
  const int depth = event.depth() + 1;
  return DpEvent(SelfComposedEvent{std::make_shared<const DpEvent>(std::move(event)), count}, depth);
}

DpEvent DpEvent::composed(std::vector<DpEvent> events) {
  int depth = 1;
  for (const DpEvent& e : events) depth = std::max(depth, e.depth() + 1);
  return DpEvent(ComposedEvent{std::move(events)}, depth);
}

DpEvent DpEvent::no_op() { return DpEvent(NoOpEvent{}, 1); }

DpEvent DpEvent::non_private() { return DpEvent(NonPrivateEvent{}, 1); }

DpEvent DpEvent::poisson_sampled_gaussian(double sampling_rate, double noise_multiplier) {
  return poisson_sampled(sampling_rate, gaussian(noise_multiplier));
}

bool operator==(const DpEvent& a, const DpEvent& b) {
  if (a.variant_.index() != b.variant_.index()) return false;
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b.variant_);
        if constexpr (std::is_same_v<T, GaussianEvent>) {
          return x.noise_multiplier == y.noise_multiplier;
        } else if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          return x.sampling_rate == y.sampling_rate && *x.event == *y.event;
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          return x.count == y.count && *x.event == *y.event;
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          return x.events == y.events;
        } else {
          return true;  // NoOp, NonPrivate
        }
      },
      a.variant_);
}

std::string DpEvent::describe() const {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, GaussianEvent>) {
          return "Gaussian(noise_multiplier=" + format_number(x.noise_multiplier) + ")";
        } else if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          return "PoissonSampled(sampling_rate=" + format_number(x.sampling_rate) + ", " + x.event->describe() + ")";
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          return "SelfComposed(" + x.event->describe() + ", count=" + format_number(x.count) + ")";
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          std::string s = "Composed(";
          for (size_t k = 0; k < x.events.size(); ++k) s += (k ? ", " : "") + x.events[k].describe();
          return s + ")";
        } else if constexpr (std::is_same_v<T, NoOpEvent>) {
          return "NoOp";
        } else {
          return "NonPrivate";
        }
      },
      variant_);
}

nlohmann::json to_json(const DpEvent& event) {
  return std::visit(
      [](const auto& x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, GaussianEvent>) {
          return {{"type", "gaussian"}, {"noise_multiplier", x.noise_multiplier}};
        } else if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          return {{"type", "poisson_sampled"}, {"sampling_rate", x.sampling_rate}, {"event", to_json(*x.event)}};
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          return {{"type", "self_composed"}, {"event", to_json(*x.event)}, {"count", x.count}};
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          nlohmann::json events = nlohmann::json::array();
          for (const DpEvent& e : x.events) events.push_back(to_json(e));
          return {{"type", "composed"}, {"events", std::move(events)}};
        } else if constexpr (std::is_same_v<T, NoOpEvent>) {
          return {{"type", "no_op"}};
        } else {
          return {{"type", "non_private"}};
        }
      },
      event.variant());
}

namespace {

// {"type": "gaussian", "noise_multiplier": sigma}
DpEvent gaussian_from_json(const nlohmann::json& j, const std::string& path) {
  check_keys(j, path, {"type", "noise_multiplier"});
  const double sigma = number_field(j, path, "noise_multiplier");
  check_noise_multiplier(sigma, path + ".noise_multiplier");
  return DpEvent::gaussian(sigma);
}

// {"type": "poisson_sampled", "sampling_rate": q, "event": {...}}
DpEvent event_at(const nlohmann::json& j, const std::string& path, int depth);

DpEvent poisson_sampled_from_json(const nlohmann::json& j, const std::string& path, int depth) {
  check_keys(j, path, {"type", "sampling_rate", "event"});
  const double q = number_field(j, path, "sampling_rate");
  check_sampling_rate(q, path + ".sampling_rate");
  return DpEvent::poisson_sampled(q, event_at(field(j, path, "event"), path + ".event", depth + 1));
}

// {"type": "self_composed", "event": {...}, "count": n}
DpEvent self_composed_from_json(const nlohmann::json& j, const std::string& path, int depth) {
  check_keys(j, path, {"type", "event", "count"});
  const int64_t count = integer_field(j, path, "count");
  check_count(count, path + ".count");
  return DpEvent::self_composed(event_at(field(j, path, "event"), path + ".event", depth + 1), count);
}

// {"type": "composed", "events": [{...}, ...]}
DpEvent composed_from_json(const nlohmann::json& j, const std::string& path, int depth) {
  check_keys(j, path, {"type", "events"});
  const nlohmann::json& list = field(j, path, "events");
  if (!list.is_array()) json_error(path + ".events", "must be an array, but is " + shown(list));
  std::vector<DpEvent> events;
  for (size_t k = 0; k < list.size(); ++k) {
    events.push_back(event_at(list[k], path + ".events[" + std::to_string(k) + "]", depth + 1));
  }
  return DpEvent::composed(std::move(events));
}

// The event at `j`, `depth` levels below the top (1): deeper than kMaxEventDepth is refused
// before `j` is followed further.
DpEvent event_at(const nlohmann::json& j, const std::string& path, int depth) {
  if (depth > kMaxEventDepth) {
    json_error(path, "is nested deeper than the " + std::to_string(kMaxEventDepth) + " levels an event may have");
  }
  if (!j.is_object()) json_error(path, "must be an object, but is " + shown(j));
  const nlohmann::json& type_json = field(j, path, "type");
  if (!type_json.is_string()) json_error(path + ".type", "must be a string, but is " + shown(type_json));
  const std::string type = type_json.get<std::string>();
  if (type == "gaussian") return gaussian_from_json(j, path);
  if (type == "poisson_sampled") return poisson_sampled_from_json(j, path, depth);
  if (type == "self_composed") return self_composed_from_json(j, path, depth);
  if (type == "composed") return composed_from_json(j, path, depth);
  if (type == "no_op") {
    check_keys(j, path, {"type"});
    return DpEvent::no_op();
  }
  if (type == "non_private") {
    check_keys(j, path, {"type"});
    return DpEvent::non_private();
  }
  json_error(
      path + ".type",
      "must be one of gaussian, poisson_sampled, self_composed, composed, no_op, non_private, but is \"" + type + "\"");
}

}  // namespace

DpEvent dp_event_from_json(const nlohmann::json& j, const std::string& path) { return event_at(j, path, 1); }

}  // namespace dpt
