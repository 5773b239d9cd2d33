// ChaCha20 against the RFC 8439 test vectors.
#include <doctest/doctest.h>

#include "dp/random/chacha20.hpp"

using namespace dpt;

TEST_CASE("ChaCha20 block function matches RFC 8439 section 2.3.2") {
  std::array<uint32_t, 8> key;
  for (uint32_t k = 0; k < 8; ++k) key[k] = (4 * k) | ((4 * k + 1) << 8) | ((4 * k + 2) << 16) | ((4 * k + 3) << 24);
  const std::array<uint32_t, 3> nonce{0x09000000u, 0x4a000000u, 0x00000000u};
  const ChaCha20 cipher(key, nonce);
  const std::array<uint32_t, 16> expected{0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033,
                                          0x9aaa2204, 0x4e6cd4c3, 0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
                                          0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
  CHECK(cipher.block(1) == expected);
}

TEST_CASE("ChaCha20 keystream: all-zero key and nonce (RFC 8439 A.1, test vector 1)") {
  ChaCha20 cipher({}, {}, 0);
  const std::array<uint32_t, 4> first{0xade0b876, 0x903df1a0, 0xe56a5d40, 0x28bd8653};
  for (uint32_t w : first) CHECK(cipher.next_u32() == w);
}
