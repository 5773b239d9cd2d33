// Adam (Kingma & Ba 2015, Algorithm 1, bias-corrected moments) with L2 weight decay added to
// the gradient, and AdamW (Loshchilov & Hutter 2019, Algorithm 2: decay decoupled from the
// adaptive step). Both follow torch.optim.Adam / AdamW, including eps outside the square root.
#pragma once

#include "optim/optimizer.hpp"

namespace dpt {

struct AdamOptions {
  double beta1 = 0.9;         // β1 in [0, 1): decay of the first moment
  double beta2 = 0.999;       // β2 in [0, 1): decay of the second moment
  double eps = 1e-8;          // ε >= 0, added to sqrt(v̂) (torch's placement)
  double weight_decay = 0.0;  // λ >= 0: L2 for Adam, decoupled for AdamW
};

// torch.optim.AdamW's defaults: weight_decay 0.01.
inline AdamOptions adamw_defaults() {
  AdamOptions o;
  o.weight_decay = 1e-2;
  return o;
}

// Per parameter, at step t with learning rate η (slots "exp_avg" = m, "exp_avg_sq" = v):
//   Adam:  g = grad + λ·p                    AdamW:  g = grad,  p <- p·(1 − η·λ)
//   m = β1·m + (1−β1)·g,   v = β2·v + (1−β2)·g²
//   p <- p − (η / (1−β1ᵗ)) · m / (sqrt(v) / sqrt(1−β2ᵗ) + ε)       (= η·m̂ / (sqrt(v̂) + ε))
template <typename T>
class Adam : public Optimizer<T> {
 public:
  // Throws dpt::InvalidArgument naming the first invalid field.
  explicit Adam(AdamOptions options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(AdamOptions options, bool decoupled_weight_decay, std::string kind);
  void update(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate,
              int64_t t) override;

 private:
  AdamOptions options_;
  bool decoupled_;  // AdamW
};

template <typename T>
class AdamW : public Adam<T> {
 public:
  explicit AdamW(AdamOptions options = adamw_defaults());
};

extern template class Adam<float>;
extern template class Adam<double>;
extern template class AdamW<float>;
extern template class AdamW<double>;

}  // namespace dpt
