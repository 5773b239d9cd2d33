// Fused LSTM forward over all steps and fused BPTT backward (see lstm_sequence.hpp), written
// as named passes in the order of the equations (gate order i, f, g, o; σ the logistic):
//   forward   (1) Z   = X W_ihᵀ + b_ih + b_hh                 every step in one GEMM
//             (2) Z_t += h_{t-1} W_hhᵀ                          per step
//             (3) i, f, o = σ(Z_i, Z_f, Z_o), g = tanh(Z_g)
//                 c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
//   backward  (4) dh_t  = dY_t + dZ_{t+1} W_hh
//                 dc_t  = dh_t ⊙ o ⊙ (1 − tanh² c_t) + dc_{t+1} ⊙ f_{t+1}
//                 dZ_i  = dc_t ⊙ g ⊙ i (1 − i),      dZ_f = dc_t ⊙ c_{t-1} ⊙ f (1 − f)
//                 dZ_g  = dc_t ⊙ i ⊙ (1 − g²),       dZ_o = dh_t ⊙ tanh c_t ⊙ o (1 − o)
//             (5) dh_{t-1} = dZ_t W_hh                          per step (enters (4) at t-1)
//             (6) dX  += dZ W_ih                                every step in one GEMM
// The weight gradients are not formed here: dZ is the G of four ParamUse records.
// Buffers are time-major: row t*B + b is example b at step t.
//
// Padding is skipped: the recurrence runs in "slots", the batch's examples ordered longest
// first, so that the examples still running at step t are the first n_t slots and every GEMM
// and elementwise pass of step t touches n_t rows, not B. When the lengths are already
// non-increasing (in particular all equal) the slots ARE the batch rows and nothing is copied;
// otherwise the inputs are gathered into slot order once and the outputs (Y, h_{t-1}, dZ)
// scattered back, so the tape and the ParamUse records always see the batch's own row order
// (Slots, make_slots and permute_rows: sequence_slots.hpp, shared with gru_sequence).
#include "core/ops/lstm_sequence.hpp"

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/ops/sequence_slots.hpp"
#include "core/runtime/parallel_blocks.hpp"

namespace dpt {
namespace {

// Everything backward needs from the forward sweep, in slot order; rows of slots that are not
// running at their step are never written nor read.
template <typename T>
struct LstmCache {
  Slots slots;
  Matrix<T> gates;   // (T*B, 4H) activated gates [i | f | g | o]
  Matrix<T> cell;    // (T*B, H) c_t
  Matrix<T> tanh_c;  // (T*B, H) tanh(c_t)
};

// What the forward pass hands to the tape, in the batch's row order.
template <typename T>
struct LstmForward {
  Matrix<T> Y;                      // (T*B, H) outputs h_t, 0 on padding
  std::shared_ptr<Matrix<T>> h_prev;  // (T*B, H) h_{t-1}, 0 on padding: the A of W_hh
};

// ---- forward ----

// (1) Z (T*B, 4H) = Xs (T*B, D) W_ihᵀ (D, 4H), then + (b_ih + b_hh) on every row.
template <typename T>
void input_projection(const Matrix<T>& Xs, const LstmWeights<T>& w, Matrix<T>& Z) {
  const Matrix<T>& W_ih = w.weight_ih->value;  // (4H, D)
  Z.resize(Xs.rows(), W_ih.rows());
  parallel_blocks(W_ih.rows(), kGemmColumnBlock, [&](Index j, Index n) {
    Z.middleCols(j, n).noalias() = Xs * W_ih.middleRows(j, n).transpose();
  });
  Z.rowwise() += w.bias_ih->value.row(0) + w.bias_hh->value.row(0);
}

// (2) Z_t (n, 4H) += h (n, H) W_hhᵀ (H, 4H) for the n running slots of the step at row r0: in
// blocks of Z_t's columns when 4H is wide, else of batch rows (shapes decide, never the
// thread count).
template <typename T>
void add_recurrent_projection(const Matrix<T>& h, const Matrix<T>& W_hh, Index r0, Index n, Matrix<T>& Z) {
  auto Zt = Z.middleRows(r0, n);  // (n, 4H)
  const Index H4 = W_hh.rows();
  if (H4 >= 2 * kGemmColumnBlock) {
    parallel_blocks(H4, kGemmColumnBlock, [&](Index j, Index m) {
      Zt.middleCols(j, m).noalias() += h.topRows(n) * W_hh.middleRows(j, m).transpose();
    });
  } else {
    parallel_blocks(n, kGemmColumnBlock / 2,
                    [&](Index b0, Index m) { Zt.middleRows(b0, m).noalias() += h.middleRows(b0, m) * W_hh.transpose(); });
  }
}

// (3) The n running slots of the step at row r0: activate Z in place into the gates, update
// the state c, h (B, H) and write c_t, tanh(c_t) to the cache and h_t to Y (T*B, H). Row by
// row (independent rows: any blocking gives the same bits).
template <typename T>
void cell_forward(Index r0, Index n, LstmCache<T>& cache, Matrix<T>& c, Matrix<T>& h, Matrix<T>& Y) {
  const Index H = c.cols();
  parallel_blocks(n, kElementwiseRowBlock, [&](Index b0, Index m) {
    auto Zb = cache.gates.middleRows(r0 + b0, m);                                // (m, 4H)
    Zb.leftCols(2 * H) = Zb.leftCols(2 * H).array().logistic().matrix();       // i, f
    Zb.middleCols(2 * H, H) = Zb.middleCols(2 * H, H).array().tanh().matrix();  // g
    Zb.rightCols(H) = Zb.rightCols(H).array().logistic().matrix();             // o
    auto cb = c.middleRows(b0, m);                                               // (m, H)
    cb.array() = Zb.middleCols(H, H).array() * cb.array() + Zb.leftCols(H).array() * Zb.middleCols(2 * H, H).array();
    auto tc = cache.tanh_c.middleRows(r0 + b0, m);  // (m, H)
    tc = cb.array().tanh().matrix();
    h.middleRows(b0, m).array() = Zb.rightCols(H).array() * tc.array();
    cache.cell.middleRows(r0 + b0, m) = cb;
    Y.middleRows(r0 + b0, m) = h.middleRows(b0, m);
  });
}

// Passes (1)-(3) over all steps; fills `cache` (slot order) and returns Y and h_{t-1} in the
// batch's row order.
template <typename T>
LstmForward<T> lstm_forward(const BatchLayout& layout, const Matrix<T>& X, const LstmWeights<T>& w, LstmCache<T>& cache) {
  const Index H = w.weight_hh->value.cols();
  const Index TB = X.rows();
  const int B = layout.batch();
  cache.slots = make_slots(layout);
  const std::vector<int>& order = cache.slots.order;
  const bool permuted = !order.empty();
  Matrix<T> X_slots;  // (T*B, D) X in slot order, when that differs
  if (permuted) permute_rows(X, order, true, X_slots);
  const Matrix<T>& Xs = permuted ? X_slots : X;

  input_projection(Xs, w, cache.gates);  // pre-activations, overwritten in place by (3)
  cache.cell.resize(TB, H);
  cache.tanh_c.resize(TB, H);
  LstmForward<T> out{Matrix<T>(TB, H), std::make_shared<Matrix<T>>(TB, H)};
  Matrix<T> h = Matrix<T>::Zero(B, H);  // (B, H) state h_t, slot order
  Matrix<T> c = Matrix<T>::Zero(B, H);  // (B, H) state c_t, slot order
  for (int t = 0; t < layout.steps(); ++t) {
    const Index r0 = static_cast<Index>(t) * B;
    const Index n = cache.slots.active[static_cast<size_t>(t)];  // running slots: [0, n)
    out.h_prev->middleRows(r0, n) = h.topRows(n);
    // Padding rows: no output, and their (unused) state must not be read as anyone's history.
    out.h_prev->middleRows(r0 + n, B - n).setZero();
    out.Y.middleRows(r0 + n, B - n).setZero();
    add_recurrent_projection(h, w.weight_hh->value, r0, n, cache.gates);
    cell_forward(r0, n, cache, c, h, out.Y);
  }
  if (permuted) {  // back to the batch's row order
    Matrix<T> rows;
    permute_rows(out.Y, order, false, rows);
    out.Y.swap(rows);
    permute_rows(*out.h_prev, order, false, rows);
    out.h_prev->swap(rows);
  }
  return out;
}

// ---- backward ----

// (4) dZ_t of the n running slots of step t (rows r0 = t*B ...) from dh += dY_t and dc (B, H,
// slot order), then dc ← dc ⊙ f for step t-1. Row by row (independent rows: any blocking
// gives the same bits). Slots >= n have not started yet in this backward sweep: their dh and
// dc are still exactly 0.
template <typename T>
void cell_backward(const LstmCache<T>& cache, const Matrix<T>& dY, int t, Index B, Index n, Matrix<T>& dh,
                   Matrix<T>& dc, Matrix<T>& dZ) {
  const Index H = dh.cols();
  const Index r0 = static_cast<Index>(t) * B;
  parallel_blocks(n, kElementwiseRowBlock, [&](Index b0, Index m) {
    const auto G = cache.gates.middleRows(r0 + b0, m).array();  // (m, 4H)
    const auto i = G.leftCols(H), f = G.middleCols(H, H), g = G.middleCols(2 * H, H), o = G.rightCols(H);
    const auto tc = cache.tanh_c.middleRows(r0 + b0, m).array();  // (m, H)
    auto dZt = dZ.middleRows(r0 + b0, m);                         // (m, 4H)
    auto dhb = dh.middleRows(b0, m);                              // (m, H)
    auto dcb = dc.middleRows(b0, m);                              // (m, H)
    dhb += dY.middleRows(r0 + b0, m);
    dcb.array() += dhb.array() * o * (T(1) - tc * tc);
    dZt.rightCols(H).array() = dhb.array() * tc * o * (T(1) - o);
    dZt.leftCols(H).array() = dcb.array() * g * i * (T(1) - i);
    dZt.middleCols(2 * H, H).array() = dcb.array() * i * (T(1) - g * g);
    if (t > 0) {  // slot k running at t was running at t - 1
      dZt.middleCols(H, H).array() = dcb.array() * cache.cell.middleRows(r0 - B + b0, m).array() * f * (T(1) - f);
    } else {
      dZt.middleCols(H, H).setZero();  // c_{-1} = 0, so dZ_f = 0
    }
    dcb.array() *= f;
  });
}

// (5) dh (n, H) = dZ_t (n, 4H) W_hh (4H, H) for the n running slots of the step at row r0: in
// blocks of dh's columns when H is wide, else of batch rows (H = 64 would give one column
// block, i.e. one thread). Both blockings depend on shapes only.
template <typename T>
void recurrent_backward(const Matrix<T>& dZ, const Matrix<T>& W_hh, Index r0, Index n, Matrix<T>& dh) {
  const auto dZt = dZ.middleRows(r0, n);  // (n, 4H)
  const Index H = dh.cols();
  if (H >= kGemmColumnBlock) {
    parallel_blocks(H, kGemmColumnBlock / 2,
                    [&](Index j, Index m) { dh.topRows(n).middleCols(j, m).noalias() = dZt * W_hh.middleCols(j, m); });
  } else {
    parallel_blocks(n, kGemmColumnBlock / 2,
                    [&](Index b0, Index m) { dh.middleRows(b0, m).noalias() = dZt.middleRows(b0, m) * W_hh; });
  }
}

// (6) gx (T*B, D) += dZ (T*B, 4H) W_ih (4H, D), in fixed row blocks.
template <typename T>
void input_backward(const Matrix<T>& dZ, const Matrix<T>& W_ih, Matrix<T>& gx) {
  parallel_blocks(gx.rows(), kGemmRowBlock,
                  [&](Index i, Index n) { gx.middleRows(i, n).noalias() += dZ.middleRows(i, n) * W_ih; });
}

// Passes (4)-(5) over all steps, last to first: dZ = dL/dZ (T*B, 4H) in the batch's row order
// (every entry written, padding rows 0) from dY_rows = dL/dY (T*B, H), batch order.
template <typename T>
std::shared_ptr<const Matrix<T>> lstm_backward(const BatchLayout& layout, const LstmCache<T>& cache,
                                               const Matrix<T>& W_hh, const Matrix<T>& dY_rows) {
  const int B = layout.batch();
  const Index H = W_hh.cols();
  const std::vector<int>& order = cache.slots.order;
  const bool permuted = !order.empty();
  Matrix<T> dY_slots;  // (T*B, H) dY in slot order, when that differs
  if (permuted) permute_rows(dY_rows, order, true, dY_slots);
  const Matrix<T>& dY = permuted ? dY_slots : dY_rows;
  auto dZ = std::make_shared<Matrix<T>>(dY.rows(), 4 * H);  // (T*B, 4H) dL/dZ, slot order
  Matrix<T> dh = Matrix<T>::Zero(B, H);  // (B, H) dL/dh_t from later steps, slot order
  Matrix<T> dc = Matrix<T>::Zero(B, H);  // (B, H) dL/dc_t from later steps
  for (int t = layout.steps() - 1; t >= 0; --t) {
    const Index r0 = static_cast<Index>(t) * B;
    const Index n = cache.slots.active[static_cast<size_t>(t)];  // running slots: [0, n)
    dZ->middleRows(r0 + n, B - n).setZero();  // padding rows: no gradient flows in or out
    cell_backward(cache, dY, t, B, n, dh, dc, *dZ);
    recurrent_backward(*dZ, W_hh, r0, n, dh);
  }
  if (permuted) {  // G in the batch's row order, as the ParamUse layout expects
    auto rows = std::make_shared<Matrix<T>>();
    permute_rows(*dZ, order, false, *rows);
    dZ = rows;
  }
  return dZ;
}

template <typename T>
void check_shapes(const LstmWeights<T>& w, Index D) {
  const Index H = w.weight_hh->value.cols();
  DPT_CHECK(w.weight_ih->value.rows() == 4 * H && w.weight_ih->value.cols() == D,
            w.weight_ih->name + ": must be (" + std::to_string(4 * H) + ", " + std::to_string(D) + ").");
  DPT_CHECK(w.weight_hh->value.rows() == 4 * H, w.weight_hh->name + ": must be (4H, H).");
  DPT_CHECK(w.bias_ih->value.cols() == 4 * H && w.bias_hh->value.cols() == 4 * H,
            w.bias_ih->name + ", " + w.bias_hh->name + ": must be (1, 4H).");
}

}  // namespace

template <typename T>
Var lstm_sequence(Tape<T>& tape, Var x, const LstmWeights<T>& w) {
  const Matrix<T>& X = tape.value(x);  // (T*B, D)
  check_shapes(w, X.cols());
  auto cache = std::make_shared<LstmCache<T>>();
  LstmForward<T> fwd = lstm_forward(*tape.layout(x), X, w, *cache);

  // dZ is the G of all four uses: W_ih (A = x), W_hh (A = h_{t-1}), b_ih, b_hh.
  const int use_ih = tape.record_use({UseKind::kLinear, w.weight_ih, tape.layout(x), tape.value_ptr(x), nullptr, nullptr});
  const int use_hh = tape.record_use({UseKind::kLinear, w.weight_hh, tape.layout(x), fwd.h_prev, nullptr, nullptr});
  const int use_bih = tape.record_use({UseKind::kBias, w.bias_ih, tape.layout(x), nullptr, nullptr, nullptr});
  const int use_bhh = tape.record_use({UseKind::kBias, w.bias_hh, tape.layout(x), nullptr, nullptr, nullptr});
  auto backward = [x, w, cache, use_ih, use_hh, use_bih, use_bhh](Tape<T>& tp, Var, const Matrix<T>& dY) {
    std::shared_ptr<const Matrix<T>> dZ = lstm_backward(*tp.layout(x), *cache, w.weight_hh->value, dY);
    input_backward(*dZ, w.weight_ih->value, tp.grad_accumulator(x));
    for (const int use : {use_ih, use_hh, use_bih, use_bhh}) tp.set_use_grad(use, dZ);
  };
  return tape.push(std::move(fwd.Y), tape.layout(x), std::move(backward));
}

template Var lstm_sequence<float>(Tape<float>&, Var, const LstmWeights<float>&);
template Var lstm_sequence<double>(Tape<double>&, Var, const LstmWeights<double>&);

}  // namespace dpt
