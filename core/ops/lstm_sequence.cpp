// Fused LSTM forward over all steps and fused BPTT backward (see lstm_sequence.hpp).
// Buffers are time-major: row t*B + b is example b at step t.
//
// Padding is skipped: the recurrence runs in "slots", the batch's examples ordered longest
// first, so that the examples still running at step t are the first n_t slots and every GEMM
// and elementwise pass of step t touches n_t rows, not B. When the lengths are already
// non-increasing (in particular all equal) the slots ARE the batch rows and nothing is copied;
// otherwise the inputs are gathered into slot order once and the outputs (Y, h_{t-1}, dZ)
// scattered back, so the tape and the ParamUse records always see the batch's own row order.
#include "core/ops/lstm_sequence.hpp"

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/runtime/parallel_blocks.hpp"

namespace dpt {
namespace {

// Slot k holds example order[k]; n_t = active[t] slots run at step t.
struct Slots {
  std::vector<int> order;   // empty: the identity (lengths already non-increasing)
  std::vector<Index> active;  // (T) examples with length > t
};

Slots make_slots(const BatchLayout& layout) {
  const int B = layout.batch();
  Slots s;
  bool non_increasing = true;
  for (int b = 1; b < B; ++b) non_increasing = non_increasing && layout.length(b) <= layout.length(b - 1);
  if (!non_increasing) {
    s.order.resize(static_cast<size_t>(B));
    std::iota(s.order.begin(), s.order.end(), 0);
    std::stable_sort(s.order.begin(), s.order.end(), [&](int a, int b) { return layout.length(a) > layout.length(b); });
  }
  s.active.assign(static_cast<size_t>(layout.steps()), 0);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < layout.length(b); ++t) ++s.active[static_cast<size_t>(t)];
  }
  return s;
}

// dst row t*B + k = src row t*B + order[k] (to slots), or the reverse (from slots).
template <typename T>
void permute_rows(const Matrix<T>& src, const std::vector<int>& order, bool to_slots, Matrix<T>& dst) {
  const Index B = static_cast<Index>(order.size());
  dst.resize(src.rows(), src.cols());
  const Index steps = B > 0 ? src.rows() / B : 0;
  parallel_blocks(steps, 8, [&](Index t0, Index n) {
    for (Index t = t0; t < t0 + n; ++t) {
      for (Index k = 0; k < B; ++k) {
        const Index slot = t * B + k, row = t * B + order[static_cast<size_t>(k)];
        if (to_slots) {
          dst.row(slot) = src.row(row);
        } else {
          dst.row(row) = src.row(slot);
        }
      }
    }
  });
}

// Everything backward needs from the forward sweep, in slot order; rows of slots that are not
// running at their step are never written nor read.
template <typename T>
struct LstmCache {
  Slots slots;
  Matrix<T> gates;   // (T*B, 4H) activated gates [i | f | g | o]
  Matrix<T> cell;    // (T*B, H) c_t
  Matrix<T> tanh_c;  // (T*B, H) tanh(c_t)
};

}  // namespace

template <typename T>
Var lstm_sequence(Tape<T>& tape, Var x, const LstmWeights<T>& w) {
  const BatchLayout& layout = *tape.layout(x);
  const Matrix<T>& X = tape.value(x);  // (T*B, D)
  const Index H = w.weight_hh->value.cols();
  const Index D = X.cols();
  const int steps = layout.steps();
  const int B = layout.batch();
  const Index TB = X.rows();
  DPT_CHECK(w.weight_ih->value.rows() == 4 * H && w.weight_ih->value.cols() == D,
            w.weight_ih->name + ": must be (" + std::to_string(4 * H) + ", " + std::to_string(D) + ").");
  DPT_CHECK(w.weight_hh->value.rows() == 4 * H, w.weight_hh->name + ": must be (4H, H).");
  DPT_CHECK(w.bias_ih->value.cols() == 4 * H && w.bias_hh->value.cols() == 4 * H,
            w.bias_ih->name + ", " + w.bias_hh->name + ": must be (1, 4H).");

  auto cache = std::make_shared<LstmCache<T>>();
  cache->slots = make_slots(layout);
  const std::vector<int>& order = cache->slots.order;
  const bool permuted = !order.empty();
  Matrix<T> X_slots;
  if (permuted) permute_rows(X, order, true, X_slots);
  const Matrix<T>& Xs = permuted ? X_slots : X;

  Matrix<T>& Z = cache->gates;  // pre-activations, overwritten in place by activations
  Z.resize(TB, 4 * H);
  const Matrix<T>& W_ih = w.weight_ih->value;  // (4H, D)
  const Matrix<T>& W_hh = w.weight_hh->value;  // (4H, H)
  parallel_blocks(4 * H, kGemmColumnBlock, [&](Index j, Index n) {  // every step's input projection
    Z.middleCols(j, n).noalias() = Xs * W_ih.middleRows(j, n).transpose();
  });
  Z.rowwise() += w.bias_ih->value.row(0) + w.bias_hh->value.row(0);
  cache->cell.resize(TB, H);
  cache->tanh_c.resize(TB, H);
  auto h_prev = std::make_shared<Matrix<T>>(TB, H);  // (T*B, H) h_{t-1}: the A of W_hh
  Matrix<T> Y(TB, H);                                 // (T*B, H) outputs, 0 on padding
  Matrix<T> h = Matrix<T>::Zero(B, H);                // (B, H) state, slot order
  Matrix<T> c = Matrix<T>::Zero(B, H);

  for (int t = 0; t < steps; ++t) {
    const Index r0 = static_cast<Index>(t) * B;
    const Index n = cache->slots.active[static_cast<size_t>(t)];  // running slots: [0, n)
    h_prev->middleRows(r0, n) = h.topRows(n);
    // Padding rows: no output, and their (unused) state must not be read as anyone's history.
    h_prev->middleRows(r0 + n, B - n).setZero();
    Y.middleRows(r0 + n, B - n).setZero();
    auto Zt = Z.middleRows(r0, n);
    // Z_t += h W_hh^T: in blocks of Z_t's columns when 4H is wide, else of batch rows (shapes
    // decide, never the thread count).
    if (4 * H >= 2 * kGemmColumnBlock) {
      parallel_blocks(4 * H, kGemmColumnBlock, [&](Index j, Index m) {
        Zt.middleCols(j, m).noalias() += h.topRows(n) * W_hh.middleRows(j, m).transpose();
      });
    } else {
      parallel_blocks(n, kGemmColumnBlock / 2,
                      [&](Index b0, Index m) { Zt.middleRows(b0, m).noalias() += h.middleRows(b0, m) * W_hh.transpose(); });
    }
    // Gates, cell and output, row by row (independent rows: any blocking gives the same bits).
    parallel_blocks(n, kElementwiseRowBlock, [&](Index b0, Index m) {
      auto Zb = Z.middleRows(r0 + b0, m);
      Zb.leftCols(2 * H) = Zb.leftCols(2 * H).array().logistic().matrix();       // i, f
      Zb.middleCols(2 * H, H) = Zb.middleCols(2 * H, H).array().tanh().matrix();  // g
      Zb.rightCols(H) = Zb.rightCols(H).array().logistic().matrix();             // o
      auto cb = c.middleRows(b0, m);
      cb.array() = Zb.middleCols(H, H).array() * cb.array() + Zb.leftCols(H).array() * Zb.middleCols(2 * H, H).array();
      auto tc = cache->tanh_c.middleRows(r0 + b0, m);
      tc = cb.array().tanh().matrix();
      h.middleRows(b0, m).array() = Zb.rightCols(H).array() * tc.array();
      cache->cell.middleRows(r0 + b0, m) = cb;
      Y.middleRows(r0 + b0, m) = h.middleRows(b0, m);
    });
  }
  if (permuted) {  // back to the batch's row order
    Matrix<T> rows;
    permute_rows(Y, order, false, rows);
    Y.swap(rows);
    permute_rows(*h_prev, order, false, rows);
    h_prev->swap(rows);
  }

  const LstmWeights<T> weights = w;
  const int use_ih = tape.record_use({UseKind::kLinear, w.weight_ih, tape.layout(x), tape.value_ptr(x), nullptr, nullptr});
  const int use_hh = tape.record_use({UseKind::kLinear, w.weight_hh, tape.layout(x), h_prev, nullptr, nullptr});
  const int use_bih = tape.record_use({UseKind::kBias, w.bias_ih, tape.layout(x), nullptr, nullptr, nullptr});
  const int use_bhh = tape.record_use({UseKind::kBias, w.bias_hh, tape.layout(x), nullptr, nullptr, nullptr});

  auto backward = [x, weights, cache, use_ih, use_hh, use_bih, use_bhh](Tape<T>& tp, Var, const Matrix<T>& dY_rows) {
    const BatchLayout& l = *tp.layout(x);
    const int nb = l.batch();
    const Index nh = weights.weight_hh->value.cols();
    const std::vector<int>& slot_order = cache->slots.order;
    const bool slotted = !slot_order.empty();
    Matrix<T> dY_slots;
    if (slotted) permute_rows(dY_rows, slot_order, true, dY_slots);
    const Matrix<T>& dY = slotted ? dY_slots : dY_rows;
    auto dZ = std::make_shared<Matrix<T>>(dY.rows(), 4 * nh);  // (T*B, 4H) dL/dZ, every entry written below
    Matrix<T> dh = Matrix<T>::Zero(nb, nh);  // (B, H) dL/dh_t from later steps, slot order
    Matrix<T> dc = Matrix<T>::Zero(nb, nh);  // (B, H) dL/dc_t from later steps
    for (int t = l.steps() - 1; t >= 0; --t) {
      const Index r0 = static_cast<Index>(t) * nb;
      const Index n = cache->slots.active[static_cast<size_t>(t)];  // running slots: [0, n)
      dZ->middleRows(r0 + n, nb - n).setZero();  // padding rows: no gradient flows in or out
      // Row by row (independent rows: any blocking gives the same bits). Slots >= n have not
      // started yet in this backward sweep: their dh and dc are still exactly 0.
      parallel_blocks(n, kElementwiseRowBlock, [&](Index b0, Index m) {
        const auto G = cache->gates.middleRows(r0 + b0, m).array();
        const auto i = G.leftCols(nh), f = G.middleCols(nh, nh), g = G.middleCols(2 * nh, nh), o = G.rightCols(nh);
        const auto tc = cache->tanh_c.middleRows(r0 + b0, m).array();
        auto dZt = dZ->middleRows(r0 + b0, m);
        auto dhb = dh.middleRows(b0, m);
        auto dcb = dc.middleRows(b0, m);
        dhb += dY.middleRows(r0 + b0, m);
        dcb.array() += dhb.array() * o * (T(1) - tc * tc);
        dZt.rightCols(nh).array() = dhb.array() * tc * o * (T(1) - o);
        dZt.leftCols(nh).array() = dcb.array() * g * i * (T(1) - i);
        dZt.middleCols(2 * nh, nh).array() = dcb.array() * i * (T(1) - g * g);
        if (t > 0) {  // slot k running at t was running at t - 1
          dZt.middleCols(nh, nh).array() = dcb.array() * cache->cell.middleRows(r0 - nb + b0, m).array() * f * (T(1) - f);
        } else {
          dZt.middleCols(nh, nh).setZero();  // c_{-1} = 0, so dZ_f = 0
        }
        dcb.array() *= f;
      });
      // dh = dZ_t W_hh: in blocks of dh's columns when H is wide, else of batch rows (H = 64
      // would give one column block, i.e. one thread). Both blockings depend on shapes only.
      const auto dZt = dZ->middleRows(r0, n);
      const Matrix<T>& W_hh_b = weights.weight_hh->value;
      if (nh >= kGemmColumnBlock) {
        parallel_blocks(nh, kGemmColumnBlock / 2,
                        [&](Index j, Index m) { dh.topRows(n).middleCols(j, m).noalias() = dZt * W_hh_b.middleCols(j, m); });
      } else {
        parallel_blocks(n, kGemmColumnBlock / 2,
                        [&](Index b0, Index m) { dh.middleRows(b0, m).noalias() = dZt.middleRows(b0, m) * W_hh_b; });
      }
    }
    if (slotted) {  // G in the batch's row order, as the ParamUse layout expects
      auto rows = std::make_shared<Matrix<T>>();
      permute_rows(*dZ, slot_order, false, *rows);
      dZ = rows;
    }
    Matrix<T>& gx = tp.grad_accumulator(x);  // dX += dZ W_ih, in fixed row blocks
    const Matrix<T>& W_ih_b = weights.weight_ih->value;
    parallel_blocks(gx.rows(), kGemmRowBlock,
                    [&](Index i, Index n) { gx.middleRows(i, n).noalias() += dZ->middleRows(i, n) * W_ih_b; });
    std::shared_ptr<const Matrix<T>> G = dZ;
    tp.set_use_grad(use_ih, G);
    tp.set_use_grad(use_hh, G);
    tp.set_use_grad(use_bih, G);
    tp.set_use_grad(use_bhh, G);
  };
  return tape.push(std::move(Y), tape.layout(x), std::move(backward));
}

template Var lstm_sequence<float>(Tape<float>&, Var, const LstmWeights<float>&);
template Var lstm_sequence<double>(Tape<double>&, Var, const LstmWeights<double>&);

}  // namespace dpt
