// Stochastic gradient descent with heavy-ball momentum (Polyak 1964; Sutskever et al. 2013,
// eq. 1) and Nesterov momentum (Sutskever et al. 2013, eq. 3-4, in PyTorch's reformulation),
// with PyTorch's torch.optim.SGD semantics: dampening 0, L2 weight decay added to the gradient.
#pragma once

#include "optim/optimizer.hpp"

namespace dpt {

struct SgdOptions {
  double momentum = 0.0;      // μ in [0, 1); 0 is plain SGD (no buffer kept)
  bool nesterov = false;      // needs momentum > 0
  double weight_decay = 0.0;  // λ >= 0: g <- g + λ·p before momentum (L2, as torch's weight_decay)
};

// Per parameter, at step t with learning rate η:
//   g  = grad + λ·p
//   b  = g                 (t = 1)      b = μ·b + g   (t > 1)      -- slot "momentum_buffer"
//   d  = g + μ·b  (Nesterov)            d = b         (otherwise)
//   p <- p − η·d
template <typename T>
class Sgd : public Optimizer<T> {
 public:
  // Throws dpt::InvalidArgument naming the first invalid field.
  explicit Sgd(SgdOptions options = {});
  const SgdOptions& options() const { return options_; }

 protected:
  void update(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate,
              int64_t t) override;

 private:
  SgdOptions options_;
};

extern template class Sgd<float>;
extern template class Sgd<double>;

}  // namespace dpt
