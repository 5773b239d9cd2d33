// The clipped sum of per-example gradients, ghost or fused per parameter (see clipped_sum.hpp).
#include "core/per_example/clipped_sum.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/error.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/per_example/norm_bounds.hpp"
#include "core/runtime/parallel_blocks.hpp"

namespace dpt {
namespace {

// Cost of the fused pass's per-example bookkeeping — writing g_i, its norm and adding c_i g_i
// to the lane's sum — in multiply-add equivalents per gradient entry and example. Fitted to
// timings on the speed issue's shapes (docs/performance.md): these are memory passes, each
// worth many FMAs.
constexpr double kFusedEntryCost = 4.0;

const auto select_G = [](const auto& use) -> const auto& { return *use.G; };

bool is_linear(const auto& group) { return !group.empty() && group.front()->kind == UseKind::kLinear; }

// Fused parameters sharing one G (the LSTM's W_ih and W_hh) form one family: example i's
// gradients of all members come from ONE GEMM  G_i^T [A_i^(1) | A_i^(2) | ...].
struct Family {
  std::vector<size_t> members;  // parameter indices
  std::vector<Index> col;       // first column of each member in the family's [A | A | ...]
  Index d_in = 0, d_out = 0;
};

// One thread's buffers for the fused pass, sized for the longest example once.
template <typename T>
struct FusedScratch {
  explicit FusedScratch(size_t families) : g(families), g_wide(families), wide(families, false) {}
  Matrix<T> A, G;                 // example i's rows: [A^(1) | A^(2) | ...] and G
  std::vector<Matrix<T>> g;       // per family: g_i = G_i^T [A_i | ...], (d_out, d_in)
  std::vector<MatrixD> g_wide;    // per family: the same in double, where g_i overflowed T
  std::vector<bool> wide;         // per family: g_wide holds this example's gradient
  Vector<double> alpha2, beta2;   // (>= n) bounds of ||a_t||², ||g_t||² of example i's rows

  template <typename S>
  static void fit(Matrix<S>& m, Index rows, Index cols) {
    if (m.rows() < rows || m.cols() != cols) m.resize(std::max(rows, m.rows()), cols);
  }
};

// Example i's gradient of one family into w.g[f] and each member's certified squared norm
// (norm_bounds::materialised_sq_bound) into sq_norms(i, member). A product that overflows T
// although every input row is finite is formed again in double (w.g_wide[f]): a finite
// gradient is never reported non-finite.
template <typename T>
void form_family_gradient(const Family& family, const std::vector<UseGroup<T>>& groups, const ParameterList<T>& params,
                          int i, FusedScratch<T>& w, size_t f, MatrixD& sq_norms) {
  const UseGroup<T>& first = groups[family.members.front()];
  const Index n = example_row_count(first, i);
  w.g[f].resize(family.d_out, family.d_in);
  w.wide[f] = false;
  if (n == 0) {
    w.g[f].setZero();
    for (size_t p : family.members) sq_norms(i, static_cast<Index>(p)) = 0.0;
    return;
  }
  FusedScratch<T>::fit(w.A, n, family.d_in);
  for (size_t m = 0; m < family.members.size(); ++m) {
    const UseGroup<T>& group = groups[family.members[m]];
    Index r = 0;
    for (const ParamUse<T>* use : group) {  // tied weights: every use's rows stacked
      const BatchLayout& l = *use->layout;
      for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
        w.A.row(r++).segment(family.col[m], use->A->cols()) = use->A->row(l.example_rows()[k]);
      }
    }
  }
  FusedScratch<T>::fit(w.G, n, family.d_out);
  gather_example_rows(first, i, select_G, w.G);
  const auto A = w.A.topRows(n);
  const auto G = w.G.topRows(n);
  w.g[f].noalias() = G.transpose() * A;  // (d_out, d_in) = G_i^T [A_i | ...]
  const double nd = static_cast<double>(n);
  if (w.beta2.size() < n) w.beta2.resize(n);
  if (w.alpha2.size() < n) w.alpha2.resize(n);
  const norm_bounds::RowSqNormBound<T> g_row(family.d_out);
  for (Index t = 0; t < n; ++t) w.beta2(t) = g_row(G.row(t));
  for (size_t m = 0; m < family.members.size(); ++m) {
    const Index d_in = params[family.members[m]]->value.cols();
    const norm_bounds::RowSqNormBound<T> a_row(d_in);
    for (Index t = 0; t < n; ++t) w.alpha2(t) = a_row(A.row(t).segment(family.col[m], d_in));
    const double U = norm_bounds::triangle_bound(w.alpha2.data(), w.beta2.data(), n);  // sum_t ||a_t^(m)|| ||g_t||
    const double size = static_cast<double>(family.d_out * d_in);
    double ghat = norm_bounds::norm_up(w.g[f].middleCols(family.col[m], d_in));
    if (!std::isfinite(ghat) && std::isfinite(U) && !w.wide[f]) {
      w.g_wide[f].noalias() = G.template cast<double>().transpose() * A.template cast<double>();
      w.wide[f] = true;
    }
    if (w.wide[f]) ghat = norm_bounds::norm_up(w.g_wide[f].middleCols(family.col[m], d_in));
    sq_norms(i, static_cast<Index>(family.members[m])) =
        w.wide[f] ? norm_bounds::materialised_sq_bound<double>(ghat, U, nd, size)
                  : norm_bounds::materialised_sq_bound<T>(ghat, U, nd, size);
  }
}

}  // namespace

template <typename T>
std::vector<NormMethod> choose_clipped_sum_methods(const std::vector<UseGroup<T>>& groups, int batch,
                                                   double lane_budget_bytes) {
  // Per linear parameter (d_out, d_in), summed over the batch (S1 = sum_i n_i, S2 = sum_i n_i²):
  //   ghost  S2 d_in (+ S2 d_out for the G Gram, once per shared G) + S1 d_in d_out (batch GEMM)
  //   fused  S1 d_in d_out (per-example GEMMs) + kFusedEntryCost · B · d_in d_out
  std::vector<NormMethod> methods = choose_norm_methods(groups, batch, NormCostModel{1.0, kFusedEntryCost});
  // Memory: the lanes hold kClippedSumLanes sums of every fused weight. Over the budget, the
  // largest fused weights go ghost (ties: the later parameter) until the rest fit.
  auto entries = [&](size_t p) {
    return static_cast<double>(groups[p].front()->A->cols()) * static_cast<double>(groups[p].front()->G->cols());
  };
  const double bytes_per_entry = static_cast<double>(kClippedSumLanes) * static_cast<double>(sizeof(T));
  double held = 0;
  for (size_t p = 0; p < groups.size(); ++p) {
    if (is_linear(groups[p]) && methods[p] == NormMethod::kMaterialise) held += entries(p) * bytes_per_entry;
  }
  while (held > lane_budget_bytes) {
    size_t largest = groups.size();
    for (size_t p = 0; p < groups.size(); ++p) {
      if (!is_linear(groups[p]) || methods[p] != NormMethod::kMaterialise) continue;
      if (largest == groups.size() || entries(p) >= entries(largest)) largest = p;
    }
    if (largest == groups.size()) break;  // nothing fused left (a negative budget)
    methods[largest] = NormMethod::kGhost;
    held -= entries(largest) * bytes_per_entry;
  }
  return methods;
}

template <typename T>
ClippedSum<T> clipped_gradient_sum(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params, int batch,
                                   Index factor_cols, const ClipRule<T>& rule, NormMethod method) {
  const Index P = static_cast<Index>(params.size());
  DPT_CHECK(batch >= 0, "batch size must be >= 0, but is " + std::to_string(batch) + ".");
  DPT_CHECK(factor_cols == 1 || factor_cols == P, "clip factors must have one column or one per parameter (" +
                                                      std::to_string(P) + "), but have " + std::to_string(factor_cols) + ".");
  const std::vector<UseGroup<T>> groups = group_uses(uses, params);
  for (const ParamUse<T>& use : uses) {
    DPT_CHECK(use.layout->batch() == batch, "parameter '" + use.param->name + "' was recorded for a batch of " +
                                                std::to_string(use.layout->batch()) + " examples, not " +
                                                std::to_string(batch) + ".");
  }
  ClippedSum<T> out;
  out.norms.methods = choose_clipped_sum_methods(groups, batch);
  std::vector<size_t> fused;  // linear parameters whose per-example gradients are formed
  std::vector<bool> two_pass(params.size(), true);
  for (size_t p = 0; p < params.size(); ++p) {
    if (!is_linear(groups[p])) continue;
    if (method != NormMethod::kAuto) out.norms.methods[p] = method;
    if (out.norms.methods[p] == NormMethod::kMaterialise) {
      fused.push_back(p);
      two_pass[p] = false;
    }
  }
  out.norms.sq_norms = MatrixD::Zero(batch, P);
  out.factors = Matrix<T>::Zero(batch, factor_cols);
  // Pass 1: norms of the ghost and direct parameters, every example.
  per_example_sq_norms_into(groups, params, out.norms.methods, two_pass, out.norms.sq_norms);

  // Fused parameters sharing one G (the LSTM's W_ih and W_hh) form one family: example i's
  // gradients of all members come from ONE GEMM  G_i^T [A_i^(1) | A_i^(2) | ...].
  std::vector<Family> families;
  {
    std::map<const Matrix<T>*, size_t> family_of_G;  // shared G -> its family
    for (size_t p : fused) {
      const UseGroup<T>& group = groups[p];
      const Matrix<T>* G = group.size() == 1 ? group.front()->G.get() : nullptr;  // tied weights: alone
      const auto it = family_of_G.find(G);
      size_t f = families.size();
      if (G != nullptr && it != family_of_G.end()) {
        f = it->second;
      } else {
        families.push_back({{}, {}, 0, group.front()->G->cols()});
        if (G != nullptr) family_of_G[G] = f;
      }
      Family& family = families[f];
      family.members.push_back(p);
      family.col.push_back(family.d_in);
      family.d_in += group.front()->A->cols();
    }
  }

  // Pass 2: per lane, per example: form g_i of each family, the members' certified norms
  // (norm_bounds.hpp), the factors, and add c_i g_i to the lane's sums.
  const int lanes = std::min(kClippedSumLanes, std::max(batch, 1));
  std::vector<std::vector<Matrix<T>>> lane_sums(static_cast<size_t>(lanes));
#pragma omp parallel
  {
    FusedScratch<T> w(families.size());
#pragma omp for schedule(dynamic, 1)
    for (int lane = 0; lane < lanes; ++lane) {
      const int begin = static_cast<int>(static_cast<int64_t>(batch) * lane / lanes);
      const int end = static_cast<int>(static_cast<int64_t>(batch) * (lane + 1) / lanes);
      std::vector<Matrix<T>>& sums = lane_sums[static_cast<size_t>(lane)];
      for (const Family& family : families) sums.push_back(Matrix<T>::Zero(family.d_out, family.d_in));
      for (int i = begin; i < end; ++i) {
        for (size_t f = 0; f < families.size(); ++f) {
          form_family_gradient(families[f], groups, params, i, w, f, out.norms.sq_norms);
        }
        rule(out.norms.sq_norms.row(i).data(), out.factors.row(i).data());
        for (size_t f = 0; f < families.size(); ++f) {
          const Family& family = families[f];
          for (size_t m = 0; m < family.members.size(); ++m) {
            const T c = out.factors(i, factor_cols == 1 ? 0 : static_cast<Index>(family.members[m]));
            const Index d_in = params[family.members[m]]->value.cols();
            if (c == T(0)) continue;  // a factor of 0 adds nothing, not 0·NaN
            auto target = sums[f].middleCols(family.col[m], d_in);
            if (w.wide[f]) {  // g_i overflowed T: c_i g_i (norm <= C) from the double product
              target += (static_cast<double>(c) * w.g_wide[f].middleCols(family.col[m], d_in)).template cast<T>();
            } else {
              target.noalias() += c * w.g[f].middleCols(family.col[m], d_in);
            }
          }
        }
      }
    }
  }  // omp parallel

  // Pass 3: the clipped sums of the ghost and direct parameters, one weighted GEMM per use.
  out.gradients = weighted_gradient_sum(groups, params, out.factors, two_pass);
  // Lane sums added in lane order, in fixed blocks of rows.
  for (size_t f = 0; f < families.size(); ++f) {
    const Family& family = families[f];
    for (size_t m = 0; m < family.members.size(); ++m) {
      Matrix<T>& grad = out.gradients[family.members[m]];
      parallel_blocks(grad.rows(), kGemmRowBlock, [&](Index r, Index n) {
        for (int lane = 0; lane < lanes; ++lane) {
          grad.middleRows(r, n) += lane_sums[static_cast<size_t>(lane)][f].block(r, family.col[m], n, grad.cols());
        }
      });
    }
  }
  return out;
}

#define DPT_INSTANTIATE(T)                                                                                     \
  template std::vector<NormMethod> choose_clipped_sum_methods<T>(const std::vector<UseGroup<T>>&, int, double); \
  template ClippedSum<T> clipped_gradient_sum<T>(const std::vector<ParamUse<T>>&, const ParameterList<T>&, int, \
                                                 Index, const ClipRule<T>&, NormMethod);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
