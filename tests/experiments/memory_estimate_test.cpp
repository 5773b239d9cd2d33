// The memory estimate (experiments/run/memory_estimate.hpp): its parameter count is the model's,
// its optimizer state the optimizer's, it grows with every size, it survives sizes whose
// products overflow int64, and a run that cannot fit is refused naming the field that drives it.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/models/sequence_model.hpp"
#include "datasets/load_dataset.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/memory_estimate.hpp"
#include "experiments/run/run_model.hpp"
#include "experiments/run/run_setup.hpp"
#include "optim/adam.hpp"
#include "optim/sgd.hpp"
#include "tests/datasets/temp_dir.hpp"

using namespace dpt;

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

ExperimentConfig config(const std::string& fields) {
  return parse_config_text(R"({"seed": 1, "privacy": {"noise_multiplier": 1})" + fields + "}", "test.json");
}

// The ConfigError check_memory throws, or a default-constructed one's path "" if none.
ConfigError refusal(const ExperimentConfig& c, const MemoryInputs& in, double available_bytes) {
  try {
    check_memory(c, in, AvailableMemory{available_bytes, "test limit"});
  } catch (const ConfigError& e) {
    return e;
  }
  return ConfigError("", "not refused");
}

double model_parameters(const ExperimentConfig& c, const Dataset& data) {
  SequenceModel<float> model(model_spec(c.model, data), 1);
  double n = 0;
  for (const Parameter<float>* p : model.parameters()) n += static_cast<double>(p->size());
  return n;
}

}  // namespace

TEST_CASE("the parameter count is the model's, for tokens, features, dense heads, language models, GRU and bidirectional layers") {
  const std::vector<std::string> cases = {
      R"(, "data": {"size": 50}, "model": {"embedding_dim": 8, "lstm": [{"hidden": 12}], "dense": [8]})",
      R"(, "data": {"size": 50, "task": "sine"}, "model": {"lstm": [{"hidden": 16, "return_sequences": true}, {"hidden": 6}], "dense": [5, 3]})",
      R"(, "data": {"size": 50, "task": "chars"}, "model": {"embedding_dim": 10, "lstm": [{"hidden": 7, "return_sequences": true}]})",
      R"(, "data": {"size": 50}, "model": {"embedding_dim": 8, "recurrent": [{"cell": "gru", "hidden": 9, "bidirectional": true, "return_sequences": true}, {"cell": "lstm", "hidden": 5, "bidirectional": true}], "dense": [4]})",
      R"(, "data": {"size": 50, "task": "sine"}, "model": {"recurrent": [{"cell": "lstm", "hidden": 6, "bidirectional": true, "return_sequences": true}, {"cell": "gru", "hidden": 3}]})",
  };
  for (const std::string& fields : cases) {
    CAPTURE(fields);
    const ExperimentConfig c = config(fields);
    UnsplitDataset source = read_dataset(c.data, 1);
    const MemoryInputs in = memory_inputs(c, source);
    const Dataset data = split_dataset(std::move(source), 1);
    const double actual = model_parameters(c, data);
    CHECK(parameter_count(in) == actual);
    CHECK(estimate_memory(in).parameters == 4 * actual);  // float32
  }
}

TEST_CASE("the optimizer state is what the optimizer keeps") {
  const ExperimentConfig base = config(R"(, "data": {"size": 50}, "model": {"embedding_dim": 8, "lstm": [{"hidden": 12}]})");
  UnsplitDataset source = read_dataset(base.data, 1);
  const MemoryInputs base_in = memory_inputs(base, source);
  const Dataset data = split_dataset(std::move(source), 1);
  SequenceModel<float> model(model_spec(base.model, data), 1);
  const ParameterList<float> params = model.parameters();
  std::vector<MatrixF> grads;
  for (const Parameter<float>* p : params) grads.push_back(MatrixF::Zero(p->value.rows(), p->value.cols()));
  auto state_entries = [&](Optimizer<float>& o) {
    o.step(params, grads, 0.1);
    double n = 0;
    for (const MomentBuffer& b : o.state().buffers) n += static_cast<double>(b.values.size());
    return n;
  };
  auto estimated_entries = [&](const std::string& optimizer) {
    const ExperimentConfig c =
        config(R"(, "data": {"size": 50}, "model": {"embedding_dim": 8, "lstm": [{"hidden": 12}]}, "training": {"optimizer": )" +
               optimizer + "}");
    MemoryInputs in = memory_inputs(c, read_dataset(c.data, 1));
    return estimate_memory(in).optimizer_state / 4;
  };
  Adam<float> adam;
  CHECK(estimated_entries(R"({"name": "adam"})") == state_entries(adam));
  SgdOptions momentum;
  momentum.momentum = 0.9;
  Sgd<float> heavy_ball(momentum);
  CHECK(estimated_entries(R"({"name": "sgd", "momentum": 0.9})") == state_entries(heavy_ball));
  Sgd<float> plain;
  CHECK(estimated_entries(R"({"name": "sgd"})") == state_entries(plain));
  CHECK(estimate_memory(base_in).optimizer_state == 2 * estimate_memory(base_in).parameters);
}

TEST_CASE("the estimate grows with every size") {
  const ExperimentConfig c = config(R"(, "data": {"size": 1000}, "model": {"lstm": [{"hidden": 16, "return_sequences": true}, {"hidden": 8}], "dense": [4]})");
  const MemoryInputs base = memory_inputs(c);
  const double total = estimate_memory(base).total();
  const std::vector<std::pair<const char*, std::function<void(MemoryInputs&)>>> sizes = {
      {"vocab_size", [](MemoryInputs& m) { m.vocab_size *= 2; }},
      {"embedding_dim", [](MemoryInputs& m) { m.embedding_dim *= 2; }},
      {"hidden[0]", [](MemoryInputs& m) { m.hidden[0] *= 2; }},
      {"hidden[1]", [](MemoryInputs& m) { m.hidden[1] *= 2; }},
      {"dense[0]", [](MemoryInputs& m) { m.dense[0] *= 2; }},
      {"outputs", [](MemoryInputs& m) { m.outputs *= 2; }},
      {"physical_batch", [](MemoryInputs& m) { m.physical_batch *= 2; }},
      {"eval_batch", [](MemoryInputs& m) { m.eval_batch *= 8; }},  // evaluation is the largest transient only past ~3x
      {"examples", [](MemoryInputs& m) { m.examples *= 2; }},
      {"mean_length", [](MemoryInputs& m) { m.mean_length *= 2; }},
      {"max_length", [](MemoryInputs& m) { m.max_length *= 2; }},
      {"optimizer_moments", [](MemoryInputs& m) { m.optimizer_moments = 3; }},
  };
  for (const auto& [name, grow] : sizes) {
    CAPTURE(name);
    MemoryInputs bigger = base;
    grow(bigger);
    const MemoryEstimate a = estimate_memory(base), b = estimate_memory(bigger);
    CHECK(b.total() > total);
    CHECK(b.parameters >= a.parameters);
    CHECK(b.optimizer_state >= a.optimizer_state);
    CHECK(b.data >= a.data);
    CHECK(b.training_step >= a.training_step);
    CHECK(b.evaluation >= a.evaluation);
    CHECK(b.checkpoint >= a.checkpoint);
  }
}

TEST_CASE("the config-only estimate never exceeds the estimate once the data is known") {
  // Before the data is read, what only the data knows is a lower bound (a generated dataset's
  // vocabulary among them), so the first check refuses nothing the second would accept.
  for (const char* task : {"marker", "sine", "chars"}) {
    CAPTURE(task);
    const bool lm = std::string(task) == "chars";
    const ExperimentConfig c = config(fmt::format(R"(, "data": {{"size": 300, "task": "{}"}}, "model": {{"lstm": [{{"hidden": 16, "return_sequences": {}}}]}})",
                                                  task, lm ? "true" : "false"));
    const MemoryEstimate before = estimate_memory(memory_inputs(c));
    const MemoryEstimate after = estimate_memory(memory_inputs(c, read_dataset(c.data, 1)));
    CHECK(before.parameters <= after.parameters);
    CHECK(before.total() <= after.total() * 1.05);  // generated lengths: the configured maximum vs the longest drawn
    CHECK(before.total() >= after.total() / 2);     // and of the same order
  }
}

TEST_CASE("a run that cannot fit is refused naming the field that drives its size") {
  struct Case {
    const char* fields;
    const char* path;
  };
  const std::vector<Case> cases = {
      {R"(, "data": {"size": 2147483648})", "data.size"},
      {R"(, "model": {"lstm": [{"hidden": 100000}]})", "model.lstm[0].hidden"},
      {R"(, "model": {"lstm": [{"hidden": 8, "return_sequences": true}, {"hidden": 100000}]})", "model.lstm[1].hidden"},
      {R"(, "model": {"embedding_dim": 1000000000})", "model.embedding_dim"},
      {R"(, "model": {"dense": [8, 1000000000]})", "model.dense[1]"},
      {R"(, "data": {"max_length": 100000000})", "data.max_length"},
      {R"(, "data": {"size": 20000000}, "training": {"batch_size": 10000000})", "training.batch_size"},
      {R"(, "data": {"size": 20000000}, "training": {"batch_size": 10000000, "max_physical_batch_size": 5000000})",
       "training.max_physical_batch_size"},
      {R"(, "data": {"size": 20000000}, "eval": {"batch_size": 2000000})", "eval.batch_size"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.fields);
    const ExperimentConfig c = config(k.fields);
    const ConfigError e = refusal(c, memory_inputs(c), 16 * kGiB);
    CHECK(e.path() == k.path);
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("the run would need about") != std::string::npos);
    CHECK(what.find("parameters ") != std::string::npos);
    CHECK(what.find("more than the 16 GiB available (test limit)") != std::string::npos);
  }
}

TEST_CASE("a run that fits is not refused, and an unknown limit refuses nothing") {
  const ExperimentConfig small = config(R"(, "data": {"size": 2000})");
  CHECK_NOTHROW(check_memory(small, memory_inputs(small), AvailableMemory{kGiB, "test limit"}));
  CHECK_NOTHROW(check_memory(small, memory_inputs(small, read_dataset(small.data, 1)), AvailableMemory{kGiB, "test limit"}));
  const ExperimentConfig huge = config(R"(, "model": {"lstm": [{"hidden": 100000}]})");
  CHECK_NOTHROW(check_memory(huge, memory_inputs(huge),
                             AvailableMemory{std::numeric_limits<double>::infinity(), "no limit could be read"}));
  // The same small run refused under a limit below its estimate: the limit is really compared.
  CHECK(refusal(small, memory_inputs(small), 1024).path() != "");
}

TEST_CASE("once the data is read, its own sizes are checked: a long series names data.window") {
  testing::TempDir dir;
  std::string csv = "v\n";
  for (int t = 0; t < 3000; ++t) csv += std::to_string(t % 7) + "\n";
  const ExperimentConfig c = config(fmt::format(
      R"(, "data": {{"source": "csv", "path": "{}", "column": "v", "window": 2000}}, "model": {{"lstm": [{{"hidden": 64}}]}})",
      dir.write("s.csv", csv)));
  const MemoryInputs in = memory_inputs(c, read_dataset(c.data, 1));
  CHECK(in.examples == 1000);
  CHECK(in.max_length == 2000);
  const double need = estimate_memory(in).total();
  CHECK(refusal(c, in, need / 2).path() == "data.window");
  CHECK_NOTHROW(check_memory(c, in, AvailableMemory{need * 2, "test limit"}));
}

TEST_CASE("sizes whose products overflow int64 give a finite estimate and a refusal") {
  const ExperimentConfig c = config(
      R"(, "data": {"size": 9223372036854775807, "max_length": 2147483647},
           "model": {"embedding_dim": 2147483647, "lstm": [{"hidden": 2147483647}], "dense": [2147483647]},
           "training": {"batch_size": 2147483647, "max_physical_batch_size": 2147483647}, "eval": {"batch_size": 2147483647})");
  const MemoryEstimate e = estimate_memory(memory_inputs(c));
  CHECK(std::isfinite(e.total()));
  CHECK(e.total() > 1e20);  // more bytes than an int64 can count
  CHECK(refusal(c, memory_inputs(c), 1e15).path() != "");
}

TEST_CASE("prepare_run refuses before generating: data.size 2^40 fails at once with the field") {
  const ExperimentConfig c = config(R"(, "data": {"size": 1099511627776})");  // ~250 TiB of examples
  try {
    prepare_run(c);
    FAIL("prepare_run accepted data.size 2^40");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "data.size");
  }
}

TEST_CASE("the available memory is read and is at most the physical memory") {
  const AvailableMemory a = available_memory();
  CAPTURE(a.source);
  CHECK(a.bytes > 0);
  std::ifstream meminfo("/proc/meminfo");
  if (meminfo) {
    std::string key;
    double kib = 0;
    meminfo >> key >> kib;  // MemTotal: N kB
    REQUIRE(key == "MemTotal:");
    CHECK(a.bytes <= kib * 1024);
  }
}

TEST_CASE("bytes are written in binary units") {
  CHECK(format_bytes(0) == "0 bytes");
  CHECK(format_bytes(1000) == "1000 bytes");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(16 * kGiB) == "16 GiB");
  CHECK(format_bytes(1.5 * 1024 * kGiB) == "1.5 TiB");
  CHECK(format_bytes(std::ldexp(1.0, 70)) == "1e+03 EiB");
  CHECK(format_bytes(std::numeric_limits<double>::infinity()) == "unbounded memory");
}
