// Which rows of an activation matrix belong to which example.
// Sequences are time-major: row t*B + b holds example b at step t. A batch is padded to its
// longest sequence; rows at t >= length[b] are padding and map to example -1. Padding rows
// never influence a non-padding value, a loss or a gradient (DESIGN.md, per-example gradients).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace dpt {

class BatchLayout {
 public:
  // A batch of sequences with the given lengths (each >= 1); steps = the longest length.
  static std::shared_ptr<const BatchLayout> sequence(std::vector<int> lengths);
  // One row per example (pooled features, labels): steps = 1, every length 1.
  static std::shared_ptr<const BatchLayout> flat(int batch);

  int steps() const { return steps_; }  // T
  int batch() const { return batch_; }  // B
  int rows() const { return steps_ * batch_; }
  int length(int b) const { return lengths_[b]; }
  const std::vector<int>& lengths() const { return lengths_; }

  // Example of row r, or -1 for a padding row.
  int32_t example_of(int r) const { return row_example_[r]; }
  const std::vector<int32_t>& row_example() const { return row_example_; }

  // Rows of example b in time order: example_rows()[row_begin(b) .. row_begin(b+1)).
  int row_begin(int b) const { return example_row_offsets_[b]; }
  const std::vector<int>& example_rows() const { return example_rows_; }
  int valid_rows() const { return static_cast<int>(example_rows_.size()); }

 private:
  BatchLayout(int steps, std::vector<int> lengths);

  int steps_;
  int batch_;
  std::vector<int> lengths_;
  std::vector<int32_t> row_example_;         // (T*B)
  std::vector<int> example_row_offsets_;     // (B+1) CSR offsets into example_rows_
  std::vector<int> example_rows_;            // (sum of lengths) row indices, example-major
};

using LayoutPtr = std::shared_ptr<const BatchLayout>;

}  // namespace dpt
