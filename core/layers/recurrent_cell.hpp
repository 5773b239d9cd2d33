// The cells a recurrent layer can have (core/layers/recurrent_stack.hpp): torch.nn.LSTM's
// and torch.nn.GRU's. Header-only and free of Eigen, so configs can name a cell.
#pragma once

namespace dpt {

enum class RecurrentCell { kLstm, kGru };

}  // namespace dpt
