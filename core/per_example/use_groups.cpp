// Grouping of parameter-use records by parameter.
#include "core/per_example/use_groups.hpp"

#include <string>
#include <unordered_map>

#include "core/error.hpp"

namespace dpt {

template <typename T>
std::vector<UseGroup<T>> group_uses(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params) {
  std::unordered_map<const Parameter<T>*, size_t> index;
  for (size_t p = 0; p < params.size(); ++p) index.emplace(params[p], p);
  std::vector<UseGroup<T>> groups(params.size());
  for (const ParamUse<T>& use : uses) {
    auto it = index.find(use.param);
    DPT_CHECK(it != index.end(), "parameter '" + use.param->name +
                                     "' was used in the forward pass but is not in the parameter list.");
    DPT_CHECK(use.G != nullptr, "parameter '" + use.param->name + "' has no gradient record: run backward first.");
    groups[it->second].push_back(&use);
  }
  return groups;
}

template <typename T>
Index example_row_count(const UseGroup<T>& group, int i) {
  Index n = 0;
  for (const ParamUse<T>* use : group) n += use->layout->row_begin(i + 1) - use->layout->row_begin(i);
  return n;
}

template std::vector<UseGroup<float>> group_uses(const std::vector<ParamUse<float>>&, const ParameterList<float>&);
template std::vector<UseGroup<double>> group_uses(const std::vector<ParamUse<double>>&, const ParameterList<double>&);
template Index example_row_count(const UseGroup<float>&, int);
template Index example_row_count(const UseGroup<double>&, int);

}  // namespace dpt
