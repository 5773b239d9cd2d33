// Model outputs for prediction (see prediction.hpp).
#include "experiments/run/prediction.hpp"

#include <algorithm>
#include <cmath>

#include "core/autograd/tape.hpp"
#include "core/error.hpp"
#include "datasets/batching.hpp"

namespace dpt {

std::vector<std::vector<double>> output_rows(SequenceModel<float>& model, const Dataset& run, const std::vector<Example>& examples,
                                             int batch_size) {
  DPT_CHECK(batch_size >= 1, "output_rows: batch_size must be >= 1.");
  const bool per_step = model.spec().return_sequences;
  std::vector<std::vector<double>> rows;
  rows.reserve(examples.size());
  for (size_t begin = 0; begin < examples.size(); begin += static_cast<size_t>(batch_size)) {
    std::vector<int64_t> idx;
    for (size_t i = begin; i < std::min(examples.size(), begin + static_cast<size_t>(batch_size)); ++i) idx.push_back(static_cast<int64_t>(i));
    const TrainingBatch batch = make_batch(run, examples, idx);
    Tape<float> tape;
    const Var out = model.forward(tape, batch.inputs, /*training=*/false, 0);
    const MatrixF& z = tape.value(out);
    const BatchLayout& layout = *batch.inputs.layout;
    for (int b = 0; b < layout.batch(); ++b) {
      const Index r = per_step ? static_cast<Index>(layout.length(b) - 1) * layout.batch() + b : b;
      std::vector<double> row(static_cast<size_t>(z.cols()));
      for (Index j = 0; j < z.cols(); ++j) row[static_cast<size_t>(j)] = z(r, j);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::vector<double> softmax(const std::vector<double>& logits) {
  if (logits.empty()) return {};
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0.0;
  for (size_t j = 0; j < logits.size(); ++j) sum += p[j] = std::exp(logits[j] - top);
  for (double& v : p) v /= sum;
  return p;
}

std::vector<Ranked> top_k(const std::vector<double>& p, int k, int32_t first_id) {
  std::vector<Ranked> all;
  for (size_t j = static_cast<size_t>(std::max(first_id, 0)); j < p.size(); ++j) all.push_back({static_cast<int32_t>(j), p[j]});
  DPT_CHECK(k >= 0 && static_cast<size_t>(k) <= all.size(), "top_k: k must be in [0, the number of ids].");
  std::partial_sort(all.begin(), all.begin() + k, all.end(),
                    [](const Ranked& a, const Ranked& b) { return a.p != b.p ? a.p > b.p : a.id < b.id; });
  all.resize(static_cast<size_t>(k));
  return all;
}

}  // namespace dpt
