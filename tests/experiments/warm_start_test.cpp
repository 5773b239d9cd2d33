// Warm start (experiments/run/warm_start.hpp): selection by prefix, the strict check before any
// parameter changes, bit-for-bit copies, and what reaches the run key.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/io/safetensors.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/run/run_key.hpp"
#include "experiments/run/warm_start.hpp"

namespace dpt {
namespace {

struct TwoTensors {
  Parameter<float> w{"lstm.weight_ih_l0", MatrixF(4, 3), 2};
  Parameter<float> b{"output.bias", MatrixF(1, 2), 1};
  ParameterList<float> list() { return {&w, &b}; }
};

WarmStartFile file_of(TwoTensors& t) {
  WarmStartFile f;
  f.path = "/pub/init.safetensors";
  f.file = parse_safetensors(serialize_safetensors(t.list()), f.path);
  return f;
}

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

std::string refusal(const WarmStartFile& f, const InitSelect& s, const ParameterList<float>& p) {
  try {
    (void)apply_warm_start(f, s, p);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("warm start copies the selected tensors bit for bit and leaves the others") {
  TwoTensors src;
  using L = std::numeric_limits<float>;
  const float odd[] = {L::denorm_min(), -0.0f, 1.0f / 3.0f, L::max(), -L::max(), L::min(), -L::denorm_min(), 0.1f, -1e-30f, 3e38f, 1.0f, 0.0f};
  for (Index k = 0; k < src.w.value.size(); ++k) src.w.value.data()[k] = odd[k];
  src.b.value << 7.5f, -2.25f;
  const WarmStartFile f = file_of(src);
  TwoTensors dst;
  dst.w.value.setConstant(0.5f);
  dst.b.value.setConstant(0.5f);
  InitSelect s;
  s.exclude = {"output."};
  CHECK(apply_warm_start(f, s, dst.list()) == std::vector<std::string>{"lstm.weight_ih_l0"});
  for (Index k = 0; k < src.w.value.size(); ++k) CHECK(bits(dst.w.value.data()[k]) == bits(src.w.value.data()[k]));
  CHECK(dst.b.value(0, 0) == 0.5f);
  s = InitSelect{};
  CHECK(apply_warm_start(f, s, dst.list()).size() == 2);
  CHECK(dst.b.value(0, 1) == -2.25f);
}

TEST_CASE("warm start refuses mismatches naming the tensor, before any parameter changes") {
  TwoTensors src;
  src.w.value.setConstant(1.0f);
  src.b.value.setConstant(1.0f);
  const WarmStartFile f = file_of(src);
  Parameter<float> wide{"lstm.weight_ih_l0", MatrixF(4, 5), 2};
  Parameter<float> b{"output.bias", MatrixF(1, 2), 1};
  b.value.setZero();
  wide.value.setZero();
  const std::string m = refusal(f, InitSelect{}, {&b, &wide});
  CHECK(m == "model.init_from: /pub/init.safetensors: tensor 'lstm.weight_ih_l0' has shape [4, 3] in the file but [4, 5] in the "
             "model; nothing was trained");
  CHECK(b.value(0, 0) == 0.0f);  // checked in full before anything is copied
  CHECK(refusal(f, InitSelect{}, {&b}).find("tensor 'lstm.weight_ih_l0' [4, 3] is selected by model.init_select but is not a "
                                            "parameter of this model") != std::string::npos);
  InitSelect only_bias;
  only_bias.include = std::vector<std::string>{"output."};
  CHECK(refusal(f, only_bias, {&b}).empty());  // the file's other tensors are not selected: ignored
  Parameter<float> extra{"output.weight", MatrixF(2, 2), 2};
  CHECK(refusal(f, only_bias, {&b, &extra}).find("has no tensor 'output.weight' (the model's is [2, 2]") != std::string::npos);
  InitSelect typo;
  typo.exclude = {"outptu."};
  CHECK(refusal(f, typo, {&b}).find("model.init_select.exclude[0]: \"outptu.\" is the prefix of no tensor") == 0);
  InitSelect none;
  none.include = std::vector<std::string>{"lstm."};
  CHECK(refusal(f, none, {&b}).find("model.init_select: takes no tensor of the model") == 0);
}

TEST_CASE("warm start refuses F64 and non-finite tensors") {
  Parameter<double> d{"output.bias", MatrixD(1, 2), 1};
  d.value.setConstant(1.0);
  WarmStartFile f;
  f.path = "f64.safetensors";
  f.file = parse_safetensors(serialize_safetensors(ParameterList<double>{&d}), f.path);
  Parameter<float> b{"output.bias", MatrixF(1, 2), 1};
  CHECK(refusal(f, InitSelect{}, {&b}).find("tensor 'output.bias' is F64, not F32") != std::string::npos);
  Parameter<float> nan{"output.bias", MatrixF(1, 2), 1};
  nan.value << 1.0f, std::numeric_limits<float>::quiet_NaN();
  f.file = parse_safetensors(serialize_safetensors(ParameterList<float>{&nan}), f.path);
  CHECK(refusal(f, InitSelect{}, {&b}).find("tensor 'output.bias' holds a non-finite value") != std::string::npos);
}

TEST_CASE("the run key covers init_sha256, not init_from's path") {
  ExperimentConfig c;
  c.seed = 1;
  c.privacy.noise_multiplier = 1.0;
  const std::string cold = make_run_key(run_key_material(c, "data", 1.0)).id;
  c.model.init_from = "/a/w.safetensors";
  c.model.init_sha256 = std::string(64, 'a');
  const std::string a = make_run_key(run_key_material(c, "data", 1.0)).id;
  c.model.init_from = "/b/elsewhere.safetensors";
  CHECK(make_run_key(run_key_material(c, "data", 1.0)).id == a);
  c.model.init_sha256 = std::string(64, 'b');
  CHECK(make_run_key(run_key_material(c, "data", 1.0)).id != a);
  CHECK(a != cold);
  c.model.init_sha256 = std::string(64, 'a');
  c.model.init_select.exclude = {"output."};
  CHECK(make_run_key(run_key_material(c, "data", 1.0)).id != a);
  CHECK(run_key_coverage(true).find("model.init_sha256") != std::string::npos);
  CHECK(run_key_coverage() == run_key_coverage(false));
}

}  // namespace
}  // namespace dpt
