// Synthetic tasks (source "generated") for tests and demos: "marker" (token classification),
// "sine" (next-value regression on features) and "chars" (char-level LM on a fixed word list).
// Each is a pure function of the config and the seed; nothing is read from disk.
#pragma once

#include <cstdint>
#include <string>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

// The dataset of config.task (split by a seeded shuffle). Example i is drawn from its own stream
// derive_seed(derive_seed(seed, kGenerateTag), i), so it does not depend on config.size.
UnsplitDataset make_generated_dataset(const DataConfig& config, uint64_t seed);

// The canonical text of the generator's parameters whose SHA-256 is the content hash:
// "dptrain/generated/v1 task=marker size=2000 min_length=4 max_length=24 seed=7".
std::string generated_parameters(const DataConfig& config, uint64_t seed);

}  // namespace dpt
