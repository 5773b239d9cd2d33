// Grouping of ParamUse records by parameter, and gathering one example's rows of a record.
// A parameter used at several places (every time step lives in one record; tied weights give
// several records) has its uses summed per example before any norm is taken.
#pragma once

#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/parameter.hpp"

namespace dpt {

template <typename T>
using UseGroup = std::vector<const ParamUse<T>*>;  // every use of one parameter, tape order

// groups[p] holds the uses of params[p]. Throws InvalidArgument if a use's parameter is not
// in `params` (its gradient would escape clipping) or a use has no G (backward not run).
template <typename T>
std::vector<UseGroup<T>> group_uses(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params);

// Number of rows example i has in the group's records.
template <typename T>
Index example_row_count(const UseGroup<T>& group, int i);

// Rows of `source(use)` that belong to example i, stacked over the group's uses in tape order,
// written into the top rows of `out` (which must have enough rows and the right columns;
// its scalar may be wider than T). `source` picks A or G from a use.
template <typename T, typename Source, typename S>
Index gather_example_rows(const UseGroup<T>& group, int i, Source source, Matrix<S>& out) {
  Index n = 0;
  for (const ParamUse<T>* use : group) {
    const BatchLayout& l = *use->layout;
    const Matrix<T>& m = source(*use);
    const std::vector<int>& rows = l.example_rows();
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) out.row(n++) = m.row(rows[k]).template cast<S>();
  }
  return n;
}

}  // namespace dpt
