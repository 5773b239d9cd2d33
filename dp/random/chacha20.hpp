// The ChaCha20 stream cipher's block function as a random bit generator (Bernstein 2008;
// RFC 8439 §2.3): a 256-bit key, a 96-bit nonce and a 32-bit block counter give 16 words a
// block. Used by secure mode, keyed from the OS CSPRNG; never seeded from a config.
#pragma once

#include <array>
#include <cstdint>

namespace dpt {

class ChaCha20 {
 public:
  ChaCha20(const std::array<uint32_t, 8>& key, const std::array<uint32_t, 3>& nonce, uint32_t counter = 0);

  // The next 32 bits of keystream.
  uint32_t next_u32();
  uint64_t next_u64() { return (static_cast<uint64_t>(next_u32()) << 32) | next_u32(); }

  // RFC 8439 §2.3: the 16-word output block for `counter` (exposed for the test vectors).
  std::array<uint32_t, 16> block(uint32_t counter) const;

 private:
  std::array<uint32_t, 16> state_;  // constants, key, counter, nonce
  std::array<uint32_t, 16> buffer_{};
  int used_ = 16;  // words of buffer_ already returned
  uint32_t counter_;
};

}  // namespace dpt
