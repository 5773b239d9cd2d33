// Config text -> JSON, guarded: strict JSON, bounded nesting (no deep recursion anywhere
// later), duplicate keys refused (JSON parsers silently keep the last one), and errors that
// say where: "run.json:3:8: invalid JSON: ...". Then parse_config validates the document.
// The file must be a regular file of at most 1 MiB (no devices, FIFOs or endless reads).
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "experiments/config/config_parser.hpp"

#include "core/io/regular_file.hpp"
#include "experiments/config/config_reader.hpp"
#include "experiments/config/config_schema.hpp"

namespace dpt {
namespace {

using nlohmann::json;

// The JSON containers open at the parser's position, to name a duplicate key's path.
struct Frame {
  bool is_array = false;
  std::size_t index = 0;  // arrays: elements seen so far
  std::string key;        // objects: the current key
  std::set<std::string, std::less<>> keys;
};

std::string path_of(const std::vector<Frame>& frames) {
  std::string path;
  for (const Frame& f : frames) {
    path = f.is_array ? config_detail::index_path(path, f.index - 1)
                      : config_detail::join_path(path, f.key);
  }
  return path;
}

// nlohmann's message without its "[json.exception...] parse error at line 1, column 2: "
// prefix; bytes outside printable ASCII escaped (the "last read" excerpt may hold invalid UTF-8).
std::string detail_of(const json::exception& e) {
  std::string s = e.what();
  if (const std::size_t p = s.find("] "); p != std::string::npos) s.erase(0, p + 2);
  if (s.rfind("parse error", 0) == 0) {
    if (const std::size_t p = s.find(": "); p != std::string::npos) s.erase(0, p + 2);
  }
  return config_detail::escape_bytes(s, /*non_ascii=*/true);
}

// "origin:line:column" of the byte nlohmann stopped at (1-based, columns in bytes).
std::string location(std::string_view text, std::size_t byte, const std::string& origin) {
  const std::size_t offset = std::min(byte == 0 ? 0 : byte - 1, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return origin + ":" + std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

json parse_json(std::string_view text, const std::string& origin) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw ConfigError("", origin + ": empty file, expected a JSON object");
  }
  std::vector<Frame> frames;
  const json::parser_callback_t guard = [&](int /*depth*/, json::parse_event_t event,
                                            json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (!frames.empty() && frames.back().is_array) ++frames.back().index;
        if (frames.size() >= config_schema::kMaxJsonDepth) {
          throw ConfigError("", origin + ": invalid JSON: nested deeper than " +
                                    std::to_string(config_schema::kMaxJsonDepth) + " levels");
        }
        frames.push_back(Frame{event == json::parse_event_t::array_start, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        Frame& f = frames.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) {
          throw ConfigError(path_of(frames), "duplicate key (JSON keeps only one of them)");
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames.pop_back();
        break;
      case json::parse_event_t::value:
        if (!frames.empty() && frames.back().is_array) ++frames.back().index;
        break;
    }
    return true;
  };
  try {
    return json::parse(text, guard, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const json::parse_error& e) {
    throw ConfigError("", location(text, e.byte, origin) + ": invalid JSON: " + detail_of(e));
  } catch (const json::exception& e) {  // e.g. out_of_range.406: number overflow ("1e400")
    throw ConfigError("", origin + ": invalid JSON: " + detail_of(e));
  }
}

[[noreturn]] void cannot_read(const std::string& file, const std::string& what) {
  throw ConfigError("", file + ": cannot read config file: " + what);
}

// The whole file, which must be a regular file of at most kMaxConfigFileBytes: /dev/zero, a FIFO
// or a directory is refused before a byte is read (read_regular_file).
std::string read_file(const std::string& file) {
  FileRead r = read_regular_file(file, kMaxConfigFileBytes);
  switch (r.failure) {
    case FileReadFailure::kNone:
      return std::move(r.bytes);
    case FileReadFailure::kNotRegular:
      if (std::string_view(r.file_type) == "a directory") cannot_read(file, std::strerror(EISDIR));  // "Is a directory"
      cannot_read(file, std::string("not a regular file (") + r.file_type + "); the config must be a JSON file");
    case FileReadFailure::kTooLarge:
      cannot_read(file, "it is " + std::string(r.grew ? "at least " : "") + std::to_string(r.size) +
                            " bytes, more than the " + std::to_string(kMaxConfigFileBytes) + " (1 MiB) a config may have");
    case FileReadFailure::kOpen:
    case FileReadFailure::kRead:
      break;
  }
  cannot_read(file, std::strerror(r.os_error));
}

}  // namespace

ExperimentConfig parse_config_text(std::string_view text, const std::string& origin) {
  const json j = parse_json(text, origin);
  if (!j.is_object()) {
    throw ConfigError("", origin + ": the config must be a JSON object, got " +
                              config_detail::describe(j));
  }
  return parse_config(j);
}

ExperimentConfig load_config(const std::string& file) {
  return parse_config_text(read_file(file), file);
}

nlohmann::json parse_config_json(std::string_view text, const std::string& origin) {
  return parse_json(text, origin);
}

std::string read_config_file(const std::string& file) { return read_file(file); }

}  // namespace dpt
