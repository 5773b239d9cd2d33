// Helpers of the config suite: the error message a config text produces, and field-by-field
// equality of configs (structured bindings: adding a field breaks the build here until the
// comparison covers it).
#pragma once

#include <string>
#include <string_view>
#include <tuple>

#include "experiments/config/config_parser.hpp"

namespace dpt::test {

// what() of the ConfigError that parsing `text` throws, or "<valid>".
inline std::string error_of(std::string_view text) {
  try {
    parse_config_text(text, "run.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<valid>";
}

inline bool equal(const DataConfig& a, const DataConfig& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20) ==
         std::tie(b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20);
}

inline bool equal(const RecurrentLayerConfig& a, const RecurrentLayerConfig& b) {
  const auto& [a1, a2, a3, a4, a5] = a;
  const auto& [b1, b2, b3, b4, b5] = b;
  return std::tie(a1, a2, a3, a4, a5) == std::tie(b1, b2, b3, b4, b5);
}

// recurrent_key (a10's place: which spelling the config used, for messages) is not compared:
// config.json writes the `lstm` spelling of any LSTM-only stack.
inline bool equal(const ModelConfig& a, const ModelConfig& b) {
  const auto& [a1, a2, a_key, a4, a5, a6, a7, a8, a9, a10] = a;
  const auto& [b1, b2, b_key, b4, b5, b6, b7, b8, b9, b10] = b;
  if (a2.size() != b2.size()) return false;
  for (std::size_t i = 0; i < a2.size(); ++i) {
    if (!equal(a2[i], b2[i])) return false;
  }
  return std::tie(a1, a4, a5, a6, a7, a8, a9, a10) == std::tie(b1, b4, b5, b6, b7, b8, b9, b10);
}

inline bool equal(const TrainingConfig& a, const TrainingConfig& b) {
  const auto& [a1, a2, a3, a4, ao, as] = a;
  const auto& [b1, b2, b3, b4, bo, bs] = b;
  const auto& [o1, o2, o3, o4, o5, o6, o7, o8] = ao;
  const auto& [p1, p2, p3, p4, p5, p6, p7, p8] = bo;
  const auto& [s1, s2, s3, s4, s5] = as;
  const auto& [t1, t2, t3, t4, t5] = bs;
  return std::tie(a1, a2, a3, a4) == std::tie(b1, b2, b3, b4) &&
         std::tie(o1, o2, o3, o4, o5, o6, o7, o8) == std::tie(p1, p2, p3, p4, p5, p6, p7, p8) &&
         std::tie(s1, s2, s3, s4, s5) == std::tie(t1, t2, t3, t4, t5);
}

inline bool equal(const PrivacyConfig& a, const PrivacyConfig& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7, b8, b9, b10] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) == std::tie(b1, b2, b3, b4, b5, b6, b7, b8, b9, b10);
}

inline bool equal(const ExperimentConfig& a, const ExperimentConfig& b) {
  const auto& [a1, a2, ad, am, at, ap, ae, ao] = a;
  const auto& [b1, b2, bd, bm, bt, bp, be, bo] = b;
  const auto& [ae1, ae2] = ae;
  const auto& [be1, be2] = be;
  const auto& [ao1, ao2] = ao;
  const auto& [bo1, bo2] = bo;
  return std::tie(a1, a2, ae1, ae2, ao1, ao2) == std::tie(b1, b2, be1, be2, bo1, bo2) &&
         equal(ad, bd) && equal(am, bm) && equal(at, bt) && equal(ap, bp);
}

}  // namespace dpt::test
