// Model weights in the safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
// then the raw row-major tensor bytes. numpy (safetensors.numpy) and PyTorch load it directly.
// Biases are written with shape [n], as torch stores them. Writes go to a temporary file that
// is renamed into place, so an existing file is never left half-written.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/parameter.hpp"

namespace dpt {

struct SafetensorsTensor {
  std::string dtype;           // "F32" or "F64"
  std::vector<int64_t> shape;  // row-major
  std::vector<double> values;  // widened to double
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::map<std::string, SafetensorsTensor> tensors;
};

// The file's bytes: every parameter under its name (F32 for float, F64 for double).
template <typename T>
std::string serialize_safetensors(const ParameterList<T>& params, const std::map<std::string, std::string>& metadata = {});

// Writes serialize_safetensors(params, metadata) to `path` through a temporary file.
template <typename T>
void save_safetensors(const std::string& path, const ParameterList<T>& params,
                      const std::map<std::string, std::string>& metadata = {});

// Reads and validates a whole file; throws IoError naming the file and what is wrong.
SafetensorsFile read_safetensors(const std::string& path);

// The same checks on a file's bytes already in memory (`path` names them in errors): lets a
// caller hash and parse one read of a file, so what it hashed is what it loads.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& path);

// Fills each parameter from the tensor of the same name (shapes must match; F32 or F64).
// Every parameter must be present; extra tensors are an error too (a different model).
template <typename T>
void load_safetensors(const std::string& path, const ParameterList<T>& params);

}  // namespace dpt
