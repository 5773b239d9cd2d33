// Row-to-example maps for time-major padded batches.
#include "core/batch_layout.hpp"

#include <algorithm>
#include <string>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {

BatchLayout::BatchLayout(int steps, std::vector<int> lengths)
    : steps_(steps), batch_(static_cast<int>(lengths.size())), lengths_(std::move(lengths)) {
  row_example_.assign(static_cast<size_t>(steps_) * batch_, -1);
  example_row_offsets_.resize(batch_ + 1, 0);
  for (int b = 0; b < batch_; ++b) {
    example_row_offsets_[b + 1] = example_row_offsets_[b] + lengths_[b];
    for (int t = 0; t < lengths_[b]; ++t) {
      row_example_[t * batch_ + b] = b;
      example_rows_.push_back(t * batch_ + b);
    }
  }
}

std::shared_ptr<const BatchLayout> BatchLayout::sequence(std::vector<int> lengths) {
  int steps = 0;
  for (size_t b = 0; b < lengths.size(); ++b) {
    DPT_CHECK(lengths[b] >= 1, must_be_message("sequence length of example " + format_number(b), ">= 1",
                                               format_number(lengths[b])));
    steps = std::max(steps, lengths[b]);
  }
  return std::shared_ptr<const BatchLayout>(new BatchLayout(steps, std::move(lengths)));
}

std::shared_ptr<const BatchLayout> BatchLayout::flat(int batch) {
  check_at_least<InvalidArgument>(batch, 0, "batch size");
  return std::shared_ptr<const BatchLayout>(new BatchLayout(1, std::vector<int>(batch, 1)));
}

}  // namespace dpt
