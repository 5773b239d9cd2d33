// The ledger file (experiments/ledger/budget_ledger.hpp): round trip, idempotent recharge, data
// hash, and that every kind of damage is detected — an edited byte, a deleted line (middle and
// last), a truncated last line, a changed budget — and that a failed write or a held lock
// charges nothing.
#include "experiments/ledger/budget_ledger.hpp"

#include <doctest/doctest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "datasets/sha256.hpp"
#include "experiments/ledger/durable_write.hpp"
#include "experiments/ledger/ledger_error.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path dir;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dpt-ledger-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// One DP-SGD run: 200 steps of q = 0.01, sigma = 2 (epsilon ~0.6 at delta = 1e-5 by the filter).
DpEvent run_event(int64_t steps = 200, double sigma = 2.0) {
  return DpEvent::self_composed(DpEvent::poisson_sampled_gaussian(0.01, sigma), steps);
}

const std::string kData = "sha256:" + std::string(64, 'a');

std::string error_of(const std::string& path) {
  try {
    read_ledger(path);
  } catch (const LedgerError& e) {
    return e.what();
  }
  return "";
}

// A ledger of budget 2 with three charges.
std::string three_charges(const TempDir& t) {
  const std::string path = t.file("ledger.jsonl");
  create_ledger(path, 2.0, 1e-5, std::nullopt);
  for (const char* key : {"run-a", "run-b", "run-c"}) {
    REQUIRE(check_and_charge(path, key, key, run_event(), std::nullopt).outcome == ChargeOutcome::kCharged);
  }
  return path;
}

}  // namespace

TEST_CASE("a new ledger holds its budget and no charge; it is never overwritten") {
  TempDir t;
  const std::string path = t.file("ledger.jsonl");
  const LedgerContents c = create_ledger(path, 3.0, 1e-6, "AB" + std::string(62, 'c'));
  CHECK(c.charges.empty());
  CHECK(c.header.data_hash == "sha256:ab" + std::string(62, 'c'));
  const LedgerContents back = read_ledger(path);
  CHECK(back.header.epsilon == 3.0);
  CHECK(back.header.delta == 1e-6);
  CHECK(back.header.orders == RenyiFilter::default_orders());
  CHECK(back.filter.status().remaining_epsilon == doctest::Approx(c.filter.status().remaining_epsilon));
  CHECK(fs::exists(path + ".head"));
  const std::string before = slurp(path);
  CHECK_THROWS_WITH_AS(create_ledger(path, 1.0, 1e-5, std::nullopt), doctest::Contains("already exists"), LedgerError);
  CHECK(slurp(path) == before);
  CHECK_THROWS_AS(create_ledger(t.file("bad.jsonl"), -1.0, 1e-5, std::nullopt), LedgerError);
  CHECK_THROWS_AS(create_ledger(t.file("bad.jsonl"), 1.0, 1e-5, std::string("xyz")), LedgerError);
  CHECK_FALSE(fs::exists(t.file("bad.jsonl")));
}

TEST_CASE("charges round-trip, a key is charged once, and the budget is enforced") {
  TempDir t;
  const std::string path = t.file("ledger.jsonl");
  create_ledger(path, 2.0, 1e-5, std::nullopt);
  const LedgerCharge first = check_and_charge(path, "run-a", "runs/a", run_event(), kData);
  CHECK(first.outcome == ChargeOutcome::kCharged);
  CHECK(first.seq == 1);
  CHECK(first.after.spent_epsilon == doctest::Approx(first.run_epsilon));
  const LedgerCharge again = check_and_charge(path, "run-a", "runs/a", run_event(), kData);
  CHECK(again.outcome == ChargeOutcome::kAlreadyCharged);
  CHECK(again.seq == 1);
  CHECK(again.message.find("already charged") != std::string::npos);
  CHECK(read_ledger(path).charges.size() == 1);
  // The same key with another event is a bug of the caller, not a resume.
  CHECK_THROWS_AS(check_and_charge(path, "run-a", "runs/a", run_event(300), kData), LedgerError);
  int charged = 1;
  LedgerCharge last;
  for (int i = 0; i < 20; ++i) {
    last = check_and_charge(path, "run-" + std::to_string(i), "", run_event(), kData);
    if (last.outcome != ChargeOutcome::kCharged) break;
    ++charged;
  }
  REQUIRE(last.outcome == ChargeOutcome::kRefused);
  CHECK(charged >= 2);
  CHECK(last.message.find("refuses this run") != std::string::npos);
  CHECK(last.message.find("budget epsilon = 2") != std::string::npos);
  const LedgerContents c = read_ledger(path);
  REQUIRE(c.charges.size() == static_cast<size_t>(charged));
  CHECK(c.charges[0].label == "runs/a");
  CHECK(c.charges[0].event == run_event());
  CHECK(c.charges[0].data_hash == kData);
  CHECK(c.filter.status().spent_epsilon <= 2.0);
  // would_fit answers like check_and_charge, without writing.
  const std::string text = slurp(path);
  CHECK(would_fit(path, "new", run_event(), kData).outcome == ChargeOutcome::kRefused);
  CHECK(would_fit(path, "new", run_event(10), kData).outcome == ChargeOutcome::kCharged);
  CHECK(would_fit(path, "run-a", run_event(), kData).outcome == ChargeOutcome::kAlreadyCharged);
  CHECK(slurp(path) == text);
}

TEST_CASE("a ledger for one dataset refuses another dataset's runs") {
  TempDir t;
  const std::string path = t.file("ledger.jsonl");
  create_ledger(path, 2.0, 1e-5, kData);
  const std::string other = "sha256:" + std::string(64, 'b');
  const std::string expected = "is for data " + kData + ", this run's data is " + other;
  CHECK_THROWS_WITH_AS(check_and_charge(path, "k", "", run_event(), other), doctest::Contains(expected.c_str()), LedgerError);
  CHECK_THROWS_AS(check_and_charge(path, "k", "", run_event(), std::nullopt), LedgerError);
  CHECK(check_and_charge(path, "k", "", run_event(), std::string(64, 'a')).outcome == ChargeOutcome::kCharged);
}

TEST_CASE("tampering is detected, naming the first bad line") {
  TempDir t;
  const std::string path = three_charges(t);
  const std::string good = slurp(path);
  const std::vector<std::string> lines = lines_of(good);
  REQUIRE(lines.size() == 4);
  CHECK(error_of(path).empty());

  SUBCASE("a byte edited in an entry") {
    std::string edited = good;
    const size_t at = edited.find("\"label\":\"run-b\"");
    REQUIRE(at != std::string::npos);
    edited[at + 13] = 'x';  // run-b -> run-x
    spit(path, edited);
    CHECK(error_of(path).find("ledger.jsonl:3: the charge's hash does not match") != std::string::npos);
  }
  SUBCASE("an rdp value lowered and the line's hash recomputed") {
    nlohmann::json j = nlohmann::json::parse(lines[2]);
    j["rdp"][100] = j["rdp"][100].get<double>() / 2;
    j.erase("hash");
    j["hash"] = sha256_hex(j.dump());
    std::vector<std::string> l = lines;
    l[2] = j.dump();
    spit(path, joined(l));
    CHECK(error_of(path).find("ledger.jsonl:3: \"rdp\" at order") != std::string::npos);
  }
  SUBCASE("a line deleted in the middle") {
    spit(path, joined({lines[0], lines[1], lines[3]}));
    CHECK(error_of(path).find("ledger.jsonl:3: \"seq\" must be 2") != std::string::npos);
  }
  SUBCASE("the last line deleted: the chain holds, the head does not") {
    spit(path, joined({lines[0], lines[1], lines[2]}));
    CHECK(error_of(path).find("ledger.jsonl.head: the ledger had 3 charges, but holds 2: its last line was deleted") !=
          std::string::npos);
  }
  SUBCASE("the last line deleted and the head file too") {
    spit(path, joined({lines[0], lines[1], lines[2]}));
    fs::remove(path + ".head");
    CHECK(error_of(path).find("ledger.jsonl.head: missing") != std::string::npos);
  }
  SUBCASE("truncated in the middle of the last line") {
    spit(path, good.substr(0, good.size() - 40));
    CHECK(error_of(path).find("ledger.jsonl:4: the line does not end with a newline") != std::string::npos);
  }
  SUBCASE("truncated at a line's end, mid-file") {
    spit(path, good.substr(0, good.size() - lines[3].size() - 1 - 30) + "\n");
    CHECK(error_of(path).find("ledger.jsonl:3: not a JSON object") != std::string::npos);
  }
  SUBCASE("the header's budget raised") {
    std::vector<std::string> l = lines;
    const size_t at = l[0].find("\"epsilon\":2");
    REQUIRE(at != std::string::npos);
    l[0].replace(at, 11, "\"epsilon\":9");
    spit(path, joined(l));
    CHECK(error_of(path).find("ledger.jsonl:1: the header's hash does not match") != std::string::npos);
  }
  SUBCASE("the header's budget raised and its hash recomputed: the chain breaks at the first charge") {
    nlohmann::json h = nlohmann::json::parse(lines[0]);
    h["epsilon"] = 9.0;
    h.erase("hash");
    LedgerHeader header;
    header.epsilon = 9.0;
    header.delta = h["delta"];
    header.orders = h["orders"].get<std::vector<double>>();
    header.created = h["created"];
    std::string first = header_line(header);
    first.pop_back();
    std::vector<std::string> l = lines;
    l[0] = first;
    spit(path, joined(l));
    CHECK(error_of(path).find("ledger.jsonl:2: \"prev_hash\" is not the hash of the line before") != std::string::npos);
  }
  SUBCASE("a damaged ledger is never charged") {
    spit(path, good.substr(0, good.size() - 1));
    CHECK_THROWS_AS(check_and_charge(path, "run-d", "", run_event(10), std::nullopt), LedgerError);
    CHECK(slurp(path) == good.substr(0, good.size() - 1));
  }
}

TEST_CASE("a crash between the ledger and its head: the head one charge behind is accepted and repaired") {
  TempDir t;
  const std::string path = three_charges(t);
  const std::string head_before = slurp(path + ".head");
  REQUIRE(check_and_charge(path, "run-d", "", run_event(10), std::nullopt).outcome == ChargeOutcome::kCharged);
  const std::string head_after = slurp(path + ".head");
  spit(path + ".head", head_before);  // as if killed before the head was replaced
  CHECK(read_ledger(path).charges.size() == 4);
  REQUIRE(check_and_charge(path, "run-e", "", run_event(10), std::nullopt).outcome == ChargeOutcome::kCharged);
  CHECK(nlohmann::json::parse(slurp(path + ".head"))["charges"] == 5);
}

TEST_CASE("a failed write (a full disk) charges nothing and leaves the ledger as it was") {
  TempDir t;
  const std::string path = three_charges(t);
  const std::string good = slurp(path);
  const std::string head = slurp(path + ".head");
  inject_ledger_write_error(1, ENOSPC);
  CHECK_THROWS_WITH_AS(check_and_charge(path, "run-d", "", run_event(10), std::nullopt),
                       doctest::Contains("No space left on device"), LedgerIoError);
  inject_ledger_write_error(0, 0);
  CHECK(slurp(path) == good);
  CHECK(slurp(path + ".head") == head);
  for (const auto& entry : fs::directory_iterator(t.dir)) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
  CHECK(read_ledger(path).charges.size() == 3);
}

TEST_CASE("a held lock makes a charge wait, then fail clearly with nothing charged") {
  TempDir t;
  const std::string path = three_charges(t);
  const int fd = ::open((path + ".lock").c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  LedgerOptions quick;
  quick.lock_timeout_s = 0.2;
  CHECK_THROWS_WITH_AS(check_and_charge(path, "run-d", "", run_event(10), std::nullopt, quick),
                       doctest::Contains("locked by another dptrain process"), LedgerIoError);
  ::close(fd);
  CHECK(read_ledger(path).charges.size() == 3);
  CHECK(check_and_charge(path, "run-d", "", run_event(10), std::nullopt, quick).outcome == ChargeOutcome::kCharged);
}

TEST_CASE("an init whose head cannot be written leaves no ledger, so init can be run again") {
  TempDir t;
  const std::string path = t.file("budget.ledger");
  inject_ledger_write_error(2, ENOSPC);  // the ledger's write succeeds, the head's fails
  CHECK_THROWS_AS(create_ledger(path, 3.0, 1e-5, std::nullopt), LedgerIoError);
  inject_ledger_write_error(0, 0);
  CHECK_FALSE(fs::exists(path));
  CHECK_NOTHROW(create_ledger(path, 3.0, 1e-5, std::nullopt));
  CHECK(read_ledger(path).charges.empty());
}

TEST_CASE("a ledger named through a symbolic link is refused before anything is read or charged") {
  TempDir t;
  const std::string path = three_charges(t);
  const std::string link = t.file("alias.ledger");
  fs::create_symlink(path, link);
  CHECK_THROWS_WITH_AS(read_ledger(link), doctest::Contains("a symbolic link"), LedgerError);
  CHECK_THROWS_WITH_AS(check_and_charge(link, "run-d", "", run_event(10), std::nullopt), doctest::Contains("a symbolic link"),
                       LedgerError);
  CHECK(read_ledger(path).charges.size() == 3);
  CHECK_FALSE(fs::exists(link + ".lock"));
}

TEST_CASE("a line nested 100,000 deep is a file:line error, not a stack overflow") {
  TempDir t;
  const std::string path = three_charges(t);
  std::vector<std::string> lines = lines_of(slurp(path));
  lines.back() = std::string(100000, '[') + std::string(100000, ']');
  spit(path, joined(lines));
  CHECK_THROWS_WITH_AS(read_ledger(path), doctest::Contains("nested too deeply"), LedgerError);
}

}  // namespace dpt
