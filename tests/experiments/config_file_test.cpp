// Reading config text and files: malformed JSON of every shape fails with the file name and,
// where the parser knows it, line and column; nesting is bounded; duplicate keys are refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "experiments/config/config_parser.hpp"
#include "tests/experiments/config_test_util.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;
using test::error_of;

// A file under the temp directory, removed at scope exit.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_(fs::temp_directory_path() / (std::to_string(::getpid()) + "_" + name)) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { fs::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string load_error(const std::string& file) {
  try {
    load_config(file);
  } catch (const ConfigError& e) {
    CHECK(e.path().empty());
    return e.what();
  }
  return "<valid>";
}

TEST_CASE("empty or whitespace-only text: says the file is empty") {
  CHECK(error_of("") == "run.json: empty file, expected a JSON object");
  CHECK(error_of(" \n\t\r\n") == "run.json: empty file, expected a JSON object");
}

TEST_CASE("truncated JSON: line and column of where the text ended") {
  CHECK(error_of("{") ==
        "run.json:1:2: invalid JSON: syntax error while parsing object key - unexpected end of "
        "input; expected string literal");
  CHECK(error_of("{\"seed\": 1,\n \"privacy\": {\"noise_multiplier\": ") ==
        "run.json:2:34: invalid JSON: syntax error while parsing value - unexpected end of input; "
        "expected '[', '{', or a literal");
}

TEST_CASE("a syntax error on a later line is located by line and column") {
  CHECK(error_of("{\n  \"seed\": 1,\n  \"name\": run1\n}") ==
        "run.json:3:11: invalid JSON: syntax error while parsing value - invalid literal; last "
        "read: '\"name\": r'");
}

TEST_CASE("the top level must be an object") {
  CHECK(error_of("[]") == "run.json: the config must be a JSON object, got an array");
  CHECK(error_of("42") == "run.json: the config must be a JSON object, got 42");
  CHECK(error_of("\"run\"") == "run.json: the config must be a JSON object, got \"run\"");
  CHECK(error_of("null") == "run.json: the config must be a JSON object, got null");
  CHECK_THROWS_WITH_AS(parse_config(nlohmann::json::array()),
                       "the config must be a JSON object, got an array", ConfigError);
}

TEST_CASE("trailing garbage after the object is refused") {
  CHECK(error_of("{} x") ==
        "run.json:1:4: invalid JSON: syntax error while parsing value - invalid literal; last "
        "read: '{} x'; expected end of input");
  CHECK(error_of("{}{}") ==
        "run.json:1:3: invalid JSON: syntax error while parsing value - unexpected '{'; expected "
        "end of input");
}

TEST_CASE("invalid UTF-8 inside a string is refused, and the message stays printable") {
  CHECK(error_of("{\"name\": \"ab\xff\"}") ==
        "run.json:1:13: invalid JSON: syntax error while parsing value - invalid string: "
        "ill-formed UTF-8 byte; last read: '\"ab\\xff'");
}

TEST_CASE("comments and non-JSON literals are refused") {
  CHECK(error_of("{\"seed\": 1 // mine\n}") ==
        "run.json:1:12: invalid JSON: syntax error while parsing object - invalid literal; last "
        "read: '1 /'; expected '}'");
  CHECK(error_of("{\"seed\": NaN}") ==
        "run.json:1:10: invalid JSON: syntax error while parsing value - invalid literal; last "
        "read: '\"seed\": N'");
}

TEST_CASE("a number too large for a double is refused") {
  CHECK(error_of(R"({"privacy": {"clip_norm": 1e400}})") ==
        "run.json: invalid JSON: number overflow parsing '1e400'");
}

TEST_CASE("nesting deeper than 64 levels is refused without deep recursion") {
  const std::string deep(100000, '[');
  CHECK(error_of(deep) == "run.json: invalid JSON: nested deeper than 64 levels");
  CHECK(error_of(deep + std::string(100000, ']')) ==
        "run.json: invalid JSON: nested deeper than 64 levels");
  // 64 levels in all (the root object and 63 arrays) parse; the schema then refuses the value.
  CHECK(error_of("{\"name\": " + std::string(63, '[') + std::string(63, ']') + "}") ==
        "name: must be a string, got an array");
  CHECK(error_of("{\"name\": " + std::string(64, '[') + std::string(64, ']') + "}") ==
        "run.json: invalid JSON: nested deeper than 64 levels");
}

TEST_CASE("a duplicate key is refused with its path") {
  CHECK(error_of(R"({"privacy": {"clip_norm": 1, "clip_norm": 2}})") ==
        "privacy.clip_norm: duplicate key (JSON keeps only one of them)");
  CHECK(error_of(R"({"model": {"lstm": [{"hidden": 1}, [], {"hidden": 2, "hidden": 3}]}})") ==
        "model.lstm[2].hidden: duplicate key (JSON keeps only one of them)");
  CHECK(error_of(R"({"seed": 1, "seed": 1})") == "seed: duplicate key (JSON keeps only one of them)");
  // The same key in sibling objects is not a duplicate.
  CHECK(error_of(R"({"seed": 1, "training": {"batch_size": 8}, "eval": {"batch_size": 8},
                     "privacy": {"noise_multiplier": 1}})") == "<valid>");
}

TEST_CASE("a UTF-8 byte order mark is accepted") {
  CHECK(error_of("\xEF\xBB\xBF{\"seed\": 1, \"privacy\": {\"noise_multiplier\": 1}}") == "<valid>");
}

TEST_CASE("a missing or unreadable file names the file") {
  CHECK(load_error("/nonexistent/dir/run.json") ==
        "/nonexistent/dir/run.json: cannot read config file: No such file or directory");
  const std::string dir = fs::temp_directory_path().string();
  CHECK(load_error(dir) == dir + ": cannot read config file: Is a directory");
}

TEST_CASE("load_config reads a file and names it in JSON errors") {
  const TempFile good("good_config.json",
                      R"({"name": "from_file", "seed": 5, "privacy": {"target_epsilon": 2.5}})");
  const ExperimentConfig c = load_config(good.path());
  CHECK(c.name == "from_file");
  CHECK(c.seed == 5u);
  CHECK(c.privacy.target_epsilon == 2.5);

  const TempFile bad("bad_config.json", "{\n  \"seed\": 5,\n}");
  CHECK(load_error(bad.path()) ==
        bad.path() + ":3:1: invalid JSON: syntax error while parsing object key - unexpected '}'; "
                     "expected string literal");
  const TempFile empty("empty_config.json", "");
  CHECK(load_error(empty.path()) == empty.path() + ": empty file, expected a JSON object");
}

}  // namespace
}  // namespace dpt
