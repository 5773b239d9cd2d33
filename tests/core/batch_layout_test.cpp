// Row-to-example maps of padded, time-major batches.
#include <doctest/doctest.h>

#include "core/batch_layout.hpp"
#include "core/error.hpp"

using namespace dpt;

TEST_CASE("sequence layout maps row t*B + b to example b, padding to -1") {
  const LayoutPtr l = BatchLayout::sequence({3, 1, 2});
  CHECK(l->steps() == 3);
  CHECK(l->batch() == 3);
  CHECK(l->rows() == 9);
  const std::vector<int32_t> expected{0, 1, 2, 0, -1, 2, 0, -1, -1};
  CHECK(l->row_example() == expected);
  // example-major row lists in time order
  const std::vector<int> rows{0, 3, 6, 1, 2, 5};
  CHECK(l->example_rows() == rows);
  CHECK(l->row_begin(0) == 0);
  CHECK(l->row_begin(1) == 3);
  CHECK(l->row_begin(2) == 4);
  CHECK(l->row_begin(3) == 6);
  CHECK(l->valid_rows() == 6);
}

TEST_CASE("flat layout has one row per example") {
  const LayoutPtr l = BatchLayout::flat(4);
  CHECK(l->steps() == 1);
  CHECK(l->rows() == 4);
  for (int r = 0; r < 4; ++r) CHECK(l->example_of(r) == r);
  CHECK(BatchLayout::flat(0)->rows() == 0);
  CHECK(BatchLayout::sequence({})->rows() == 0);
}

TEST_CASE("a sequence of length < 1 is rejected with the example named") {
  try {
    BatchLayout::sequence({2, 0});
    FAIL("expected an error");
  } catch (const InvalidArgument& e) {
    CHECK(std::string(e.what()).find("example 1") != std::string::npos);
  }
  CHECK_THROWS_AS(BatchLayout::flat(-1), InvalidArgument);
}
