// Writes a model and one batch's results for tests/torch_compat/check_against_torch.py:
// `torch_compat_export DIR MODEL` (MODEL: lstm, bilstm, gru, bigru: two equal recurrent layers
// of that cell, one-directional or bidirectional) -> DIR/model.safetensors (parameters, PyTorch names, F64) and
// DIR/case.safetensors (inputs, logits, per-example losses, the ordinary gradient, per-example
// squared gradient norms and a clipped sum). The script rebuilds the model from torch.nn
// modules, runs each example alone through torch autograd and compares.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/io/safetensors.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/per_example/per_example_norms.hpp"
#include "core/random/counter_rng.hpp"

using namespace dpt;

int main(int argc, char** argv) {
  const std::map<std::string, RecurrentLayerSpec> kinds{{"lstm", {RecurrentCell::kLstm, 6, false, 0.0}},
                                                        {"bilstm", {RecurrentCell::kLstm, 6, true, 0.0}},
                                                        {"gru", {RecurrentCell::kGru, 6, false, 0.0}},
                                                        {"bigru", {RecurrentCell::kGru, 6, true, 0.0}}};
  if (argc != 3 || kinds.count(argv[2]) == 0) {
    std::fprintf(stderr, "usage: torch_compat_export DIR lstm|bilstm|gru|bigru\n");
    return 2;
  }
  const std::string dir = argv[1];
  SequenceModelSpec spec;
  spec.vocab_size = 11;
  spec.embedding_dim = 5;
  // Equal sizes: one torch.nn.LSTM / nn.GRU(num_layers=2, bidirectional=...).
  spec.recurrent = {kinds.at(argv[2]), kinds.at(argv[2])};
  spec.outputs = 3;
  SequenceModel<double> model(spec, 2024);
  const ParameterList<double> params = model.parameters();

  const std::vector<int> lengths{7, 3, 5, 1, 6};
  const int B = static_cast<int>(lengths.size());
  SequenceBatch<double> batch;
  batch.layout = BatchLayout::sequence(lengths);
  const CounterRng rng(7);
  auto tokens = std::make_shared<std::vector<int32_t>>(batch.layout->rows(), 0);
  for (int r = 0; r < batch.layout->rows(); ++r) {
    if (batch.layout->example_of(r) >= 0) (*tokens)[r] = static_cast<int32_t>(rng.bits(static_cast<uint64_t>(r)) % 11);
  }
  batch.tokens = tokens;
  std::vector<int32_t> labels{0, 2, 1, 1, 0};

  Tape<double> tape;
  const Var logits = model.forward(tape, batch, false, 0);
  const LossResult<double> loss = cross_entropy_loss(tape, logits, labels);
  tape.backward(loss.total);
  const std::vector<MatrixD> grads = gradient_sum(tape.uses(), params);
  const PerExampleNorms<double> norms = per_example_sq_norms(tape.uses(), params, B);
  const double clip_norm = 0.5;
  MatrixD c(B, 1);
  for (int i = 0; i < B; ++i) c(i, 0) = std::min(1.0, clip_norm / std::sqrt(norms.total_sq()(i)));
  const std::vector<MatrixD> clipped = weighted_gradient_sum(tape.uses(), params, c);

  // Results as named F64 tensors.
  std::vector<Parameter<double>> out;
  auto add = [&](const std::string& name, MatrixD value, int rank) { out.push_back({name, std::move(value), rank}); };
  MatrixD tok(1, tokens->size()), len(1, B), lab(1, B);
  for (size_t r = 0; r < tokens->size(); ++r) tok(0, static_cast<Index>(r)) = (*tokens)[r];
  for (int b = 0; b < B; ++b) len(0, b) = lengths[b], lab(0, b) = labels[b];
  add("tokens", tok, 1);
  add("lengths", len, 1);
  add("labels", lab, 1);
  add("logits", tape.value(logits), 2);
  add("loss_per_example", loss.per_example.transpose(), 1);
  add("sq_norm_per_example", norms.total_sq().transpose(), 1);
  MatrixD clip(1, 1);
  clip(0, 0) = clip_norm;
  add("clip_norm", clip, 1);
  for (size_t p = 0; p < params.size(); ++p) {
    add("grad." + params[p]->name, grads[p], params[p]->rank);
    add("clipped_sum." + params[p]->name, clipped[p], params[p]->rank);
  }
  ParameterList<double> out_list;
  for (Parameter<double>& p : out) out_list.push_back(&p);
  save_safetensors(dir + "/model.safetensors", params, {{"format", "pt"}});
  save_safetensors(dir + "/case.safetensors", out_list);
  std::printf("wrote %s/model.safetensors and %s/case.safetensors\n", dir.c_str(), dir.c_str());
  return 0;
}
