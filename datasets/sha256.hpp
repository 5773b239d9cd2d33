// SHA-256 (FIPS 180-4), for the dataset content hash recorded in every run's manifest.
// A plain, portable implementation: not constant-time and not meant for secrets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dpt {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // The digest of everything passed to update(); the hasher is left unchanged.
  std::array<uint8_t, 32> digest() const;
  // The same, as lower-case hex.
  std::string hex_digest() const;

 private:
  void compress(const uint8_t* block);  // one 64-byte block

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;      // bytes waiting in buffer_
  uint64_t total_bytes_ = 0;
};

// Lower-case hex of SHA-256(bytes).
std::string sha256_hex(std::string_view bytes);

}  // namespace dpt
