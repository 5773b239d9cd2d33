// How a sequence model reduces the top LSTM layer's outputs to one row per sequence when it does
// not return sequences (model.pooling): the last real step, or the mean over real steps.
#pragma once

namespace dpt {

enum class Pooling { kLast, kMean };

}  // namespace dpt
