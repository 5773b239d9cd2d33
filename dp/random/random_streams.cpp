// Reproducible (Boost mt19937_64 per purpose and step) and secure (ChaCha20 from getrandom)
// randomness sources.
#include "dp/random/random_streams.hpp"

#include <sys/random.h>

#include <array>
#include <boost/random/mersenne_twister.hpp>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/random/chacha20.hpp"

namespace dpt {
namespace {

class MersenneStream final : public BitStream {
 public:
  explicit MersenneStream(uint64_t seed) : engine_(seed) {}
  uint64_t next() override { return engine_(); }

 private:
  boost::random::mt19937_64 engine_;
};

class ChaChaStream final : public BitStream {
 public:
  ChaChaStream(const std::array<uint32_t, 8>& key, const std::array<uint32_t, 3>& nonce) : cipher_(key, nonce) {}
  uint64_t next() override { return cipher_.next_u64(); }

 private:
  ChaCha20 cipher_;
};

}  // namespace

std::unique_ptr<BitStream> ReproducibleRandomness::stream(StreamPurpose purpose, uint64_t step) const {
  const uint64_t seed = derive_seed(derive_seed(master_seed_, static_cast<uint64_t>(purpose)), step);
  return std::make_unique<MersenneStream>(seed);
}

std::unique_ptr<BitStream> SecureRandomness::stream(StreamPurpose, uint64_t) const {
  std::array<uint32_t, 8> key;
  std::array<uint32_t, 3> nonce;
  os_random_bytes(key.data(), sizeof key);
  os_random_bytes(nonce.data(), sizeof nonce);
  auto s = std::make_unique<ChaChaStream>(key, nonce);
  key.fill(0);  // the key lives only inside the stream
  return s;
}

void os_random_bytes(void* out, size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    const ssize_t n = getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace dpt
