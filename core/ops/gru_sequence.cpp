// Fused GRU forward over all steps and fused BPTT backward (see gru_sequence.hpp), written as
// named passes in the order of the equations (gate order r, z, n; σ the logistic). Zi and Zh
// are the input and recurrent projections, each with its own bias, as torch.nn.GRU has them:
//   forward   (1) Zi   = X W_ihᵀ + b_ih                          every step in one GEMM
//             (2) Zh_t = h_{t-1} W_hhᵀ + b_hh                     per step
//             (3) r = σ(Zi_r + Zh_r),  z = σ(Zi_z + Zh_z),  n = tanh(Zi_n + r ⊙ Zh_n)
//                 h_t = n + z ⊙ (h_{t-1} − n)                    (= (1 − z) ⊙ n + z ⊙ h_{t-1})
//   backward  (4) dh_t  = dY_t + dh_{t+1} ⊙ z_{t+1} + G_h,t+1 W_hh
//                 G_i,n = dh_t ⊙ (1 − z) ⊙ (1 − n²)             G_h,n = r ⊙ G_i,n
//                 G_i,z = dh_t ⊙ (h_{t-1} − n) ⊙ z (1 − z)      G_h,z = G_i,z
//                 G_i,r = G_i,n ⊙ Zh_n ⊙ r (1 − r)              G_h,r = G_i,r
//             (5) dh_{t-1} = dh_t ⊙ z + G_h,t W_hh              per step (enters (4) at t-1)
//             (6) dX  += G_i W_ih                                every step in one GEMM
// G_i = dL/dZi and G_h = dL/dZh differ in the n block only. The weight gradients are not formed
// here: G_i is the G of the ParamUse records of W_ih and b_ih, G_h that of W_hh and b_hh.
// h_t is evaluated as torch's own kernels do, n + z ⊙ (h_{t-1} − n).
// Buffers are time-major: row t*B + b is example b at step t.
//
// Padding is skipped exactly as in lstm_sequence.cpp: the recurrence runs in slots (examples
// longest first, sequence_slots.hpp), every pass of step t touches its n_t running slots only,
// and when the lengths are not non-increasing the inputs are gathered into slot order once and
// the outputs (Y, h_{t-1}, G_i, G_h) scattered back.
#include "core/ops/gru_sequence.hpp"

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/ops/sequence_slots.hpp"
#include "core/runtime/parallel_blocks.hpp"

namespace dpt {
namespace {

// Everything backward needs from the forward sweep, in slot order; rows of slots that are not
// running at their step are never read (h_prev's are 0).
template <typename T>
struct GruCache {
  Slots slots;
  Matrix<T> gates;                          // (T*B, 3H) activated gates [r | z | n]
  Matrix<T> hn;                             // (T*B, H) Zh_n = h_{t-1} W_hnᵀ + b_hn
  std::shared_ptr<const Matrix<T>> h_prev;  // (T*B, H) h_{t-1}, 0 on padding
};

// What the forward pass hands to the tape, in the batch's row order.
template <typename T>
struct GruForward {
  Matrix<T> Y;                              // (T*B, H) outputs h_t, 0 on padding
  std::shared_ptr<const Matrix<T>> h_prev;  // (T*B, H) h_{t-1}, 0 on padding: the A of W_hh
};

// What the backward pass hands to the ParamUse records, in the batch's row order.
template <typename T>
struct GruGrads {
  std::shared_ptr<const Matrix<T>> G_i;  // (T*B, 3H) dL/dZi, 0 on padding: G of W_ih, b_ih
  std::shared_ptr<const Matrix<T>> G_h;  // (T*B, 3H) dL/dZh, 0 on padding: G of W_hh, b_hh
};

// ---- forward ----

// (1) Zi (T*B, 3H) = Xs (T*B, D) W_ihᵀ (D, 3H), then + b_ih on every row.
template <typename T>
void input_projection(const Matrix<T>& Xs, const GruWeights<T>& w, Matrix<T>& Zi) {
  const Matrix<T>& W_ih = w.weight_ih->value;  // (3H, D)
  Zi.resize(Xs.rows(), W_ih.rows());
  parallel_blocks(W_ih.rows(), kGemmColumnBlock, [&](Index j, Index n) {
    Zi.middleCols(j, n).noalias() = Xs * W_ih.middleRows(j, n).transpose();
  });
  Zi.rowwise() += w.bias_ih->value.row(0);
}

// (2) Zh (n, 3H) = h (n, H) W_hhᵀ (H, 3H) + b_hh for the n running slots (the top rows of
// the step buffer Zh): in blocks of Zh's columns when 3H is wide, else of batch rows (shapes
// decide, never the thread count).
template <typename T>
void recurrent_projection(const Matrix<T>& h, const GruWeights<T>& w, Index n, Matrix<T>& Zh) {
  const Matrix<T>& W_hh = w.weight_hh->value;  // (3H, H)
  const auto b_hh = w.bias_hh->value.row(0);   // (1, 3H)
  auto Zt = Zh.topRows(n);                     // (n, 3H)
  const Index H3 = W_hh.rows();
  if (H3 >= 2 * kGemmColumnBlock) {
    parallel_blocks(H3, kGemmColumnBlock, [&](Index j, Index m) {
      auto Zj = Zt.middleCols(j, m);  // (n, m)
      Zj.noalias() = h.topRows(n) * W_hh.middleRows(j, m).transpose();
      Zj.rowwise() += b_hh.segment(j, m);
    });
  } else {
    parallel_blocks(n, kGemmColumnBlock / 2, [&](Index b0, Index m) {
      auto Zb = Zt.middleRows(b0, m);  // (m, 3H)
      Zb.noalias() = h.middleRows(b0, m) * W_hh.transpose();
      Zb.rowwise() += b_hh;
    });
  }
}

// (3) The n running slots of the step at row r0: activate Zi + Zh in place into the gates
// r, z, n, keep Zh_n in the cache, update the state h (B, H) and write h_t to Y (T*B, H). Row
// by row (independent rows: any blocking gives the same bits).
template <typename T>
void cell_forward(Index r0, Index n, const Matrix<T>& Zh, GruCache<T>& cache, Matrix<T>& h, Matrix<T>& Y) {
  const Index H = h.cols();
  parallel_blocks(n, kElementwiseRowBlock, [&](Index b0, Index m) {
    auto Zb = cache.gates.middleRows(r0 + b0, m);  // (m, 3H) Zi, becomes [r | z | n]
    const auto Zhb = Zh.middleRows(b0, m);         // (m, 3H)
    auto hn = cache.hn.middleRows(r0 + b0, m);     // (m, H)
    Zb.leftCols(2 * H) = (Zb.leftCols(2 * H) + Zhb.leftCols(2 * H)).array().logistic().matrix();  // r, z
    hn = Zhb.rightCols(H);
    const auto r = Zb.leftCols(H).array(), z = Zb.middleCols(H, H).array();
    Zb.rightCols(H).array() = (Zb.rightCols(H).array() + r * hn.array()).tanh();  // n
    const auto nb = Zb.rightCols(H).array();
    auto hb = h.middleRows(b0, m);  // (m, H)
    hb.array() = nb + z * (hb.array() - nb);
    Y.middleRows(r0 + b0, m) = hb;
  });
}

// Passes (1)-(3) over all steps; fills `cache` (slot order) and returns Y and h_{t-1} in the
// batch's row order.
template <typename T>
GruForward<T> gru_forward(const BatchLayout& layout, const Matrix<T>& X, const GruWeights<T>& w, GruCache<T>& cache) {
  const Index H = w.weight_hh->value.cols();
  const Index TB = X.rows();
  const int B = layout.batch();
  cache.slots = make_slots(layout);
  const std::vector<int>& order = cache.slots.order;
  const bool permuted = !order.empty();
  Matrix<T> X_slots;  // (T*B, D) X in slot order, when that differs
  if (permuted) permute_rows(X, order, true, X_slots);
  const Matrix<T>& Xs = permuted ? X_slots : X;

  input_projection(Xs, w, cache.gates);  // Zi, overwritten in place by (3)
  cache.hn.resize(TB, H);
  auto h_prev = std::make_shared<Matrix<T>>(TB, H);  // (T*B, H) h_{t-1}, slot order
  GruForward<T> out{Matrix<T>(TB, H), h_prev};
  Matrix<T> h = Matrix<T>::Zero(B, H);  // (B, H) state h_t, slot order
  Matrix<T> Zh(B, 3 * H);               // (B, 3H) Zh_t of the step, slot order (top n rows)
  for (int t = 0; t < layout.steps(); ++t) {
    const Index r0 = static_cast<Index>(t) * B;
    const Index n = cache.slots.active[static_cast<size_t>(t)];  // running slots: [0, n)
    h_prev->middleRows(r0, n) = h.topRows(n);
    // Padding rows: no output, and their (unused) state must not be read as anyone's history.
    h_prev->middleRows(r0 + n, B - n).setZero();
    out.Y.middleRows(r0 + n, B - n).setZero();
    recurrent_projection(h, w, n, Zh);
    cell_forward(r0, n, Zh, cache, h, out.Y);
  }
  cache.h_prev = h_prev;
  if (permuted) {  // back to the batch's row order; the cache keeps h_{t-1} in slot order
    Matrix<T> rows;
    permute_rows(out.Y, order, false, rows);
    out.Y.swap(rows);
    auto h_prev_rows = std::make_shared<Matrix<T>>();
    permute_rows(*h_prev, order, false, *h_prev_rows);
    out.h_prev = h_prev_rows;
  }
  return out;
}

// ---- backward ----

// (4) G_i and G_h of the n running slots of step t (rows r0 = t*B ...) from dh += dY_t (B, H,
// slot order), then dh ← dh ⊙ z, the direct part of dh_{t-1}. Row by row (independent rows:
// any blocking gives the same bits). Slots >= n have not started yet in this backward sweep:
// their dh is still exactly 0.
template <typename T>
void cell_backward(const GruCache<T>& cache, const Matrix<T>& dY, int t, Index B, Index n, Matrix<T>& dh,
                   Matrix<T>& G_i, Matrix<T>& G_h) {
  const Index H = dh.cols();
  const Index r0 = static_cast<Index>(t) * B;
  parallel_blocks(n, kElementwiseRowBlock, [&](Index b0, Index m) {
    const auto gates = cache.gates.middleRows(r0 + b0, m).array();  // (m, 3H)
    const auto r = gates.leftCols(H), z = gates.middleCols(H, H), nb = gates.rightCols(H);
    const auto hn = cache.hn.middleRows(r0 + b0, m).array();        // (m, H) Zh_n
    const auto hp = cache.h_prev->middleRows(r0 + b0, m).array();   // (m, H) h_{t-1}
    auto Gi = G_i.middleRows(r0 + b0, m);                           // (m, 3H)
    auto Gh = G_h.middleRows(r0 + b0, m);                           // (m, 3H)
    auto dhb = dh.middleRows(b0, m);                                // (m, H)
    dhb += dY.middleRows(r0 + b0, m);
    Gi.rightCols(H).array() = dhb.array() * (T(1) - z) * (T(1) - nb * nb);
    Gi.middleCols(H, H).array() = dhb.array() * (hp - nb) * z * (T(1) - z);
    Gi.leftCols(H).array() = Gi.rightCols(H).array() * hn * r * (T(1) - r);
    Gh.leftCols(2 * H) = Gi.leftCols(2 * H);
    Gh.rightCols(H).array() = r * Gi.rightCols(H).array();
    dhb.array() *= z;
  });
}

// (5) dh (n, H) += G_h,t (n, 3H) W_hh (3H, H) for the n running slots of the step at row r0:
// in blocks of dh's columns when H is wide, else of batch rows. Both blockings depend on
// shapes only.
template <typename T>
void recurrent_backward(const Matrix<T>& G_h, const Matrix<T>& W_hh, Index r0, Index n, Matrix<T>& dh) {
  const auto Ght = G_h.middleRows(r0, n);  // (n, 3H)
  const Index H = dh.cols();
  if (H >= kGemmColumnBlock) {
    parallel_blocks(H, kGemmColumnBlock / 2,
                    [&](Index j, Index m) { dh.topRows(n).middleCols(j, m).noalias() += Ght * W_hh.middleCols(j, m); });
  } else {
    parallel_blocks(n, kGemmColumnBlock / 2,
                    [&](Index b0, Index m) { dh.middleRows(b0, m).noalias() += Ght.middleRows(b0, m) * W_hh; });
  }
}

// (6) gx (T*B, D) += G_i (T*B, 3H) W_ih (3H, D), in fixed row blocks.
template <typename T>
void input_backward(const Matrix<T>& G_i, const Matrix<T>& W_ih, Matrix<T>& gx) {
  parallel_blocks(gx.rows(), kGemmRowBlock,
                  [&](Index i, Index n) { gx.middleRows(i, n).noalias() += G_i.middleRows(i, n) * W_ih; });
}

// Passes (4)-(5) over all steps, last to first: G_i, G_h (T*B, 3H) in the batch's row order
// (every entry written, padding rows 0) from dY_rows = dL/dY (T*B, H), batch order.
template <typename T>
GruGrads<T> gru_backward(const BatchLayout& layout, const GruCache<T>& cache, const Matrix<T>& W_hh,
                         const Matrix<T>& dY_rows) {
  const int B = layout.batch();
  const Index H = W_hh.cols();
  const std::vector<int>& order = cache.slots.order;
  const bool permuted = !order.empty();
  Matrix<T> dY_slots;  // (T*B, H) dY in slot order, when that differs
  if (permuted) permute_rows(dY_rows, order, true, dY_slots);
  const Matrix<T>& dY = permuted ? dY_slots : dY_rows;
  auto G_i = std::make_shared<Matrix<T>>(dY.rows(), 3 * H);  // (T*B, 3H) dL/dZi, slot order
  auto G_h = std::make_shared<Matrix<T>>(dY.rows(), 3 * H);  // (T*B, 3H) dL/dZh, slot order
  Matrix<T> dh = Matrix<T>::Zero(B, H);  // (B, H) dL/dh_t from later steps, slot order
  for (int t = layout.steps() - 1; t >= 0; --t) {
    const Index r0 = static_cast<Index>(t) * B;
    const Index n = cache.slots.active[static_cast<size_t>(t)];  // running slots: [0, n)
    G_i->middleRows(r0 + n, B - n).setZero();  // padding rows: no gradient flows in or out
    G_h->middleRows(r0 + n, B - n).setZero();
    cell_backward(cache, dY, t, B, n, dh, *G_i, *G_h);
    recurrent_backward(*G_h, W_hh, r0, n, dh);
  }
  if (permuted) {  // G in the batch's row order, as the ParamUse layout expects
    auto rows_i = std::make_shared<Matrix<T>>(), rows_h = std::make_shared<Matrix<T>>();
    permute_rows(*G_i, order, false, *rows_i);
    permute_rows(*G_h, order, false, *rows_h);
    G_i = rows_i;
    G_h = rows_h;
  }
  return {G_i, G_h};
}

template <typename T>
void check_shapes(const GruWeights<T>& w, Index D) {
  const Index H = w.weight_hh->value.cols();
  DPT_CHECK(w.weight_ih->value.rows() == 3 * H && w.weight_ih->value.cols() == D,
            w.weight_ih->name + ": must be (" + std::to_string(3 * H) + ", " + std::to_string(D) + ").");
  DPT_CHECK(w.weight_hh->value.rows() == 3 * H, w.weight_hh->name + ": must be (3H, H).");
  DPT_CHECK(w.bias_ih->value.rows() == 1 && w.bias_ih->value.cols() == 3 * H && w.bias_hh->value.rows() == 1 &&
                w.bias_hh->value.cols() == 3 * H,
            w.bias_ih->name + ", " + w.bias_hh->name + ": must be (1, 3H).");
}

}  // namespace

template <typename T>
Var gru_sequence(Tape<T>& tape, Var x, const GruWeights<T>& w) {
  const Matrix<T>& X = tape.value(x);  // (T*B, D)
  check_shapes(w, X.cols());
  auto cache = std::make_shared<GruCache<T>>();
  GruForward<T> fwd = gru_forward(*tape.layout(x), X, w, *cache);

  // G_i is the G of W_ih (A = x) and b_ih; G_h that of W_hh (A = h_{t-1}) and b_hh.
  const int use_ih = tape.record_use({UseKind::kLinear, w.weight_ih, tape.layout(x), tape.value_ptr(x), nullptr, nullptr});
  const int use_hh = tape.record_use({UseKind::kLinear, w.weight_hh, tape.layout(x), fwd.h_prev, nullptr, nullptr});
  const int use_bih = tape.record_use({UseKind::kBias, w.bias_ih, tape.layout(x), nullptr, nullptr, nullptr});
  const int use_bhh = tape.record_use({UseKind::kBias, w.bias_hh, tape.layout(x), nullptr, nullptr, nullptr});
  auto backward = [x, w, cache, use_ih, use_hh, use_bih, use_bhh](Tape<T>& tp, Var, const Matrix<T>& dY) {
    const GruGrads<T> g = gru_backward(*tp.layout(x), *cache, w.weight_hh->value, dY);
    input_backward(*g.G_i, w.weight_ih->value, tp.grad_accumulator(x));
    for (const int use : {use_ih, use_bih}) tp.set_use_grad(use, g.G_i);
    for (const int use : {use_hh, use_bhh}) tp.set_use_grad(use, g.G_h);
  };
  return tape.push(std::move(fwd.Y), tape.layout(x), std::move(backward));
}

template Var gru_sequence<float>(Tape<float>&, Var, const GruWeights<float>&);
template Var gru_sequence<double>(Tape<double>&, Var, const GruWeights<double>&);

}  // namespace dpt
