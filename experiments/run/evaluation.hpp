// Evaluation of a model on a split (validation each epoch, test at the end, `dptrain evaluate`):
// mean loss and, by task, accuracy and a confusion matrix (classification), the MSE in
// standardised and original units (regression), accuracy and bits per byte (language models) —
// in fixed-size batches, without gradients, dropout off. Evaluation reads held-out data only; it
// is not part of the DP mechanism. The sums are kept apart from the model (EvaluationSums), so
// the metrics can be checked on hand-made outputs.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/batch_layout.hpp"
#include "core/models/sequence_model.hpp"
#include "datasets/dataset.hpp"

namespace dpt {

struct Evaluation {
  TaskKind task = TaskKind::kClassification;
  double loss = 0.0;               // mean over the split's examples of their loss (NaN for an empty split)
  double accuracy = std::nan("");  // classification and language models (per labelled position)
  int64_t examples = 0;
  // Classification: confusion[true class][predicted class] (argmax), num_classes x num_classes;
  // its row sums are each class's examples, its diagonal each class's correct predictions.
  std::vector<std::string> class_names;
  std::vector<std::vector<int64_t>> confusion;
  // Regression (one target column): mse = the loss (standardised values); in the target's
  // original units mse * stddev^2 and its square root (= mse when data.standardize is "none").
  double mse = std::nan(""), mse_original_units = std::nan(""), rmse_original_units = std::nan("");
  // Language model: the mean over every predicted byte (each position that has a next byte, all
  // examples pooled) of -log2 p(next byte). NOT loss / ln 2: the loss averages per example
  // first (each example's mean over its positions), so examples of different lengths weigh
  // the same there, while every byte weighs the same here.
  double bits_per_byte = std::nan("");
  int64_t predicted_bytes = 0;
};

// What evaluate() adds up over a split's batches.
struct EvaluationSums {
  double loss_sum = 0.0;
  int64_t examples = 0;
  int64_t correct = 0, counted = 0;             // argmax hits among the labelled rows
  std::vector<std::vector<int64_t>> confusion;  // classification
  double nats_sum = 0.0;                        // language model: sum of -ln p(label) over labelled rows
};

// Adds one batch: `outputs` (rows = the model's output rows: one per example pooled, one per step
// with return_sequences), `layout` maps rows to examples (-1: padding), `labels` one per row
// (classification: the class; language model: the next token; < 0: none; empty for regression),
// `per_example_loss` (B) the task loss of each example. `num_classes` sizes the confusion matrix.
void accumulate(EvaluationSums& sums, TaskKind task, int num_classes, const MatrixF& outputs, const BatchLayout& layout,
                const std::vector<int32_t>& labels, const Vector<float>& per_example_loss);

// The metrics of the sums; `data` gives the task, the class names and the target's scale.
Evaluation summarize(const EvaluationSums& sums, const Dataset& data);

// `split` (one of data's splits, or examples encoded like them) through `model` in batches of
// `batch_size`.
Evaluation evaluate(SequenceModel<float>& model, const Dataset& data, const std::vector<Example>& split, int batch_size);

// {"loss", "examples", "accuracy"?, then by task: "per_class" [{"class", "examples", "correct"}]
// and "confusion_matrix" (rows = true class, columns = predicted) | "mse", "mse_original_units",
// "rmse_original_units" | "bits_per_byte", "predicted_bytes"}: a metrics.jsonl field and what
// `dptrain evaluate` prints. The first three keys are those of earlier versions, in their order.
nlohmann::ordered_json to_json(const Evaluation& evaluation);

}  // namespace dpt
