// Clip factors (see clipping.hpp).
#include "dp/clipping.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/per_example/norm_bounds.hpp"

namespace dpt {
namespace {

constexpr double kStability = 1e-6;  // the ε of min(1, C / (||g|| + ε))

// Relative margin on the norm covering the rounding of the factor's division in double and
// validate()'s tolerance of 1e-12 on sum_k C_k² = C² (per-layer sensitivity up to C (1 + 5e-13)).
// The norm itself is already a certified upper bound (norm_bounds.hpp).
constexpr double kMargin = 1e-12;

double clip(double norm, double threshold) {
  return std::min(1.0, threshold / (norm * (1.0 + kMargin) + kStability));
}

// A factor in T, rounded toward zero: never above the double factor, so ||c_i g_i|| <= C also
// when c_i is subnormal in T (a gradient norm beyond ~1e38 C in float).
template <typename T>
T to_factor(double c) {
  T t = static_cast<T>(c);
  if (static_cast<double>(t) > c) t = std::nextafter(t, T(0));
  return t;
}

}  // namespace

ClippingConfig ClippingConfig::per_layer_equal_shares(double clip_norm, std::vector<int> group_of_param) {
  ClippingConfig config;
  config.mode = ClippingMode::kPerLayer;
  config.clip_norm = clip_norm;
  int groups = 0;
  for (int g : group_of_param) groups = std::max(groups, g + 1);
  std::vector<int> count(groups, 0);
  for (int g : group_of_param) {
    DPT_CHECK(g >= 0, "clipping.group_of_param: group indices must be >= 0.");
    ++count[g];
  }
  const double P = static_cast<double>(group_of_param.size());
  for (int k = 0; k < groups; ++k) config.group_clip_norms.push_back(clip_norm * std::sqrt(count[k] / P));
  config.group_of_param = std::move(group_of_param);
  return config;
}

void validate(const ClippingConfig& config, size_t num_params) {
  DPT_CHECK(std::isfinite(config.clip_norm) && config.clip_norm > 0.0,
            "clip_norm must be finite and > 0, but is " + std::to_string(config.clip_norm) + ".");
  if (config.mode == ClippingMode::kAutomatic) {
    DPT_CHECK(std::isfinite(config.automatic_gamma) && config.automatic_gamma > 0.0,
              "automatic_gamma must be finite and > 0, but is " + std::to_string(config.automatic_gamma) + ".");
  }
  if (config.mode != ClippingMode::kPerLayer) return;
  DPT_CHECK(!config.group_clip_norms.empty() && config.group_clip_norms.size() <= kMaxClipGroups,
            "per-layer clipping needs between 1 and " + std::to_string(kMaxClipGroups) + " groups, but has " +
                std::to_string(config.group_clip_norms.size()) + ".");
  DPT_CHECK(config.group_of_param.size() == num_params,
            "per-layer clipping needs a group for each of the " + std::to_string(num_params) + " parameters, but has " +
                std::to_string(config.group_of_param.size()) + ".");
  double sum_sq = 0.0;
  for (double c : config.group_clip_norms) {
    DPT_CHECK(std::isfinite(c) && c > 0.0, "per-layer clip norms must be finite and > 0, but one is " + std::to_string(c) + ".");
    sum_sq += c * c;
  }
  for (int g : config.group_of_param) {
    DPT_CHECK(g >= 0 && g < static_cast<int>(config.group_clip_norms.size()),
              "per-layer group index " + std::to_string(g) + " has no clip norm.");
  }
  const double C2 = config.clip_norm * config.clip_norm;
  // Sensitivity is sqrt(sum_k C_k²): it must not exceed C (the noise is calibrated to C).
  DPT_CHECK(sum_sq <= C2 * (1.0 + 1e-12),
            "per-layer clip norms must satisfy sum of C_k² = clip_norm² (" + std::to_string(C2) + "), but the sum is " +
                std::to_string(sum_sq) + ".");
  DPT_CHECK(sum_sq >= C2 * (1.0 - 1e-9), "per-layer clip norms must satisfy sum of C_k² = clip_norm² (" +
                                             std::to_string(C2) + "), but the sum is " + std::to_string(sum_sq) + ".");
}

ExampleNorms example_norms(const ClippingConfig& config, Index P, const double* sq_norms) {
  ExampleNorms out;
  if (config.mode != ClippingMode::kPerLayer) {
    out.groups = 1;
    out.sq_norm[0] = Eigen::Map<const RowVector<double>>(sq_norms, P).sum();
  } else {
    out.groups = config.group_clip_norms.size();
    std::fill_n(out.sq_norm.begin(), out.groups, 0.0);
    for (Index p = 0; p < P; ++p) out.sq_norm[config.group_of_param[p]] += sq_norms[p];  // in parameter order
  }
  // Each a sum of P non-negative bounds: rounded up, then its root rounded up.
  for (size_t k = 0; k < out.groups; ++k) {
    out.norm[k] = norm_bounds::round_up(std::sqrt(norm_bounds::round_up(out.sq_norm[k], static_cast<double>(P))), 1.0);
  }
  return out;
}

bool is_nonfinite(const ExampleNorms& norms) {
  for (size_t k = 0; k < norms.groups; ++k) {
    if (!std::isfinite(norms.sq_norm[k])) return true;
  }
  return false;
}

template <typename T>
T clip_factor(const ExampleNorms& norms, size_t k, const ClippingConfig& config) {
  if (is_nonfinite(norms)) return T(0);
  switch (config.mode) {
    case ClippingMode::kFlat:
      return to_factor<T>(clip(norms.norm[0], config.clip_norm));
    case ClippingMode::kPerLayer:
      return to_factor<T>(clip(norms.norm[k], config.group_clip_norms[k]));
    case ClippingMode::kAutomatic:
      return to_factor<T>(config.clip_norm / (norms.norm[0] * (1.0 + kMargin) + config.automatic_gamma));
  }
  return T(0);
}

template <typename T>
void clip_example(const ClippingConfig& config, Index P, const double* sq_norms, T* factors) {
  const ExampleNorms norms = example_norms(config, P, sq_norms);
  if (config.mode != ClippingMode::kPerLayer) {
    factors[0] = clip_factor<T>(norms, 0, config);
    return;
  }
  // A parameter's factor is its group's (K factors, then P lookups).
  std::array<T, kMaxClipGroups> group_factor;
  for (size_t k = 0; k < norms.groups; ++k) group_factor[k] = clip_factor<T>(norms, k, config);
  for (Index p = 0; p < P; ++p) factors[p] = group_factor[static_cast<size_t>(config.group_of_param[p])];
}

template <typename T>
ClipResult<T> clip_summary(const MatrixD& sq_norms, Matrix<T> factors, const ClippingConfig& config) {
  ClipResult<T> out;
  for (Index i = 0; i < sq_norms.rows(); ++i) {
    if (is_nonfinite(example_norms(config, sq_norms.cols(), sq_norms.row(i).data()))) {
      ++out.nonfinite_examples;
    } else {
      out.clipped_examples += (factors.row(i).array() < T(1)).any();
    }
  }
  out.factors = std::move(factors);
  return out;
}

template <typename T>
ClipResult<T> clip_factors(const PerExampleNorms<T>& norms, const ClippingConfig& config) {
  const Index B = norms.sq_norms.rows();
  const Index P = norms.sq_norms.cols();
  validate(config, static_cast<size_t>(P));
  Matrix<T> factors = Matrix<T>::Zero(B, factor_columns(config, P));
  for (Index i = 0; i < B; ++i) clip_example(config, P, norms.sq_norms.row(i).data(), factors.row(i).data());
  return clip_summary(norms.sq_norms, std::move(factors), config);
}

std::string to_string(ClippingMode mode) {
  switch (mode) {
    case ClippingMode::kFlat: return "flat";
    case ClippingMode::kPerLayer: return "per_layer";
    case ClippingMode::kAutomatic: return "automatic";
  }
  return "unknown";
}

Index factor_columns(const ClippingConfig& config, Index num_params) {
  return config.mode == ClippingMode::kPerLayer ? num_params : 1;
}

#define DPT_INSTANTIATE(T)                                                                  \
  template T clip_factor<T>(const ExampleNorms&, size_t, const ClippingConfig&);            \
  template void clip_example<T>(const ClippingConfig&, Index, const double*, T*);           \
  template ClipResult<T> clip_summary<T>(const MatrixD&, Matrix<T>, const ClippingConfig&); \
  template ClipResult<T> clip_factors<T>(const PerExampleNorms<T>&, const ClippingConfig&);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
