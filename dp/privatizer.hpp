// The privatizer: the only place where clipped per-example gradients become a noisy gradient
// (DESIGN.md, data flow). One DP-SGD step of Abadi et al. 2016, Algorithm 1, under Poisson
// sampling:
//   g̃ = ( sum_i c_i g_i  +  N(0, σ² C² I) ) / (q N)
// with c_i from dp/clipping.hpp, fresh noise on every coordinate at every step (also for an
// empty batch), and the EXPECTED batch size q·N as divisor — never the realised one, which
// would leak the batch size (invariants 1–3). Everything after this function is
// post-processing.
//
// A sampled batch may be processed in physical chunks (to bound memory, as Opacus's
// BatchMemoryManager does): accumulate() adds each chunk's clipped sum — clipping is per
// example, so the total is the same sum_i c_i g_i — and finish() adds the noise ONCE.
#pragma once

#include <cstdint>
#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/parameter.hpp"
#include "core/per_example/per_example_norms.hpp"
#include "dp/clipping.hpp"
#include "dp/noise/gaussian_noise.hpp"

namespace dpt {

struct PrivatizerConfig {
  double noise_multiplier = 1.0;  // σ
  ClippingConfig clipping;        // C and the clipping mode
  double expected_batch_size = 1.0;  // q·N
  NormMethod norm_method = NormMethod::kAuto;
};

template <typename T>
struct PrivatizedGradient {
  std::vector<Matrix<T>> gradients;  // one per parameter: the noisy average gradient
  int examples = 0;                  // realised batch size (metrics only; never the divisor)
  int clipped_examples = 0;
  int nonfinite_examples = 0;        // examples dropped for NaN/Inf gradients (dp/clipping.hpp, is_nonfinite)
};

// The clipped sum of one sampled batch, accumulated over its physical chunks.
template <typename T>
struct ClippedBatchSum {
  std::vector<Matrix<T>> sum;  // one per parameter: sum_i c_i g_i so far (empty before the first chunk)
  int examples = 0;
  int clipped_examples = 0;
  int nonfinite_examples = 0;
};

class Privatizer {
 public:
  Privatizer(PrivatizerConfig config, const GaussianNoise& noise);

  // Clip the `batch_size` examples recorded in `uses` (one physical chunk, possibly empty) and
  // add sum_i c_i g_i to `acc`.
  template <typename T>
  void accumulate(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params, int batch_size,
                  ClippedBatchSum<T>& acc) const;

  // Noise N(0, σ²C²) on every coordinate (stream `step`), then ÷ q·N. Call once per step, after
  // every chunk of the sampled batch (also when it is empty).
  template <typename T>
  PrivatizedGradient<T> finish(ClippedBatchSum<T> acc, const ParameterList<T>& params, uint64_t step) const;

  // accumulate() of the whole batch, then finish(). `uses` are the tape's records after
  // backward for a batch of `batch_size` examples (empty for an empty batch); `step` selects
  // the noise stream.
  template <typename T>
  PrivatizedGradient<T> privatize(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                  int batch_size, uint64_t step) const;

  const PrivatizerConfig& config() const { return config_; }
  double noise_stddev() const { return config_.noise_multiplier * config_.clipping.clip_norm; }  // σ·C

 private:
  PrivatizerConfig config_;
  const GaussianNoise& noise_;
};

}  // namespace dpt
