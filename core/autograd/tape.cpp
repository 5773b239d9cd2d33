// Tape-based reverse-mode autograd (see tape.hpp).
#include "core/autograd/tape.hpp"

#include <string>

#include "core/error.hpp"

namespace dpt {

template <typename T>
Var Tape<T>::leaf(Matrix<T> value, LayoutPtr layout) {
  return push(std::move(value), std::move(layout), nullptr);
}

template <typename T>
Var Tape<T>::push(Matrix<T> value, LayoutPtr layout, Backward backward) {
  DPT_CHECK(layout != nullptr, "every tape node needs a batch layout.");
  DPT_CHECK(value.rows() == layout->rows(),
            "a node's rows must match its layout (" + std::to_string(layout->rows()) +
                "), but are " + std::to_string(value.rows()) + ".");
  nodes_.push_back(Node{std::make_shared<const Matrix<T>>(std::move(value)), Matrix<T>(), false,
                        std::move(layout), std::move(backward)});
  return Var{static_cast<int>(nodes_.size()) - 1};
}

template <typename T>
Matrix<T>& Tape<T>::grad_accumulator(Var v) {
  Node& n = nodes_[v.id];
  if (!n.has_grad) {
    n.grad.setZero(n.value->rows(), n.value->cols());
    n.has_grad = true;
  }
  return n.grad;
}

template <typename T>
Matrix<T> Tape<T>::grad(Var v) const {
  const Node& n = nodes_[v.id];
  if (n.has_grad) return n.grad;
  return Matrix<T>::Zero(n.value->rows(), n.value->cols());
}

template <typename T>
int Tape<T>::record_use(ParamUse<T> use) {
  uses_.push_back(std::move(use));
  return static_cast<int>(uses_.size()) - 1;
}

template <typename T>
void Tape<T>::set_use_grad(int use, std::shared_ptr<const Matrix<T>> G) {
  uses_[use].G = std::move(G);
}

template <typename T>
void Tape<T>::backward(Var root) {
  backward(root, Matrix<T>::Ones(rows(root), cols(root)));
}

template <typename T>
void Tape<T>::backward(Var root, const Matrix<T>& seed) {
  DPT_CHECK(!backward_done_, "backward may run once per tape.");
  DPT_CHECK(seed.rows() == rows(root) && seed.cols() == cols(root),
            "the backward seed must have the root's shape.");
  backward_done_ = true;
  grad_accumulator(root) += seed;
  for (int id = root.id; id >= 0; --id) {
    Node& n = nodes_[id];
    if (!n.has_grad || !n.backward) continue;
    // The closure may grow other nodes' gradients but never this node's, so a const
    // reference to n.grad stays valid (nodes_ does not reallocate during backward).
    n.backward(*this, Var{id}, n.grad);
  }
  // Uses whose output no gradient reached contribute nothing: give them zero G.
  for (ParamUse<T>& use : uses_) {
    if (use.G) continue;
    const Index n_rows = use.layout->rows();
    const Index d_out = use.kind == UseKind::kLinear ? use.param->value.rows() : use.param->value.cols();
    use.G = std::make_shared<const Matrix<T>>(Matrix<T>::Zero(n_rows, d_out));
  }
}

template class Tape<float>;
template class Tape<double>;

}  // namespace dpt
