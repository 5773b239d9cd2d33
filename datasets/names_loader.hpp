// "names": first names -> sex, character-level classification (public corpus: the @stdlib
// male and female English first-name lists). A name found in both lists is dropped: the
// dataset never holds the same input with two labels (stats "ambiguous_names_dropped").
#pragma once

#include <cstdint>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

// Reads <path>/female/data/names.txt and <path>/male/data/names.txt (one name per line; path
// defaults to data/names). Classes: 0 "female", 1 "male". Split by a seeded shuffle.
UnsplitDataset load_names(const DataConfig& config);

}  // namespace dpt
