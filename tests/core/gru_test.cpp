// The fused GRU: a step-by-step reference of torch.nn.GRU's equations, gate isolation against
// closed forms, slot order (unsorted, non-increasing, equal lengths), finite-difference
// Jacobians, per-example gradients and clipped sums over its two G records, thread-count
// independence and padding.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <vector>

#include "core/batch_layout.hpp"
#include "core/layers/init.hpp"
#include "core/losses/loss.hpp"
#include "core/ops/gru_sequence.hpp"
#include "core/ops/pooling.hpp"
#include "core/per_example/clipped_sum.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/per_example/per_example_norms.hpp"
#include "core/random/counter_rng.hpp"
#include "tests/core/gradcheck.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;
using dpt::testing::check_jacobian;
using dpt::testing::GradInput;
using dpt::testing::random_matrix;

namespace {

using VectorXd = Eigen::VectorXd;

double sigm(double z) { return 1.0 / (1.0 + std::exp(-z)); }

double max_abs_diff(const MatrixD& a, const MatrixD& b) { return (a - b).cwiseAbs().maxCoeff(); }

// One GRU layer's parameters under torch.nn.GRU's names, initialised as torch does:
// U(±1/√H) for all four.
template <typename T>
struct GruParams {
  Parameter<T> weight_ih, weight_hh, bias_ih, bias_hh;

  GruParams(Index D, Index H, uint64_t seed)
      : weight_ih{"gru.weight_ih_l0", Matrix<T>(3 * H, D), 2},
        weight_hh{"gru.weight_hh_l0", Matrix<T>(3 * H, H), 2},
        bias_ih{"gru.bias_ih_l0", Matrix<T>(1, 3 * H), 1},
        bias_hh{"gru.bias_hh_l0", Matrix<T>(1, 3 * H), 1} {
    const double bound = 1.0 / std::sqrt(static_cast<double>(H));
    init_uniform(weight_ih.value, bound, derive_seed(seed, 0));
    init_uniform(weight_hh.value, bound, derive_seed(seed, 1));
    init_uniform(bias_ih.value, bound, derive_seed(seed, 2));
    init_uniform(bias_hh.value, bound, derive_seed(seed, 3));
  }
  GruParams(const GruParams&) = delete;
  GruParams& operator=(const GruParams&) = delete;

  GruWeights<T> weights() { return {&weight_ih, &weight_hh, &bias_ih, &bias_hh}; }
  ParameterList<T> parameters() { return {&weight_ih, &weight_hh, &bias_ih, &bias_hh}; }
};

// torch.nn.GRU's documented equations, one example, one step and one unit at a time:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 − z) n + z h
MatrixD reference_gru(const MatrixD& x, const BatchLayout& layout, const GruWeights<double>& w) {
  const MatrixD& W_ih = w.weight_ih->value;
  const MatrixD& W_hh = w.weight_hh->value;
  const MatrixD& b_ih = w.bias_ih->value;
  const MatrixD& b_hh = w.bias_hh->value;
  const Index H = W_hh.cols(), D = W_ih.cols();
  const int B = layout.batch();
  MatrixD y = MatrixD::Zero(x.rows(), H);
  for (int b = 0; b < B; ++b) {
    VectorXd h = VectorXd::Zero(H);
    for (int t = 0; t < layout.length(b); ++t) {
      const Index row = static_cast<Index>(t) * B + b;
      auto dot_x = [&](Index k) {
        double s = 0.0;
        for (Index d = 0; d < D; ++d) s += W_ih(k, d) * x(row, d);
        return s;
      };
      auto dot_h = [&](Index k) {
        double s = 0.0;
        for (Index j = 0; j < H; ++j) s += W_hh(k, j) * h(j);
        return s;
      };
      VectorXd h_new(H);
      for (Index j = 0; j < H; ++j) {
        const double r = sigm(dot_x(j) + b_ih(0, j) + dot_h(j) + b_hh(0, j));
        const double z = sigm(dot_x(H + j) + b_ih(0, H + j) + dot_h(H + j) + b_hh(0, H + j));
        const double n = std::tanh(dot_x(2 * H + j) + b_ih(0, 2 * H + j) + r * (dot_h(2 * H + j) + b_hh(0, 2 * H + j)));
        h_new(j) = (1.0 - z) * n + z * h(j);
      }
      h = h_new;
      y.row(row) = h.transpose();
    }
  }
  return y;
}

// Features of example e (a pure function of e), time-major batch of the given examples.
MatrixD features_of(const std::vector<int>& lengths, const std::vector<int>& examples, Index D, const BatchLayout& l) {
  const int B = l.batch();
  MatrixD x = MatrixD::Zero(l.rows(), D);
  for (int b = 0; b < B; ++b) {
    const int e = examples[static_cast<size_t>(b)];
    const MatrixD xe = random_matrix(lengths[static_cast<size_t>(e)], D, 3000 + static_cast<uint64_t>(e));
    for (int t = 0; t < l.length(b); ++t) x.row(static_cast<Index>(t) * B + b) = xe.row(t);
  }
  return x;
}

// The per-example test model: gru_sequence -> last_valid_step -> softmax cross-entropy over the
// H units (label e % H), summed over the subset `examples` of a dataset of `lengths`.
struct GruClassifier {
  std::vector<int> lengths{5, 1, 3, 7, 2, 4};  // unsorted: the batch runs through gathered slots
  Index D = 3, H = 4;
  GruParams<double> gru{D, H, 31};

  Var loss(Tape<double>& t, const std::vector<int>& examples) {
    std::vector<int> lens;
    std::vector<int32_t> labels;
    for (int e : examples) {
      lens.push_back(lengths[static_cast<size_t>(e)]);
      labels.push_back(static_cast<int32_t>(e % H));
    }
    const LayoutPtr layout = BatchLayout::sequence(lens);
    const Var x = t.leaf(features_of(lengths, examples, D, *layout), layout);
    return cross_entropy_loss(t, last_valid_step(t, gru_sequence(t, x, gru.weights())), labels).total;
  }
  std::vector<int> all() const {
    std::vector<int> ex(lengths.size());
    for (size_t i = 0; i < ex.size(); ++i) ex[i] = static_cast<int>(i);
    return ex;
  }
};

// Flat clipping at C: c_i = min(1, C / ||g_i||).
template <typename T>
ClipRule<T> flat_rule(size_t P, double C) {
  return [P, C](const double* sq, T* c) {
    double total = 0;
    for (size_t p = 0; p < P; ++p) total += sq[p];
    c[0] = std::isfinite(total) ? static_cast<T>(std::min(1.0, C / std::sqrt(total))) : T(0);
  };
}

constexpr NormMethod kMethods[] = {NormMethod::kGhost, NormMethod::kMaterialise, NormMethod::kAuto};

}  // namespace

TEST_CASE("gru_sequence matches torch.nn.GRU's equations step by step") {
  GruParams<double> gru(3, 4, 7);
  const LayoutPtr layout = BatchLayout::sequence({5, 2, 4});
  const MatrixD x = random_matrix(layout->rows(), 3, 40);
  Tape<double> t;
  const MatrixD y = t.value(gru_sequence(t, t.leaf(x, layout), gru.weights()));
  const MatrixD ref = reference_gru(x, *layout, gru.weights());
  MESSAGE("max |y - reference| = " << max_abs_diff(y, ref));
  CHECK(max_abs_diff(y, ref) <= 1e-14);
  SUBCASE("padding rows output exactly zero") {
    for (int r = 0; r < layout->rows(); ++r) {
      if (layout->example_of(r) < 0) CHECK(y.row(r).isZero(0.0));
    }
  }
}

TEST_CASE("GRU gate isolation: zero weights, constant gates, closed form") {
  // With W_ih = W_hh = 0 every gate is constant: r, z, n = tanh(b_in + r b_hn), and
  // h_t = n + z (h_{t-1} - n) gives h_t = n (1 - z^t).
  GruParams<double> gru(1, 1, 1);
  GruWeights<double> w = gru.weights();
  w.weight_ih->value.setZero();
  w.weight_hh->value.setZero();
  w.bias_ih->value << 0.3, -0.7, 0.9;   // r, z, n
  w.bias_hh->value << 0.1, 0.2, -0.4;
  const double r = sigm(0.4), z = sigm(-0.5), n = std::tanh(0.9 + r * -0.4);  // b_hn inside the reset product
  const LayoutPtr layout = BatchLayout::sequence({6});
  Tape<double> t;
  const MatrixD y = t.value(gru_sequence(t, t.leaf(MatrixD::Constant(6, 1, 3.0), layout), w));
  for (int s = 1; s <= 6; ++s) CHECK(y(s - 1, 0) == doctest::Approx(n * (1.0 - std::pow(z, s))).epsilon(1e-14));
  SUBCASE("z forced to 0: no memory, h_t = n_t, and the input weight reaches only n") {
    w.bias_ih->value(0, 1) = -40.0;  // z = σ(-39.8) < 1e-17
    w.weight_ih->value << 0.0, 0.0, 2.0;
    MatrixD x(3, 1);
    x << 0.35, -1.2, 0.6;
    Tape<double> t2;
    const MatrixD y2 = t2.value(gru_sequence(t2, t2.leaf(x, BatchLayout::sequence({3})), w));
    for (int s = 0; s < 3; ++s) CHECK(y2(s, 0) == doctest::Approx(std::tanh(2.0 * x(s, 0) + 0.9 + r * -0.4)).epsilon(1e-14));
  }
  SUBCASE("z forced to 1: the state stays at h_0 = 0") {
    w.bias_ih->value(0, 1) = 40.0;  // 1 - z < 1e-17
    w.weight_ih->value << 1.0, 1.0, 1.0;
    Tape<double> t2;
    const MatrixD y2 = t2.value(gru_sequence(t2, t2.leaf(MatrixD::Constant(4, 1, 0.8), BatchLayout::sequence({4})), w));
    CHECK(y2.cwiseAbs().maxCoeff() <= 1e-16);
  }
  SUBCASE("the recurrent weights of r and n, two steps by hand") {
    // r_t = σ(b_r + u h_{t-1}),  n_t = tanh(b_in + r_t (v h_{t-1} + b_hn)).
    w.weight_hh->value << 1.5, 0.0, -0.8;
    Tape<double> t2;
    const MatrixD y2 = t2.value(gru_sequence(t2, t2.leaf(MatrixD::Zero(2, 1), BatchLayout::sequence({2})), w));
    const double h1 = n * (1.0 - z);
    const double r2 = sigm(0.4 + 1.5 * h1);
    const double n2 = std::tanh(0.9 + r2 * (-0.8 * h1 - 0.4));
    CHECK(y2(0, 0) == doctest::Approx(h1).epsilon(1e-14));
    CHECK(y2(1, 0) == doctest::Approx(n2 + z * (h1 - n2)).epsilon(1e-14));
  }
}

TEST_CASE("GRU padding is skipped in slot order: unsorted, non-increasing and equal lengths match the reference") {
  GruParams<double> gru(3, 4, 8);
  for (const std::vector<int>& lengths : {std::vector<int>{2, 6, 1, 6, 3}, std::vector<int>{6, 6, 3, 2, 1},
                                          std::vector<int>{4, 4, 4}, std::vector<int>{1, 5}}) {
    CAPTURE(lengths.size());
    CAPTURE(lengths.front());
    const LayoutPtr layout = BatchLayout::sequence(lengths);
    const MatrixD x = random_matrix(layout->rows(), 3, 43);
    Tape<double> t;
    const Var y = gru_sequence(t, t.leaf(x, layout), gru.weights());
    const double err = max_abs_diff(t.value(y), reference_gru(x, *layout, gru.weights()));
    MESSAGE("max |y - reference| = " << err);
    CHECK(err <= 1e-14);
    // and the batch's gradient equals the sum over batches of one (own rows, no padding at all)
    const MatrixD target = random_matrix(layout->rows(), 4, 44);  // MSE targets
    t.backward(mse_loss(t, y, target).total);
    const std::vector<MatrixD> batch_grad = gradient_sum(t.uses(), gru.parameters());
    std::vector<MatrixD> sum_of_ones;
    for (int b = 0; b < layout->batch(); ++b) {
      const int len = lengths[static_cast<size_t>(b)];
      MatrixD xb(len, 3), tb_target(len, 4);
      for (int s = 0; s < len; ++s) {
        xb.row(s) = x.row(s * layout->batch() + b);
        tb_target.row(s) = target.row(s * layout->batch() + b);
      }
      Tape<double> tb;
      const Var yb = gru_sequence(tb, tb.leaf(xb, BatchLayout::sequence({len})), gru.weights());
      tb.backward(mse_loss(tb, yb, tb_target).total);
      const std::vector<MatrixD> g = gradient_sum(tb.uses(), gru.parameters());
      for (size_t p = 0; p < g.size(); ++p) {
        if (b == 0) sum_of_ones.push_back(g[p]);
        else sum_of_ones[p] += g[p];
      }
    }
    for (size_t p = 0; p < batch_grad.size(); ++p) CHECK(max_abs_diff(batch_grad[p], sum_of_ones[p]) <= 1e-12);
  }
}

TEST_CASE("gru_sequence: Jacobian wrt inputs and all four parameters, padded batch (gathered slots)") {
  GruParams<double> gru(3, 3, 11);
  const LayoutPtr layout = BatchLayout::sequence({4, 1, 3});
  std::vector<GradInput> in{{random_matrix(layout->rows(), 3, 41), layout, "x"}};
  const GruWeights<double> w = gru.weights();
  CHECK_JACOBIAN(check_jacobian(in, gru.parameters(), [&](Tape<double>& t, const std::vector<Var>& v) {
                   return gru_sequence(t, v[0], w);
                 }),
                 1e-6);
}

TEST_CASE("gru_sequence: Jacobian wrt inputs and all four parameters, non-increasing lengths (in place)") {
  GruParams<double> gru(3, 3, 12);
  const LayoutPtr layout = BatchLayout::sequence({4, 3, 1});
  std::vector<GradInput> in{{random_matrix(layout->rows(), 3, 45), layout, "x"}};
  const GruWeights<double> w = gru.weights();
  CHECK_JACOBIAN(check_jacobian(in, gru.parameters(), [&](Tape<double>& t, const std::vector<Var>& v) {
                   return gru_sequence(t, v[0], w);
                 }),
                 1e-6);
}

TEST_CASE("GRU per-example gradients equal batches of one; ghost, materialised and direct norms agree") {
  GruClassifier model;
  const ParameterList<double> params = model.gru.parameters();
  const int B = static_cast<int>(model.lengths.size());
  Tape<double> tape;
  tape.backward(model.loss(tape, model.all()));
  // Two G records: W_ih and b_ih share G_i, W_hh and b_hh share G_h.
  const auto groups = group_uses(tape.uses(), params);
  REQUIRE(groups[0].front()->G == groups[2].front()->G);
  REQUIRE(groups[1].front()->G == groups[3].front()->G);
  REQUIRE(groups[0].front()->G != groups[1].front()->G);

  double worst = 0.0;
  std::vector<MatrixD> sum(params.size());
  MatrixD direct(B, static_cast<Index>(params.size()));
  for (int i = 0; i < B; ++i) {
    Tape<double> single;
    single.backward(model.loss(single, {i}));
    const std::vector<MatrixD> expected = gradient_sum(single.uses(), params);
    for (size_t p = 0; p < params.size(); ++p) {
      const MatrixD g = example_gradient(groups[p], *params[p], i);
      worst = std::max(worst, max_abs_diff(g, expected[p]));
      sum[p] = i == 0 ? g : MatrixD(sum[p] + g);
      direct(i, static_cast<Index>(p)) = g.squaredNorm();
    }
  }
  MESSAGE("worst |g_i - g_i(batch of one)| = " << worst);
  CHECK(worst <= 1e-10);
  const std::vector<MatrixD> batch_grad = gradient_sum(tape.uses(), params);
  for (size_t p = 0; p < params.size(); ++p) CHECK(max_abs_diff(sum[p], batch_grad[p]) <= 1e-12);

  const double scale = direct.cwiseAbs().maxCoeff();
  double worst_norm = 0.0;
  for (const NormMethod method : kMethods) {
    CAPTURE(static_cast<int>(method));
    const PerExampleNorms<double> norms = per_example_sq_norms(tape.uses(), params, B, method);
    worst_norm = std::max(worst_norm, max_abs_diff(norms.sq_norms, direct) / scale);
    CHECK(max_abs_diff(norms.sq_norms, direct) <= 1e-12 * scale);
  }
  MESSAGE("worst relative |norm² - ||g_i||²| (ghost, materialised, auto) = " << worst_norm);
}

TEST_CASE("GRU clipped sum: ghost, fused and auto equal the explicit sum of clipped per-example gradients") {
  GruClassifier model;
  const ParameterList<double> params = model.gru.parameters();
  const size_t P = params.size();
  const int B = static_cast<int>(model.lengths.size());
  Tape<double> tape;
  tape.backward(model.loss(tape, model.all()));
  const auto groups = group_uses(tape.uses(), params);
  std::vector<std::vector<MatrixD>> g(static_cast<size_t>(B));
  MatrixD sq(B, static_cast<Index>(P));
  for (int i = 0; i < B; ++i) {
    for (size_t p = 0; p < P; ++p) {
      g[static_cast<size_t>(i)].push_back(example_gradient(groups[p], *params[p], i));
      sq(i, static_cast<Index>(p)) = g[static_cast<size_t>(i)].back().squaredNorm();
    }
  }
  Eigen::VectorXd norms = sq.rowwise().sum().cwiseSqrt();
  std::sort(norms.data(), norms.data() + norms.size());
  const double C = 0.5 * norms(B / 2);  // some examples clipped, some not
  const ClipRule<double> rule = flat_rule<double>(P, C);
  double worst = 0.0;
  for (const NormMethod method : kMethods) {
    CAPTURE(static_cast<int>(method));
    const ClippedSum<double> got = clipped_gradient_sum(tape.uses(), params, B, 1, rule, method);
    if (method != NormMethod::kAuto) {
      CHECK(got.norms.methods[0] == method);  // W_ih and W_hh: two families of one member each when fused
      CHECK(got.norms.methods[1] == method);
    }
    CHECK(max_abs_diff(got.norms.sq_norms, sq) <= 1e-12 * sq.maxCoeff());
    for (size_t p = 0; p < P; ++p) {
      MatrixD expected = MatrixD::Zero(params[p]->value.rows(), params[p]->value.cols());
      for (int i = 0; i < B; ++i) {
        double c = 0;
        rule(sq.row(i).data(), &c);
        CHECK(got.factors(i, 0) == doctest::Approx(c).epsilon(1e-12));
        expected += c * g[static_cast<size_t>(i)][p];
      }
      worst = std::max(worst, max_abs_diff(got.gradients[p], expected));
      CHECK(max_abs_diff(got.gradients[p], expected) <= 1e-12);
    }
  }
  MESSAGE("worst |clipped sum - sum_i c_i g_i| = " << worst);
}

TEST_CASE("GRU clipped sum in float is bit-identical for 1, 2 and 3 threads") {
  GruParams<float> gru(5, 12, 9);
  std::vector<int> lengths;
  std::vector<int32_t> labels;
  for (int i = 0; i < 37; ++i) {
    lengths.push_back(20 + (i * 7) % 17);
    labels.push_back(i % 12);
  }
  const LayoutPtr layout = BatchLayout::sequence(lengths);
  Tape<float> t;
  const Var x = t.leaf(random_matrix<float>(layout->rows(), 5, 46), layout);
  t.backward(cross_entropy_loss(t, last_valid_step(t, gru_sequence(t, x, gru.weights())), labels).total);
  const ParameterList<float> params = gru.parameters();
  const int saved = omp_get_max_threads();
  for (const NormMethod method : kMethods) {
    CAPTURE(static_cast<int>(method));
    std::vector<ClippedSum<float>> runs;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      runs.push_back(clipped_gradient_sum(t.uses(), params, 37, 1, flat_rule<float>(params.size(), 0.05), method));
    }
    for (size_t r = 1; r < runs.size(); ++r) {
      CHECK(runs[r].norms.sq_norms == runs[0].norms.sq_norms);
      CHECK(runs[r].factors == runs[0].factors);
      for (size_t p = 0; p < params.size(); ++p) CHECK(runs[r].gradients[p] == runs[0].gradients[p]);
    }
  }
  omp_set_num_threads(saved);
}

TEST_CASE("gru_sequence in float is bit-identical for 1, 2 and 3 threads (row and column blockings)") {
  // H = 128: the recurrent GEMMs run in column blocks; H = 8 with 70 examples: in row blocks.
  struct Shape {
    Index H;
    std::vector<int> lengths;
  };
  std::vector<int> many;
  for (int i = 0; i < 70; ++i) many.push_back(1 + (i * 5) % 6);
  for (const Shape& shape : {Shape{128, {5, 2, 6, 6, 3, 1, 4, 2, 5, 3, 6, 1, 2, 4, 5, 6, 3, 2, 1, 4}}, Shape{8, many}}) {
    CAPTURE(shape.H);
    GruParams<float> gru(6, shape.H, 10);
    const LayoutPtr layout = BatchLayout::sequence(shape.lengths);
    const MatrixF x = random_matrix<float>(layout->rows(), 6, 47);
    const MatrixF dY = random_matrix<float>(layout->rows(), shape.H, 48);
    const int saved = omp_get_max_threads();
    std::vector<MatrixF> Y, dX;
    std::vector<std::vector<MatrixF>> grads;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      Tape<float> t;
      const Var xv = t.leaf(x, layout);
      const Var y = gru_sequence(t, xv, gru.weights());
      t.backward(y, dY);
      Y.push_back(t.value(y));
      dX.push_back(t.grad(xv));
      grads.push_back(gradient_sum(t.uses(), gru.parameters()));
    }
    omp_set_num_threads(saved);
    for (size_t r = 1; r < Y.size(); ++r) {
      CHECK(Y[r] == Y[0]);
      CHECK(dX[r] == dX[0]);
      for (size_t p = 0; p < grads[0].size(); ++p) CHECK(grads[r][p] == grads[0][p]);
    }
  }
}

TEST_CASE("GRU padding contributes nothing: outputs, losses, gradients and G, bit for bit") {
  GruParams<double> gru(3, 4, 13);
  const LayoutPtr layout = BatchLayout::sequence({4, 2, 5, 1});
  const MatrixD x0 = random_matrix(layout->rows(), 3, 49);
  auto run = [&](const MatrixD& x) {
    Tape<double> t;
    const Var xv = t.leaf(x, layout);
    const Var y = gru_sequence(t, xv, gru.weights());
    const LossResult<double> loss = mse_loss(t, y, MatrixD(MatrixD::Constant(layout->rows(), 4, 0.3)));
    t.backward(loss.total);
    std::vector<MatrixD> Gs;
    for (const ParamUse<double>& use : t.uses()) Gs.push_back(*use.G);
    return std::make_tuple(MatrixD(t.value(y)), Vector<double>(loss.per_example), t.grad(xv),
                           gradient_sum(t.uses(), gru.parameters()), Gs);
  };
  MatrixD x1 = x0;
  for (int r = 0; r < layout->rows(); ++r) {
    if (layout->example_of(r) < 0) x1.row(r) = random_matrix(1, 3, 500 + static_cast<uint64_t>(r), 100.0);
  }
  const auto a = run(x0), b = run(x1);
  CHECK(std::get<0>(a) == std::get<0>(b));
  CHECK(std::get<1>(a) == std::get<1>(b));
  CHECK(std::get<2>(a) == std::get<2>(b));
  for (size_t p = 0; p < std::get<3>(a).size(); ++p) CHECK(std::get<3>(a)[p] == std::get<3>(b)[p]);
  for (size_t u = 0; u < std::get<4>(a).size(); ++u) CHECK(std::get<4>(a)[u] == std::get<4>(b)[u]);
  SUBCASE("padding rows of Y, dX and every G are exactly 0") {
    for (int r = 0; r < layout->rows(); ++r) {
      if (layout->example_of(r) >= 0) continue;
      CHECK(std::get<0>(b).row(r).isZero(0.0));
      CHECK(std::get<2>(b).row(r).isZero(0.0));
      for (const MatrixD& G : std::get<4>(b)) CHECK(G.row(r).isZero(0.0));
    }
  }
}
