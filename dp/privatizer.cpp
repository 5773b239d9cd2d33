// The privatizer (see privatizer.hpp): clip, sum, add N(0, σ²C²), divide by q·N.
#include "dp/privatizer.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/per_example/clipped_sum.hpp"

namespace dpt {

Privatizer::Privatizer(PrivatizerConfig config, const GaussianNoise& noise) : config_(std::move(config)), noise_(noise) {
  DPT_CHECK(std::isfinite(config_.noise_multiplier) && config_.noise_multiplier >= 0.0,
            "noise_multiplier must be finite and non-negative, but is " + std::to_string(config_.noise_multiplier) + ".");
  DPT_CHECK(std::isfinite(config_.expected_batch_size) && config_.expected_batch_size > 0.0,
            "expected_batch_size must be finite and > 0, but is " + std::to_string(config_.expected_batch_size) + ".");
  DPT_CHECK(std::isfinite(config_.clipping.clip_norm) && config_.clipping.clip_norm > 0.0,
            "clip_norm must be finite and > 0, but is " + std::to_string(config_.clipping.clip_norm) + ".");
}

template <typename T>
PrivatizedGradient<T> Privatizer::privatize(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                            int batch_size, uint64_t step) const {
  PrivatizedGradient<T> out;
  out.examples = batch_size;
  // 1-3. per-example norms, clip factors, clipped sum sum_i c_i g_i (one pass where cheaper)
  const ClippingConfig& clipping = config_.clipping;
  const Index P = static_cast<Index>(params.size());
  validate(clipping, params.size());
  const ClipRule<T> rule = [&clipping, P](const T* sq_norms, T* factors) { clip_example(clipping, P, sq_norms, factors); };
  ClippedSum<T> sum = clipped_gradient_sum(uses, params, batch_size, factor_columns(clipping, P), rule, config_.norm_method);
  const ClipResult<T> clip = clip_summary(sum.norms.sq_norms, std::move(sum.factors));
  out.clipped_examples = clip.clipped_examples;
  out.nonfinite_examples = clip.nonfinite_examples;
  double norm_sum = 0.0;
  for (Index i = 0; i < clip.norms.size(); ++i) {
    if (std::isfinite(static_cast<double>(clip.norms(i)))) norm_sum += static_cast<double>(clip.norms(i));
  }
  const int finite = batch_size - clip.nonfinite_examples;
  out.mean_norm = finite > 0 ? norm_sum / finite : 0.0;
  out.gradients = std::move(sum.gradients);
  // 4. noise N(0, σ²C²) on every coordinate, fresh for this step
  noise_.add(out.gradients, noise_stddev(), step);
  // 5. divide by the expected batch size q·N
  const T inv_expected = static_cast<T>(1.0 / config_.expected_batch_size);
  for (Matrix<T>& g : out.gradients) g *= inv_expected;
  return out;
}

template PrivatizedGradient<float> Privatizer::privatize<float>(const std::vector<ParamUse<float>>&,
                                                                const ParameterList<float>&, int, uint64_t) const;
template PrivatizedGradient<double> Privatizer::privatize<double>(const std::vector<ParamUse<double>>&,
                                                                  const ParameterList<double>&, int, uint64_t) const;

}  // namespace dpt
