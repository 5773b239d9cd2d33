// The generated tasks. marker: tokens 1..15, token 0 planted at one random step in the
// examples with label 1. sine: x_t = sin(w t + phi) + 0.05 n_t, predict x_L from x_0..x_{L-1}.
// chars: words of a fixed list joined by spaces. Changing any constant here bumps "v1".
#include "datasets/generated_tasks.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include <fmt/core.h>

#include "base/check.hpp"
#include "core/random/counter_rng.hpp"
#include "datasets/char_tokenizer.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/sha256.hpp"
#include "datasets/splits.hpp"

namespace dpt {
namespace {

constexpr uint64_t kGenerateTag = 0x67656e6572617465;  // "generate"
constexpr int kMarkerVocab = 16;
constexpr int32_t kMarkerToken = 0;
constexpr double kSineMinFrequency = 0.2;  // rad per step
constexpr double kSineMaxFrequency = 1.0;
constexpr double kSineNoiseStddev = 0.05;
constexpr std::array<std::string_view, 8> kWords = {"abc", "hello", "world", "the", "cat", "sat", "on", "mat"};

int draw_length(const DataConfig& c, const CounterRng& rng, uint64_t& k) {
  return c.min_length + static_cast<int>(uniform_below(rng, k, static_cast<uint64_t>(c.max_length - c.min_length + 1)));
}

Example marker_example(const DataConfig& c, const CounterRng& rng) {
  uint64_t k = 0;
  const int length = draw_length(c, rng, k);
  Example e;
  e.tokens.resize(length);
  for (int32_t& token : e.tokens) token = 1 + static_cast<int32_t>(uniform_below(rng, k, kMarkerVocab - 1));
  e.label = static_cast<int32_t>(uniform_below(rng, k, 2));
  if (e.label == 1) e.tokens[uniform_below(rng, k, static_cast<uint64_t>(length))] = kMarkerToken;
  return e;
}

Example sine_example(const DataConfig& c, const CounterRng& rng) {
  uint64_t k = 0;
  const int length = draw_length(c, rng, k);
  const double frequency = kSineMinFrequency + (kSineMaxFrequency - kSineMinFrequency) * rng.uniform(k++);
  const double phase = 6.283185307179586 * rng.uniform(k++);
  const CounterRng noise(derive_seed(rng.bits(k++), 1));
  auto value = [&](int t) {
    return static_cast<float>(std::sin(frequency * t + phase) + kSineNoiseStddev * noise.normal(static_cast<uint64_t>(t)));
  };
  Example e;
  e.features.resize(length);  // (T, 1)
  for (int t = 0; t < length; ++t) e.features[t] = value(t);
  e.target = {value(length)};
  return e;
}

std::string chars_alphabet() {
  std::string all = " ";
  for (const std::string_view w : kWords) all += w;
  return all;
}

Example chars_example(const DataConfig& c, const CounterRng& rng, const CharTokenizer& tokenizer) {
  uint64_t k = 0;
  const int length = draw_length(c, rng, k);
  std::string text;
  while (static_cast<int>(text.size()) < length) {
    text += kWords[uniform_below(rng, k, kWords.size())];
    text += ' ';
  }
  text.resize(length);
  Example e;
  e.tokens = tokenizer.encode(text);
  return e;
}

void validate(const DataConfig& c) {
  if (c.task != "marker" && c.task != "sine" && c.task != "chars") {
    throw DatasetError::in_field("task", fmt::format("unknown generated task '{}'; expected marker, sine or chars.", c.task));
  }
  check_at_least<DatasetError>(c.size, 1, "data.size");
  const int shortest = c.task == "chars" ? 2 : 1;  // a language-model example needs a next token
  check_that<DatasetError>(c.min_length >= shortest, "data.min_length",
                           ">= " + format_number(shortest) + " for task " + c.task, c.min_length);
  check_that<DatasetError>(c.max_length >= c.min_length, "data.max_length",
                           ">= data.min_length (" + format_number(c.min_length) + ")", c.max_length);
}

}  // namespace

std::string generated_parameters(const DataConfig& c, uint64_t seed) {
  return fmt::format("dptrain/generated/v1 task={} size={} min_length={} max_length={} seed={}", c.task, c.size,
                     c.min_length, c.max_length, seed);
}

UnsplitDataset make_generated_dataset(const DataConfig& c, uint64_t seed) {
  validate(c);
  const SplitCounts counts = split_counts(c.size, c.validation_fraction, c.test_fraction, "generated examples");
  Dataset d;
  d.name = "generated/" + c.task;
  d.privacy_unit = "one generated sequence";
  d.content_hash = sha256_hex(generated_parameters(c, seed));
  const CharTokenizer tokenizer = CharTokenizer::observed_bytes(chars_alphabet());
  if (c.task == "marker") {
    d.task = TaskKind::kClassification;
    d.vocab_size = kMarkerVocab;
    d.num_classes = 2;
    d.class_names = {"no marker", "marker"};
  } else if (c.task == "sine") {
    d.task = TaskKind::kRegression;
    d.input_dim = 1;
    d.output_dim = 1;
  } else {
    d.task = TaskKind::kLanguageModel;
    d.vocab_size = tokenizer.vocab_size();
    d.vocabulary = tokenizer.vocabulary();
  }
  const uint64_t generate_seed = derive_seed(seed, kGenerateTag);
  std::vector<Example> examples(static_cast<size_t>(c.size));
  for (int64_t i = 0; i < c.size; ++i) {
    const CounterRng rng(derive_seed(generate_seed, static_cast<uint64_t>(i)));
    if (c.task == "marker") {
      examples[i] = marker_example(c, rng);
    } else if (c.task == "sine") {
      examples[i] = sine_example(c, rng);
    } else {
      examples[i] = chars_example(c, rng, tokenizer);
    }
  }
  return {std::move(d), std::move(examples), counts, /*ordered=*/false};
}

}  // namespace dpt
