// Ghost and materialised per-example norms (see per_example_norms.hpp).
#include "core/per_example/per_example_norms.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/per_example/norm_bounds.hpp"

namespace dpt {
namespace {

template <typename T>
UseKind group_kind(const UseGroup<T>& group, const std::string& name) {
  const UseKind kind = group.front()->kind;
  for (const ParamUse<T>* use : group) {
    DPT_CHECK(use->kind == kind, "parameter '" + name + "' is used in two different ways (linear, bias, embedding).");
  }
  return kind;
}

const auto select_A = [](const auto& use) -> const auto& { return *use.A; };
const auto select_G = [](const auto& use) -> const auto& { return *use.G; };

// Scratch space for one example; sized once for the longest example so the loop allocates
// nothing after the first example.
template <typename T>
struct Scratch {
  Matrix<T> A, G, M;                    // example i's rows in T; M = G_i^T A_i (materialised)
  MatrixD Ad, Gd, gram_A, gram_G;       // ghost: the rows and Grams in double
  Vector<double> alpha2, beta2;         // (>= n) bounds of ||a_t||², ||g_t||² (norm_bounds::RowSqNormBound)
  double sum_beta = 0.0;                // ghost: sum_t ||g_t|| of the rows in Gd (rounded up)
  const Matrix<T>* cached_G = nullptr;  // the record whose G Gram is in gram_G (this example)
  const Matrix<T>* bias_G = nullptr;    // the record whose bias norm is in bias_sq (this example)
  double bias_sq = 0.0;

  template <typename S>
  static void fit(Matrix<S>& m, Index rows, Index cols) {
    if (m.rows() < rows || m.cols() != cols) m.resize(std::max(rows, m.rows()), cols);
  }
  void fit_norms(Index rows) {
    if (alpha2.size() < rows) alpha2.resize(rows);
    if (beta2.size() < rows) beta2.resize(rows);
  }
};

// Certified ||sum of example i's G rows||^2 (norm_bounds.hpp, direct_sq_bound): the sum in T,
// its error bounded by gamma_n sum_t ||g_t||.
template <typename T>
double bias_sq_norm(const UseGroup<T>& group, int i, Index d_out) {
  RowVector<T> s = RowVector<T>::Zero(d_out);  // (1, d_out) sum of example i's G rows
  const norm_bounds::RowSqNormBound<T> row_bound(d_out);
  double sum_beta = 0.0, n = 0.0;
  for (const ParamUse<T>* use : group) {
    const BatchLayout& l = *use->layout;
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
      const auto g = use->G->row(l.example_rows()[k]);
      s += g;
      sum_beta += std::sqrt(row_bound(g));
      n += 1.0;
    }
  }
  return norm_bounds::direct_sq_bound<T>(norm_bounds::norm_up(s), norm_bounds::round_up(sum_beta, 6.0 * n), n);
}

// Certified sum_v ||sum_{r: id_r = v} g_r||^2 over example i's rows (sparse per-example
// gradient): the sums in T, their error bounded by gamma_n sum_t ||g_t||.
template <typename T>
double embedding_sq_norm(const UseGroup<T>& group, int i, Index d) {
  std::vector<std::pair<int32_t, const ParamUse<T>*>> keys;  // (id, use) per row
  std::vector<int> rows;
  for (const ParamUse<T>* use : group) {
    const BatchLayout& l = *use->layout;
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
      const int r = l.example_rows()[k];
      keys.emplace_back((*use->ids)[r], use);
      rows.push_back(r);
    }
  }
  std::vector<size_t> order(keys.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a].first < keys[b].first; });
  const norm_bounds::RowSqNormBound<T> row_bound(d);
  double total = 0.0, sum_beta = 0.0, groups = 0.0;
  RowVector<T> s(d);
  for (size_t k = 0; k < order.size();) {
    s.setZero();
    const int32_t id = keys[order[k]].first;
    for (; k < order.size() && keys[order[k]].first == id; ++k) {
      const auto g = keys[order[k]].second->G->row(rows[order[k]]);
      s += g;
      sum_beta += std::sqrt(row_bound(g));
    }
    total += row_bound(s);
    groups += 1.0;
  }
  const double n = static_cast<double>(keys.size());
  const double s_norm = norm_bounds::round_up(std::sqrt(norm_bounds::round_up(total, 5.0 * groups)), 1.0);
  return norm_bounds::direct_sq_bound<T>(s_norm, norm_bounds::round_up(sum_beta, 6.0 * n), n);
}

// Certified ||G_i^T A_i||^2 of a linear use with n > 0 rows for example i, materialised: the
// GEMM in T with its error bound (norm_bounds::materialised_sq_bound).
template <typename T>
double materialised_sq_norm(const UseGroup<T>& group, int i, Index n, Scratch<T>& w) {
  const Index d_in = group.front()->A->cols();
  const Index d_out = group.front()->G->cols();
  Scratch<T>::fit(w.A, n, d_in);
  Scratch<T>::fit(w.G, n, d_out);
  gather_example_rows(group, i, select_A, w.A);
  gather_example_rows(group, i, select_G, w.G);
  const auto A = w.A.topRows(n);  // [n, d_in]
  const auto G = w.G.topRows(n);  // [n, d_out]
  w.M.resize(d_out, d_in);
  w.M.noalias() = G.transpose() * A;  // (d_out, d_in) = G_i^T A_i
  const norm_bounds::RowSqNormBound<T> a_row(d_in), g_row(d_out);
  w.fit_norms(n);
  for (Index t = 0; t < n; ++t) {
    w.alpha2(t) = a_row(A.row(t));
    w.beta2(t) = g_row(G.row(t));
  }
  const double U = norm_bounds::triangle_bound(w.alpha2.data(), w.beta2.data(), n);
  const double m = static_cast<double>(d_out * d_in);
  return norm_bounds::materialised_sq_bound<T>(norm_bounds::norm_up(w.M), U, static_cast<double>(n), m);
}

// The G Gram G_i G_i^T [n, n] of example i in double into w.gram_G, with w.beta2 = the bounds of
// ||g_t||² and w.sum_beta = sum_t ||g_t|| (rounded up). A single-use group's Gram is reused by
// every other parameter whose record shares the same G (the LSTM's W_ih and W_hh).
template <typename T>
void cache_G_gram(const UseGroup<T>& group, int i, Index n, Scratch<T>& w) {
  const Matrix<T>* G_key = group.size() == 1 ? group.front()->G.get() : nullptr;
  if (G_key != nullptr && G_key == w.cached_G) return;
  const Index d_out = group.front()->G->cols();
  Scratch<T>::fit(w.Gd, n, d_out);
  gather_example_rows(group, i, select_G, w.Gd);
  const auto Gd = w.Gd.topRows(n);  // [n, d_out]
  w.gram_G.resize(n, n);
  w.gram_G.noalias() = Gd * Gd.transpose();  // (n, n)
  w.fit_norms(n);
  const norm_bounds::RowSqNormBound<double> g_row(d_out);
  double sum_beta = 0.0;
  for (Index t = 0; t < n; ++t) {
    w.beta2(t) = g_row(Gd.row(t));
    sum_beta += std::sqrt(w.beta2(t));
  }
  w.sum_beta = norm_bounds::round_up(sum_beta, 6.0 * static_cast<double>(n));
  w.cached_G = G_key;
}

// Certified ||G_i^T A_i||^2 of a linear use with n > 0 rows for example i, ghost:
// <A_i A_i^T, G_i G_i^T> with both Grams in double (norm_bounds::ghost_sq_bound).
template <typename T>
double ghost_sq_norm(const UseGroup<T>& group, int i, Index n, Scratch<T>& w) {
  const Index d_in = group.front()->A->cols();
  const Index d_out = group.front()->G->cols();
  const double nd = static_cast<double>(n);
  cache_G_gram(group, i, n, w);
  Scratch<T>::fit(w.Ad, n, d_in);
  gather_example_rows(group, i, select_A, w.Ad);
  const auto Ad = w.Ad.topRows(n);  // [n, d_in]
  w.gram_A.resize(n, n);
  w.gram_A.noalias() = Ad * Ad.transpose();  // (n, n)
  const norm_bounds::RowSqNormBound<double> a_row(d_in);
  double sum_alpha = 0.0;
  for (Index t = 0; t < n; ++t) {
    w.alpha2(t) = a_row(Ad.row(t));
    sum_alpha += std::sqrt(w.alpha2(t));
  }
  const double U = norm_bounds::triangle_bound(w.alpha2.data(), w.beta2.data(), n);
  const double S_hat = w.gram_A.cwiseProduct(w.gram_G).sum();
  return norm_bounds::ghost_sq_bound(S_hat, U, norm_bounds::round_up(sum_alpha, 6.0 * nd), w.sum_beta, nd,
                                     static_cast<double>(d_in), static_cast<double>(d_out));
}

// Certified ||G_i^T A_i||^2 of a linear use (norm_bounds.hpp): ghost or materialised.
template <typename T>
double linear_sq_norm(const UseGroup<T>& group, int i, NormMethod method, Scratch<T>& w) {
  const Index n = example_row_count(group, i);
  if (n == 0) return 0.0;
  return method == NormMethod::kMaterialise ? materialised_sq_norm(group, i, n, w) : ghost_sq_norm(group, i, n, w);
}

// The cost model of choose_norm_methods for one batch, in multiply-adds (S1 = sum_i n_i,
// S2 = sum_i n_i² of a parameter's rows).
template <typename T>
struct MethodCosts {
  int batch;
  NormCostModel extra;

  std::pair<double, double> row_sums(const UseGroup<T>& g) const {  // (S1, S2)
    double S1 = 0, S2 = 0;
    for (int i = 0; i < batch; ++i) {
      const double n = static_cast<double>(example_row_count(g, i));
      S1 += n;
      S2 += n * n;
    }
    return {S1, S2};
  }
  // Ghost, without the G Gram S2 d_out (shared between the parameters of one G).
  double ghost(double S1, double S2, double d_in, double d_out) const {
    return S2 * d_in + extra.ghost_sum * S1 * d_in * d_out;
  }
  double materialise(double S1, double d_in, double d_out) const {
    return (S1 + extra.materialise_per_example * static_cast<double>(batch)) * d_in * d_out;
  }
};

// The cheapest ghost/materialise assignment of the single-use linear parameters `members`
// sharing one G: every assignment tried (at most 2^k, k = 2 for an LSTM); beyond 10 members,
// each decided alone with the Gram shared evenly.
template <typename T>
void choose_sharing_members(const std::vector<UseGroup<T>>& groups, const std::vector<size_t>& members, double d_out,
                            const MethodCosts<T>& costs, std::vector<NormMethod>& methods) {
  const auto [S1, S2] = costs.row_sums(groups[members.front()]);
  auto d_in_of = [&](size_t p) { return static_cast<double>(groups[p].front()->A->cols()); };
  const size_t k = members.size();
  if (k > 10) {
    for (size_t p : members) {
      const double gram_share = S2 * d_out / static_cast<double>(k);
      methods[p] = costs.ghost(S1, S2, d_in_of(p), d_out) + gram_share < costs.materialise(S1, d_in_of(p), d_out)
                       ? NormMethod::kGhost
                       : NormMethod::kMaterialise;
    }
    return;
  }
  double best_cost = 0;
  uint32_t best = 0;
  for (uint32_t ghost_mask = 0; ghost_mask < (1u << k); ++ghost_mask) {
    double cost = ghost_mask != 0 ? S2 * d_out : 0.0;
    for (size_t m = 0; m < k; ++m) {
      const double d_in = d_in_of(members[m]);
      cost += (ghost_mask >> m) & 1u ? costs.ghost(S1, S2, d_in, d_out) : costs.materialise(S1, d_in, d_out);
    }
    if (ghost_mask == 0 || cost < best_cost) {
      best_cost = cost;
      best = ghost_mask;
    }
  }
  for (size_t m = 0; m < k; ++m) methods[members[m]] = (best >> m) & 1u ? NormMethod::kGhost : NormMethod::kMaterialise;
}

}  // namespace

template <typename T>
std::vector<NormMethod> choose_norm_methods(const std::vector<UseGroup<T>>& groups, int batch, NormCostModel costs) {
  // Per example i with n_i rows, summed over the batch (S1 = sum_i n_i, S2 = sum_i n_i²), per
  // linear parameter (d_out, d_in):
  //   ghost        S2 d_in, plus the G Gram S2 d_out, which the parameters whose single record
  //                shares one G (the LSTM's W_ih and W_hh) pay once between them,
  //                plus costs.ghost_sum · S1 d_in d_out
  //   materialise  (S1 + costs.materialise_per_example · B) d_in d_out
  const MethodCosts<T> model{batch, costs};
  std::vector<NormMethod> methods(groups.size(), NormMethod::kMaterialise);
  std::map<const Matrix<T>*, std::vector<size_t>> sharing;  // G -> single-use linear params
  for (size_t p = 0; p < groups.size(); ++p) {
    const UseGroup<T>& g = groups[p];
    if (g.empty() || g.front()->kind != UseKind::kLinear) continue;
    if (g.size() == 1) {
      sharing[g.front()->G.get()].push_back(p);
      continue;
    }
    const auto [S1, S2] = model.row_sums(g);  // tied weights: rows of all uses stacked, nothing shared
    const double d_in = static_cast<double>(g.front()->A->cols()), d_out = static_cast<double>(g.front()->G->cols());
    methods[p] = model.ghost(S1, S2, d_in, d_out) + S2 * d_out < model.materialise(S1, d_in, d_out)
                     ? NormMethod::kGhost
                     : NormMethod::kMaterialise;
  }
  for (const auto& [G, members] : sharing) {
    choose_sharing_members(groups, members, static_cast<double>(G->cols()), model, methods);
  }
  return methods;
}

template <typename T>
void per_example_sq_norms_into(const std::vector<UseGroup<T>>& groups, const ParameterList<T>& params,
                               const std::vector<NormMethod>& methods, const std::vector<bool>& include,
                               MatrixD& sq_norms) {
  const int batch = static_cast<int>(sq_norms.rows());
  std::vector<UseKind> kinds(params.size(), UseKind::kLinear);
  for (size_t p = 0; p < params.size(); ++p) {
    if (!groups[p].empty()) kinds[p] = group_kind(groups[p], params[p]->name);
  }
  // Examples are independent: each thread takes a static share and writes only its rows, so
  // the result does not depend on the number of threads.
#pragma omp parallel
  {
    Scratch<T> scratch;
#pragma omp for schedule(static)
    for (int i = 0; i < batch; ++i) {
      scratch.cached_G = nullptr;
      scratch.bias_G = nullptr;
      for (size_t p = 0; p < params.size(); ++p) {
        const UseGroup<T>& g = groups[p];
        if (g.empty() || !include[p]) continue;
        double sq = 0.0;
        switch (kinds[p]) {
          case UseKind::kBias: {
            // Biases whose single record shares one G (the LSTM's b_ih and b_hh) have the same
            // per-example gradient: its norm is computed once.
            const Matrix<T>* G_key = g.size() == 1 ? g.front()->G.get() : nullptr;
            if (G_key == nullptr || G_key != scratch.bias_G) {
              scratch.bias_sq = bias_sq_norm(g, i, params[p]->value.cols());
              scratch.bias_G = G_key;
            }
            sq = scratch.bias_sq;
            break;
          }
          case UseKind::kEmbedding: sq = embedding_sq_norm(g, i, params[p]->value.cols()); break;
          case UseKind::kLinear: sq = linear_sq_norm(g, i, methods[p], scratch); break;
        }
        sq_norms(i, static_cast<Index>(p)) = sq;
      }
    }
  }  // omp parallel
}

template <typename T>
PerExampleNorms<T> per_example_sq_norms(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                        int batch, NormMethod method) {
  const std::vector<UseGroup<T>> groups = group_uses(uses, params);
  PerExampleNorms<T> out;
  out.methods = choose_norm_methods(groups, batch);
  for (size_t p = 0; p < params.size(); ++p) {
    if (groups[p].empty()) continue;
    if (group_kind(groups[p], params[p]->name) == UseKind::kLinear && method != NormMethod::kAuto) out.methods[p] = method;
  }
  out.sq_norms = MatrixD::Zero(batch, static_cast<Index>(params.size()));
  per_example_sq_norms_into(groups, params, out.methods, std::vector<bool>(params.size(), true), out.sq_norms);
  return out;
}

template <typename T>
Matrix<T> example_gradient(const UseGroup<T>& group, const Parameter<T>& param, int i) {
  Matrix<T> grad = Matrix<T>::Zero(param.value.rows(), param.value.cols());
  for (const ParamUse<T>* use : group) {
    const BatchLayout& l = *use->layout;
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
      const int r = l.example_rows()[k];
      switch (use->kind) {
        case UseKind::kLinear: grad.noalias() += use->G->row(r).transpose() * use->A->row(r); break;
        case UseKind::kBias: grad.row(0) += use->G->row(r); break;
        case UseKind::kEmbedding: grad.row((*use->ids)[r]) += use->G->row(r); break;
      }
    }
  }
  return grad;
}

#define DPT_INSTANTIATE(T)                                                                              \
  template std::vector<NormMethod> choose_norm_methods<T>(const std::vector<UseGroup<T>>&, int, NormCostModel); \
  template PerExampleNorms<T> per_example_sq_norms<T>(const std::vector<ParamUse<T>>&,                 \
                                                      const ParameterList<T>&, int, NormMethod);       \
  template void per_example_sq_norms_into<T>(const std::vector<UseGroup<T>>&, const ParameterList<T>&,  \
                                             const std::vector<NormMethod>&, const std::vector<bool>&, \
                                             MatrixD&);                                              \
  template Matrix<T> example_gradient<T>(const UseGroup<T>&, const Parameter<T>&, int);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
