// Per-example clip factors c_i from per-example squared gradient norms (DESIGN.md, invariant 1):
//   flat       c_i = min(1, C / (||g_i|| + ε))             all parameters jointly (default)
//   per_layer  c_ik = min(1, C_k / (||g_i^(k)|| + ε))      a threshold per parameter group,
//              with sum_k C_k² = C², so the total sensitivity stays C
//   automatic  c_i = C / (||g_i|| + γ)                     Bu et al. 2022 (AUTO-S), scaled by C
//              so that, as for the others, ||c_i g_i|| < C and the noise is σ·C
// The norms are certified upper bounds of the exact per-example norms (core/per_example/
// norm_bounds.hpp), summed over parameters in double and rounded up; ε = 1e-6, a relative
// margin of 1e-12 on the norm, and factors rounded toward zero in the scalar type, so
// ||c_i g_i|| ≤ C holds for the exact g_i. An example whose norm is NaN or Inf gets factor 0
// (exactly nothing of it reaches the sum; see weighted_gradient_sum) and is counted: that rule
// is decided in one place, is_nonfinite below.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/per_example/per_example_norms.hpp"
#include "core/tensor.hpp"
#include "dp/clipping_mode.hpp"

namespace dpt {

struct ClippingConfig {
  ClippingMode mode = ClippingMode::kFlat;
  double clip_norm = 1.0;                  // C: the sensitivity of the clipped sum
  std::vector<int> group_of_param;         // per_layer: group index of each parameter
  std::vector<double> group_clip_norms;    // per_layer: C_k, sum of squares = C²
  double automatic_gamma = 0.01;           // automatic: γ > 0

  // Thresholds C_k = C·sqrt(n_k / P) for the given grouping (n_k parameters in group k):
  // sum_k C_k² = C², each parameter getting an equal share of C².
  static ClippingConfig per_layer_equal_shares(double clip_norm, std::vector<int> group_of_param);
};

// Throws InvalidArgument naming the field if the config is invalid for `num_params`.
void validate(const ClippingConfig& config, size_t num_params);

template <typename T>
struct ClipResult {
  Matrix<T> factors;            // (B, 1) flat/automatic, or (B, P) per_layer: input to weighted_gradient_sum
  int clipped_examples = 0;     // examples whose factor (any group) is < 1
  int nonfinite_examples = 0;   // examples dropped for a NaN/Inf gradient (is_nonfinite)
};

// Columns of the factor matrix: P for per_layer, 1 otherwise.
Index factor_columns(const ClippingConfig& config, Index num_params);

// Per-layer clipping supports up to this many groups (one per parameter of any model here).
inline constexpr size_t kMaxClipGroups = 256;

// One example's norms as its factors read them, from its P squared norms (certified bounds,
// summed in double): flat and automatic, group 0 = all parameters; per_layer, group k = the
// parameters of group k (the sums in parameter order).
// Only the first `groups` entries are set (no 4 KB of zeros per example on the clipping path).
struct ExampleNorms {
  std::array<double, kMaxClipGroups> sq_norm;  // (groups) ||g_i^(k)||², the sum of the bounds
  std::array<double, kMaxClipGroups> norm;     // (groups) its root, both rounded up
  size_t groups = 0;                           // 1, or K for per_layer
};

// `config` must be valid for P parameters.
ExampleNorms example_norms(const ClippingConfig& config, Index P, const double* sq_norms);

// THE non-finite rule (DESIGN.md, invariant 1), decided here and nowhere else: an example whose
// squared norm is NaN or Inf — per_layer, in any group — contributes exactly nothing (clip_factor
// gives each of its factors 0, and a factor of 0 keeps the example's rows out of the clipped sum)
// and is counted as non-finite (clip_summary). Only a NaN/Inf in the example's recorded rows gets
// here (norm_bounds.hpp); a finite example too large for T's factors (or whose rounded-up norm
// overflows) is clipped, to 0 if need be, and counted as clipped, never as non-finite.
bool is_nonfinite(const ExampleNorms& norms);

// The factor of group k (0 unless per_layer), rounded toward zero in T: 0 if is_nonfinite(norms),
// otherwise
//   flat, per_layer   min(1, C_k / (||g^(k)|| (1+m) + ε))      (C_0 = C for flat)
//   automatic         C / (||g|| (1+m) + γ)
template <typename T>
T clip_factor(const ExampleNorms& norms, size_t k, const ClippingConfig& config);

// Factors of one example from its P squared norms (the ClipRule of clipped_gradient_sum):
// writes factor_columns(config, P) entries, clip_factor of each parameter's group. `config`
// must be valid.
template <typename T>
void clip_example(const ClippingConfig& config, Index P, const double* sq_norms, T* factors);

// Counts of a batch from its squared norms (B, P) and the factors clip_example gave them:
// is_nonfinite examples, and the others with a factor < 1. `config` must be valid.
template <typename T>
ClipResult<T> clip_summary(const MatrixD& sq_norms, Matrix<T> factors, const ClippingConfig& config);

// Factors for a whole batch: clip_example on each row, then clip_summary.
template <typename T>
ClipResult<T> clip_factors(const PerExampleNorms<T>& norms, const ClippingConfig& config);

std::string to_string(ClippingMode mode);

}  // namespace dpt
