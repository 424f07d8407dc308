#include "store/outbox.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "test_support.h"

namespace vs::store {
namespace {

namespace fs = std::filesystem;
using testing::idFor;
using testing::makeScan;
using testing::TempDir;

std::string readFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void writeFile(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

std::vector<std::string> namesIn(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Sets a file's mtime to a fixed offset from now, so ordering does not depend on how fast the test runs.
void setAge(const fs::path& p, std::chrono::seconds age) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - age);
}

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

Outbox openOrDie(const fs::path& dir) {
  auto ob = Outbox::open(dir);
  if (!ob.ok()) throw std::runtime_error(ob.error().message);
  return std::move(*ob);
}

TEST(Outbox, OpenCreatesPrivateDirectories) {
  TempDir tmp;
  const fs::path dir = tmp / "state/voipscope/outbox";
  auto ob = Outbox::open(dir);
  ASSERT_TRUE(ob.ok()) << ob.error().message;
  EXPECT_EQ(ob->dir(), dir);
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(modeOf(dir), 0700u);
  EXPECT_EQ(modeOf(tmp / "state"), 0700u);
  EXPECT_EQ(modeOf(tmp / "state/voipscope"), 0700u);
  // Opening again is fine.
  EXPECT_TRUE(Outbox::open(dir).ok());
}

TEST(Outbox, OpenOnAFileIsAnError) {
  TempDir tmp;
  writeFile(tmp / "file", "x");
  auto ob = Outbox::open(tmp / "file");
  ASSERT_FALSE(ob.ok());
  EXPECT_NE(ob.error().message.find((tmp / "file").string()), std::string::npos) << ob.error().message;
  auto nested = Outbox::open(tmp / "file/outbox");
  ASSERT_FALSE(nested.ok());
}

TEST(Outbox, AddWritesExactJsonDurablyWithNoLeftovers) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  Scan scan = makeScan(idFor(42), "berlin", 1767225600000, {Status::kPass, Status::kFail});
  scan.results[0].evidence["sip_response"] = "SIP/2.0 200 OK\r\nServer: Zürich\r\n\r\n";
  auto path = ob.add(scan);
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_EQ(*path, tmp / "outbox" / (idFor(42) + ".json"));
  std::string text = readFile(*path);
  EXPECT_EQ(text, toJson(scan));
  auto back = scanFromJson(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, scan);
  EXPECT_EQ(namesIn(tmp / "outbox"), std::vector<std::string>{idFor(42) + ".json"});
  EXPECT_EQ(modeOf(*path), 0600u);
}

TEST(Outbox, AddSameIdTwiceLeavesOneFileWithTheLatestContent) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  Scan first = makeScan(idFor(9), "a", 1000, {Status::kPass});
  Scan second = makeScan(idFor(9), "a", 1000, {Status::kPass, Status::kWarn});
  ASSERT_TRUE(ob.add(first).ok());
  ASSERT_TRUE(ob.add(second).ok());
  EXPECT_EQ(namesIn(tmp / "outbox"), std::vector<std::string>{idFor(9) + ".json"});
  EXPECT_EQ(readFile(tmp / "outbox" / (idFor(9) + ".json")), toJson(second));
}

TEST(Outbox, AddRejectsIdsThatAreNotFileSafe) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  Scan scan = makeScan("../../etc/passwd", "a", 1, {});
  EXPECT_FALSE(ob.add(scan).ok());
  EXPECT_TRUE(namesIn(tmp / "outbox").empty());
  EXPECT_FALSE(ob.remove("../x").ok());
}

TEST(Outbox, AddErrorNamesThePath) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  fs::remove(tmp / "outbox");
  auto r = ob.add(makeScan(idFor(1), "a", 1, {}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find((tmp / "outbox").string()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(Outbox, ListIsOldestFirst) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  // Added in id order, aged so that the expected order is 3, 1, 4, 2 (4 and 2 tie: name decides).
  for (unsigned n : {1u, 2u, 3u, 4u}) ASSERT_TRUE(ob.add(makeScan(idFor(n), "s", n, {Status::kPass})).ok());
  const fs::path d = tmp / "outbox";
  setAge(d / (idFor(3) + ".json"), std::chrono::seconds(400));
  setAge(d / (idFor(1) + ".json"), std::chrono::seconds(300));
  const auto tie = fs::file_time_type::clock::now() - std::chrono::seconds(100);
  fs::last_write_time(d / (idFor(4) + ".json"), tie);
  fs::last_write_time(d / (idFor(2) + ".json"), tie);

  std::vector<std::string> problems;
  auto entries = ob.list(&problems);
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  EXPECT_TRUE(problems.empty());
  std::vector<std::string> ids;
  for (const auto& e : *entries) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::string>{idFor(3), idFor(1), idFor(2), idFor(4)}));
  const OutboxEntry& e = (*entries)[0];
  EXPECT_EQ(e.path, d / (idFor(3) + ".json"));
  EXPECT_EQ(e.json, toJson(makeScan(idFor(3), "s", 3, {Status::kPass})));
}

TEST(Outbox, BadFilesAreReportedAndLeftInPlace) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  const fs::path d = tmp / "outbox";
  ASSERT_TRUE(ob.add(makeScan(idFor(1), "s", 1, {})).ok());
  const fs::path corrupt = d / (idFor(2) + ".json");
  writeFile(corrupt, "{\"schema\": 1, \"id\": ");
  const fs::path mismatched = d / (idFor(3) + ".json");
  writeFile(mismatched, toJson(makeScan(idFor(4), "s", 4, {})));
  // Not outbox entries at all: ignored, not reported.
  writeFile(d / "notes.txt", "hello");
  writeFile(d / "not-an-id.json", "{}");

  std::vector<std::string> problems;
  auto entries = ob.list(&problems);
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, idFor(1));
  ASSERT_EQ(problems.size(), 2u);
  std::sort(problems.begin(), problems.end());
  EXPECT_EQ(problems[0].rfind(corrupt.string() + ": ", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("invalid JSON"), std::string::npos) << problems[0];
  EXPECT_EQ(problems[1].rfind(mismatched.string() + ": ", 0), 0u) << problems[1];
  EXPECT_NE(problems[1].find(idFor(4)), std::string::npos) << problems[1];
  EXPECT_TRUE(fs::exists(corrupt));
  EXPECT_TRUE(fs::exists(mismatched));
  EXPECT_TRUE(fs::exists(d / "notes.txt"));

  // Without a problems vector the bad files are still skipped.
  auto quiet = ob.list();
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->size(), 1u);
}

TEST(Outbox, ListRemovesOnlyStaleTempFiles) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  const fs::path d = tmp / "outbox";
  const fs::path stale = d / ("." + idFor(5) + ".json.tmp-0011223344556677");
  const fs::path fresh = d / ("." + idFor(6) + ".json.tmp-8899aabbccddeeff");
  writeFile(stale, "{\"partial");
  writeFile(fresh, "{\"partial");
  setAge(stale, std::chrono::hours(2));
  setAge(fresh, std::chrono::minutes(5));
  std::vector<std::string> problems;
  auto entries = ob.list(&problems);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
  EXPECT_TRUE(problems.empty());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST(Outbox, RemoveDeletesAndToleratesMissing) {
  TempDir tmp;
  Outbox ob = openOrDie(tmp / "outbox");
  ASSERT_TRUE(ob.add(makeScan(idFor(1), "s", 1, {})).ok());
  ASSERT_TRUE(ob.add(makeScan(idFor(2), "s", 2, {})).ok());
  auto r = ob.remove(idFor(1));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(namesIn(tmp / "outbox"), std::vector<std::string>{idFor(2) + ".json"});
  EXPECT_TRUE(ob.remove(idFor(1)).ok());
  EXPECT_TRUE(ob.remove(idFor(77)).ok());
  auto entries = ob.list();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, idFor(2));
}

// Restores an environment variable when the test ends, whatever it did to it.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
  }
  ~EnvGuard() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Outbox, DefaultDirFollowsEnvironment) {
  EnvGuard g1("VOIPSCOPE_OUTBOX"), g2("XDG_STATE_HOME"), g3("HOME");
  ::setenv("VOIPSCOPE_OUTBOX", "/srv/vs/outbox", 1);
  ::setenv("XDG_STATE_HOME", "/xdg/state", 1);
  ::setenv("HOME", "/home/alice", 1);
  EXPECT_EQ(Outbox::defaultDir(), fs::path("/srv/vs/outbox"));
  ::unsetenv("VOIPSCOPE_OUTBOX");
  EXPECT_EQ(Outbox::defaultDir(), fs::path("/xdg/state/voipscope/outbox"));
  ::setenv("XDG_STATE_HOME", "", 1);
  EXPECT_EQ(Outbox::defaultDir(), fs::path("/home/alice/.local/state/voipscope/outbox"));
  ::setenv("XDG_STATE_HOME", "relative/state", 1);  // invalid per the XDG spec: ignored
  EXPECT_EQ(Outbox::defaultDir(), fs::path("/home/alice/.local/state/voipscope/outbox"));
  ::unsetenv("XDG_STATE_HOME");
  ::unsetenv("HOME");
  EXPECT_EQ(Outbox::defaultDir(), fs::path("voipscope-outbox"));
}

}  // namespace
}  // namespace vs::store
