// Per-example gradient export (see gradient_export.hpp).
#include "experiments/run/gradient_export.hpp"

#include <memory>

#include "core/error.hpp"
#include "core/io/safetensors.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/run_model.hpp"
#include "experiments/run/run_setup.hpp"
#include "experiments/run/warm_start.hpp"

namespace dpt {

void export_example_gradients(const ExperimentConfig& config, const std::vector<int64_t>& examples,
                              const std::string& out_file) {
  ExperimentConfig resolved = config;
  const std::optional<WarmStartFile> init = read_warm_start(resolved.model);  // as `dptrain run` loads it
  const RunSetup setup = prepare_run(resolved);  // the split and initial weights `dptrain run` uses
  const Dataset& data = setup.data;
  SequenceModel<float> model(model_spec(resolved.model, data), setup.init_seed);
  const ParameterList<float> params = model.parameters();
  if (init) (void)apply_warm_start(*init, resolved.model.init_select, params);
  std::vector<std::unique_ptr<Parameter<float>>> out;  // stable addresses for the list below
  for (const Parameter<float>* p : params) out.push_back(std::make_unique<Parameter<float>>(*p));
  for (int64_t i : examples) {
    if (i < 0 || i >= static_cast<int64_t>(data.train.size())) {
      throw InvalidArgument("--examples: " + std::to_string(i) + " is not a training example index (the training split has " +
                            std::to_string(data.train.size()) + ")");
    }
    const Example& e = data.train[static_cast<size_t>(i)];
    const std::string tag = std::to_string(i);
    const int T = data.sequence_length(e);
    if (data.vocab_size > 0) {
      MatrixF ids(1, T);
      for (int t = 0; t < T; ++t) ids(0, t) = static_cast<float>(e.tokens[static_cast<size_t>(t)]);
      out.push_back(std::make_unique<Parameter<float>>(Parameter<float>{"input/" + tag, ids, 1}));
    } else {
      MatrixF x(T, data.input_dim);
      for (Index k = 0; k < x.size(); ++k) x.data()[k] = e.features[static_cast<size_t>(k)];
      out.push_back(std::make_unique<Parameter<float>>(Parameter<float>{"input/" + tag, x, 2}));
    }
    const TrainingBatch batch = make_batch(data, data.train, {i});
    MatrixF target;
    if (data.task == TaskKind::kRegression) {
      target = batch.targets;
    } else {
      target.resize(1, static_cast<Index>(batch.labels.size()));
      for (size_t k = 0; k < batch.labels.size(); ++k) target(0, static_cast<Index>(k)) = static_cast<float>(batch.labels[k]);
    }
    out.push_back(std::make_unique<Parameter<float>>(Parameter<float>{"target/" + tag, target, 1}));
    Tape<float> tape;
    tape.backward(task_loss(tape, model.forward(tape, batch.inputs, false, 0), batch, data.task).total);
    const std::vector<MatrixF> grads = gradient_sum(tape.uses(), params);
    for (size_t p = 0; p < params.size(); ++p) {
      out.push_back(std::make_unique<Parameter<float>>(
          Parameter<float>{"grad/" + tag + "/" + params[p]->name, grads[p], params[p]->rank}));
    }
  }
  ParameterList<float> list;
  for (auto& p : out) list.push_back(p.get());
  write_file_atomic(out_file, serialize_safetensors(list, {{"format", "pt"}, {"config", config.name}}));
}

}  // namespace dpt
