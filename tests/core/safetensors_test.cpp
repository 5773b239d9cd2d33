// safetensors I/O: bit-exact round trips, the on-disk layout checked against the spec by hand
// (huggingface/safetensors: u64 LE header length, JSON header, row-major data), files written
// byte by byte as numpy/PyTorch would, and every malformed input rejected with an IoError.
#include <doctest/doctest.h>

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/io/safetensors.hpp"
#include "core/parameter.hpp"

using namespace dpt;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed with everything in it on scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() /
            ("dpt_safetensors_test_" + std::to_string(stamp) + "_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---- little-endian byte helpers (written out by hand so the test does not trust the host) ----

std::string le_u64(uint64_t v) {
  std::string s(8, '\0');
  for (size_t i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
  return s;
}

uint64_t read_le_u64(const std::string& s, size_t at = 0) {
  uint64_t v = 0;
  for (size_t i = 8; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

template <typename T>
std::string le_bytes(T x) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const U bits = std::bit_cast<U>(x);
  std::string s(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) s[i] = static_cast<char>((bits >> (8 * i)) & 0xFFu);
  return s;
}

// A safetensors file: 8-byte header length, header text, data bytes.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return le_u64(header.size()) + header + data;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- parameters ----

template <typename T>
Parameter<T> make_param(const std::string& name, Index rows, Index cols, int rank, T start) {
  Parameter<T> p{name, Matrix<T>(rows, cols), rank};
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) p.value(r, c) = start + static_cast<T>(10 * r + c) + static_cast<T>(0.25);
  }
  return p;
}

template <typename T>
Parameter<T> zero_like(const Parameter<T>& p) {
  return {p.name, Matrix<T>::Zero(p.value.rows(), p.value.cols()), p.rank};
}

// Index of the first entry whose bits differ, or -1 when a and b are bit-identical.
template <typename T>
Index first_bit_difference(const Matrix<T>& a, const Matrix<T>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return 0;
  for (Index k = 0; k < a.size(); ++k) {
    if (std::memcmp(a.data() + k, b.data() + k, sizeof(T)) != 0) return k;
  }
  return -1;
}

#define CHECK_BIT_IDENTICAL(a, b)                                                                          \
  do {                                                                                                     \
    const Index diff_ = first_bit_difference(a, b);                                                        \
    INFO("first differing entry " << diff_ << ": " << (diff_ >= 0 && diff_ < (a).size() ? (a).data()[diff_] : 0) \
                                  << " vs " << (diff_ >= 0 && diff_ < (b).size() ? (b).data()[diff_] : 0)); \
    CHECK(diff_ == -1);                                                                                    \
  } while (false)

// Runs `action`, which must throw dpt::IoError whose message names `path`; returns the message.
template <typename F>
std::string expect_io_error(F&& action, const std::string& path) {
  try {
    action();
  } catch (const IoError& e) {
    const std::string what = e.what();
    INFO("what(): " << what);
    CHECK(what.find(path) != std::string::npos);
    return what;
  }
  FAIL_CHECK("expected dpt::IoError for " << path);
  return {};
}

// The file is rejected by read_safetensors and by load_safetensors, and the load leaves the
// model's values exactly as they were.
void expect_rejected(const std::string& path) {
  expect_io_error([&] { (void)read_safetensors(path); }, path);
  Parameter<float> w = make_param<float>("w", 2, 3, 2, -7.0f);
  const Matrix<float> before = w.value;
  expect_io_error([&] { load_safetensors<float>(path, {&w}); }, path);
  CHECK_BIT_IDENTICAL(w.value, before);
}

// A valid F32 file holding "w" (2,3) = 1..6, written by hand.
const char* const kHeaderW = R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";

std::string w_data() {
  std::string data;
  for (int k = 1; k <= 6; ++k) data += le_bytes(static_cast<float>(k));
  return data;
}

}  // namespace

TEST_CASE_TEMPLATE("safetensors round trip is bit-exact and keeps metadata", T, float, double) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  using Lim = std::numeric_limits<T>;

  Parameter<T> weight = make_param<T>("lstm.weight_ih_l0", 8, 3, 2, T(-1));  // (4H, D) rows != cols
  Parameter<T> bias = make_param<T>("lstm.bias_ih_l0", 1, 8, 1, T(0.5));     // rank 1, saved as [8]
  Parameter<T> embedding = make_param<T>("embedding.weight", 5, 4, 2, T(3));  // (V, d)
  // Values that a lossy or text-based path would not preserve.
  weight.value(0, 0) = T(1) / T(3);
  weight.value(0, 1) = -T(0);
  weight.value(1, 0) = Lim::denorm_min();
  weight.value(1, 1) = Lim::infinity();
  weight.value(2, 0) = -Lim::infinity();
  weight.value(2, 1) = Lim::max();
  weight.value(3, 0) = Lim::lowest();
  weight.value(3, 1) = Lim::epsilon();
  weight.value(4, 2) = Lim::quiet_NaN();
  const std::map<std::string, std::string> metadata{{"format", "pt"}, {"epsilon", "3.25"}, {"empty", ""}};

  save_safetensors<T>(path, {&weight, &bias, &embedding}, metadata);

  Parameter<T> weight2 = zero_like(weight);
  Parameter<T> bias2 = zero_like(bias);
  Parameter<T> embedding2 = zero_like(embedding);
  SUBCASE("load fills each parameter bit-identically") {
    load_safetensors<T>(path, {&weight2, &bias2, &embedding2});
    CHECK_BIT_IDENTICAL(weight2.value, weight.value);
    CHECK_BIT_IDENTICAL(bias2.value, bias.value);
    CHECK_BIT_IDENTICAL(embedding2.value, embedding.value);
  }
  SUBCASE("load matches by name, not by position") {
    load_safetensors<T>(path, {&embedding2, &weight2, &bias2});
    CHECK_BIT_IDENTICAL(weight2.value, weight.value);
    CHECK_BIT_IDENTICAL(bias2.value, bias.value);
    CHECK_BIT_IDENTICAL(embedding2.value, embedding.value);
  }
  SUBCASE("read_safetensors returns metadata, dtypes, shapes and values") {
    const SafetensorsFile file = read_safetensors(path);
    CHECK(file.metadata == metadata);
    REQUIRE(file.tensors.size() == 3);
    const SafetensorsTensor& w = file.tensors.at("lstm.weight_ih_l0");
    CHECK(w.dtype == (sizeof(T) == 4 ? "F32" : "F64"));
    CHECK(w.shape == std::vector<int64_t>{8, 3});
    CHECK(file.tensors.at("lstm.bias_ih_l0").shape == std::vector<int64_t>{8});
    CHECK(file.tensors.at("embedding.weight").shape == std::vector<int64_t>{5, 4});
    REQUIRE(w.values.size() == 24);
    CHECK(w.values[1 * 3 + 2] == static_cast<double>(weight.value(1, 2)));  // row-major
    CHECK(w.values[3 * 3 + 0] == static_cast<double>(Lim::lowest()));
  }
  SUBCASE("empty metadata reads back empty") {
    save_safetensors<T>(path, {&weight, &bias, &embedding});
    CHECK(read_safetensors(path).metadata.empty());
  }
}

TEST_CASE_TEMPLATE("safetensors byte layout follows the spec", T, float, double) {
  TempDir dir;
  const std::string path = dir.file("layout.safetensors");
  Parameter<T> weight = make_param<T>("weight", 2, 3, 2, T(1));     // (2,3): transposition would show
  Parameter<T> bias = make_param<T>("bias", 1, 3, 1, T(100));       // rank 1
  Parameter<T> embedding = make_param<T>("emb", 4, 2, 2, T(-50));  // (V=4, d=2)
  const std::vector<const Parameter<T>*> params{&weight, &bias, &embedding};
  save_safetensors<T>(path, {&weight, &bias, &embedding}, {{"format", "pt"}});

  const std::string bytes = read_file(path);
  REQUIRE(bytes.size() >= 8);
  const uint64_t n = read_le_u64(bytes);
  REQUIRE(n <= bytes.size() - 8);
  const size_t data_start = 8 + static_cast<size_t>(n);
  CHECK(data_start % 8 == 0);
  const std::string header_text = bytes.substr(8, static_cast<size_t>(n));
  // Padding after the JSON is spaces only (0x20), as the spec requires.
  const size_t json_end = header_text.find_last_of('}');
  REQUIRE(json_end != std::string::npos);
  CHECK(header_text.find_first_not_of(' ', json_end + 1) == std::string::npos);

  const nlohmann::json header = nlohmann::json::parse(header_text);
  REQUIRE(header.is_object());
  CHECK(header.size() == params.size() + 1);
  CHECK(header.at("__metadata__") == nlohmann::json{{"format", "pt"}});

  const char* dtype = sizeof(T) == 4 ? "F32" : "F64";
  const std::map<std::string, std::vector<int64_t>> shapes{{"weight", {2, 3}}, {"bias", {3}}, {"emb", {4, 2}}};
  // Offsets in file order are contiguous from 0 and cover the data section exactly.
  std::map<uint64_t, const Parameter<T>*> by_offset;
  for (const Parameter<T>* p : params) {
    INFO("tensor " << p->name);
    REQUIRE(header.contains(p->name));
    const nlohmann::json& entry = header.at(p->name);
    CHECK(entry.at("dtype") == dtype);
    CHECK(entry.at("shape").template get<std::vector<int64_t>>() == shapes.at(p->name));
    const auto offsets = entry.at("data_offsets").template get<std::vector<uint64_t>>();
    REQUIRE(offsets.size() == 2);
    CHECK(offsets[1] - offsets[0] == static_cast<uint64_t>(p->value.size()) * sizeof(T));
    by_offset[offsets[0]] = p;
  }
  uint64_t expected_begin = 0;
  for (const auto& [begin, p] : by_offset) {
    CHECK(begin == expected_begin);
    expected_begin = begin + static_cast<uint64_t>(p->value.size()) * sizeof(T);
  }
  CHECK(data_start + expected_begin == bytes.size());

  // Tensor bytes: row-major little-endian values, built entry by entry from (r, c).
  for (const auto& [begin, p] : by_offset) {
    INFO("tensor " << p->name);
    std::string expected;
    for (Index r = 0; r < p->value.rows(); ++r) {
      for (Index c = 0; c < p->value.cols(); ++c) expected += le_bytes<T>(p->value(r, c));
    }
    CHECK(bytes.substr(data_start + static_cast<size_t>(begin), expected.size()) == expected);
  }
}

TEST_CASE("safetensors reads files written by numpy and PyTorch") {
  TempDir dir;
  const std::string path = dir.file("external.safetensors");

  SUBCASE("numpy: one F32 (2,3) tensor, no padding after the header") {
    write_file(path, safetensors_bytes(kHeaderW, w_data()));
    REQUIRE((8 + std::string(kHeaderW).size()) % 8 != 0);  // the data section is unaligned
    Parameter<float> w{"w", Matrix<float>::Zero(2, 3), 2};
    load_safetensors<float>(path, {&w});
    for (Index r = 0; r < 2; ++r) {
      for (Index c = 0; c < 3; ++c) CHECK(w.value(r, c) == static_cast<float>(1 + 3 * r + c));
    }
    SUBCASE("into a double model") {
      Parameter<double> wd{"w", Matrix<double>::Zero(2, 3), 2};
      load_safetensors<double>(path, {&wd});
      CHECK(wd.value(1, 0) == 4.0);
      CHECK(wd.value(0, 2) == 3.0);
    }
  }
  SUBCASE("PyTorch: metadata, F64, a rank-1 bias, header keys not in data order") {
    // torch.save_file sorts tensors by dtype then name; here "b" comes first in the header
    // but its bytes come after those of "w".
    const std::string header =
        R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F64","shape":[2],"data_offsets":[32,48]},)"
        R"("w":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]}})";
    std::string data;
    for (double v : {1.5, -2.5, 3.5, -4.5}) data += le_bytes(v);  // w, row-major
    for (double v : {0.125, -0.0625}) data += le_bytes(v);        // b
    write_file(path, safetensors_bytes(header + "      ", data));  // padded with spaces
    Parameter<double> w{"w", Matrix<double>::Zero(2, 2), 2};
    Parameter<double> b{"b", Matrix<double>::Zero(1, 2), 1};
    load_safetensors<double>(path, {&w, &b});
    CHECK(w.value(0, 1) == -2.5);
    CHECK(w.value(1, 0) == 3.5);
    CHECK(b.value(0, 0) == 0.125);
    CHECK(b.value(0, 1) == -0.0625);
    CHECK(read_safetensors(path).metadata == std::map<std::string, std::string>{{"format", "pt"}});
  }
}

TEST_CASE("safetensors rejects corrupted files with an IoError naming the file") {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  const std::string data = w_data();  // 24 bytes: six F32 values

  SUBCASE("missing file") {
    expect_rejected(dir.file("no_such_file.safetensors"));
  }
  SUBCASE("empty file") {
    write_file(path, "");
    expect_rejected(path);
  }
  SUBCASE("file of 5 bytes") {
    write_file(path, std::string("\x08\x00\x00\x00\x00", 5));
    expect_rejected(path);
  }
  SUBCASE("header length larger than the file") {
    const std::string header = kHeaderW;
    write_file(path, le_u64(header.size() + data.size() + 1) + header + data);
    expect_rejected(path);
  }
  SUBCASE("header length 2^63") {
    write_file(path, le_u64(uint64_t{1} << 63) + std::string(kHeaderW) + data);
    expect_rejected(path);
  }
  SUBCASE("header is not JSON") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32",)", data));
    expect_rejected(path);
  }
  SUBCASE("header is JSON but an array") {
    write_file(path, safetensors_bytes(R"([{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}])", data));
    expect_rejected(path);
  }
  SUBCASE("tensor without dtype") {
    write_file(path, safetensors_bytes(R"({"w":{"shape":[2,3],"data_offsets":[0,24]}})", data));
    expect_rejected(path);
  }
  SUBCASE("dtype BF16") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}})",
                                       data.substr(0, 12)));
    expect_rejected(path);
  }
  SUBCASE("dtype I32, as wide as F32 (integers must not be read as floats)") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"I32","shape":[2,3],"data_offsets":[0,24]}})", data));
    expect_rejected(path);
  }
  SUBCASE("dtype is not a string") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":32,"shape":[2,3],"data_offsets":[0,24]}})", data));
    expect_rejected(path);
  }
  SUBCASE("data_offsets beyond the data") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[24,48]}})", data));
    expect_rejected(path);
  }
  SUBCASE("data_offsets reversed") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]}})", data));
    expect_rejected(path);
  }
  SUBCASE("data_offsets negative") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[-24,0]}})", data));
    expect_rejected(path);
  }
  SUBCASE("byte size does not match the shape") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})",
                                       data.substr(0, 20)));
    expect_rejected(path);
  }
  SUBCASE("negative shape entry") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[-2,-3],"data_offsets":[0,24]}})", data));
    expect_rejected(path);
  }
  SUBCASE("shape whose element count overflows") {
    write_file(path, safetensors_bytes(
                         R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})", ""));
    expect_rejected(path);
  }
  SUBCASE("__metadata__ value is not a string") {
    write_file(path, safetensors_bytes(
                         R"({"__metadata__":{"epochs":3},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
                         data));
    expect_rejected(path);
  }
  SUBCASE("two tensors claiming the same bytes") {
    write_file(path, safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                                       R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
                                       data));
    expect_rejected(path);
  }
  SUBCASE("unclaimed bytes after the last tensor") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data));
    expect_rejected(path);
  }
  SUBCASE("a gap before a tensor") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", data));
    expect_rejected(path);
  }
  SUBCASE("fractional shape or offsets") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2.7,3],"data_offsets":[0,24]}})", data));
    expect_rejected(path);
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0.9,24.5]}})", data));
    expect_rejected(path);
  }
  SUBCASE("a tensor named twice in the header") {
    write_file(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},)"
                                       R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
                                       data));
    expect_rejected(path);
  }
  SUBCASE("file cut in the middle of the tensor bytes") {
    Parameter<float> w = make_param<float>("w", 2, 3, 2, 1.0f);
    save_safetensors<float>(path, {&w});
    const std::string whole = read_file(path);
    write_file(path, whole.substr(0, whole.size() - 10));
    expect_rejected(path);
  }
}

TEST_CASE("load_safetensors rejects a file of a different model and changes nothing") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  Parameter<float> w = make_param<float>("w", 2, 3, 2, 1.0f);
  Parameter<float> b = make_param<float>("b", 1, 3, 1, 2.0f);
  save_safetensors<float>(path, {&w, &b});

  // The model's parameters hold sentinels; the first one always matches the file, so a
  // loader that copies as it validates would change it before failing on a later one.
  Parameter<float> w_model = make_param<float>("w", 2, 3, 2, -9.0f);
  const Matrix<float> w_before = w_model.value;

  SUBCASE("a parameter of a different shape with the same element count") {
    Parameter<float> b_model = make_param<float>("b", 3, 1, 2, -8.0f);
    const Matrix<float> b_before = b_model.value;
    expect_io_error([&] { load_safetensors<float>(path, {&w_model, &b_model}); }, path);
    CHECK_BIT_IDENTICAL(b_model.value, b_before);
  }
  SUBCASE("a (1,n) rank-2 parameter against a rank-1 [n] tensor") {
    Parameter<float> b_model = make_param<float>("b", 1, 3, 2, -8.0f);
    expect_io_error([&] { load_safetensors<float>(path, {&w_model, &b_model}); }, path);
  }
  SUBCASE("a different shape in a double model") {
    Parameter<double> wd = make_param<double>("w", 3, 2, 2, -9.0);
    const Matrix<double> wd_before = wd.value;
    expect_io_error([&] { load_safetensors<double>(path, {&wd}); }, path);
    CHECK_BIT_IDENTICAL(wd.value, wd_before);
  }
  SUBCASE("a parameter missing from the file") {
    Parameter<float> b_model = make_param<float>("b", 1, 3, 1, -8.0f);
    Parameter<float> extra = make_param<float>("lstm.weight_hh_l0", 4, 1, 2, -7.0f);
    const std::string what =
        expect_io_error([&] { load_safetensors<float>(path, {&w_model, &b_model, &extra}); }, path);
    CHECK(what.find("lstm.weight_hh_l0") != std::string::npos);
    CHECK_BIT_IDENTICAL(b_model.value, make_param<float>("b", 1, 3, 1, -8.0f).value);
  }
  SUBCASE("a tensor in the file that the model lacks") {
    const std::string what = expect_io_error([&] { load_safetensors<float>(path, {&w_model}); }, path);
    CHECK(what.find("'b'") != std::string::npos);
  }
  CHECK_BIT_IDENTICAL(w_model.value, w_before);
}

TEST_CASE("save_safetensors replaces a file atomically and rejects duplicate names") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  Parameter<double> w = make_param<double>("w", 2, 3, 2, 1.0);
  Parameter<double> b = make_param<double>("b", 1, 3, 1, 2.0);

  SUBCASE("a larger existing file is replaced fully, with no .tmp left behind") {
    write_file(path, std::string(10000, '\xAB'));
    Parameter<double> big = make_param<double>("big", 50, 40, 2, 0.0);
    save_safetensors<double>(path, {&big, &w});
    save_safetensors<double>(path, {&b}, {{"run", "2"}});

    const std::string bytes = read_file(path);
    const uint64_t n = read_le_u64(bytes);
    CHECK(bytes.size() == 8 + n + 3 * sizeof(double));  // nothing of the old files survives
    const SafetensorsFile file = read_safetensors(path);
    CHECK(file.tensors.size() == 1);
    CHECK(file.tensors.count("b") == 1);
    CHECK(file.metadata == std::map<std::string, std::string>{{"run", "2"}});
    CHECK_FALSE(fs::exists(path + ".tmp"));
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
  }
  SUBCASE("two parameters with the same name throw InvalidArgument and leave the file alone") {
    save_safetensors<double>(path, {&w});
    const std::string before = read_file(path);
    Parameter<double> w_again = make_param<double>("w", 1, 3, 1, 5.0);
    CHECK_THROWS_AS(save_safetensors<double>(path, {&w, &b, &w_again}), InvalidArgument);
    CHECK(read_file(path) == before);
    CHECK_FALSE(fs::exists(path + ".tmp"));
  }
  SUBCASE("a parameter named __metadata__ is refused (the format reserves it)") {
    Parameter<double> meta = make_param<double>("__metadata__", 1, 3, 1, 5.0);
    CHECK_THROWS_AS(save_safetensors<double>(path, {&meta}), InvalidArgument);
  }
  SUBCASE("a failed rename leaves no .tmp behind") {
    fs::create_directories(path);
    write_file(path + "/occupant", "x");  // a non-empty directory cannot be replaced by a file
    expect_io_error([&] { save_safetensors<double>(path, {&w}); }, path);
    CHECK_FALSE(fs::exists(path + ".tmp"));
  }
  SUBCASE("an unwritable path throws IoError naming it") {
    const std::string bad = dir.file("no_such_dir/model.safetensors");
    expect_io_error([&] { save_safetensors<double>(bad, {&w}); }, bad);
  }
}
