// Tape-based reverse-mode autograd over Eigen matrices.
// Nodes are appended in evaluation order, so backward is one reverse sweep. Parameters are not
// nodes: they enter only through ops that leave a ParamUse record, and backward computes
// activation gradients plus the G of each record — never a parameter gradient. Parameter
// gradients (ordinary, per-example, clipped sums) are built from the records afterwards
// (core/per_example/).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/batch_layout.hpp"
#include "core/tensor.hpp"

namespace dpt {

// A handle to a node of one tape.
struct Var {
  int id = -1;
};

template <typename T>
class Tape {
 public:
  // Called with the node itself and the gradient of its output; adds into the inputs'
  // gradients (and may read the node's own value through `self`).
  using Backward = std::function<void(Tape&, Var self, const Matrix<T>& grad_out)>;

  // An input (data, or anything we want the gradient of in a test).
  Var leaf(Matrix<T> value, LayoutPtr layout);
  // An op's output; `backward` may be empty for values that need no gradient.
  Var push(Matrix<T> value, LayoutPtr layout, Backward backward);

  const Matrix<T>& value(Var v) const { return *nodes_[v.id].value; }
  // Shared ownership of a node's value, so a ParamUse can keep its A without a copy.
  const std::shared_ptr<const Matrix<T>>& value_ptr(Var v) const { return nodes_[v.id].value; }
  const LayoutPtr& layout(Var v) const { return nodes_[v.id].layout; }
  Index rows(Var v) const { return nodes_[v.id].value->rows(); }
  Index cols(Var v) const { return nodes_[v.id].value->cols(); }

  // For ops' backward functions: the gradient buffer of v, zero-initialised on first use.
  Matrix<T>& grad_accumulator(Var v);
  // After backward: the gradient of v (zeros if nothing reached it).
  Matrix<T> grad(Var v) const;

  // Record a parameter use; returns its index for set_use_grad.
  int record_use(ParamUse<T> use);
  void set_use_grad(int use, std::shared_ptr<const Matrix<T>> G);
  const std::vector<ParamUse<T>>& uses() const { return uses_; }

  // Reverse sweep from `root` seeded with ones (root is usually the 1x1 summed loss), or
  // with an explicit seed of root's shape. May be called once per tape.
  void backward(Var root);
  void backward(Var root, const Matrix<T>& seed);

  int size() const { return static_cast<int>(nodes_.size()); }

 private:
  struct Node {
    std::shared_ptr<const Matrix<T>> value;
    Matrix<T> grad;
    bool has_grad = false;
    LayoutPtr layout;
    Backward backward;
  };
  std::vector<Node> nodes_;
  std::vector<ParamUse<T>> uses_;
  bool backward_done_ = false;
};

extern template class Tape<float>;
extern template class Tape<double>;

}  // namespace dpt
