// Byte-level character tokenizer: id = 1 + rank of the byte in the vocabulary, 0 = padding.
// Escaped vocabulary texts keep reports and manifests valid UTF-8 for any input bytes.
#include "datasets/char_tokenizer.hpp"

#include <fmt/core.h>

#include "core/error.hpp"

namespace dpt {

CharTokenizer::CharTokenizer(const std::array<bool, 256>& present) {
  for (int byte = 0; byte < 256; ++byte) {
    if (!present[byte]) continue;
    bytes_.push_back(static_cast<unsigned char>(byte));
    id_of_[byte] = static_cast<int32_t>(bytes_.size());
  }
}

CharTokenizer CharTokenizer::all_bytes() {
  std::array<bool, 256> present;
  present.fill(true);
  return CharTokenizer(present);
}

CharTokenizer CharTokenizer::observed_bytes(std::string_view text) {
  std::array<bool, 256> present{};
  for (const char ch : text) present[static_cast<unsigned char>(ch)] = true;
  return CharTokenizer(present);
}

std::vector<int32_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    DPT_CHECK(id_of_[byte] > 0, fmt::format("tokenizer: byte 0x{:02x} at offset {} is not in the vocabulary.", byte, i));
    ids[i] = id_of_[byte];
  }
  return ids;
}

std::string CharTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  text.reserve(ids.size());
  for (const int32_t id : ids) {
    DPT_CHECK(id >= 1 && id < vocab_size(), fmt::format("tokenizer: id {} is not a character (1..{}).", id, vocab_size() - 1));
    text.push_back(static_cast<char>(bytes_[id - 1]));
  }
  return text;
}

std::vector<std::string> CharTokenizer::vocabulary() const {
  std::vector<std::string> texts{"<pad>"};
  for (const unsigned char byte : bytes_) {
    if (byte == '\n') {
      texts.emplace_back("\\n");
    } else if (byte == '\t') {
      texts.emplace_back("\\t");
    } else if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      texts.emplace_back(1, static_cast<char>(byte));
    } else {
      texts.push_back(fmt::format("\\x{:02x}", byte));
    }
  }
  return texts;
}

}  // namespace dpt
