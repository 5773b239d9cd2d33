// Where dptrain's DP randomness comes from. Two modes (DESIGN.md, invariant 5):
//  - reproducible: one master seed; an independent Boost.Random mt19937_64 stream per purpose
//    (sampling, noise, ...) and per step, seeded by SplitMix64 derivation — results never
//    depend on thread count or call order. Anyone holding the seed can remove the noise.
//  - secure: every stream is ChaCha20 keyed with 256 fresh bits from the OS CSPRNG
//    (getrandom); no seed exists, so none can be written anywhere.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>

namespace dpt {

enum class StreamPurpose : uint64_t { kSampling = 1, kNoise = 2, kInit = 3, kDropout = 4, kDataSplit = 5, kSweep = 7 };

// A source of uniform 64-bit words; also a UniformRandomBitGenerator for Boost.Random.
class BitStream {
 public:
  using result_type = uint64_t;
  virtual ~BitStream() = default;
  virtual uint64_t next() = 0;

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return next(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

class RandomnessSource {
 public:
  virtual ~RandomnessSource() = default;
  // The stream for one purpose at one step (reproducible mode: the same arguments give the
  // same stream; secure mode: always fresh).
  virtual std::unique_ptr<BitStream> stream(StreamPurpose purpose, uint64_t step) const = 0;
  virtual bool is_secure() const = 0;
};

class ReproducibleRandomness final : public RandomnessSource {
 public:
  explicit ReproducibleRandomness(uint64_t master_seed) : master_seed_(master_seed) {}
  std::unique_ptr<BitStream> stream(StreamPurpose purpose, uint64_t step) const override;
  bool is_secure() const override { return false; }

 private:
  uint64_t master_seed_;
};

class SecureRandomness final : public RandomnessSource {
 public:
  std::unique_ptr<BitStream> stream(StreamPurpose purpose, uint64_t step) const override;
  bool is_secure() const override { return true; }
};

// Fills `out` with bytes from the OS CSPRNG (getrandom(2)); throws dpt::Error if it fails.
void os_random_bytes(void* out, size_t size);

}  // namespace dpt
