// Rendering of the epsilon budget report as JSON and Markdown.
#include "experiments/run/privacy_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "dp/accounting/accountant_registry.hpp"

namespace dpt {
namespace {

std::string fmt_eps(double e) { return std::isinf(e) ? "∞" : fmt::format("{:.4f}", e); }

}  // namespace

namespace {

constexpr const char* kResultsNote =
    "Evaluated on the held-out test split after training: post-processing of the released model at no privacy cost, "
    "but these numbers are computed from the test examples and are not covered by the DP guarantee.";

// "results": the test metrics and what they are (privacy.json).
void add_results(nlohmann::ordered_json& j, const PrivacyReport& r) {
  if (r.test.is_null()) return;
  j["results"] = {{"test", r.test}, {"split", r.split_kind}, {"covered_by_dp", false}, {"note", kResultsNote}};
  if (!r.model_sha256.empty()) j["results"]["model_sha256"] = "sha256:" + r.model_sha256;
}

// "## Results": one row per number of the test metrics (privacy.md); empty before the end.
std::string results_markdown(const PrivacyReport& r) {
  if (r.test.is_null()) return "";
  std::string md = "## Results (outside the DP guarantee)\n\n| test split | value |\n|---|---|\n";
  for (const auto& [key, value] : r.test.items()) {
    if (value.is_number_integer()) md += fmt::format("| {} | {} |\n", key, value.get<int64_t>());
    else if (value.is_number()) md += fmt::format("| {} | {:.4f} |\n", key, value.get<double>());
  }
  md += fmt::format("\n{} Split: {}.", kResultsNote, r.split_kind);
  if (!r.model_sha256.empty()) md += fmt::format(" Released weights: model.safetensors, sha256 `{}`.", r.model_sha256);
  return md + "\n";
}

// "## Initial weights": a warm start's file, the tensors taken and the assumption; empty otherwise.
std::string init_markdown(const PrivacyReport& r) {
  if (r.init_from.is_null()) return "";
  std::string tensors;
  for (const auto& t : r.init_from.at("tensors")) tensors += fmt::format("{}`{}`", tensors.empty() ? "" : ", ", t.get<std::string>());
  return fmt::format("## Initial weights (warm start)\n\n**{}**\n\nTensors taken from the file: {}.\n\n",
                     r.init_from.at("assumption").get<std::string>(), tensors);
}

// "## Plots": the run's SVGs (run_plot_files.hpp), written with every report.
std::string plots_markdown(const PrivacyReport& r) {
  std::string md = "## Plots\n\n";
  if (r.enabled) md += "![ε after each epoch, by every reported accountant](epsilon.svg)\n\n";
  return md + "![training and validation loss per epoch](training.svg)\n";
}

}  // namespace

nlohmann::ordered_json to_json(const PrivacyReport& r) {
  nlohmann::ordered_json j;
  j["run"] = r.run_name;
  j["private"] = r.enabled;
  j["complete"] = r.complete;
  if (!r.init_from.is_null()) j["init_from"] = r.init_from;
  if (!r.enabled) {
    j["statement"] = "This run was trained without differential privacy: no privacy guarantee.";
    add_results(j, r);
    return j;
  }
  j["epsilon"] = std::isinf(r.epsilon) ? nlohmann::ordered_json("inf") : nlohmann::ordered_json(r.epsilon);
  j["delta"] = r.delta;
  j["delta_source"] = r.delta_source;
  j["target_epsilon"] = r.target_epsilon ? nlohmann::ordered_json(*r.target_epsilon) : nlohmann::ordered_json(nullptr);
  j["target_met"] = r.target_epsilon ? nlohmann::ordered_json(r.epsilon <= *r.target_epsilon) : nlohmann::ordered_json(nullptr);
  j["epsilon_is"] = "the smallest valid upper bound among the accountants below (approximations never count)";
  j["accountant_setting"] = r.accountant;
  j["accountants"] = r.accountants.empty()
                         ? nlohmann::ordered_json::array({{{"accountant", accountant_name(AccountantKind::kRdp)},
                                                           {"epsilon", r.epsilon},
                                                           {"bound", "upper"},
                                                           {"conversion", r.conversion},
                                                           {"optimal_order", r.optimal_order},
                                                           {"order_at_grid_edge", r.order_at_grid_edge}}})
                         : r.accountants;
  j["headline_accountant"] = r.headline_accountant;
  j["mechanism"] = {{"algorithm", "DP-SGD"},
                    {"sampling", "poisson"},
                    {"sampling_rate", r.sampling_rate},
                    {"noise_multiplier", r.noise_multiplier},
                    {"noise_multiplier_calibrated", r.noise_multiplier_calibrated},
                    {"clip_norm", r.clip_norm},
                    {"clipping", r.clipping},
                    {"noise_stddev", r.noise_multiplier * r.clip_norm},
                    {"expected_batch_size", r.expected_batch_size},
                    {"dataset_size", r.dataset_size},
                    {"steps_done", r.steps_done},
                    {"steps_planned", r.steps_planned},
                    {"nonfinite_examples_dropped", r.nonfinite_examples}};
  j["neighbouring_relation"] = "add_or_remove_one";
  j["privacy_unit"] = r.privacy_unit;
  if (!r.pii_replaced.empty()) j["pii_replaced_before_training"] = r.pii_replaced;
  j["noise_source"] = r.secure_mode ? "secure (OS CSPRNG, no seed exists)" : "reproducible (seeded)";
  j["randomness"] = {
      {"run_id", "sha256:" + r.run_id},
      {"covers", r.run_key_covers},
      {"independence",
       r.secure_mode ? "Sampling and noise are fresh from the OS CSPRNG in every run; the split, initialisation and "
                       "dropout derive from the run key."
                     : "Sampling, noise and dropout (and the split and initialisation unless the config fixes them) "
                       "derive from the run key: runs that differ in anything it covers draw independent randomness, "
                       "so the epsilons of several released runs compose; two runs with the same key are one run."}};
  j["epsilon_history"] = r.epsilon_history;
  if (!r.stopped.empty()) j["stopped"] = r.stopped;
  if (!r.warnings.empty()) j["warnings"] = r.warnings;
  j["statement"] = fmt::format(
      "The trained model's weights are ({}, {})-differentially private with respect to adding or removing "
      "{} from the training split. Metrics of training batches (metrics.jsonl) and evaluations on the "
      "validation and test splits are not covered by this guarantee.",
      fmt_eps(r.epsilon), r.delta, r.privacy_unit.empty() ? "one example" : r.privacy_unit);
  add_results(j, r);
  if (!r.secure_mode) {
    j["warning"] =
        "Reproducible mode: the noise is generated from the run key, which anyone holding the seed (config.json) "
        "and the data can recompute. Anyone holding the seed can regenerate and remove the noise, so the "
        "guarantee holds only while the seed stays secret. Use privacy.secure_mode for a release.";
  }
  return j;
}

std::string to_markdown(const PrivacyReport& r) {
  std::string md = fmt::format("# Epsilon budget report: {}\n\n", r.run_name);
  if (!r.enabled) {
    const std::string results = results_markdown(r);
    return md + "**Not private.** This run was trained without differential privacy (`privacy.enabled: false`).\n\n" +
           init_markdown(r) + results + (results.empty() ? "" : "\n") + plots_markdown(r);
  }
  md += fmt::format("**ε = {} at δ = {:g}** (smallest valid upper bound: {} accountant){}.\n\n", fmt_eps(r.epsilon),
                    r.delta, r.headline_accountant,
                    r.complete ? "" : fmt::format(" — run in progress, {} of {} steps", r.steps_done, r.steps_planned));
  if (!r.accountants.empty()) {
    md += "| accountant | ε | lower | upper | kind | status |\n|---|---|---|---|---|---|\n";
    auto cell = [](const nlohmann::ordered_json& a, const char* key) -> std::string {
      if (!a.contains(key)) return "";
      if (a[key].is_string() && a[key].get<std::string>() == "inf") return fmt_eps(std::numeric_limits<double>::infinity());
      return a[key].is_number() ? fmt_eps(a[key].get<double>()) : a[key].dump();
    };
    for (const auto& a : r.accountants) {
      const bool approx = a.value("bound", "") == "approximation";
      md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", a.value("accountant", ""), cell(a, "epsilon"),
                        cell(a, "lower"), cell(a, "upper"),
                        approx ? "approximation — NOT a bound" : "upper bound", a.value("status", ""));
    }
    md += "\n";
  }
  if (!r.stopped.empty()) md += fmt::format("**Stopped early** — {}. No model was released.\n\n", r.stopped);
  for (const std::string& w : r.warnings) md += fmt::format("**Warning:** {}.\n\n", w);
  if (r.target_epsilon) {
    md += fmt::format("Target ε = {}: **{}**.\n\n", *r.target_epsilon, r.epsilon <= *r.target_epsilon ? "met" : "NOT met");
  }
  md += "| quantity | value |\n|---|---|\n";
  md += fmt::format("| mechanism | DP-SGD, Poisson sampling, Gaussian noise |\n");
  md += fmt::format("| neighbouring relation | add or remove one example |\n");
  md += fmt::format("| privacy unit (one example) | {} |\n", r.privacy_unit);
  if (!r.pii_replaced.empty()) {
    std::string kinds;
    for (const auto& [kind, count] : r.pii_replaced) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", count, kind);
    md += fmt::format("| PII replaced by placeholders before training | {} |\n", kinds);
  }
  md += fmt::format("| dataset size N (training split) | {} |\n", r.dataset_size);
  md += fmt::format("| sampling rate q | {:.6g} |\n", r.sampling_rate);
  md += fmt::format("| expected batch size q·N | {:.6g} |\n", r.expected_batch_size);
  md += fmt::format("| noise multiplier σ | {:.6g}{} |\n", r.noise_multiplier, r.noise_multiplier_calibrated ? " (calibrated to the target)" : "");
  md += fmt::format("| clip norm C ({} clipping) | {:.6g} |\n", r.clipping, r.clip_norm);
  md += fmt::format("| noise std on the summed gradient σ·C | {:.6g} |\n", r.noise_multiplier * r.clip_norm);
  md += fmt::format("| steps | {} of {} |\n", r.steps_done, r.steps_planned);
  md += fmt::format("| δ | {:g} ({}) |\n", r.delta, r.delta_source);
  md += fmt::format("| accountants reported | {} (RDP, {} conversion, is charged every step; optimal order {:g}{}) |\n",
                    r.accountant, r.conversion, r.optimal_order,
                    r.order_at_grid_edge ? " — at the edge of the order grid: widen it" : "");
  md += fmt::format("| noise source | {} |\n", r.secure_mode ? "secure: OS CSPRNG, no seed exists" : "reproducible: seeded");
  md += fmt::format("| run id (of the run key every stream derives from) | `{}`, the key covering {} |\n", r.run_id.substr(0, 16),
                    r.run_key_covers);
  md += fmt::format("| examples dropped for NaN/Inf gradients | {} |\n\n", r.nonfinite_examples);
  if (!r.epsilon_history.empty()) {
    md += "| epoch | step | ε |\n|---|---|---|\n";
    for (const auto& e : r.epsilon_history) {
      md += fmt::format("| {} | {} | {} |\n", e.at("epoch").get<int64_t>(), e.at("step").get<int64_t>(),
                        fmt_eps(e.at("epsilon").is_null() ? std::numeric_limits<double>::infinity()  // +inf read back
                                                          : e.at("epsilon").get<double>()));
    }
    md += "\n";
  }
  md += plots_markdown(r) + "\n";
  md += init_markdown(r);
  md += "## What is protected\n\n";
  md += to_json(r)["statement"].get<std::string>() + "\n";
  if (!r.secure_mode) md += "\n**Warning.** " + to_json(r)["warning"].get<std::string>() + "\n";
  if (!r.test.is_null()) md += "\n" + results_markdown(r);
  return md;
}

}  // namespace dpt
