// Loss and the task's metrics over a split (see evaluation.hpp).
#include "experiments/run/evaluation.hpp"

#include <algorithm>
#include <cmath>

#include "core/autograd/tape.hpp"
#include "core/error.hpp"
#include "datasets/batching.hpp"
#include "experiments/run/run_model.hpp"

namespace dpt {
namespace {

// ln sum_j exp(z_j) of one row, in double.
double log_sum_exp(const MatrixF& z, Index r) {
  const double top = z.row(r).maxCoeff();
  double s = 0.0;
  for (Index j = 0; j < z.cols(); ++j) s += std::exp(static_cast<double>(z(r, j)) - top);
  return top + std::log(s);
}

}  // namespace

void accumulate(EvaluationSums& sums, TaskKind task, int num_classes, const MatrixF& outputs, const BatchLayout& layout,
                const std::vector<int32_t>& labels, const Vector<float>& per_example_loss) {
  sums.loss_sum += per_example_loss.cast<double>().sum();
  sums.examples += per_example_loss.size();
  if (task == TaskKind::kRegression) return;
  DPT_CHECK(labels.size() == static_cast<size_t>(outputs.rows()), "accumulate: one label per output row is needed.");
  if (task == TaskKind::kClassification && sums.confusion.empty()) {
    sums.confusion.assign(static_cast<size_t>(num_classes), std::vector<int64_t>(static_cast<size_t>(num_classes), 0));
  }
  for (Index r = 0; r < outputs.rows(); ++r) {
    const int32_t label = labels[static_cast<size_t>(r)];
    if (label < 0 || layout.example_of(static_cast<int>(r)) < 0) continue;
    DPT_CHECK(label < outputs.cols(), "accumulate: a label is beyond the outputs.");
    Index arg = 0;
    outputs.row(r).maxCoeff(&arg);
    sums.correct += arg == label;
    sums.counted += 1;
    if (task == TaskKind::kClassification) {
      DPT_CHECK(label < num_classes && arg < num_classes, "accumulate: a class is beyond num_classes.");
      ++sums.confusion[static_cast<size_t>(label)][static_cast<size_t>(arg)];
    } else {
      sums.nats_sum += log_sum_exp(outputs, r) - static_cast<double>(outputs(r, label));
    }
  }
}

Evaluation summarize(const EvaluationSums& sums, const Dataset& data) {
  Evaluation e;
  e.task = data.task;
  e.examples = sums.examples;
  e.loss = sums.examples == 0 ? std::nan("") : sums.loss_sum / static_cast<double>(sums.examples);
  if (sums.counted > 0) e.accuracy = static_cast<double>(sums.correct) / static_cast<double>(sums.counted);
  switch (data.task) {
    case TaskKind::kClassification:
      e.class_names = data.class_names;
      e.confusion = sums.confusion;
      if (e.confusion.empty()) {
        e.confusion.assign(static_cast<size_t>(data.num_classes), std::vector<int64_t>(static_cast<size_t>(data.num_classes), 0));
      }
      break;
    case TaskKind::kRegression:
      if (data.output_dim == 1) {
        const double s = data.standardization.kind == "none" ? 1.0 : data.standardization.target.stddev;
        e.mse = e.loss;
        e.mse_original_units = s * s * e.mse;
        e.rmse_original_units = std::sqrt(e.mse_original_units);
      }
      break;
    case TaskKind::kLanguageModel:
      e.predicted_bytes = sums.counted;
      if (sums.counted > 0) e.bits_per_byte = sums.nats_sum / static_cast<double>(sums.counted) / std::log(2.0);
      break;
  }
  return e;
}

Evaluation evaluate(SequenceModel<float>& model, const Dataset& data, const std::vector<Example>& split, int batch_size) {
  EvaluationSums sums;
  for (size_t begin = 0; begin < split.size(); begin += static_cast<size_t>(batch_size)) {
    std::vector<int64_t> idx;
    for (size_t i = begin; i < std::min(split.size(), begin + static_cast<size_t>(batch_size)); ++i) idx.push_back(static_cast<int64_t>(i));
    const TrainingBatch batch = make_batch(data, split, idx);
    Tape<float> tape;
    const Var out = model.forward(tape, batch.inputs, /*training=*/false, 0);
    const LossResult<float> loss = task_loss(tape, out, batch, data.task);
    accumulate(sums, data.task, data.num_classes, tape.value(out), *tape.layout(out), batch.labels, loss.per_example);
  }
  return summarize(sums, data);
}

nlohmann::ordered_json to_json(const Evaluation& e) {
  nlohmann::ordered_json j{{"loss", e.loss}, {"examples", e.examples}};
  if (!std::isnan(e.accuracy)) j["accuracy"] = e.accuracy;
  switch (e.task) {
    case TaskKind::kClassification: {
      nlohmann::ordered_json per_class = nlohmann::ordered_json::array();
      for (size_t k = 0; k < e.confusion.size(); ++k) {
        int64_t examples = 0;
        for (const int64_t n : e.confusion[k]) examples += n;
        per_class.push_back({{"class", k < e.class_names.size() ? e.class_names[k] : std::to_string(k)},
                             {"examples", examples}, {"correct", e.confusion[k][k]}});
      }
      j["per_class"] = std::move(per_class);
      j["confusion_matrix"] = e.confusion;
      break;
    }
    case TaskKind::kRegression:
      if (!std::isnan(e.mse)) {
        j["mse"] = e.mse;
        j["mse_original_units"] = e.mse_original_units;
        j["rmse_original_units"] = e.rmse_original_units;
      }
      break;
    case TaskKind::kLanguageModel:
      if (!std::isnan(e.bits_per_byte)) j["bits_per_byte"] = e.bits_per_byte;
      j["predicted_bytes"] = e.predicted_bytes;
      break;
  }
  return j;
}

}  // namespace dpt
