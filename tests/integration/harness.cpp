#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace vs::itest {

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Process::Process(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, default signal mask: the test's blocked signals must not leak into children.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (auto& e : extra_env) env.push_back(e);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data()) == 0) pid_ = pid;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  if (pid_ <= 0) {
    out_ = "cannot start " + argv[0] + ": " + std::strerror(errno);
  }
}

Process::~Process() {
  terminate();
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Process::pump(std::chrono::milliseconds budget) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  int n = poll(fds, 2, static_cast<int>(budget.count()));
  if (n <= 0) return;
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
    char buf[8192];
    ssize_t got = read(fds[i].fd, buf, sizeof buf);
    if (got <= 0) {
      close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
      continue;
    }
    std::string chunk(buf, static_cast<std::size_t>(got));
    out_ += chunk;
    if (i == 0) stdout_ += chunk;
    line_buf_ += chunk;
    std::size_t pos;
    while ((pos = line_buf_.find('\n')) != std::string::npos) {
      lines_.push_back(line_buf_.substr(0, pos));
      line_buf_.erase(0, pos + 1);
    }
  }
}

std::optional<std::smatch> Process::waitForLine(const std::regex& pattern, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    for (; scanned_lines_ < lines_.size(); ++scanned_lines_) {
      std::smatch m;
      // Keep the matched line alive: smatch refers into it.
      if (std::regex_search(lines_[scanned_lines_], m, pattern)) {
        ++scanned_lines_;
        return m;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= until || (out_fd_ < 0 && err_fd_ < 0)) return std::nullopt;
    pump(std::chrono::duration_cast<std::chrono::milliseconds>(std::min<std::chrono::steady_clock::duration>(until - now, 100ms)));
  }
}

std::optional<int> Process::wait(std::chrono::milliseconds deadline) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    pump(20ms);
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      while (out_fd_ >= 0 || err_fd_ >= 0) pump(50ms);  // drain what is left
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= until) {
      terminate();
      return std::nullopt;
    }
  }
}

void Process::terminate() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  for (int i = 0; i < 150; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return;
    }
    pump(20ms);
  }
  kill(-pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = 128 + SIGKILL;
  pid_ = -1;
}

RunResult run(std::vector<std::string> argv, std::chrono::milliseconds deadline, std::vector<std::string> extra_env) {
  Process p(std::move(argv), std::move(extra_env));
  RunResult r;
  auto code = p.wait(deadline);
  r.exit_code = code.value_or(-1);
  r.out = p.stdoutText();
  r.all = p.output();
  if (!code) r.all += "\n[harness: killed after deadline]";
  return r;
}

std::string voipscopeBinary() {
  if (const char* b = std::getenv("VOIPSCOPE_BINARY")) return b;
  return VOIPSCOPE_BINARY;
}

bool haveProgram(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"}) {
    if (access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::uint16_t freeUdpAndTcpPort() {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<std::uint16_t>(20000 + rng() % 30000);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
              bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(u);
    close(t);
    if (ok) return port;
  }
  return 0;
}

void writeFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

std::string rawExchange(std::uint16_t port, const std::string& request, std::chrono::milliseconds deadline) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(s, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{s, POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      char buf[4096];
      ssize_t n = recv(s, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(s);
  return out;
}

std::vector<std::string> fileLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> csvFields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  return out;
}

std::vector<std::string> tabFields(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == '\t') out.emplace_back();
    else out.back().push_back(c);
  }
  return out;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("voipscope-itest-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

// True once something answers a SIP OPTIONS on 127.0.0.1:port (UDP) within ~200 ms.
bool sipAnswers(std::uint16_t port) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string req =
      "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKharness;rport\r\n"
      "From: <sip:h@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: harness-ready\r\nCSeq: 1 OPTIONS\r\n"
      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  (void)send(s, req.data(), req.size(), 0);
  pollfd p{s, POLLIN, 0};
  bool ok = false;
  if (poll(&p, 1, 200) == 1) {
    char buf[2048];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    ok = n > 7 && std::string(buf, 7) == "SIP/2.0";
  }
  close(s);
  return ok;
}

}  // namespace

Kamailio::Kamailio(const TempDir& dir, std::vector<std::string> netns_prefix) {
  port_ = freeUdpAndTcpPort();
  auto cfg = dir.path() / "kamailio.cfg";
  std::string p = std::to_string(port_);
  writeFile(cfg, "#!KAMAILIO\n"
                 "debug=2\nlog_stderror=yes\nchildren=1\ntcp_children=1\nauto_aliases=no\n"
                 "listen=udp:127.0.0.1:" + p + "\nlisten=tcp:127.0.0.1:" + p + "\n"
                 "mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n"
                 "loadmodule \"sl.so\"\n"
                 "request_route {\n"
                 "  if (method==\"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n"
                 "  if (method!=\"ACK\") sl_send_reply(\"501\", \"Not Implemented\");\n"
                 "  exit;\n}\n");
  auto run_dir = dir.path() / "kamailio-run";
  std::filesystem::create_directories(run_dir);
  proc_ = std::make_unique<Process>(concat(netns_prefix, {"kamailio", "-f", cfg.string(), "-DD", "-E", "-m", "16", "-M",
                                                          "4", "-Y", run_dir.string()}));
  if (!netns_prefix.empty()) {
    // Readiness from the log: the probe below cannot reach into the namespace.
    ready_ = proc_->waitForLine(std::regex("Listening on|listening on"), 10s).has_value();
    std::this_thread::sleep_for(500ms);
    return;
  }
  for (int i = 0; i < 50 && !ready_; ++i) {
    ready_ = sipAnswers(port_);
    if (!ready_) std::this_thread::sleep_for(100ms);
  }
}

Dnsmasq::Dnsmasq(const TempDir& dir, const std::vector<std::string>& records, std::vector<std::string> netns_prefix,
                 const std::vector<std::string>& extra_args) {
  port_ = freeUdpAndTcpPort();
  std::vector<std::string> argv = concat(netns_prefix, {"dnsmasq", "--no-daemon", "--keep-in-foreground",
                                                        "--port=" + std::to_string(port_), "--listen-address=127.0.0.1",
                                                        "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll",
                                                        "--local=/voipscope.test/", "--log-queries", "--log-facility=-",
                                                        "--pid-file=" + (dir.path() / "dnsmasq.pid").string(),
                                                        "--user=root", "--conf-file=/dev/null"});
  for (const auto& r : records) {
    auto eq = r.find('=');
    argv.push_back("--host-record=" + r.substr(0, eq) + "," + r.substr(eq + 1));
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<Process>(argv);
  ready_ = proc_->waitForLine(std::regex("started, version"), 10s).has_value();
}

NetNs::NetNs() {
  std::random_device rd;
  name_ = "vs-itest-" + std::to_string(rd() % 1000000);
  if (geteuid() != 0) {
    why_ = "network namespaces need root";
    return;
  }
  auto r = run({"ip", "netns", "add", name_}, 10s);
  if (r.exit_code != 0) {
    why_ = "ip netns add failed: " + r.all;
    return;
  }
  ok_ = true;
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"ip", "link", "set", "lo", "up"},
           // Sent out of lo to an address nobody owns, with forwarding off: dropped without an answer.
           {"ip", "route", "add", std::string(kFilteredAddress) + "/32", "dev", "lo"},
           {"ip", "route", "add", "unreachable", std::string(kUnreachableAddress) + "/32"}}) {
    auto rr = run(concat(prefix(), cmd), 10s);
    if (rr.exit_code != 0) {
      ok_ = false;
      why_ = "namespace set-up failed: " + rr.all;
      return;
    }
  }
}

NetNs::~NetNs() {
  if (!name_.empty()) (void)run({"ip", "netns", "del", name_}, 10s);
}

}  // namespace vs::itest
