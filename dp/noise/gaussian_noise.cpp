// Reproducible and secure Gaussian noise (see gaussian_noise.hpp).
#include "dp/noise/gaussian_noise.hpp"

#include <boost/random/normal_distribution.hpp>
#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {

template <typename T>
void GaussianNoise::add(std::vector<Matrix<T>>& targets, double stddev, uint64_t step) const {
  check_finite_non_negative<InvalidArgument>(stddev, "noise stddev");
  std::unique_ptr<BitStream> stream = randomness_.stream(StreamPurpose::kNoise, step);
  boost::random::normal_distribution<double> normal(0.0, stddev);
  const bool secure = randomness_.is_secure();
  for (Matrix<T>& m : targets) {
    T* x = m.data();
    for (Index k = 0; k < m.size(); ++k) {
      double z;
      if (secure) {
        z = 0.5 * (normal(*stream) + normal(*stream) + normal(*stream) + normal(*stream));
      } else {
        z = normal(*stream);
      }
      x[k] += static_cast<T>(z);
    }
  }
}

template void GaussianNoise::add<float>(std::vector<Matrix<float>>&, double, uint64_t) const;
template void GaussianNoise::add<double>(std::vector<Matrix<double>>&, double, uint64_t) const;

}  // namespace dpt
