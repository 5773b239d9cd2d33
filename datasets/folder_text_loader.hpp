// The folder source (data.source "folder"): one sub-folder per class, one file per example, raw
// bytes in any encoding, as Keras's text_dataset_from_directory reads a folder. Class names are
// the sub-folder names, sorted by bytes, or data.classes in that order. With data.splits each
// split is such a folder.
#pragma once

#include "datasets/data_config.hpp"
#include "datasets/splits.hpp"

namespace dpt {

UnsplitDataset load_folder_text(const DataConfig& config);

}  // namespace dpt
