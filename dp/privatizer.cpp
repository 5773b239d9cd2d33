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
void Privatizer::accumulate(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params, int batch_size,
                            ClippedBatchSum<T>& acc) const {
  // 1-3. per-example norms, clip factors, clipped sum sum_i c_i g_i (one pass where cheaper)
  const ClippingConfig& clipping = config_.clipping;
  const Index P = static_cast<Index>(params.size());
  validate(clipping, params.size());
  const ClipRule<T> rule = [&clipping, P](const double* sq_norms, T* factors) { clip_example(clipping, P, sq_norms, factors); };
  ClippedSum<T> sum = clipped_gradient_sum(uses, params, batch_size, factor_columns(clipping, P), rule, config_.norm_method);
  const ClipResult<T> clip = clip_summary(sum.norms.sq_norms, std::move(sum.factors), clipping);
  acc.examples += batch_size;
  acc.clipped_examples += clip.clipped_examples;
  acc.nonfinite_examples += clip.nonfinite_examples;
  if (acc.sum.empty()) {
    acc.sum = std::move(sum.gradients);
  } else {
    for (size_t p = 0; p < acc.sum.size(); ++p) acc.sum[p] += sum.gradients[p];
  }
}

template <typename T>
PrivatizedGradient<T> Privatizer::finish(ClippedBatchSum<T> acc, const ParameterList<T>& params, uint64_t step) const {
  PrivatizedGradient<T> out;
  out.examples = acc.examples;
  out.clipped_examples = acc.clipped_examples;
  out.nonfinite_examples = acc.nonfinite_examples;
  out.gradients = std::move(acc.sum);
  if (out.gradients.empty()) {  // no chunk accumulated: the clipped sum is 0
    for (const Parameter<T>* p : params) out.gradients.push_back(Matrix<T>::Zero(p->value.rows(), p->value.cols()));
  }
  DPT_CHECK(out.gradients.size() == params.size(), "clipped sum has " + std::to_string(out.gradients.size()) +
                                                       " gradients for " + std::to_string(params.size()) + " parameters.");
  // 4. noise N(0, σ²C²) on every coordinate, fresh for this step
  noise_.add(out.gradients, noise_stddev(), step);
  // 5. divide by the expected batch size q·N
  const T inv_expected = static_cast<T>(1.0 / config_.expected_batch_size);
  for (Matrix<T>& g : out.gradients) g *= inv_expected;
  return out;
}

template <typename T>
PrivatizedGradient<T> Privatizer::privatize(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                            int batch_size, uint64_t step) const {
  ClippedBatchSum<T> acc;
  accumulate(uses, params, batch_size, acc);
  return finish(std::move(acc), params, step);
}

#define DPT_INSTANTIATE(T)                                                                                     \
  template void Privatizer::accumulate<T>(const std::vector<ParamUse<T>>&, const ParameterList<T>&, int,      \
                                          ClippedBatchSum<T>&) const;                                          \
  template PrivatizedGradient<T> Privatizer::finish<T>(ClippedBatchSum<T>, const ParameterList<T>&, uint64_t) \
      const;
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

template PrivatizedGradient<float> Privatizer::privatize<float>(const std::vector<ParamUse<float>>&,
                                                                const ParameterList<float>&, int, uint64_t) const;
template PrivatizedGradient<double> Privatizer::privatize<double>(const std::vector<ParamUse<double>>&,
                                                                  const ParameterList<double>&, int, uint64_t) const;

}  // namespace dpt
