// Loss and accuracy over a split (see evaluation.hpp).
#include "experiments/run/evaluation.hpp"

#include <algorithm>
#include <cmath>

#include "core/autograd/tape.hpp"
#include "datasets/batching.hpp"
#include "experiments/run/run_model.hpp"

namespace dpt {
namespace {

// Rows of the output whose argmax equals the label, among the rows that have a label.
void count_correct(const Tape<float>& tape, Var out, const TrainingBatch& batch, double& correct, double& counted) {
  const MatrixF& z = tape.value(out);
  for (Index r = 0; r < z.rows(); ++r) {
    if (batch.labels[static_cast<size_t>(r)] < 0 || tape.layout(out)->example_of(static_cast<int>(r)) < 0) continue;
    Index arg = 0;
    z.row(r).maxCoeff(&arg);
    correct += arg == batch.labels[static_cast<size_t>(r)];
    counted += 1.0;
  }
}

}  // namespace

Evaluation evaluate(SequenceModel<float>& model, const Dataset& data, const std::vector<Example>& split, int batch_size) {
  Evaluation e;
  double loss_sum = 0.0, correct = 0.0, counted = 0.0;
  for (size_t begin = 0; begin < split.size(); begin += static_cast<size_t>(batch_size)) {
    std::vector<int64_t> idx;
    for (size_t i = begin; i < std::min(split.size(), begin + static_cast<size_t>(batch_size)); ++i) idx.push_back(static_cast<int64_t>(i));
    const TrainingBatch batch = make_batch(data, split, idx);
    Tape<float> tape;
    const Var out = model.forward(tape, batch.inputs, /*training=*/false, 0);
    const LossResult<float> loss = task_loss(tape, out, batch, data.task);
    loss_sum += loss.per_example.cast<double>().sum();
    if (data.task != TaskKind::kRegression) count_correct(tape, out, batch, correct, counted);
  }
  e.examples = static_cast<int64_t>(split.size());
  e.loss = split.empty() ? std::nan("") : loss_sum / static_cast<double>(split.size());
  if (counted > 0) e.accuracy = correct / counted;
  return e;
}

nlohmann::ordered_json to_json(const Evaluation& e) {
  nlohmann::ordered_json j{{"loss", e.loss}, {"examples", e.examples}};
  if (!std::isnan(e.accuracy)) j["accuracy"] = e.accuracy;
  return j;
}

}  // namespace dpt
