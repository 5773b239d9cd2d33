// Loading new data in a run's encoding (see new_data.hpp).
#include "experiments/run/new_data.hpp"

#include "datasets/dataset_error.hpp"
#include "datasets/load_dataset.hpp"
#include "experiments/run/run_encoding.hpp"

namespace dpt {

DataConfig new_data_config(const DataConfig& run_data, const std::string& path) {
  if (run_data.source == DataSourceKind::kGenerated) {
    throw DatasetError(path + ": the run's data is generated (data.source \"generated\"), so there is no file format to read; "
                       "evaluate it with --split");
  }
  DataConfig c = run_data;
  c.path = path;
  c.splits.reset();
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  c.vocabulary = "bytes";
  c.standardize = "none";
  c.classes.clear();  // folder: the sub-folders PATH has, mapped by name
  return c;
}

Dataset load_new_data(const FinishedRun& run, const std::string& path) {
  UnsplitDataset loaded = read_dataset(new_data_config(run.config.data, path), /*generation_seed=*/0);
  Dataset d = run.description;
  d.name = path;
  d.train = RunEncoding(run.description).encode(loaded.dataset, loaded.examples, path);
  return d;
}

}  // namespace dpt
