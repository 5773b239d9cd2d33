// make_batch: time-major layout (row t*B + b), padding, next-token targets with -1 at each
// example's last step and on padding, classification labels, regression targets, empty batch.
#include <doctest/doctest.h>

#include <vector>

#include "core/error.hpp"
#include "datasets/batching.hpp"

using namespace dpt;

namespace {

Dataset token_dataset(TaskKind task) {
  Dataset d;
  d.task = task;
  d.vocab_size = 10;
  d.num_classes = 3;
  Example a, b, c;
  a.tokens = {1, 2, 3};
  a.label = 2;
  b.tokens = {4};
  b.label = 0;
  c.tokens = {5, 6};
  c.label = 1;
  d.train = {a, b, c};
  return d;
}

}  // namespace

TEST_CASE("token batches are time-major and padded with token 0") {
  const Dataset d = token_dataset(TaskKind::kClassification);
  const TrainingBatch batch = make_batch(d, d.train, {2, 0, 1});  // lengths 2, 3, 1
  CHECK(batch.size() == 3);
  CHECK(batch.inputs.layout->steps() == 3);
  CHECK(batch.inputs.layout->lengths() == std::vector<int>{2, 3, 1});
  // row t*B + b
  CHECK(*batch.inputs.tokens == std::vector<int32_t>{5, 1, 4,  //
                                                     6, 2, 0,  //
                                                     0, 3, 0});
  CHECK(batch.labels == std::vector<int32_t>{1, 2, 0});
  CHECK(batch.targets.size() == 0);
}

TEST_CASE("language-model targets are the next tokens with -1 at the last step and on padding") {
  const Dataset d = token_dataset(TaskKind::kLanguageModel);
  const TrainingBatch batch = make_batch(d, d.train, {0, 1, 2});  // lengths 3, 1, 2
  CHECK(batch.labels == std::vector<int32_t>{2, -1, 6,    //
                                             3, -1, -1,   //
                                             -1, -1, -1});
}

TEST_CASE("feature batches put step t of example b in row t times B plus b and regression targets are (B k)") {
  Dataset d;
  d.task = TaskKind::kRegression;
  d.input_dim = 2;
  d.output_dim = 1;
  Example a, b;
  a.features = {1, 2, 3, 4, 5, 6};  // 3 steps
  a.target = {7};
  b.features = {8, 9};  // 1 step
  b.target = {10};
  d.train = {a, b};
  const TrainingBatch batch = make_batch(d, d.train, {0, 1});
  CHECK(batch.inputs.tokens == nullptr);
  REQUIRE(batch.inputs.features.rows() == 6);
  REQUIRE(batch.inputs.features.cols() == 2);
  MatrixF expected(6, 2);
  expected << 1, 2, 8, 9, 3, 4, 0, 0, 5, 6, 0, 0;
  CHECK(batch.inputs.features == expected);
  REQUIRE(batch.targets.rows() == 2);
  CHECK(batch.targets(0, 0) == 7);
  CHECK(batch.targets(1, 0) == 10);
  CHECK(batch.labels.empty());
}

TEST_CASE("an empty index list gives an empty batch") {
  const Dataset d = token_dataset(TaskKind::kLanguageModel);
  const TrainingBatch batch = make_batch(d, d.train, {});
  CHECK(batch.size() == 0);
  CHECK(batch.inputs.layout->rows() == 0);
  CHECK(batch.inputs.tokens->empty());
  CHECK(batch.labels.empty());
}

TEST_CASE("an index out of range is rejected") {
  const Dataset d = token_dataset(TaskKind::kClassification);
  CHECK_THROWS_AS(make_batch(d, d.train, {0, 3}), InvalidArgument);
  CHECK_THROWS_AS(make_batch(d, d.train, {-1}), InvalidArgument);
}

TEST_CASE("order_longest_first: longest sequence first, ties by index, out-of-range refused") {
  Dataset d = token_dataset(TaskKind::kClassification);  // lengths 3, 1, 2
  Example e;
  e.tokens = {7, 8};  // index 3, length 2: ties with index 2
  e.label = 0;
  d.train.push_back(e);
  std::vector<int64_t> idx{1, 3, 2, 0};
  order_longest_first(d, d.train, idx);
  CHECK(idx == std::vector<int64_t>{0, 2, 3, 1});
  const TrainingBatch batch = make_batch(d, d.train, idx);
  CHECK(batch.inputs.layout->lengths() == std::vector<int>{3, 2, 2, 1});  // non-increasing: the LSTM runs in place
  CHECK(batch.labels == std::vector<int32_t>{2, 1, 0, 0});                // labels follow their examples
  std::vector<int64_t> empty;
  order_longest_first(d, d.train, empty);
  CHECK(empty.empty());
  std::vector<int64_t> bad{0, 9};
  CHECK_THROWS_AS(order_longest_first(d, d.train, bad), InvalidArgument);
}
