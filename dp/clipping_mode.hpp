// The clipping modes of DP-SGD (privacy.clipping): flat (one C for the whole gradient, Abadi et
// al. 2016), per-layer (C_k per group, sum_k C_k² = C²; McMahan et al. 2018) and automatic
// (normalisation, Bu et al. 2023). dp/clipping.hpp implements them.
#pragma once

namespace dpt {

enum class ClippingMode { kFlat, kPerLayer, kAutomatic };

}  // namespace dpt
