// The folder loader; see folder_text_loader.hpp.
#include "datasets/folder_text_loader.hpp"

#include "datasets/dataset_error.hpp"

namespace dpt {

UnsplitDataset load_folder_text(const DataConfig&) {
  throw DatasetError::in_field("source", "\"folder\" is being built");
}

}  // namespace dpt
