// Mapping new data onto a run's encoding (see run_encoding.hpp).
#include "experiments/run/run_encoding.hpp"

#include <fmt/core.h>

#include <cmath>

#include "datasets/char_tokenizer.hpp"
#include "datasets/dataset_error.hpp"

namespace dpt {
namespace {

// Byte -> its vocabulary text ("a", "\n", "\xe9"): the texts of the all-bytes tokenizer.
const std::vector<std::string>& byte_texts() {
  static const std::vector<std::string> texts = CharTokenizer::all_bytes().vocabulary();  // id = byte + 1
  return texts;
}

std::string describe_byte(unsigned char byte) {
  const std::string& text = byte_texts()[static_cast<size_t>(byte) + 1];
  const std::string hex = fmt::format("\\x{:02x}", byte);
  return text == hex ? hex : fmt::format("{} (\"{}\")", hex, text);
}

// A vocabulary text of a loaded dataset, described as its byte when it is one.
std::string describe_text(const std::string& text) {
  for (int b = 0; b < 256; ++b) {
    if (byte_texts()[static_cast<size_t>(b) + 1] == text) return describe_byte(static_cast<unsigned char>(b));
  }
  return "\"" + text + "\"";
}

std::string vocabulary_note(const Dataset& run) {
  return fmt::format("{} tokens{}", run.vocab_size,
                     run.vocab_size < 257 ? ", data.vocabulary \"observed\": only the bytes of its training data" : "");
}

}  // namespace

RunEncoding::RunEncoding(const Dataset& run) : token_of_byte_(256, -1) {
  run_.task = run.task;
  run_.vocab_size = run.vocab_size;
  run_.input_dim = run.input_dim;
  run_.num_classes = run.num_classes;
  run_.output_dim = run.output_dim;
  run_.class_names = run.class_names;
  run_.standardization = run.standardization;
  for (size_t id = 1; id < run.vocabulary.size(); ++id) token_of_text_.emplace(run.vocabulary[id], static_cast<int32_t>(id));
  for (int b = 0; b < 256; ++b) {
    const auto it = token_of_text_.find(byte_texts()[static_cast<size_t>(b) + 1]);
    if (it != token_of_text_.end()) token_of_byte_[static_cast<size_t>(b)] = it->second;
  }
  for (size_t k = 0; k < run.class_names.size(); ++k) class_of_name_.emplace(run.class_names[k], static_cast<int32_t>(k));
}

int RunEncoding::byte_of_token(int32_t id) const {
  for (int b = 0; b < 256; ++b) {
    if (token_of_byte_[static_cast<size_t>(b)] == id && id > 0) return b;
  }
  return -1;
}

std::vector<int32_t> RunEncoding::encode_bytes(std::string_view text, const std::string& where) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (token_of_byte_[byte] < 0) {
      throw DatasetError(fmt::format("{}: byte {} is not in the run's vocabulary ({})", where, describe_byte(byte), vocabulary_note(run_)));
    }
    ids.push_back(token_of_byte_[byte]);
  }
  return ids;
}

int32_t RunEncoding::class_of(const std::string& name, const std::string& where) const {
  const auto it = class_of_name_.find(name);
  if (it == class_of_name_.end()) {
    std::string known;
    for (const std::string& c : run_.class_names) known += (known.empty() ? "\"" : ", \"") + c + "\"";
    throw DatasetError(fmt::format("{}: class \"{}\" is not one of the run's classes ({})", where, name, known));
  }
  return it->second;
}

float RunEncoding::standardized_input(double x, int k) const {
  if (run_.standardization.kind == "none") return static_cast<float>(x);
  const ColumnScale& s = run_.standardization.inputs.at(static_cast<size_t>(k));
  return static_cast<float>((x - s.mean) / s.stddev);
}

float RunEncoding::standardized_target(double x) const {
  if (run_.standardization.kind == "none") return static_cast<float>(x);
  return static_cast<float>((x - run_.standardization.target.mean) / run_.standardization.target.stddev);
}

double RunEncoding::target_in_original_units(double z) const {
  if (run_.standardization.kind == "none") return z;
  return z * run_.standardization.target.stddev + run_.standardization.target.mean;
}

std::vector<Example> RunEncoding::encode(const Dataset& loaded, const std::vector<Example>& examples, const std::string& file) const {
  if (loaded.task != run_.task) throw DatasetError(file + ": holds another task than the run's");
  if ((loaded.vocab_size > 0) != (run_.vocab_size > 0) || loaded.input_dim != run_.input_dim || loaded.output_dim != run_.output_dim) {
    throw DatasetError(fmt::format("{}: its examples have another shape than the run's (input_dim {}, output_dim {}; the run's {}, {})",
                                   file, loaded.input_dim, loaded.output_dim, run_.input_dim, run_.output_dim));
  }
  std::vector<int32_t> token_map(loaded.vocabulary.size(), -1);  // loaded id -> run id
  for (size_t id = 1; id < loaded.vocabulary.size(); ++id) {
    const auto it = token_of_text_.find(loaded.vocabulary[id]);
    if (it != token_of_text_.end()) token_map[id] = it->second;
  }
  std::vector<Example> out(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& e = examples[i];
    Example& r = out[i];
    for (const int32_t t : e.tokens) {
      if (t <= 0 || static_cast<size_t>(t) >= token_map.size()) throw DatasetError(fmt::format("{}: example {}: token id {} out of range", file, i, t));
      if (token_map[static_cast<size_t>(t)] < 0) {
        throw DatasetError(fmt::format("{}: byte {} is not in the run's vocabulary ({})", file,
                                       describe_text(loaded.vocabulary[static_cast<size_t>(t)]), vocabulary_note(run_)));
      }
      r.tokens.push_back(token_map[static_cast<size_t>(t)]);
    }
    if (run_.task == TaskKind::kClassification) {
      if (e.label < 0 || static_cast<size_t>(e.label) >= loaded.class_names.size()) {
        throw DatasetError(fmt::format("{}: example {}: label {} has no class name", file, i, e.label));
      }
      r.label = class_of(loaded.class_names[static_cast<size_t>(e.label)], file);
    }
    const int d = run_.input_dim;
    for (size_t j = 0; j < e.features.size(); ++j) r.features.push_back(standardized_input(e.features[j], static_cast<int>(j % static_cast<size_t>(d))));
    for (const float y : e.target) r.target.push_back(standardized_target(y));
    for (const float v : r.features) {
      if (!std::isfinite(v)) throw DatasetError(fmt::format("{}: example {}: a value is beyond float's range once standardised", file, i));
    }
  }
  return out;
}

}  // namespace dpt
