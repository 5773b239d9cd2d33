// Clip factors (see clipping.hpp).
#include "dp/clipping.hpp"

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

template <typename T>
void clip_example(const ClippingConfig& config, Index P, const double* sq_norms, T* factors) {
  if (config.mode == ClippingMode::kPerLayer) {
    // Group norms; a parameter's factor is its group's. NaN/Inf anywhere: all 0.
    double group_sq[kMaxClipGroups] = {};
    const size_t K = config.group_clip_norms.size();
    for (Index p = 0; p < P; ++p) group_sq[config.group_of_param[p]] += sq_norms[p];
    bool finite = true;
    for (size_t k = 0; k < K; ++k) finite = finite && std::isfinite(group_sq[k]);
    for (Index p = 0; p < P; ++p) {
      const int k = config.group_of_param[p];
      const double norm = norm_bounds::round_up(std::sqrt(norm_bounds::round_up(group_sq[k], static_cast<double>(P))), 1.0);
      factors[p] = finite ? to_factor<T>(clip(norm, config.group_clip_norms[k])) : T(0);
    }
    return;
  }
  // ||g_i||² summed in double and rounded up (a sum of P non-negative bounds).
  const double total_sq = Eigen::Map<const RowVector<double>>(sq_norms, P).sum();
  const double norm = norm_bounds::round_up(std::sqrt(norm_bounds::round_up(total_sq, static_cast<double>(P))), 1.0);
  if (!std::isfinite(norm)) {
    factors[0] = T(0);
  } else if (config.mode == ClippingMode::kAutomatic) {
    factors[0] = to_factor<T>(config.clip_norm / (norm * (1.0 + kMargin) + config.automatic_gamma));
  } else {
    factors[0] = to_factor<T>(clip(norm, config.clip_norm));
  }
}

template <typename T>
ClipResult<T> clip_summary(const MatrixD& sq_norms, Matrix<T> factors) {
  ClipResult<T> out;
  out.norms = sq_norms.rowwise().sum().cwiseSqrt();
  for (Index i = 0; i < sq_norms.rows(); ++i) {
    // Dropped for a NaN/Inf gradient: the norm is not finite and nothing of the example is kept.
    if (!std::isfinite(out.norms(i)) && factors.row(i).isZero(0)) {
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
  return clip_summary(norms.sq_norms, std::move(factors));
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

#define DPT_INSTANTIATE(T)                                                                   \
  template void clip_example<T>(const ClippingConfig&, Index, const double*, T*);           \
  template ClipResult<T> clip_summary<T>(const MatrixD&, Matrix<T>);                        \
  template ClipResult<T> clip_factors<T>(const PerExampleNorms<T>&, const ClippingConfig&);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
