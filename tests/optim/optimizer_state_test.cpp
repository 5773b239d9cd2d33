// The Optimizer contract shared by SGD, Adam and AdamW: gradients are shape-checked against the
// parameters (naming them) before anything changes; state() / load_state() restore a run bit
// for bit and reject states that do not fit; float instantiations work.
#include "optim/optimizer.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "optim/adam.hpp"
#include "optim/sgd.hpp"
#include "tests/optim/quadratic.hpp"

namespace dpt {
namespace {

using test::error_of;

// Two parameters of different shapes and a quadratic loss on each.
template <typename T>
struct Problem {
  Parameter<T> weight{"linear.weight", Matrix<T>{{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}}, 2};  // (2, 3)
  Parameter<T> bias{"linear.bias", Matrix<T>{{0.1, -0.2}}, 1};                               // (1, 2)
  test::Quadratic<T> qw{Matrix<T>{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, Matrix<T>::Zero(2, 3)};
  test::Quadratic<T> qb{Matrix<T>{{0.5, 8.0}}, Matrix<T>{{1.0, 1.0}}};

  ParameterList<T> params() { return {&weight, &bias}; }
  std::vector<Matrix<T>> grads() const { return {qw.gradient(weight.value), qb.gradient(bias.value)}; }
  void run(Optimizer<T>& opt, int64_t from, int64_t to) {
    for (int64_t s = from; s < to; ++s) opt.step(params(), grads(), 0.05 / static_cast<double>(1 + s % 3));
  }
};

using Factory = std::function<std::unique_ptr<Optimizer<double>>()>;

struct Named {
  const char* name;
  Factory make;
};

std::vector<Named> all_optimizers() {
  return {
      {"sgd", [] { return std::make_unique<Sgd<double>>(); }},
      {"sgd momentum + decay",
       [] { return std::make_unique<Sgd<double>>(SgdOptions{.momentum = 0.9, .weight_decay = 0.01}); }},
      {"nesterov", [] { return std::make_unique<Sgd<double>>(SgdOptions{.momentum = 0.8, .nesterov = true}); }},
      {"adam + L2", [] { return std::make_unique<Adam<double>>(AdamOptions{.weight_decay = 0.01}); }},
      {"adamw", [] { return std::make_unique<AdamW<double>>(); }},
  };
}

TEST_CASE("a restored optimizer continues the uninterrupted run bit for bit") {
  for (const Named& o : all_optimizers()) {
    for (int64_t split : {0, 1, 7}) {
      INFO(o.name << ", restored after step " << split);
      Problem<double> straight;
      auto a = o.make();
      straight.run(*a, 0, 15);

      Problem<double> resumed;
      auto b = o.make();
      resumed.run(*b, 0, split);
      const OptimizerState saved = b->state();
      CHECK(saved.step == split);
      auto c = o.make();  // a fresh process: parameters from the checkpoint, state loaded
      c->load_state(resumed.params(), saved);
      CHECK(c->steps_taken() == split);
      resumed.run(*c, split, 15);

      CHECK(resumed.weight.value == straight.weight.value);  // exact, not approximate
      CHECK(resumed.bias.value == straight.bias.value);
      const OptimizerState sa = a->state(), sc = c->state();
      CHECK(sa.step == sc.step);
      REQUIRE(sa.buffers.size() == sc.buffers.size());
      for (size_t i = 0; i < sa.buffers.size(); ++i) {
        CHECK(sa.buffers[i].parameter == sc.buffers[i].parameter);
        CHECK(sa.buffers[i].slot == sc.buffers[i].slot);
        CHECK(sa.buffers[i].values == sc.buffers[i].values);
      }
    }
  }
}

TEST_CASE("optimizer state names each buffer by parameter and torch's slot name") {
  Problem<double> pr;
  Adam<double> adam;
  CHECK(adam.state().buffers.empty());
  CHECK(adam.state().optimizer == "adam");
  pr.run(adam, 0, 2);
  const OptimizerState s = adam.state();
  CHECK(s.step == 2);
  REQUIRE(s.buffers.size() == 4);
  CHECK(s.buffers[0].parameter == "linear.weight");
  CHECK(s.buffers[0].slot == "exp_avg");
  CHECK(s.buffers[1].slot == "exp_avg_sq");
  CHECK(s.buffers[2].parameter == "linear.bias");
  CHECK(s.buffers[2].rows == 1);
  CHECK(s.buffers[2].cols == 2);
  CHECK(s.buffers[2].values.size() == 2);

  Sgd<double> plain;
  pr.run(plain, 0, 2);
  CHECK(plain.state().buffers.empty());  // no momentum, nothing to keep but the step count
  Sgd<double> momentum(SgdOptions{.momentum = 0.5});
  pr.run(momentum, 0, 1);
  REQUIRE(momentum.state().buffers.size() == 2);
  CHECK(momentum.state().buffers[1].slot == "momentum_buffer");
}

TEST_CASE("load_state rejects a state that does not fit, naming the parameter, and changes nothing") {
  Problem<double> pr;
  Adam<double> source;
  pr.run(source, 0, 3);
  const OptimizerState good = source.state();
  Adam<double> target;
  pr.run(target, 0, 1);
  const OptimizerState before = target.state();

  SUBCASE("another optimizer's state") {
    OptimizerState s = good;
    s.optimizer = "sgd";
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "load_state: the state is for 'sgd', but this optimizer is 'adam'.");
  }
  SUBCASE("a buffer of the wrong shape") {
    OptimizerState s = good;
    s.buffers[3].rows = 2;
    s.buffers[3].cols = 1;
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "linear.bias: 'exp_avg_sq' buffer is (2, 1), but the parameter is (1, 2).");
  }
  SUBCASE("a buffer with the wrong number of values") {
    OptimizerState s = good;
    s.buffers[0].values.pop_back();
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "linear.weight: 'exp_avg' buffer has 5 values, but its shape (2, 3) needs 6.");
  }
  SUBCASE("a buffer for a parameter not in the list") {
    OptimizerState s = good;
    s.buffers[2].parameter = "linear.bias_renamed";
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "linear.bias_renamed: the state has a 'exp_avg' buffer for a parameter not in the list.");
  }
  SUBCASE("a duplicated buffer") {
    OptimizerState s = good;
    s.buffers[3] = s.buffers[1];
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "linear.weight: the state has more than one 'exp_avg_sq' buffer.");
  }
  SUBCASE("an unknown slot") {
    OptimizerState s = good;
    s.buffers[0].slot = "momentum_buffer";
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "linear.weight: unknown slot 'momentum_buffer' for optimizer 'adam'.");
  }
  SUBCASE("a missing buffer") {
    OptimizerState s = good;
    s.buffers.pop_back();
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "load_state: expected 4 buffers (2 parameters x 2 slots), but got 3.");
  }
  SUBCASE("buffers at step 0, or a negative step") {
    OptimizerState s = good;
    s.step = 0;
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) ==
          "load_state: a state at step 0 must have no buffers, but has 4.");
    s.step = -2;
    CHECK(error_of([&] { target.load_state(pr.params(), s); }) == "load_state: step must be >= 0, but is -2.");
  }
  SUBCASE("duplicate parameter names") {
    Parameter<double> twin = pr.weight;
    CHECK(error_of([&] {
            target.load_state({&pr.weight, &twin}, good);
          }) == "load_state: parameter name 'linear.weight' occurs more than once.");
  }
  const OptimizerState after = target.state();
  CHECK(after.step == before.step);
  REQUIRE(after.buffers.size() == before.buffers.size());
  for (size_t i = 0; i < after.buffers.size(); ++i) CHECK(after.buffers[i].values == before.buffers[i].values);
}

// Runs two steps of a fresh optimizer, then `bad_step`, which must throw `expected`; checks that
// neither parameter, the step count nor the buffers changed.
void check_rejected_step(const Named& o, const std::function<void(Optimizer<double>&, Problem<double>&)>& bad_step,
                         const std::string& expected) {
  INFO(o.name);
  Problem<double> pr;
  auto opt = o.make();
  pr.run(*opt, 0, 2);
  const MatrixD w0 = pr.weight.value, b0 = pr.bias.value;
  const OptimizerState s0 = opt->state();
  CHECK(error_of([&] { bad_step(*opt, pr); }) == expected);
  CHECK(pr.weight.value == w0);  // the first parameter was not updated either
  CHECK(pr.bias.value == b0);
  CHECK(opt->steps_taken() == 2);
  const OptimizerState s1 = opt->state();
  REQUIRE(s1.buffers.size() == s0.buffers.size());
  for (size_t i = 0; i < s1.buffers.size(); ++i) CHECK(s1.buffers[i].values == s0.buffers[i].values);
}

TEST_CASE("step rejects mismatched gradients, naming the parameter, before changing anything") {
  SUBCASE("the second parameter's gradient has the wrong shape") {
    for (const Named& o : all_optimizers()) {
      check_rejected_step(
          o,
          [](Optimizer<double>& opt, Problem<double>& pr) {
            std::vector<MatrixD> g = pr.grads();
            g[1] = MatrixD::Zero(2, 1);
            opt.step(pr.params(), g, 0.1);
          },
          "linear.bias: gradient is (2, 1), but the parameter is (1, 2).");
    }
  }
  SUBCASE("too few gradients") {
    for (const Named& o : all_optimizers()) {
      check_rejected_step(
          o, [](Optimizer<double>& opt, Problem<double>& pr) { opt.step(pr.params(), {pr.grads()[0]}, 0.1); },
          "step: expected one gradient per parameter (2), but got 1.");
    }
  }
  SUBCASE("a different parameter list than the state was built for") {
    for (const Named& o : all_optimizers()) {
      check_rejected_step(
          o,
          [](Optimizer<double>& opt, Problem<double>& pr) {
            Parameter<double> other{"other.bias", pr.bias.value, 1};
            opt.step({&pr.weight, &other}, pr.grads(), 0.1);
          },
          "other.bias: parameter 1 was 'linear.bias' when the optimizer state was created.");
      check_rejected_step(
          o, [](Optimizer<double>& opt, Problem<double>& pr) { opt.step({&pr.weight}, {pr.grads()[0]}, 0.1); },
          "step: the optimizer state holds 2 parameters, but 1 were passed.");
    }
  }
  SUBCASE("a parameter resized since the state was built") {
    for (const Named& o : all_optimizers()) {
      check_rejected_step(
          o,
          [](Optimizer<double>& opt, Problem<double>& pr) {
            Parameter<double> grown{"linear.bias", MatrixD::Zero(1, 3), 1};
            opt.step({&pr.weight, &grown}, {pr.grads()[0], MatrixD::Zero(1, 3)}, 0.1);
          },
          "linear.bias: parameter is (1, 3), but its optimizer state is (1, 2).");
    }
  }
}

TEST_CASE("step rejects a null or duplicated parameter") {
  Parameter<double> w = test::scalar_parameter(1.0);
  Sgd<double> opt;
  CHECK(error_of([&] {
          opt.step({&w, nullptr}, {MatrixD::Ones(1, 1), MatrixD::Ones(1, 1)}, 0.1);
        }) == "step: parameter 1 is null.");
  CHECK(error_of([&] {
          opt.step({&w, &w}, {MatrixD::Ones(1, 1), MatrixD::Ones(1, 1)}, 0.1);
        }) == "step: parameter name 'w' occurs more than once.");
  CHECK(w.value(0, 0) == 1.0);
}

TEST_CASE("float instantiations step, converge and restore bit for bit") {
  SUBCASE("sgd with momentum") {
    Problem<float> straight, resumed;
    Sgd<float> a(SgdOptions{.momentum = 0.9f});
    straight.run(a, 0, 10);
    Sgd<float> b(SgdOptions{.momentum = 0.9f});
    resumed.run(b, 0, 4);
    Sgd<float> c(SgdOptions{.momentum = 0.9f});
    c.load_state(resumed.params(), b.state());
    resumed.run(c, 4, 10);
    CHECK(resumed.weight.value == straight.weight.value);
    CHECK(resumed.bias.value == straight.bias.value);
  }
  SUBCASE("adamw") {
    Problem<float> straight, resumed;
    AdamW<float> a;
    straight.run(a, 0, 10);
    AdamW<float> b;
    resumed.run(b, 0, 6);
    AdamW<float> c;
    c.load_state(resumed.params(), b.state());
    resumed.run(c, 6, 10);
    CHECK(resumed.weight.value == straight.weight.value);
    CHECK(resumed.bias.value == straight.bias.value);
  }
  SUBCASE("adam converges") {
    Problem<float> pr;
    Adam<float> opt;
    for (int s = 0; s < 3000; ++s) opt.step(pr.params(), pr.grads(), s < 2000 ? 0.01 : 0.001);
    CHECK(pr.weight.value.cwiseAbs().maxCoeff() < 1e-2f);
    CHECK((pr.bias.value - pr.qb.c).cwiseAbs().maxCoeff() < 1e-2f);
  }
}

}  // namespace
}  // namespace dpt
