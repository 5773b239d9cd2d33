// Fused LSTM forward over all steps and fused BPTT backward (see lstm_sequence.hpp).
// Buffers are time-major: row t*B + b is example b at step t.
#include "core/ops/lstm_sequence.hpp"

#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/runtime/parallel_blocks.hpp"

namespace dpt {
namespace {

// Everything backward needs from the forward sweep.
template <typename T>
struct LstmCache {
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
  Matrix<T>& Z = cache->gates;  // pre-activations, overwritten in place by activations
  Z.resize(TB, 4 * H);
  const Matrix<T>& W_ih = w.weight_ih->value;  // (4H, D)
  const Matrix<T>& W_hh = w.weight_hh->value;  // (4H, H)
  parallel_blocks(4 * H, kGemmColumnBlock, [&](Index j, Index n) {  // every step's input projection
    Z.middleCols(j, n).noalias() = X * W_ih.middleRows(j, n).transpose();
  });
  Z.rowwise() += w.bias_ih->value.row(0) + w.bias_hh->value.row(0);
  cache->cell.resize(TB, H);
  cache->tanh_c.resize(TB, H);
  auto h_prev = std::make_shared<Matrix<T>>(TB, H);  // (T*B, H) h_{t-1}: the A of W_hh
  Matrix<T> Y(TB, H);                                 // (T*B, H) outputs, 0 on padding
  Matrix<T> h = Matrix<T>::Zero(B, H);                // (B, H) state
  Matrix<T> c = Matrix<T>::Zero(B, H);

  for (int t = 0; t < steps; ++t) {
    const Index r0 = static_cast<Index>(t) * B;
    h_prev->middleRows(r0, B) = h;
    auto Zt = Z.middleRows(r0, B);
    // Z_t += h W_hh^T: in blocks of Z_t's columns when 4H is wide, else of batch rows (shapes
    // decide, never the thread count).
    if (4 * H >= 2 * kGemmColumnBlock) {
      parallel_blocks(4 * H, kGemmColumnBlock,
                      [&](Index j, Index n) { Zt.middleCols(j, n).noalias() += h * W_hh.middleRows(j, n).transpose(); });
    } else {
      parallel_blocks(B, kGemmColumnBlock / 2,
                      [&](Index b0, Index n) { Zt.middleRows(b0, n).noalias() += h.middleRows(b0, n) * W_hh.transpose(); });
    }
    // Gates, cell and output, row by row (independent rows: any blocking gives the same bits).
    parallel_blocks(B, kElementwiseRowBlock, [&](Index b0, Index nb) {
      auto Zb = Z.middleRows(r0 + b0, nb);
      Zb.leftCols(2 * H) = Zb.leftCols(2 * H).array().logistic().matrix();       // i, f
      Zb.middleCols(2 * H, H) = Zb.middleCols(2 * H, H).array().tanh().matrix();  // g
      Zb.rightCols(H) = Zb.rightCols(H).array().logistic().matrix();             // o
      auto cb = c.middleRows(b0, nb);
      cb.array() = Zb.middleCols(H, H).array() * cb.array() + Zb.leftCols(H).array() * Zb.middleCols(2 * H, H).array();
      auto tc = cache->tanh_c.middleRows(r0 + b0, nb);
      tc = cb.array().tanh().matrix();
      h.middleRows(b0, nb).array() = Zb.rightCols(H).array() * tc.array();
      cache->cell.middleRows(r0 + b0, nb) = cb;
      Y.middleRows(r0 + b0, nb) = h.middleRows(b0, nb);
      // Padding rows: no output, and their (unused) state must not be read as anyone's history.
      for (Index b = b0; b < b0 + nb; ++b) {
        if (t < layout.length(static_cast<int>(b))) continue;
        Y.row(r0 + b).setZero();
        h_prev->row(r0 + b).setZero();
      }
    });
  }

  const LstmWeights<T> weights = w;
  const int use_ih = tape.record_use({UseKind::kLinear, w.weight_ih, tape.layout(x), tape.value_ptr(x), nullptr, nullptr});
  const int use_hh = tape.record_use({UseKind::kLinear, w.weight_hh, tape.layout(x), h_prev, nullptr, nullptr});
  const int use_bih = tape.record_use({UseKind::kBias, w.bias_ih, tape.layout(x), nullptr, nullptr, nullptr});
  const int use_bhh = tape.record_use({UseKind::kBias, w.bias_hh, tape.layout(x), nullptr, nullptr, nullptr});

  auto backward = [x, weights, cache, use_ih, use_hh, use_bih, use_bhh](Tape<T>& tp, Var, const Matrix<T>& dY) {
    const BatchLayout& l = *tp.layout(x);
    const int nb = l.batch();
    const Index nh = weights.weight_hh->value.cols();
    auto dZ = std::make_shared<Matrix<T>>(dY.rows(), 4 * nh);  // (T*B, 4H) dL/dZ, every entry written below
    Matrix<T> dh = Matrix<T>::Zero(nb, nh);  // (B, H) dL/dh_t from later steps
    Matrix<T> dc = Matrix<T>::Zero(nb, nh);  // (B, H) dL/dc_t from later steps
    for (int t = l.steps() - 1; t >= 0; --t) {
      const Index r0 = static_cast<Index>(t) * nb;
      // Row by row (independent rows: any blocking gives the same bits).
      parallel_blocks(nb, kElementwiseRowBlock, [&](Index b0, Index n) {
        const auto G = cache->gates.middleRows(r0 + b0, n).array();
        const auto i = G.leftCols(nh), f = G.middleCols(nh, nh), g = G.middleCols(2 * nh, nh), o = G.rightCols(nh);
        const auto tc = cache->tanh_c.middleRows(r0 + b0, n).array();
        auto dZt = dZ->middleRows(r0 + b0, n);
        auto dhb = dh.middleRows(b0, n);
        auto dcb = dc.middleRows(b0, n);
        dhb += dY.middleRows(r0 + b0, n);
        dcb.array() += dhb.array() * o * (T(1) - tc * tc);
        dZt.rightCols(nh).array() = dhb.array() * tc * o * (T(1) - o);
        dZt.leftCols(nh).array() = dcb.array() * g * i * (T(1) - i);
        dZt.middleCols(2 * nh, nh).array() = dcb.array() * i * (T(1) - g * g);
        if (t > 0) {
          dZt.middleCols(nh, nh).array() = dcb.array() * cache->cell.middleRows(r0 - nb + b0, n).array() * f * (T(1) - f);
        } else {
          dZt.middleCols(nh, nh).setZero();  // c_{-1} = 0, so dZ_f = 0
        }
        dcb.array() *= f;
        for (Index b = b0; b < b0 + n; ++b) {  // padding rows: no gradient flows in or out
          if (t < l.length(static_cast<int>(b))) continue;
          dZt.row(b - b0).setZero();
          dcb.row(b - b0).setZero();
        }
      });
      auto dZt = dZ->middleRows(r0, nb);
      // dh = dZ_t W_hh: in blocks of dh's columns when H is wide, else of batch rows (H = 64
      // would give one column block, i.e. one thread). Both blockings depend on shapes only.
      const Matrix<T>& W_hh_b = weights.weight_hh->value;
      if (nh >= kGemmColumnBlock) {
        parallel_blocks(nh, kGemmColumnBlock / 2,
                        [&](Index j, Index n) { dh.middleCols(j, n).noalias() = dZt * W_hh_b.middleCols(j, n); });
      } else {
        parallel_blocks(nb, kGemmColumnBlock / 2,
                        [&](Index b0, Index n) { dh.middleRows(b0, n).noalias() = dZt.middleRows(b0, n) * W_hh_b; });
      }
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
