// Poisson sampling: one Bernoulli(q) draw per example per step.
#include "dp/poisson_sampler.hpp"

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {

PoissonSampler::PoissonSampler(int64_t dataset_size, double sampling_rate, const RandomnessSource& randomness)
    : dataset_size_(dataset_size), sampling_rate_(sampling_rate), randomness_(randomness) {
  check_at_least<InvalidArgument>(dataset_size, 1, "dataset_size");
  check_in<InvalidArgument>(sampling_rate, Bounds::left_open(0.0, 1.0), "sampling_rate");
}

std::vector<int64_t> PoissonSampler::sample(uint64_t step) const {
  std::unique_ptr<BitStream> stream = randomness_.stream(StreamPurpose::kSampling, step);
  std::vector<int64_t> batch;
  batch.reserve(static_cast<size_t>(expected_batch_size() * 1.2) + 16);
  for (int64_t i = 0; i < dataset_size_; ++i) {
    if (stream->uniform() < sampling_rate_) batch.push_back(i);
  }
  return batch;
}

}  // namespace dpt
