#pragma once
// Test harness for integration tests: real processes (the voipscope binary, Kamailio, dnsmasq) on
// loopback, every wait bounded, every process killed when its object goes away.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace vs::itest {

using namespace std::chrono_literals;

class Process {
 public:
  // Starts argv[0] (searched in PATH) with stdout and stderr captured. Never throws; check running().
  explicit Process(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Reads stdout+stderr until `pattern` matches a line or the deadline passes; returns the match groups.
  std::optional<std::smatch> waitForLine(const std::regex& pattern, std::chrono::milliseconds deadline);
  // Waits for exit; returns the exit code (128+signal when killed), or nullopt on timeout (then kills).
  std::optional<int> wait(std::chrono::milliseconds deadline);
  void terminate();  // SIGTERM, then SIGKILL after 3 s
  const std::string& output() const { return out_; }  // all captured so far (stdout and stderr interleaved)
  const std::string& stdoutText() const { return stdout_; }

 private:
  void pump(std::chrono::milliseconds budget);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_, stdout_, line_buf_;
  std::vector<std::string> lines_;
  std::size_t scanned_lines_ = 0;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string all;  // stdout + stderr
};
// Runs to completion (killed after `deadline`).
RunResult run(std::vector<std::string> argv, std::chrono::milliseconds deadline = 60s,
              std::vector<std::string> extra_env = {});

std::string voipscopeBinary();
bool haveProgram(const std::string& name);
std::uint16_t freeUdpAndTcpPort();  // free on 127.0.0.1 for both UDP and TCP right now
void writeFile(const std::filesystem::path& p, const std::string& text);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Kamailio on 127.0.0.1:port (UDP and TCP) answering OPTIONS with 200 (its real sl module).
class Kamailio {
 public:
  Kamailio(const TempDir& dir, std::vector<std::string> netns_prefix = {});
  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  std::string log() const { return proc_ ? proc_->output() : ""; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> proc_;
  bool ready_ = false;
};

// dnsmasq on 127.0.0.1:port, authoritative for voipscope.test only, never forwarding anywhere.
class Dnsmasq {
 public:
  // records: "name=address" pairs; extra_args: more dnsmasq options (--srv-host=..., --naptr-record=...).
  Dnsmasq(const TempDir& dir, const std::vector<std::string>& records, std::vector<std::string> netns_prefix = {},
          const std::vector<std::string>& extra_args = {});
  bool ready() const { return ready_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> proc_;
  bool ready_ = false;
};

// A network namespace made for one test: lo up, plus routes that make a filtered (silently dropped)
// address and an unreachable one. Removed on destruction. ok() is false where namespaces are not permitted.
class NetNs {
 public:
  NetNs();
  ~NetNs();
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  std::vector<std::string> prefix() const { return {"ip", "netns", "exec", name_}; }
  std::string why() const { return why_; }
  static constexpr const char* kFilteredAddress = "198.18.0.99";     // packets vanish: timeouts
  static constexpr const char* kUnreachableAddress = "198.18.0.66";  // "unreachable" route: EHOSTUNREACH

 private:
  std::string name_;
  bool ok_ = false;
  std::string why_;
};

// Sends raw bytes to 127.0.0.1:port over TCP and returns what comes back until close or the deadline.
std::string rawExchange(std::uint16_t port, const std::string& request, std::chrono::milliseconds deadline);

// A text file's lines (no line ends); empty when the file is missing.
std::vector<std::string> fileLines(const std::string& path);
// A CSV line split on commas (test fields carry no quoted commas).
std::vector<std::string> csvFields(const std::string& line);
// A tshark `-T fields` line split on tabs: every field, empty ones (trailing too) kept.
std::vector<std::string> tabFields(const std::string& line);

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b);

}  // namespace vs::itest
