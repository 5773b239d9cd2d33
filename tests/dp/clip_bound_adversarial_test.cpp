// Invariant 1 against float cancellation (issue: "a clipping bound that holds in exact
// arithmetic"): hand-built parameter-use records whose rows cancel, repeat, run long, or sit
// at huge and tiny magnitudes, clipped by the production rule (clip_example) through every
// norm path — ghost, fused, direct (bias, embedding) — and every clipping mode. Each
// example's contribution is recomputed EXACTLY from the recorded float A and G (products of
// floats are exact in double; the sums are exact by Shewchuk's expansion summation), and must
// be <= C; no finite example may be dropped as non-finite.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/per_example/clipped_sum.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/clipping.hpp"

using namespace dpt;

namespace {

// The exactly rounded sum of doubles (Shewchuk 1997, as Python's math.fsum): partials are
// kept non-overlapping, so nothing cancels away.
class ExactSum {
 public:
  void add(double x) {
    size_t k = 0;
    for (double y : partials_) {
      if (std::abs(x) < std::abs(y)) std::swap(x, y);
      const double hi = x + y;
      const double lo = y - (hi - x);
      if (lo != 0.0) partials_[k++] = lo;
      x = hi;
    }
    partials_.resize(k);
    partials_.push_back(x);
  }
  double value() const {
    double s = 0.0;
    for (auto it = partials_.rbegin(); it != partials_.rend(); ++it) s += *it;  // largest first
    return s;
  }

 private:
  std::vector<double> partials_;
};

enum class Pattern { kRandom, kAlternatingG, kAlternatingA, kRepeated };
const char* name_of(Pattern p) {
  switch (p) {
    case Pattern::kRandom: return "random";
    case Pattern::kAlternatingG: return "alternating G rows";
    case Pattern::kAlternatingA: return "alternating A rows";
    case Pattern::kRepeated: return "repeated rows";
  }
  return "?";
}

struct ExampleSpec {
  Pattern pattern;
  int length;
  float scale_a, scale_g;  // magnitudes of the A and G entries
  double residual;         // alternating: relative size of what survives the cancellation
};

constexpr Index kDin = 12, kDin2 = 7, kDout = 10, kVocab = 5, kDemb = 6;

// One batch: a linear weight W (kDout x kDin) and W2 (kDout x kDin2) sharing one G (a family,
// like the LSTM's W_ih and W_hh), a bias b on that G, and an embedding E with its own G.
struct AdversarialBatch {
  Parameter<float> W{"W", MatrixF::Zero(kDout, kDin), 2};
  Parameter<float> W2{"W2", MatrixF::Zero(kDout, kDin2), 2};
  Parameter<float> b{"b", MatrixF::Zero(1, kDout), 1};
  Parameter<float> E{"E", MatrixF::Zero(kVocab, kDemb), 2};
  std::vector<ParamUse<float>> uses;
  std::vector<ExampleSpec> specs;
  int batch = 0;

  ParameterList<float> params() { return {&W, &W2, &b, &E}; }

  explicit AdversarialBatch(std::vector<ExampleSpec> examples, uint64_t seed) : specs(std::move(examples)) {
    batch = static_cast<int>(specs.size());
    std::vector<int> lengths;
    for (const ExampleSpec& s : specs) lengths.push_back(s.length);
    const LayoutPtr layout = BatchLayout::sequence(lengths);
    auto A = std::make_shared<MatrixF>(MatrixF::Zero(layout->rows(), kDin));
    auto A2 = std::make_shared<MatrixF>(MatrixF::Zero(layout->rows(), kDin2));
    auto G = std::make_shared<MatrixF>(MatrixF::Zero(layout->rows(), kDout));
    auto Ge = std::make_shared<MatrixF>(MatrixF::Zero(layout->rows(), kDemb));
    auto ids = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(layout->rows()), 0);
    for (int i = 0; i < batch; ++i) {
      const ExampleSpec& s = specs[static_cast<size_t>(i)];
      const CounterRng rng(derive_seed(seed, static_cast<uint64_t>(i)));
      uint64_t k = 0;
      auto normal = [&] { return static_cast<float>(rng.normal(k++)); };
      MatrixF a0(1, kDin), a20(1, kDin2), g0(1, kDout), e0(1, kDemb);
      for (Index j = 0; j < kDin; ++j) a0(0, j) = s.scale_a * normal();
      for (Index j = 0; j < kDin2; ++j) a20(0, j) = s.scale_a * normal();
      for (Index j = 0; j < kDout; ++j) g0(0, j) = s.scale_g * normal();
      for (Index j = 0; j < kDemb; ++j) e0(0, j) = s.scale_g * normal();
      const int32_t id0 = static_cast<int32_t>(rng.bits(k++) % kVocab);
      for (int t = 0; t < s.length; ++t) {
        const int r = layout->example_rows()[static_cast<size_t>(layout->row_begin(i) + t)];
        const float sign = t % 2 == 0 ? 1.0f : -1.0f;
        const float odd = t % 2 == 0 ? 0.0f : 1.0f;
        auto small = [&] { return static_cast<float>(s.residual) * normal(); };
        switch (s.pattern) {
          case Pattern::kRandom:
            for (Index j = 0; j < kDin; ++j) (*A)(r, j) = s.scale_a * normal();
            for (Index j = 0; j < kDin2; ++j) (*A2)(r, j) = s.scale_a * normal();
            for (Index j = 0; j < kDout; ++j) (*G)(r, j) = s.scale_g * normal();
            for (Index j = 0; j < kDemb; ++j) (*Ge)(r, j) = s.scale_g * normal();
            (*ids)[static_cast<size_t>(r)] = static_cast<int32_t>(rng.bits(k++) % kVocab);
            break;
          case Pattern::kAlternatingG:  // same A row, G rows +h, -h(1 + small): G_i^T A_i nearly cancels
            A->row(r) = a0;
            A2->row(r) = a20;
            for (Index j = 0; j < kDout; ++j) (*G)(r, j) = sign * g0(0, j) * (1.0f + odd * small());
            for (Index j = 0; j < kDemb; ++j) (*Ge)(r, j) = sign * e0(0, j) * (1.0f + odd * small());
            (*ids)[static_cast<size_t>(r)] = id0;  // one embedding row: its sum cancels too
            break;
          case Pattern::kAlternatingA:  // same G row, A rows +a, -a(1 + small)
            for (Index j = 0; j < kDin; ++j) (*A)(r, j) = sign * a0(0, j) * (1.0f + odd * small());
            for (Index j = 0; j < kDin2; ++j) (*A2)(r, j) = sign * a20(0, j) * (1.0f + odd * small());
            G->row(r) = g0;
            Ge->row(r) = e0;
            (*ids)[static_cast<size_t>(r)] = static_cast<int32_t>(t % kVocab);
            break;
          case Pattern::kRepeated:  // the same (a, g) n times: an aligned sum, as long as it gets
            A->row(r) = a0;
            A2->row(r) = a20;
            G->row(r) = g0;
            Ge->row(r) = e0;
            (*ids)[static_cast<size_t>(r)] = id0;
            break;
        }
      }
    }
    uses.push_back({UseKind::kLinear, &W, layout, A, nullptr, G});
    uses.push_back({UseKind::kLinear, &W2, layout, A2, nullptr, G});
    uses.push_back({UseKind::kBias, &b, layout, nullptr, nullptr, G});
    uses.push_back({UseKind::kEmbedding, &E, layout, nullptr, ids, Ge});
  }

  // Exact ||g_i^(p)||² of every parameter, from the recorded floats. (B, P)
  MatrixD exact_sq_norms() const {
    MatrixD sq = MatrixD::Zero(batch, 4);
    for (int i = 0; i < batch; ++i) {
      for (size_t p = 0; p < uses.size(); ++p) {
        const ParamUse<float>& use = uses[p];
        const BatchLayout& l = *use.layout;
        const Index d_out = use.G->cols();
        const Index d_in = use.kind == UseKind::kLinear ? use.A->cols() : 1;
        const Index slots = use.kind == UseKind::kEmbedding ? kVocab : 1;
        double total = 0.0;
        for (Index v = 0; v < slots; ++v) {
          for (Index j = 0; j < d_out; ++j) {
            for (Index c = 0; c < d_in; ++c) {
              ExactSum e;
              for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
                const int r = l.example_rows()[static_cast<size_t>(k)];
                if (use.kind == UseKind::kEmbedding && (*use.ids)[static_cast<size_t>(r)] != v) continue;
                const double g = (*use.G)(r, j);
                e.add(use.kind == UseKind::kLinear ? g * static_cast<double>((*use.A)(r, c)) : g);  // exact product
              }
              total += e.value() * e.value();
            }
          }
        }
        sq(i, static_cast<Index>(p)) = total;
      }
    }
    return sq;
  }
};

std::vector<ExampleSpec> adversarial_examples() {
  std::vector<ExampleSpec> out;
  const Pattern patterns[] = {Pattern::kRandom, Pattern::kAlternatingG, Pattern::kAlternatingA, Pattern::kRepeated};
  const int lengths[] = {1, 2, 7, 64, 400};
  const float scales[] = {1e-20f, 1e-3f, 1.0f, 3e3f, 1e8f, 1e17f, 1e19f};
  const double residuals[] = {1e-7, 1e-5, 1e-3};
  for (const Pattern p : patterns) {
    for (const int n : lengths) {
      for (const float s : scales) {
        for (const double r : residuals) {
          if (p == Pattern::kRandom || p == Pattern::kRepeated) {
            if (r != residuals[0]) continue;  // no residual to vary
            if (n == 400 && p == Pattern::kRandom && s != 1.0f) continue;
          }
          out.push_back({p, n, s, s, r});
        }
      }
    }
  }
  return out;
}

struct Outcome {
  double worst_ratio = 0.0;  // max_i ||c_i g_i|| / C, exact
  std::string worst;         // which example
  int dropped = 0;           // finite examples dropped as non-finite
  bool sums_finite = true;
};

Outcome clip_and_measure(AdversarialBatch& batch, const MatrixD& exact, const ClippingConfig& config, NormMethod method) {
  const ParameterList<float> params = batch.params();
  const Index P = static_cast<Index>(params.size());
  const ClipRule<float> rule = [&config, P](const double* sq, float* c) { clip_example(config, P, sq, c); };
  const ClippedSum<float> s = clipped_gradient_sum(batch.uses, params, batch.batch, factor_columns(config, P), rule, method);
  const ClipResult<float> summary = clip_summary(s.norms.sq_norms, s.factors, config);
  Outcome o;
  o.dropped = summary.nonfinite_examples;
  for (const MatrixF& g : s.gradients) o.sums_finite = o.sums_finite && g.allFinite();
  for (int i = 0; i < batch.batch; ++i) {
    double contribution_sq = 0.0;
    for (Index p = 0; p < P; ++p) {
      const double c = s.factors(i, s.factors.cols() == 1 ? 0 : p);
      contribution_sq += c * c * exact(i, p);
    }
    const double ratio = std::sqrt(contribution_sq) / config.clip_norm;
    if (ratio > o.worst_ratio) {
      const ExampleSpec& e = batch.specs[static_cast<size_t>(i)];
      o.worst_ratio = ratio;
      o.worst = std::string(name_of(e.pattern)) + ", length " + std::to_string(e.length) + ", scale " +
                std::to_string(e.scale_a) + ", residual " + std::to_string(e.residual);
    }
    // A factor is 0 only where the exact one is below T's smallest normal (a gradient norm
    // beyond ~1e38 C: clip_example rounds factors toward zero).
    if (s.factors.row(i).maxCoeff() <= 0.0f && config.clip_norm / std::sqrt(exact.row(i).sum()) > 1.2e-38) ++o.dropped;
  }
  return o;
}

}  // namespace

TEST_CASE("adversarial cancellation: every example's exact clipped contribution is <= C, none dropped") {
  AdversarialBatch batch(adversarial_examples(), 2026);
  const MatrixD exact = batch.exact_sq_norms();
  REQUIRE(exact.allFinite());
  const double norms_max = exact.rowwise().sum().cwiseSqrt().maxCoeff();
  const double norms_min = exact.rowwise().sum().cwiseSqrt().minCoeff();
  MESSAGE("examples: " << batch.batch << ", exact norms from " << norms_min << " to " << norms_max);
  // C is chosen per magnitude so that each regime has clipped examples: a second batch scaled
  // down would only repeat the float behaviour, so instead three thresholds cover the range.
  double worst = 0.0;
  int dropped = 0;
  for (const double C : {1e-3, 1.0, 1e4, 1e30}) {
    ClippingConfig flat;
    flat.clip_norm = C;
    ClippingConfig automatic = flat;
    automatic.mode = ClippingMode::kAutomatic;
    const ClippingConfig per_layer = ClippingConfig::per_layer_equal_shares(C, {0, 0, 1, 2});
    const std::pair<const char*, const ClippingConfig*> modes[] = {{"flat", &flat}, {"automatic", &automatic}, {"per_layer", &per_layer}};
    for (const auto& [mode_name, config] : modes) {
      for (const NormMethod method : {NormMethod::kGhost, NormMethod::kMaterialise, NormMethod::kAuto}) {
        CAPTURE(C);
        CAPTURE(std::string(mode_name));
        CAPTURE(static_cast<int>(method));
        const Outcome o = clip_and_measure(batch, exact, *config, method);
        CAPTURE(o.worst);
        CHECK(o.worst_ratio <= 1.0);
        CHECK(o.dropped == 0);
        CHECK(o.sums_finite);
        worst = std::max(worst, o.worst_ratio);
        dropped += o.dropped;
      }
    }
  }
  MESSAGE("worst exact contribution / C over 4 thresholds x 3 modes x 3 methods: 1 - " << 1.0 - worst
                                                                                   << ", dropped: " << dropped);
}

TEST_CASE("the certified norm stays tight on well-conditioned examples") {
  // Random rows (no cancellation): the bound may exceed the exact norm only by rounding terms.
  std::vector<ExampleSpec> specs;
  for (const int n : {1, 5, 64, 400}) specs.push_back({Pattern::kRandom, n, 1.0f, 1.0f, 0.0});
  AdversarialBatch batch(specs, 7);
  const MatrixD exact = batch.exact_sq_norms();
  ClippingConfig flat;
  const ParameterList<float> params = batch.params();
  const ClipRule<float> rule = [&flat](const double* sq, float* c) { clip_example(flat, 4, sq, c); };
  for (const NormMethod method : {NormMethod::kGhost, NormMethod::kMaterialise}) {
    CAPTURE(static_cast<int>(method));
    const ClippedSum<float> s = clipped_gradient_sum(batch.uses, params, batch.batch, 1, rule, method);
    for (int i = 0; i < batch.batch; ++i) {
      for (Index p = 0; p < 4; ++p) {
        CAPTURE(i);
        CAPTURE(p);
        CHECK(s.norms.sq_norms(i, p) >= exact(i, p));                  // an upper bound
        CHECK(s.norms.sq_norms(i, p) <= exact(i, p) * (1.0 + 1e-3));    // and a tight one
      }
    }
  }
}
