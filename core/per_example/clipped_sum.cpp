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

// Fused parameters sharing one G (the LSTM's W_ih and W_hh; a GRU's W_ih and W_hh have one G each) form one family: example i's
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

// Example i's rows of a family into w: A [n, Σ d_in] = [A_i^(1) | A_i^(2) | ...] (tied weights:
// every use's rows stacked) and G [n, d_out].
template <typename T>
void gather_family_rows(const Family& family, const std::vector<UseGroup<T>>& groups, int i, Index n,
                        FusedScratch<T>& w) {
  FusedScratch<T>::fit(w.A, n, family.d_in);
  for (size_t m = 0; m < family.members.size(); ++m) {
    const UseGroup<T>& group = groups[family.members[m]];
    Index r = 0;
    for (const ParamUse<T>* use : group) {
      const BatchLayout& l = *use->layout;
      for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
        w.A.row(r++).segment(family.col[m], use->A->cols()) = use->A->row(l.example_rows()[k]);
      }
    }
  }
  FusedScratch<T>::fit(w.G, n, family.d_out);
  gather_example_rows(groups[family.members.front()], i, select_G, w.G);
}

// Certified squared norm of member m's block of g_i = w.g[f] (norm_bounds::materialised_sq_bound),
// with w.beta2 holding the bounds of ||g_t||². A block that overflows T although every input row
// is finite makes the family's g_i be formed again in double (w.g_wide[f]).
template <typename T>
double member_sq_bound(const Family& family, size_t m, const ParameterList<T>& params, Index n, FusedScratch<T>& w,
                       size_t f) {
  const auto A = w.A.topRows(n);  // [n, Σ d_in]
  const auto G = w.G.topRows(n);  // [n, d_out]
  const Index d_in = params[family.members[m]]->value.cols();
  const norm_bounds::RowSqNormBound<T> a_row(d_in);
  for (Index t = 0; t < n; ++t) w.alpha2(t) = a_row(A.row(t).segment(family.col[m], d_in));
  const double U = norm_bounds::triangle_bound(w.alpha2.data(), w.beta2.data(), n);  // sum_t ||a_t^(m)|| ||g_t||
  const double nd = static_cast<double>(n);
  const double size = static_cast<double>(family.d_out * d_in);
  double ghat = norm_bounds::norm_up(w.g[f].middleCols(family.col[m], d_in));
  if (!std::isfinite(ghat) && std::isfinite(U) && !w.wide[f]) {
    w.g_wide[f].noalias() = G.template cast<double>().transpose() * A.template cast<double>();
    w.wide[f] = true;
  }
  if (w.wide[f]) ghat = norm_bounds::norm_up(w.g_wide[f].middleCols(family.col[m], d_in));
  return w.wide[f] ? norm_bounds::materialised_sq_bound<double>(ghat, U, nd, size)
                   : norm_bounds::materialised_sq_bound<T>(ghat, U, nd, size);
}

// Example i's gradient of one family into w.g[f] and each member's certified squared norm into
// sq_norms(i, member). A product that overflows T although every input row is finite is formed
// again in double (w.g_wide[f]): a finite gradient is never reported non-finite.
template <typename T>
void form_family_gradient(const Family& family, const std::vector<UseGroup<T>>& groups, const ParameterList<T>& params,
                          int i, FusedScratch<T>& w, size_t f, MatrixD& sq_norms) {
  const Index n = example_row_count(groups[family.members.front()], i);
  w.g[f].resize(family.d_out, family.d_in);
  w.wide[f] = false;
  if (n == 0) {
    w.g[f].setZero();
    for (size_t p : family.members) sq_norms(i, static_cast<Index>(p)) = 0.0;
    return;
  }
  gather_family_rows(family, groups, i, n, w);
  const auto A = w.A.topRows(n);
  const auto G = w.G.topRows(n);
  w.g[f].noalias() = G.transpose() * A;  // [d_out, Σ d_in] = G_i^T [A_i | ...]
  if (w.beta2.size() < n) w.beta2.resize(n);
  if (w.alpha2.size() < n) w.alpha2.resize(n);
  const norm_bounds::RowSqNormBound<T> g_row(family.d_out);
  for (Index t = 0; t < n; ++t) w.beta2(t) = g_row(G.row(t));
  for (size_t m = 0; m < family.members.size(); ++m) {
    sq_norms(i, static_cast<Index>(family.members[m])) = member_sq_bound(family, m, params, n, w, f);
  }
}

// sums[f] += c_i g_i for every member of every family, c_i from example i's row of `factors`.
template <typename T>
void add_clipped_example(const std::vector<Family>& families, const ParameterList<T>& params, const Matrix<T>& factors,
                         int i, const FusedScratch<T>& w, std::vector<Matrix<T>>& sums) {
  for (size_t f = 0; f < families.size(); ++f) {
    const Family& family = families[f];
    for (size_t m = 0; m < family.members.size(); ++m) {
      const T c = factors(i, factors.cols() == 1 ? 0 : static_cast<Index>(family.members[m]));
      const Index d_in = params[family.members[m]]->value.cols();
      if (c == T(0)) continue;                                // a factor of 0 adds nothing, not 0·NaN
      auto target = sums[f].middleCols(family.col[m], d_in);  // [d_out, d_in]
      if (w.wide[f]) {  // g_i overflowed T: c_i g_i (norm <= C) from the double product
        target += (static_cast<double>(c) * w.g_wide[f].middleCols(family.col[m], d_in)).template cast<T>();
      } else {
        target.noalias() += c * w.g[f].middleCols(family.col[m], d_in);
      }
    }
  }
}

// Per lane, per family: the sum [d_out, Σ d_in] of c_i g_i over the lane's examples.
template <typename T>
using LaneSums = std::vector<std::vector<Matrix<T>>>;

// First example of `lane` (of `lanes`): contiguous runs whose boundaries depend on the batch only.
int lane_begin(int batch, int lane, int lanes) { return static_cast<int>(static_cast<int64_t>(batch) * lane / lanes); }

// Pass 2, per lane, per example: g_i of each family and its members' certified squared norms
// (completing row i of sq_norms), the factors rule(row i), and c_i g_i added to the lane's sums.
template <typename T>
LaneSums<T> fused_clip_pass(const std::vector<Family>& families, const std::vector<UseGroup<T>>& groups,
                            const ParameterList<T>& params, const ClipRule<T>& rule, MatrixD& sq_norms,
                            Matrix<T>& factors) {
  const int batch = static_cast<int>(sq_norms.rows());
  const int lanes = std::min(kClippedSumLanes, std::max(batch, 1));
  LaneSums<T> lane_sums(static_cast<size_t>(lanes));
#pragma omp parallel
  {
    FusedScratch<T> w(families.size());
#pragma omp for schedule(dynamic, 1)
    for (int lane = 0; lane < lanes; ++lane) {
      std::vector<Matrix<T>>& sums = lane_sums[static_cast<size_t>(lane)];
      for (const Family& family : families) sums.push_back(Matrix<T>::Zero(family.d_out, family.d_in));
      for (int i = lane_begin(batch, lane, lanes); i < lane_begin(batch, lane + 1, lanes); ++i) {
        for (size_t f = 0; f < families.size(); ++f) {
          form_family_gradient(families[f], groups, params, i, w, f, sq_norms);
        }
        rule(sq_norms.row(i).data(), factors.row(i).data());
        add_clipped_example(families, params, factors, i, w, sums);
      }
    }
  }  // omp parallel
  return lane_sums;
}

// gradients[member] += the lane sums, added in lane order, in fixed blocks of rows.
template <typename T>
void add_lane_sums(const std::vector<Family>& families, const LaneSums<T>& lane_sums,
                   std::vector<Matrix<T>>& gradients) {
  for (size_t f = 0; f < families.size(); ++f) {
    const Family& family = families[f];
    for (size_t m = 0; m < family.members.size(); ++m) {
      Matrix<T>& grad = gradients[family.members[m]];  // [d_out, d_in]
      parallel_blocks(grad.rows(), kGemmRowBlock, [&](Index r, Index n) {
        for (const std::vector<Matrix<T>>& sums : lane_sums) {
          grad.middleRows(r, n) += sums[f].block(r, family.col[m], n, grad.cols());
        }
      });
    }
  }
}

// Groups of the uses of `params`, after checking the arguments of clipped_gradient_sum.
template <typename T>
std::vector<UseGroup<T>> checked_groups(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params, int batch,
                                        Index factor_cols) {
  const Index P = static_cast<Index>(params.size());
  DPT_CHECK(batch >= 0, "batch size must be >= 0, but is " + std::to_string(batch) + ".");
  DPT_CHECK(factor_cols == 1 || factor_cols == P, "clip factors must have one column or one per parameter (" +
                                                      std::to_string(P) + "), but have " + std::to_string(factor_cols) +
                                                      ".");
  std::vector<UseGroup<T>> groups = group_uses(uses, params);
  for (const ParamUse<T>& use : uses) {
    DPT_CHECK(use.layout->batch() == batch, "parameter '" + use.param->name + "' was recorded for a batch of " +
                                                std::to_string(use.layout->batch()) + " examples, not " +
                                                std::to_string(batch) + ".");
  }
  return groups;
}

// The cost model's choice per parameter, every linear one forced to `method` unless kAuto.
template <typename T>
std::vector<NormMethod> resolve_methods(const std::vector<UseGroup<T>>& groups, int batch, NormMethod method) {
  std::vector<NormMethod> methods = choose_clipped_sum_methods(groups, batch);
  for (size_t p = 0; p < groups.size(); ++p) {
    if (is_linear(groups[p]) && method != NormMethod::kAuto) methods[p] = method;
  }
  return methods;
}

// (P) true for the parameters of the two-pass path (ghost linear, bias, embedding, unused);
// false for the fused linear ones.
template <typename T>
std::vector<bool> two_pass_params(const std::vector<UseGroup<T>>& groups, const std::vector<NormMethod>& methods) {
  std::vector<bool> two_pass(groups.size(), true);
  for (size_t p = 0; p < groups.size(); ++p) {
    two_pass[p] = !(is_linear(groups[p]) && methods[p] == NormMethod::kMaterialise);
  }
  return two_pass;
}

// The families of the fused parameters (!two_pass[p]), in parameter order: parameters whose
// single use shares one G form one family; tied weights are a family alone.
template <typename T>
std::vector<Family> fused_families(const std::vector<UseGroup<T>>& groups, const std::vector<bool>& two_pass) {
  std::vector<Family> families;
  std::map<const Matrix<T>*, size_t> family_of_G;  // shared G -> its family
  for (size_t p = 0; p < groups.size(); ++p) {
    if (two_pass[p]) continue;
    const UseGroup<T>& group = groups[p];
    const Matrix<T>* G = group.size() == 1 ? group.front()->G.get() : nullptr;
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
  return families;
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
  const std::vector<UseGroup<T>> groups = checked_groups(uses, params, batch, factor_cols);
  ClippedSum<T> out;
  out.norms.methods = resolve_methods(groups, batch, method);                     // (P)
  const std::vector<bool> two_pass = two_pass_params(groups, out.norms.methods);  // (P)
  const std::vector<Family> families = fused_families(groups, two_pass);
  out.norms.sq_norms = MatrixD::Zero(batch, static_cast<Index>(params.size()));  // [B, P]
  out.factors = Matrix<T>::Zero(batch, factor_cols);                             // [B, 1] or [B, P]

  // Pass 1: norms of the ghost and direct parameters, every example.
  per_example_sq_norms_into(groups, params, out.norms.methods, two_pass, out.norms.sq_norms);
  // Pass 2: per example, the fused families' g_i and norms, the factors, c_i g_i into lane sums.
  const LaneSums<T> lane_sums = fused_clip_pass(families, groups, params, rule, out.norms.sq_norms, out.factors);
  // Pass 3: the clipped sums of the ghost and direct parameters, one weighted GEMM per use.
  out.gradients = weighted_gradient_sum(groups, params, out.factors, two_pass);
  add_lane_sums(families, lane_sums, out.gradients);
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
