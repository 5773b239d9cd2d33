// Character-level tokens over BYTES: a text is its bytes, so any input (UTF-8 or not) encodes
// without error; a multi-byte UTF-8 character becomes several tokens. Id 0 is reserved for
// padding and never stands for a byte. No normalisation, no unknown-token fallback.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dpt {

class CharTokenizer {
 public:
  // Ids 1..256 for bytes 0..255: the vocabulary does not depend on any data.
  static CharTokenizer all_bytes();
  // Ids 1..n for the distinct bytes of `text`, in increasing byte order.
  static CharTokenizer observed_bytes(std::string_view text);

  int vocab_size() const { return static_cast<int>(bytes_.size()) + 1; }  // with id 0
  bool contains(unsigned char byte) const { return id_of_[byte] > 0; }
  // Throws InvalidArgument for a byte outside the vocabulary.
  std::vector<int32_t> encode(std::string_view text) const;
  // Throws InvalidArgument for id 0 or an id out of range.
  std::string decode(const std::vector<int32_t>& ids) const;
  // Id -> printable text: "<pad>" for 0, printable ASCII as itself, "\n", "\t", else "\xNN".
  // ASCII only, so it can be written to JSON whatever the bytes are.
  std::vector<std::string> vocabulary() const;

 private:
  explicit CharTokenizer(const std::array<bool, 256>& present);

  std::array<int32_t, 256> id_of_{};      // byte -> id, 0 if absent
  std::vector<unsigned char> bytes_;      // id - 1 -> byte
};

}  // namespace dpt
