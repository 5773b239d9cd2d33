// A run's encoding, as its data.json records it, applied to data the run never saw (`dptrain
// evaluate --data`, `dptrain predict`): bytes to the run's token ids through the vocabulary's
// texts (datasets/char_tokenizer.hpp: "<pad>" for id 0, printable ASCII as itself, "\n", "\t",
// else "\xNN"), class names to the run's class ids, and raw feature values to the run's
// standardised ones with data.json's per-column scales. Nothing is re-derived from the new data:
// a byte or a class the run does not know is an error naming it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.hpp"

namespace dpt {

class RunEncoding {
 public:
  // `run`: the Dataset read from data.json (read_data_description); what is needed is copied.
  explicit RunEncoding(const Dataset& run);

  // The run's token id of `byte`, or -1 when its vocabulary lacks it.
  int32_t token_of_byte(unsigned char byte) const { return token_of_byte_[byte]; }
  // The byte token `id` stands for, or -1 (id 0, "<pad>", or out of range).
  int byte_of_token(int32_t id) const;
  // Each byte's token id. Throws DatasetError "<where>: byte \xNN ... is not in the run's
  // vocabulary (...)".
  std::vector<int32_t> encode_bytes(std::string_view text, const std::string& where) const;
  // The run's class id of `name`. Throws DatasetError "<where>: class "x" is not one of the
  // run's classes ...".
  int32_t class_of(const std::string& name, const std::string& where) const;
  // (x - mean) / stddev of input column k (unchanged when the run did not standardise).
  float standardized_input(double x, int k) const;
  float standardized_target(double x) const;
  // A model output (standardised) in the target's original units.
  double target_in_original_units(double z) const;

  // Examples of `loaded` (read from a new file with the run's data config, vocabulary "bytes"
  // and standardize "none") in the run's encoding: tokens mapped by their text, labels by class
  // name, features and targets standardised. Throws DatasetError naming `file` when the task or
  // the shape differs, or a byte or class is unknown.
  std::vector<Example> encode(const Dataset& loaded, const std::vector<Example>& examples, const std::string& file) const;

 private:
  Dataset run_;  // task, sizes, classes and standardisation of the run (no examples, no vocabulary)
  std::vector<int32_t> token_of_byte_;        // (256) run token id, -1 if absent
  std::map<std::string, int32_t> token_of_text_;
  std::map<std::string, int32_t> class_of_name_;
};

}  // namespace dpt
