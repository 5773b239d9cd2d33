// Weighted and ordinary gradient sums over parameter-use records (see gradient_sum.hpp).
#include "core/per_example/gradient_sum.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/runtime/parallel_blocks.hpp"
#include "core/per_example/use_groups.hpp"

namespace dpt {
namespace {

// grad (d_out, d_in) += G^T A, in fixed blocks of grad's rows: about four blocks of 64 to 256
// rows (sizes from the shape alone, never from the thread count), large enough for Eigen's
// kernel to run near peak — the inner dimension (all N rows of the batch) is long.
template <typename T>
void add_gt_a(const Matrix<T>& G, const Matrix<T>& A, Matrix<T>& grad) {
  const Index block = std::clamp<Index>((grad.rows() / 4 + 63) / 64 * 64, 64, 256);
  parallel_blocks(grad.rows(), block, [&](Index j, Index n) {
    grad.middleRows(j, n).noalias() += G.middleCols(j, n).transpose() * A;
  });
}

// G with each row scaled by its example's factor; rows whose factor is 0 are exactly 0.
template <typename T>
struct ScaledG {
  Matrix<T> Gc;            // (N, d_out)
  bool zero_rows = false;  // some example (not padding) has factor 0
};

template <typename T>
std::shared_ptr<const ScaledG<T>> scale_rows(const ParamUse<T>& use, const Vector<T>& c) {
  const Matrix<T>& G = *use.G;
  auto out = std::make_shared<ScaledG<T>>();
  out->Gc.resize(G.rows(), G.cols());
  for (Index r = 0; r < G.rows(); ++r) {
    if (c(r) == T(0)) {
      out->Gc.row(r).setZero();
      out->zero_rows = out->zero_rows || use.layout->example_of(static_cast<int>(r)) >= 0;
    } else {
      out->Gc.row(r) = c(r) * G.row(r);
    }
  }
  return out;
}

template <typename T>
void accumulate_use(const ParamUse<T>& use, const Vector<T>* c_row, const ScaledG<T>* scaled_g, Matrix<T>& grad) {
  const Matrix<T>& G = *use.G;  // (N, d_out)
  if (c_row == nullptr) {
    switch (use.kind) {
      case UseKind::kLinear: add_gt_a(G, *use.A, grad); break;
      case UseKind::kBias: add_row_sum(G, grad.row(0)); break;
      case UseKind::kEmbedding:
        for (Index r = 0; r < G.rows(); ++r) grad.row((*use.ids)[r]) += G.row(r);
        break;
    }
    return;
  }
  const Vector<T>& c = *c_row;  // (N)
  const ScaledG<T>& scaled = *scaled_g;
  const Matrix<T>& Gc = scaled.Gc;
  const bool zero_rows = scaled.zero_rows;
  switch (use.kind) {
    case UseKind::kLinear:
      if (zero_rows) {  // an example dropped to 0 may have non-finite activations: zero them too
        Matrix<T> A = *use.A;
        for (Index r = 0; r < A.rows(); ++r) {
          if (c(r) == T(0)) A.row(r).setZero();
        }
        add_gt_a(Gc, A, grad);
      } else {
        add_gt_a(Gc, *use.A, grad);
      }
      break;
    case UseKind::kBias: add_row_sum(Gc, grad.row(0)); break;
    case UseKind::kEmbedding:
      for (Index r = 0; r < Gc.rows(); ++r) grad.row((*use.ids)[r]) += Gc.row(r);
      break;
  }
}

template <typename T>
std::vector<Matrix<T>> zero_gradients(const ParameterList<T>& params) {
  std::vector<Matrix<T>> grads;
  grads.reserve(params.size());
  for (const Parameter<T>* p : params) grads.push_back(Matrix<T>::Zero(p->value.rows(), p->value.cols()));
  return grads;
}

// (N) the factor of each row's example from column `col` of c; 0 on padding rows.
template <typename T>
Vector<T> row_factors(const BatchLayout& l, const Matrix<T>& c, Index col) {
  DPT_CHECK(c.rows() == l.batch(), "clip factors must have one row per example (" + std::to_string(l.batch()) +
                                       "), but have " + std::to_string(c.rows()) + ".");
  Vector<T> c_row(l.rows());
  for (int r = 0; r < l.rows(); ++r) {
    const int i = l.example_of(r);
    c_row(r) = i >= 0 ? c(i, col) : T(0);
  }
  return c_row;
}

// Some example (not padding) has factor 0.
template <typename T>
bool has_zero_factor(const BatchLayout& l, const Vector<T>& c_row) {
  bool zero_factor = false;
  for (int r = 0; r < l.rows() && !zero_factor; ++r) zero_factor = c_row(r) == T(0) && l.example_of(r) >= 0;
  return zero_factor;
}

// Scaled copies shared between uses, keyed by (the record's A or G, factor column).
template <typename T>
struct ScaledCaches {
  template <typename V>
  using Cache = std::map<std::pair<const Matrix<T>*, Index>, std::shared_ptr<const V>>;
  Cache<ScaledG<T>> G;       // rows of G scaled, zero factors zeroed (shared G: the LSTM's four uses)
  Cache<Matrix<T>> A;        // diag(c) A
  Cache<RowVector<T>> bias;  // c^T G, biases sharing one G
};

// grad += G^T diag(c_row) A of one use whose examples all have a non-zero factor: scale A, which
// has fewer columns than the G the LSTM's four uses share; bias and embedding rows are scaled on
// the fly. Padding rows have c = 0 and G = 0 exactly, so they still add exact zeros.
template <typename T>
void add_scaled_use(const ParamUse<T>& use, const Vector<T>& c_row, Index col, ScaledCaches<T>& caches,
                    Matrix<T>& grad) {
  switch (use.kind) {
    case UseKind::kLinear: {
      auto& Ac = caches.A[{use.A.get(), col}];
      if (!Ac) Ac = std::make_shared<const Matrix<T>>(c_row.asDiagonal() * *use.A);
      add_gt_a(*use.G, *Ac, grad);
      break;
    }
    case UseKind::kBias: {  // biases sharing one G and factor column share one product
      auto& sum = caches.bias[{use.G.get(), col}];
      if (!sum) sum = std::make_shared<const RowVector<T>>(c_row.transpose() * *use.G);
      grad.row(0) += *sum;
      break;
    }
    case UseKind::kEmbedding:
      for (Index r = 0; r < c_row.size(); ++r) grad.row((*use.ids)[r]) += c_row(r) * use.G->row(r);
      break;
  }
}

}  // namespace

template <typename T>
std::vector<Matrix<T>> weighted_gradient_sum(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                             const Matrix<T>& c) {
  return weighted_gradient_sum(group_uses(uses, params), params, c, std::vector<bool>(params.size(), true));
}

template <typename T>
std::vector<Matrix<T>> weighted_gradient_sum(const std::vector<UseGroup<T>>& groups, const ParameterList<T>& params,
                                             const Matrix<T>& c, const std::vector<bool>& include) {
  DPT_CHECK(c.cols() == 1 || c.cols() == static_cast<Index>(params.size()),
            "clip factors must have one column or one per parameter (" + std::to_string(params.size()) +
                "), but have " + std::to_string(c.cols()) + ".");
  std::vector<Matrix<T>> grads = zero_gradients(params);
  ScaledCaches<T> caches;
  for (size_t p = 0; p < params.size(); ++p) {
    if (!include[p]) continue;
    const Index col = c.cols() == 1 ? 0 : static_cast<Index>(p);
    for (const ParamUse<T>* use : groups[p]) {
      const Vector<T> c_row = row_factors(*use->layout, c, col);  // (N)
      if (!has_zero_factor(*use->layout, c_row)) {
        add_scaled_use(*use, c_row, col, caches, grads[p]);
        continue;
      }
      // Some example is dropped (factor 0, e.g. a NaN gradient): zero its rows of G (and of A)
      // instead of multiplying them, so nothing non-finite reaches the sum. Uses that share one
      // G (the LSTM's four) and one factor column share one scaled copy.
      auto& scaled = caches.G[{use->G.get(), col}];
      if (!scaled) scaled = scale_rows(*use, c_row);
      accumulate_use(*use, &c_row, scaled.get(), grads[p]);
    }
  }
  return grads;
}

template <typename T>
std::vector<Matrix<T>> gradient_sum(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params) {
  const std::vector<UseGroup<T>> groups = group_uses(uses, params);
  std::vector<Matrix<T>> grads = zero_gradients(params);
  for (size_t p = 0; p < params.size(); ++p) {
    for (const ParamUse<T>* use : groups[p]) accumulate_use<T>(*use, nullptr, nullptr, grads[p]);
  }
  return grads;
}

#define DPT_INSTANTIATE(T)                                                                                 \
  template std::vector<Matrix<T>> weighted_gradient_sum<T>(const std::vector<ParamUse<T>>&,                \
                                                           const ParameterList<T>&, const Matrix<T>&);     \
  template std::vector<Matrix<T>> weighted_gradient_sum<T>(const std::vector<UseGroup<T>>&,                \
                                                           const ParameterList<T>&, const Matrix<T>&,      \
                                                           const std::vector<bool>&);                      \
  template std::vector<Matrix<T>> gradient_sum<T>(const std::vector<ParamUse<T>>&, const ParameterList<T>&);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
