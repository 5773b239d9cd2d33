// Poisson sampling for DP-SGD (Abadi et al. 2016; the sampled Gaussian mechanism of Mironov,
// Talwar & Zhang 2019): at every step each of the N examples joins the batch independently
// with probability q, from the step's own sampling stream. The batch size is random and may
// be 0; an empty batch is still a step (pure noise) and is still charged to the accountant.
#pragma once

#include <cstdint>
#include <vector>

#include "dp/random/random_streams.hpp"

namespace dpt {

class PoissonSampler {
 public:
  PoissonSampler(int64_t dataset_size, double sampling_rate, const RandomnessSource& randomness);

  // Indices (ascending) of the examples in step `step`'s batch.
  std::vector<int64_t> sample(uint64_t step) const;

  double sampling_rate() const { return sampling_rate_; }
  double expected_batch_size() const { return sampling_rate_ * static_cast<double>(dataset_size_); }

 private:
  int64_t dataset_size_;
  double sampling_rate_;
  const RandomnessSource& randomness_;
};

}  // namespace dpt
