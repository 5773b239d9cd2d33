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

}  // namespace dpt
