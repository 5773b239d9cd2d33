// "spam": SpamAssassin e-mails -> ham / spam, byte-level classification of the Subject header
// and the body (every other header is dropped; no MIME decoding). Public corpus: the @stdlib
// copy of the SpamAssassin public corpus (6,046 raw e-mails, ~500 of them not valid UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

// The groups (sub-folders of data.path, default data/spam/data) and their class.
inline constexpr std::string_view kHamGroups[] = {"easy-ham-1", "easy-ham-2", "hard-ham-1"};
inline constexpr std::string_view kSpamGroups[] = {"spam-1", "spam-2"};

// Reads every <path>/<group>/*.txt in byte order of the file names. Classes: 0 "ham",
// 1 "spam". Texts are "<subject>\n<body>", truncated to data.max_length bytes.
UnsplitDataset load_spam(const DataConfig& config);

// "<subject>\n<body>" of a raw RFC 822 message: the Subject header (unfolded; "" if absent) and
// everything after the first empty line. Exposed for tests.
std::string subject_and_body(std::string_view message);

}  // namespace dpt
