// Eigen aliases used throughout dptrain (one header, as Ceres does).
// Matrices are row-major so that the rows of one time step (time-major layout, row t*B + b)
// and the rows of one example are contiguous slices.
#pragma once

#include <Eigen/Core>

namespace dpt {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <typename T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

using MatrixF = Matrix<float>;
using MatrixD = Matrix<double>;

using Index = Eigen::Index;

// out (1, cols) += the sum of m's rows, added row by row in order. For row-major m this reads
// memory contiguously; Eigen's m.colwise().sum() walks each column with a stride (about 10x
// slower on a (8192, 1024) gradient).
template <typename T, typename Out>
void add_row_sum(const Matrix<T>& m, Out&& out) {
  for (Index r = 0; r < m.rows(); ++r) out += m.row(r);
}

}  // namespace dpt
