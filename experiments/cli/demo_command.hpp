// `dptrain demo`: trains a tiny LSTM classifier on generated sequences and prints its loss
// falling. A smoke test of the engine for new users until `dptrain run CONFIG` exists.
#pragma once

#include <cstdint>

namespace dpt {

struct DemoOptions {
  int steps = 300;
  int batch_size = 32;
  double learning_rate = 0.5;
  uint64_t seed = 1;
};

// Returns the process exit code.
int run_demo(const DemoOptions& options);

}  // namespace dpt
