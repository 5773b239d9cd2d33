// data.json (see data_description.hpp).
#include "experiments/run/data_description.hpp"

#include <fmt/core.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "datasets/sha256.hpp"
#include "datasets/splits.hpp"

namespace dpt {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string_view task_name(TaskKind task) {
  switch (task) {
    case TaskKind::kClassification: return "classification";
    case TaskKind::kRegression: return "regression";
    case TaskKind::kLanguageModel: return "language_model";
  }
  return "?";
}

ordered_json scale_json(const ColumnScale& s) { return {{"column", s.column}, {"mean", s.mean}, {"stddev", s.stddev}}; }

ordered_json split_json(const std::vector<int64_t>& ids, const std::vector<Example>& examples) {
  return {{"examples", static_cast<int64_t>(examples.size())}, {"sha256", split_digest(examples)}, {"ids", ids}};
}

// Reading back: every field is checked, and a failure names the file and the field.
class Reader {
 public:
  Reader(const std::string& file, const json& root) : file_(file), root_(root) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw IoError(fmt::format("{}: {}: {}", file_, field, what));
  }
  const json& at(const json& object, const std::string& key, const std::string& field) const {
    if (!object.is_object() || !object.contains(key)) fail(field, "missing");
    return object.at(key);
  }
  std::string text(const json& object, const std::string& key, const std::string& field) const {
    const json& v = at(object, key, field);
    if (!v.is_string()) fail(field, "must be a string");
    return v.get<std::string>();
  }
  int64_t count(const json& object, const std::string& key, const std::string& field, int64_t max) const {
    const json& v = at(object, key, field);
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > max) {
      fail(field, fmt::format("must be a whole number in [0, {}]", max));
    }
    return v.get<int64_t>();
  }
  double number(const json& object, const std::string& key, const std::string& field) const {
    const json& v = at(object, key, field);
    if (!v.is_number() || !std::isfinite(v.get<double>())) fail(field, "must be a finite number");
    return v.get<double>();
  }
  std::vector<std::string> texts(const json& object, const std::string& key, const std::string& field) const {
    const json& v = at(object, key, field);
    if (!v.is_array()) fail(field, "must be an array of strings");
    std::vector<std::string> out;
    for (const json& s : v) {
      if (!s.is_string()) fail(field, "must be an array of strings");
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  ColumnScale scale(const json& object, const std::string& field) const {
    ColumnScale s;
    s.column = text(object, "column", field + ".column");
    s.mean = number(object, "mean", field + ".mean");
    s.stddev = number(object, "stddev", field + ".stddev");
    if (!(s.stddev > 0.0)) fail(field + ".stddev", "must be > 0");
    return s;
  }
  std::vector<int64_t> ids(const json& split, const std::string& field) const {
    const json& v = at(split, "ids", field + ".ids");
    if (!v.is_array()) fail(field + ".ids", "must be an array");
    std::vector<int64_t> out;
    out.reserve(v.size());
    for (const json& id : v) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || (!out.empty() && id.get<int64_t>() <= out.back())) {
        fail(field + ".ids", "must be increasing whole numbers >= 0");
      }
      out.push_back(id.get<int64_t>());
    }
    if (static_cast<int64_t>(out.size()) != count(split, "examples", field + ".examples", std::numeric_limits<int64_t>::max())) {
      fail(field + ".ids", "does not hold `examples` ids");
    }
    return out;
  }
  const json& root() const { return root_; }

 private:
  const std::string& file_;
  const json& root_;
};

}  // namespace

std::string split_digest(const std::vector<Example>& split) {
  Sha256 h;
  for (const Example& e : split) {
    h.update(example_digest(e));
    h.update("\n");
  }
  return h.hex_digest();
}

ordered_json data_description_json(const Dataset& d) {
  ordered_json j;
  j["format"] = kDataDescriptionFormat;
  j["name"] = d.name;
  j["task"] = std::string(task_name(d.task));
  j["privacy_unit"] = d.privacy_unit;
  j["content_hash"] = "sha256:" + d.content_hash;
  j["inputs"] = d.vocab_size > 0 ? "tokens" : "features";
  j["vocab_size"] = d.vocab_size;
  j["input_dim"] = d.input_dim;
  j["num_classes"] = d.num_classes;
  j["output_dim"] = d.output_dim;
  j["vocabulary"] = d.vocabulary;
  j["classes"] = d.class_names;
  ordered_json inputs = ordered_json::array();
  for (const ColumnScale& s : d.standardization.inputs) inputs.push_back(scale_json(s));
  j["standardization"] = {{"kind", d.standardization.kind}, {"inputs", std::move(inputs)},
                          {"target", scale_json(d.standardization.target)}};
  ordered_json stats = ordered_json::object();
  for (const auto& [key, value] : d.stats) stats[key] = value;
  j["stats"] = std::move(stats);
  j["split"] = {{"kind", d.membership.kind},
                {"train", split_json(d.membership.train, d.train)},
                {"validation", split_json(d.membership.validation, d.validation)},
                {"test", split_json(d.membership.test, d.test)}};
  return j;
}

std::string data_description_text(const Dataset& d) {
  ordered_json j = data_description_json(d);
  // Long arrays one line each: replace them by placeholders, indent the rest, splice them back.
  std::vector<std::pair<std::string, std::string>> inline_arrays;
  const auto hold = [&](ordered_json& slot) {
    std::string key = fmt::format("@@array{}@@", inline_arrays.size());
    inline_arrays.emplace_back("\"" + key + "\"", slot.dump());
    slot = key;
  };
  hold(j["vocabulary"]);
  for (const char* split : {"train", "validation", "test"}) hold(j["split"][split]["ids"]);
  std::string text = j.dump(2) + "\n";
  for (const auto& [key, array] : inline_arrays) text.replace(text.find(key), key.size(), array);
  return text;
}

namespace {

// The source and what it predicts: name, task, privacy unit, content hash.
void read_identity(const Reader& r, const json& root, Dataset& d) {
  d.name = r.text(root, "name", "name");
  const std::string task = r.text(root, "task", "task");
  if (task == "classification") {
    d.task = TaskKind::kClassification;
  } else if (task == "regression") {
    d.task = TaskKind::kRegression;
  } else if (task == "language_model") {
    d.task = TaskKind::kLanguageModel;
  } else {
    r.fail("task", "must be \"classification\", \"regression\" or \"language_model\"");
  }
  d.privacy_unit = r.text(root, "privacy_unit", "privacy_unit");
  const std::string hash = r.text(root, "content_hash", "content_hash");
  if (hash.rfind("sha256:", 0) != 0) r.fail("content_hash", "must start with sha256:");
  d.content_hash = hash.substr(7);
}

// The model's input and output sizes, the vocabulary and the class names, consistent.
void read_sizes(const Reader& r, const json& root, Dataset& d) {
  constexpr int64_t kMaxSize = std::numeric_limits<int>::max();
  d.vocab_size = static_cast<int>(r.count(root, "vocab_size", "vocab_size", kMaxSize));
  d.input_dim = static_cast<int>(r.count(root, "input_dim", "input_dim", kMaxSize));
  d.num_classes = static_cast<int>(r.count(root, "num_classes", "num_classes", kMaxSize));
  d.output_dim = static_cast<int>(r.count(root, "output_dim", "output_dim", kMaxSize));
  if ((d.vocab_size > 0) == (d.input_dim > 0)) r.fail("vocab_size", "exactly one of vocab_size and input_dim must be > 0");
  d.vocabulary = r.texts(root, "vocabulary", "vocabulary");
  // Generated token tasks have ids without texts: an empty vocabulary is allowed, a partial one is not.
  if (d.vocab_size > 0 && !d.vocabulary.empty() && static_cast<int64_t>(d.vocabulary.size()) != d.vocab_size) {
    r.fail("vocabulary", fmt::format("holds {} tokens, vocab_size is {}", d.vocabulary.size(), d.vocab_size));
  }
  d.class_names = r.texts(root, "classes", "classes");
  if (d.task == TaskKind::kClassification && static_cast<int64_t>(d.class_names.size()) != d.num_classes) {
    r.fail("classes", fmt::format("holds {} names, num_classes is {}", d.class_names.size(), d.num_classes));
  }
}

void read_standardization(const Reader& r, const json& root, Dataset& d) {
  const json& st = r.at(root, "standardization", "standardization");
  d.standardization.kind = r.text(st, "kind", "standardization.kind");
  if (d.standardization.kind != "none" && d.standardization.kind != "train" && d.standardization.kind != "fixed") {
    r.fail("standardization.kind", "must be \"none\", \"train\" or \"fixed\"");
  }
  const json& inputs = r.at(st, "inputs", "standardization.inputs");
  if (!inputs.is_array()) r.fail("standardization.inputs", "must be an array");
  for (size_t k = 0; k < inputs.size(); ++k) {
    d.standardization.inputs.push_back(r.scale(inputs[k], fmt::format("standardization.inputs[{}]", k)));
  }
  d.standardization.target = r.scale(r.at(st, "target", "standardization.target"), "standardization.target");
  if (d.input_dim > 0 && d.standardization.kind != "none" && static_cast<int64_t>(d.standardization.inputs.size()) != d.input_dim) {
    r.fail("standardization.inputs", fmt::format("holds {} columns, input_dim is {}", d.standardization.inputs.size(), d.input_dim));
  }
}

// The loader's counts and the split membership.
void read_stats_and_split(const Reader& r, const json& root, Dataset& d) {
  const json& stats = r.at(root, "stats", "stats");
  if (!stats.is_object()) r.fail("stats", "must be an object");
  for (const auto& [key, value] : stats.items()) {
    d.stats[key] = r.count(stats, key, "stats." + key, std::numeric_limits<int64_t>::max());
  }
  const json& split = r.at(root, "split", "split");
  d.membership.kind = r.text(split, "kind", "split.kind");
  d.membership.train = r.ids(r.at(split, "train", "split.train"), "split.train");
  d.membership.validation = r.ids(r.at(split, "validation", "split.validation"), "split.validation");
  d.membership.test = r.ids(r.at(split, "test", "split.test"), "split.test");
}

}  // namespace

Dataset read_data_description(const std::string& file, const std::string& text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw IoError(fmt::format("{}: not valid JSON ({})", file, e.what()));
  }
  const Reader r(file, root);
  if (!root.is_object()) r.fail("(top level)", "must be an object");
  if (r.text(root, "format", "format") != kDataDescriptionFormat) {
    r.fail("format", fmt::format("is \"{}\", this dptrain reads \"{}\" (a run folder of another version?)",
                                 r.text(root, "format", "format"), kDataDescriptionFormat));
  }
  Dataset d;
  read_identity(r, root, d);
  read_sizes(r, root, d);
  read_standardization(r, root, d);
  read_stats_and_split(r, root, d);
  return d;
}

}  // namespace dpt
