// ChaCha20 block function (RFC 8439 §2.1–2.3).
#include "dp/random/chacha20.hpp"

#include <stdexcept>

namespace dpt {
namespace {

constexpr uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

inline void quarter_round(std::array<uint32_t, 16>& s, int a, int b, int c, int d) {
  s[a] += s[b]; s[d] ^= s[a]; s[d] = rotl(s[d], 16);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = rotl(s[b], 12);
  s[a] += s[b]; s[d] ^= s[a]; s[d] = rotl(s[d], 8);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = rotl(s[b], 7);
}

}  // namespace

ChaCha20::ChaCha20(const std::array<uint32_t, 8>& key, const std::array<uint32_t, 3>& nonce, uint32_t counter)
    : counter_(counter) {
  state_ = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};  // "expand 32-byte k"
  for (int k = 0; k < 8; ++k) state_[4 + k] = key[k];
  state_[12] = 0;
  for (int k = 0; k < 3; ++k) state_[13 + k] = nonce[k];
}

std::array<uint32_t, 16> ChaCha20::block(uint32_t counter) const {
  std::array<uint32_t, 16> x = state_;
  x[12] = counter;
  const std::array<uint32_t, 16> input = x;
  for (int round = 0; round < 10; ++round) {  // 20 rounds: 10 column + 10 diagonal
    quarter_round(x, 0, 4, 8, 12);
    quarter_round(x, 1, 5, 9, 13);
    quarter_round(x, 2, 6, 10, 14);
    quarter_round(x, 3, 7, 11, 15);
    quarter_round(x, 0, 5, 10, 15);
    quarter_round(x, 1, 6, 11, 12);
    quarter_round(x, 2, 7, 8, 13);
    quarter_round(x, 3, 4, 9, 14);
  }
  for (int k = 0; k < 16; ++k) x[k] += input[k];
  return x;
}

uint32_t ChaCha20::next_u32() {
  if (used_ == 16) {
    if (counter_ == UINT32_MAX) throw std::runtime_error("ChaCha20 keystream exhausted; rekey the stream.");
    buffer_ = block(counter_++);
    used_ = 0;
  }
  return buffer_[used_++];
}

}  // namespace dpt
