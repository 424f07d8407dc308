// `voipscope flow --model-json` through the real binary: terminal ladder and HTML file from the teaching
// fixture, no colour when stdout is not a terminal, and bad input as one line with exit code 3 (4 when the
// HTML file cannot be written).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"

namespace vs::itest {
namespace {

const std::string kFixture = std::string(VOIPSCOPE_SOURCE_DIR) + "/tests/e2e/fixtures/ladder_fork.json";

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t lineCount(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

TEST(FlowCli, TerminalLadderAndHtmlFromTheFixture) {
  TempDir dir;
  auto r = run({voipscopeBinary(), "flow", "--model-json", kFixture, "--width", "100", "--ascii", "--html",
                dir.file("call.html")});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "stdout is a pipe: no colour";
  // Five hosts in fixture order (on two staggered rows at this width, each whole), 21 messages, 3 streams.
  auto column = [&](const std::string& host) {
    const std::size_t at = r.out.find(host);
    EXPECT_NE(at, std::string::npos) << host << "\n" << r.out;
    return at - r.out.rfind('\n', at);
  };
  EXPECT_LT(column("203.0.113.10:5060"), column("198.51.100.2:5060"));
  EXPECT_LT(column("198.51.100.2:5060"), column("10.1.0.5:5060"));
  EXPECT_LT(column("10.1.0.5:5060"), column("10.1.2.21:5062"));
  EXPECT_LT(column("10.1.2.21:5062"), column("10.1.2.40:5060"));
  EXPECT_NE(r.out.find(" d0.002       #13"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("#21"), std::string::npos);
  EXPECT_NE(r.out.find("RTP streams (3):"), std::string::npos);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
  const std::string html = readAll(dir.file("call.html"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);

  auto only_html = run({voipscopeBinary(), "flow", "--model-json", kFixture, "--html", "-"});
  ASSERT_EQ(only_html.exit_code, 0) << only_html.all;
  EXPECT_EQ(only_html.out, html) << "--html - writes the same file to stdout and nothing else";

  auto quiet = run({voipscopeBinary(), "flow", "--model-json", kFixture, "--quiet", "--html", dir.file("q.html")});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.out, "");
}

TEST(FlowCli, NarrowTerminalGetsTheListAndSortHostsReorders) {
  auto narrow = run({voipscopeBinary(), "flow", "--model-json", kFixture, "--width", "60", "--no-streams"});
  ASSERT_EQ(narrow.exit_code, 0) << narrow.all;
  EXPECT_NE(narrow.out.find("(5 hosts do not fit in 60 columns: the flow as a list)"), std::string::npos);
  EXPECT_EQ(narrow.out.find("RTP"), std::string::npos);

  TempDir dir;
  // Columns listed backwards in the file; --sort-hosts puts the first sender (carrier) left again.
  writeFile(dir.path() / "m.json",
            R"({"participants": [{"host": "192.0.2.3"}, {"host": "192.0.2.2"}, {"host": "192.0.2.1"}],
                "events": [{"time": 0, "src": "192.0.2.1", "dst": "192.0.2.2", "label": "INVITE"},
                           {"time": 0.01, "src": "192.0.2.2", "dst": "192.0.2.3", "label": "INVITE"}]})");
  auto as_given = run({voipscopeBinary(), "flow", "--model-json", dir.file("m.json"), "--width", "80"});
  ASSERT_EQ(as_given.exit_code, 0) << as_given.all;
  EXPECT_LT(as_given.out.find("192.0.2.3"), as_given.out.find("192.0.2.1"));
  auto sorted = run({voipscopeBinary(), "flow", "--model-json", dir.file("m.json"), "--width", "80", "--sort-hosts"});
  ASSERT_EQ(sorted.exit_code, 0) << sorted.all;
  EXPECT_LT(sorted.out.find("192.0.2.1"), sorted.out.find("192.0.2.2"));
  EXPECT_LT(sorted.out.find("192.0.2.2"), sorted.out.find("192.0.2.3"));
}

TEST(FlowCli, BadInputIsOneLineAndExit3) {
  TempDir dir;
  const std::string fixture = readAll(kFixture);
  writeFile(dir.path() / "truncated.json", fixture.substr(0, fixture.size() / 2));
  writeFile(dir.path() / "range.json",
            R"({"participants": [{"host": "a"}], "events": [{"time": 1, "src": 0, "dst": 3, "label": "x"}]})");
  writeFile(dir.path() / "binary.json", std::string("\x00\xff\xfe{\x01", 5));
  struct Case {
    std::string file;
    std::string message;
  };
  const std::vector<Case> cases = {
      {dir.file("missing.json"), dir.file("missing.json") + ": No such file or directory"},
      {dir.file("truncated.json"), dir.file("truncated.json") + ": invalid JSON at byte "},
      {dir.file("range.json"), dir.file("range.json") +
                                   ": events[0].dst: expected a participant index below 1 or a host string"},
      {dir.file("binary.json"), dir.file("binary.json") + ": invalid JSON at byte 1"},
      {dir.path().string(), dir.path().string() + ": "},
  };
  for (const auto& c : cases) {
    auto r = run({voipscopeBinary(), "flow", "--model-json", c.file, "--html", dir.file("out.html")});
    EXPECT_EQ(r.exit_code, 3) << c.file << "\n" << r.all;
    EXPECT_EQ(r.all.rfind("voipscope flow: " + c.message, 0), 0u) << r.all;
    EXPECT_EQ(lineCount(r.all), 1u) << r.all;
    EXPECT_EQ(r.out, "");
  }
  auto unwritable = run({voipscopeBinary(), "flow", "--model-json", kFixture, "--html",
                         dir.file("no/such/dir/out.html")});
  EXPECT_EQ(unwritable.exit_code, 4) << unwritable.all;
  EXPECT_NE(unwritable.all.find("voipscope flow: " + dir.file("no/such/dir/out.html") + ": cannot write"),
            std::string::npos)
      << unwritable.all;
  auto usage = run({voipscopeBinary(), "flow", "--model-json", kFixture, "--width", "5"});
  EXPECT_EQ(usage.exit_code, 3) << usage.all;
}

}  // namespace
}  // namespace vs::itest
