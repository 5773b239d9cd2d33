// safetensors reader and writer (see safetensors.hpp).
#include "core/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "base/number_format.hpp"
#include "core/error.hpp"
#include "core/io/regular_file.hpp"

namespace dpt {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the format's own limit is 100 MB

template <typename T>
constexpr const char* dtype_name() {
  return sizeof(T) == 4 ? "F32" : "F64";
}

std::vector<int64_t> shape_of(Index rows, Index cols, int rank) {
  if (rank == 1) return {static_cast<int64_t>(rows * cols)};
  return {static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw IoError(path + ": not a valid safetensors file: " + what);
}

// A JSON array of non-negative integers (no fractions, no signs), or a failure naming `what`.
std::vector<uint64_t> unsigned_array(const nlohmann::json& j, const std::string& path, const std::string& what) {
  if (!j.is_array()) fail(path, what + " is not an array");
  std::vector<uint64_t> out;
  for (const nlohmann::json& v : j) {
    if (!v.is_number_unsigned()) fail(path, what + " holds " + v.dump() + ", not a non-negative integer");
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

// ---- reading: the steps of read_safetensors ----

using Extent = std::pair<uint64_t, uint64_t>;  // a tensor's bytes [begin, end) in the data section

// The 8-byte little-endian header length, which must leave room for the header in the file.
uint64_t read_header_length(std::string_view bytes, const std::string& path) {
  if (bytes.size() < 8) fail(path, "shorter than the 8-byte header length");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), sizeof n);
  if (n > kMaxHeaderBytes || n > bytes.size() - 8) fail(path, "header length " + format_number(n) + " exceeds the file");
  return n;
}

// The header: a JSON object in which no tensor is named twice (plain parsing would keep the
// last one silently).
nlohmann::json parse_header(const std::string& text, const std::string& path) {
  nlohmann::json header;
  std::set<std::string> top_keys;
  bool duplicate_key = false;
  const nlohmann::json::parser_callback_t on_event = [&](int depth, nlohmann::json::parse_event_t event,
                                                         nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && !top_keys.insert(parsed.get<std::string>()).second) {
      duplicate_key = true;
    }
    return true;
  };
  try {
    header = nlohmann::json::parse(text, on_event);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("header is not JSON (") + e.what() + ")");
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");
  if (duplicate_key) fail(path, "a tensor name appears twice in the header");
  return header;
}

// "__metadata__": an object of strings.
std::map<std::string, std::string> read_metadata(const nlohmann::json& entry, const std::string& path) {
  if (!entry.is_object()) fail(path, "__metadata__ is not an object");
  std::map<std::string, std::string> metadata;
  for (const auto& [k, v] : entry.items()) {
    if (!v.is_string()) fail(path, "__metadata__." + k + " is not a string");
    metadata[k] = v.get<std::string>();
  }
  return metadata;
}

// Bytes per element of a dtype read: 4 (F32), 8 (F64), 0 for any other.
size_t dtype_width(const std::string& dtype) { return dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0; }

// The element count of `shape`, at most 2^40 (a larger or negative dimension is invalid).
uint64_t element_count(const std::vector<int64_t>& shape, const std::string& path, const std::string& tensor) {
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > (uint64_t{1} << 40) / static_cast<uint64_t>(d))) {
      fail(path, tensor + " has an invalid shape");
    }
    count *= static_cast<uint64_t>(d);
  }
  return count;
}

// `count` little-endian elements of `width` bytes at `src`, widened to double.
std::vector<double> widened_values(const char* src, uint64_t count, size_t width) {
  std::vector<double> values(count);
  for (uint64_t k = 0; k < count; ++k) {
    if (width == 4) {
      float f;
      std::memcpy(&f, src + 4 * k, 4);
      values[k] = f;
    } else {
      std::memcpy(&values[k], src + 8 * k, 8);
    }
  }
  return values;
}

// One tensor entry: dtype, shape and data_offsets checked against each other and the data
// section, then its values copied. Appends the tensor's extent to `extents`.
SafetensorsTensor read_tensor(const std::string& name, const nlohmann::json& entry, std::string_view data,
                              const std::string& path, std::vector<Extent>& extents) {
  const std::string tensor = "tensor '" + name + "'";
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
    fail(path, tensor + " lacks dtype, shape or data_offsets");
  }
  try {
    SafetensorsTensor t;
    t.dtype = entry.at("dtype").get<std::string>();
    for (uint64_t d : unsigned_array(entry.at("shape"), path, tensor + " shape")) {
      if (d > (uint64_t{1} << 40)) fail(path, tensor + " has an invalid shape");
      t.shape.push_back(static_cast<int64_t>(d));
    }
    const auto offsets = unsigned_array(entry.at("data_offsets"), path, tensor + " data_offsets");
    if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data.size()) {
      fail(path, tensor + " has data_offsets outside the data");
    }
    const size_t width = dtype_width(t.dtype);
    if (width == 0) fail(path, tensor + " has dtype " + t.dtype + " (only F32 and F64 are read)");
    const uint64_t count = element_count(t.shape, path, tensor);
    if (count * width != offsets[1] - offsets[0]) fail(path, tensor + " byte size does not match its shape");
    extents.emplace_back(offsets[0], offsets[1]);
    t.values = widened_values(data.data() + offsets[0], count, width);
    return t;
  } catch (const nlohmann::json::exception& e) {
    fail(path, tensor + " is malformed (" + e.what() + ")");
  }
}

// The format requires the tensors to tile the data section: no overlap, no gap, no tail.
void check_tiling(std::vector<Extent> extents, uint64_t data_size, const std::string& path) {
  std::sort(extents.begin(), extents.end());
  uint64_t covered = 0;
  for (const auto& [begin, end] : extents) {
    if (begin != covered) fail(path, "tensor data overlaps or leaves a gap at byte " + format_number(covered));
    covered = end;
  }
  if (covered != data_size) fail(path, "the data section has " + format_number(data_size - covered) + " unclaimed bytes");
}

}  // namespace

template <typename T>
std::string serialize_safetensors(const ParameterList<T>& params, const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const Parameter<T>* p : params) {
    DPT_CHECK(names.insert(p->name).second, "save_safetensors: duplicate parameter name '" + p->name + "'.");
    DPT_CHECK(p->name != "__metadata__", "save_safetensors: '__metadata__' is reserved by the format.");
    const uint64_t bytes = static_cast<uint64_t>(p->value.size()) * sizeof(T);
    header[p->name] = {{"dtype", dtype_name<T>()},
                       {"shape", shape_of(p->value.rows(), p->value.cols(), p->rank)},
                       {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so tensor data starts 8-byte aligned
  std::string out;
  out.reserve(8 + text.size() + offset);
  const uint64_t n = text.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(text);
  for (const Parameter<T>* p : params) {
    out.append(reinterpret_cast<const char*>(p->value.data()), static_cast<size_t>(p->value.size()) * sizeof(T));
  }
  return out;
}

template <typename T>
void save_safetensors(const std::string& path, const ParameterList<T>& params,
                      const std::map<std::string, std::string>& metadata) {
  const std::string bytes = serialize_safetensors(params, metadata);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(path + ": cannot open for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw IoError(path + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw IoError(path + ": cannot move the written file into place: " + ec.message());
  }
}

SafetensorsFile read_safetensors(const std::string& path) {
  FileRead r = read_regular_file(path);  // sized read; a FIFO or device is refused, not read forever
  switch (r.failure) {
    case FileReadFailure::kNone:
      return parse_safetensors(r.bytes, path);
    case FileReadFailure::kOpen:
      throw IoError(path + ": cannot open for reading (" + std::strerror(r.os_error) + ")");
    case FileReadFailure::kNotRegular:
      throw IoError(path + ": is " + r.file_type + ", not a regular file");
    case FileReadFailure::kTooLarge:
    case FileReadFailure::kRead:
      break;
  }
  throw IoError(path + ": read failed (" + std::strerror(r.os_error) + ")");
}

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& path) {
  const uint64_t n = read_header_length(bytes, path);
  const nlohmann::json header = parse_header(std::string(bytes.substr(8, n)), path);
  const std::string_view data = bytes.substr(8 + n);

  SafetensorsFile file;
  std::vector<Extent> extents;  // every tensor's [begin, end)
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      file.metadata = read_metadata(entry, path);
    } else {
      file.tensors.emplace(name, read_tensor(name, entry, data, path, extents));
    }
  }
  check_tiling(std::move(extents), data.size(), path);
  return file;
}

template <typename T>
void load_safetensors(const std::string& path, const ParameterList<T>& params) {
  const SafetensorsFile file = read_safetensors(path);
  std::set<std::string> wanted;
  for (const Parameter<T>* p : params) {
    wanted.insert(p->name);
    auto it = file.tensors.find(p->name);
    if (it == file.tensors.end()) throw IoError(path + ": has no tensor '" + p->name + "'");
    const SafetensorsTensor& t = it->second;
    if (t.shape != shape_of(p->value.rows(), p->value.cols(), p->rank)) {
      throw IoError(path + ": tensor '" + p->name + "' has a different shape from the model's");
    }
  }
  for (const auto& [name, t] : file.tensors) {
    if (!wanted.count(name)) throw IoError(path + ": tensor '" + name + "' is not a parameter of this model");
  }
  for (Parameter<T>* p : params) {
    const std::vector<double>& v = file.tensors.at(p->name).values;
    for (Index k = 0; k < p->value.size(); ++k) p->value.data()[k] = static_cast<T>(v[k]);
  }
}

template std::string serialize_safetensors<float>(const ParameterList<float>&, const std::map<std::string, std::string>&);
template std::string serialize_safetensors<double>(const ParameterList<double>&, const std::map<std::string, std::string>&);
template void save_safetensors<float>(const std::string&, const ParameterList<float>&,
                                      const std::map<std::string, std::string>&);
template void save_safetensors<double>(const std::string&, const ParameterList<double>&,
                                       const std::map<std::string, std::string>&);
template void load_safetensors<float>(const std::string&, const ParameterList<float>&);
template void load_safetensors<double>(const std::string&, const ParameterList<double>&);

}  // namespace dpt
