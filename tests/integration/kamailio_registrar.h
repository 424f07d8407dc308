#pragma once
// Kamailio as a registrar with digest authentication on a loopback port: modules tm, sl, pv, maxfwd,
// usrloc (memory only), registrar and auth, one static user whose password lives in the config (no
// database). Header-only and independent of harness.cpp so that test_probe, which links no integration
// code, can start it too. The process runs in its own process group and is killed by its id.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace vs::itest {

struct KamailioRegistrarOptions {
  std::string algorithm = "MD5";  // auth module "algorithm": "MD5" or "SHA-256"
  std::string realm_user = "alice";
  std::string password = "s3cret";
  // nc must grow for a reused nonce (RFC 2617 replay protection); needs the stateful t_newtran() below.
  bool nonce_count = true;
  int max_expires = 3600;
  // TLS as well on this port when not 0: tls_config is a Kamailio tls.cfg the test wrote (certificate, key).
  std::uint16_t tls_port = 0;
  std::string tls_config;
  // The SIP port (UDP and TCP); 0: a free one. A test that restarts the registrar on the same port (a
  // password changed under a registered phone) names it.
  std::uint16_t port = 0;
};

// The config text, on its own so a test can show it when something fails.
inline std::string kamailioRegistrarConfig(std::uint16_t port, const KamailioRegistrarOptions& o) {
  auto p = std::to_string(port);
  std::string cfg =
      "#!KAMAILIO\n"
      "debug=2\nlog_stderror=yes\nchildren=1\ntcp_children=1\nauto_aliases=no\n"
      "listen=udp:127.0.0.1:" +
      p + "\nlisten=tcp:127.0.0.1:" + p +
      "\n" +
      (o.tls_port != 0 ? "enable_tls=yes\nlisten=tls:127.0.0.1:" + std::to_string(o.tls_port) + "\n" : std::string()) +
      "mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n" +
      (o.tls_port != 0 ? "loadmodule \"tls.so\"\nmodparam(\"tls\", \"config\", \"" + o.tls_config + "\")\n"
                       : std::string()) +
      "loadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"pv.so\"\nloadmodule \"maxfwd.so\"\n"
      "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nloadmodule \"auth.so\"\n"
      "modparam(\"usrloc\", \"db_mode\", 0)\n"
      "modparam(\"auth\", \"qop\", \"auth\")\n"
      "modparam(\"auth\", \"algorithm\", \"" +
      o.algorithm +
      "\")\n"
      "modparam(\"auth\", \"nonce_count\", " +
      (o.nonce_count ? "1" : "0") +
      ")\n"
      "modparam(\"registrar\", \"max_expires\", " +
      std::to_string(o.max_expires) +
      ")\n"
      "modparam(\"registrar\", \"min_expires\", 60)\n"
      "request_route {\n"
      "  if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; }\n"
      "  if (method == \"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n"
      "  if (method != \"REGISTER\") { sl_send_reply(\"501\", \"Not Implemented\"); exit; }\n"
      // Stateful, so retransmissions are absorbed before the nonce_count check.
      "  if (!t_newtran()) { sl_reply_error(); exit; }\n"
      "  $var(pass) = \"\";\n"
      "  if ($fU == \"" +
      o.realm_user + "\") { $var(pass) = \"" + o.password +
      "\"; }\n"
      "  if ($var(pass) == \"\") { t_reply(\"403\", \"Forbidden\"); exit; }\n"
      "  if (!pv_www_authenticate(\"$td\", \"$var(pass)\", \"0\")) {\n"
      "    auth_challenge(\"$td\", \"1\");\n"
      "    exit;\n"
      "  }\n"
      "  consume_credentials();\n"
      "  if (!save(\"location\")) { sl_reply_error(); }\n"
      "  exit;\n"
      "}\n";
  return cfg;
}

class KamailioRegistrar {
 public:
  static bool available() { return access("/usr/sbin/kamailio", X_OK) == 0; }

  explicit KamailioRegistrar(KamailioRegistrarOptions options = {}) {
    char tmpl[] = "/tmp/vs-kamreg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    port_ = options.port != 0 ? options.port : freePort();
    if (port_ == 0) return;
    auto cfg = dir_ / "kamailio.cfg";
    std::ofstream(cfg) << kamailioRegistrarConfig(port_, options);
    std::filesystem::create_directories(dir_ / "run");
    log_path_ = (dir_ / "kamailio.log").string();

    std::vector<std::string> argv{"/usr/sbin/kamailio",   "-f", cfg.string(), "-DD", "-E", "-m", "16", "-M", "4", "-Y",
                                  (dir_ / "run").string()};
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its children die with the group
    posix_spawnattr_setpgroup(&attr, 0);
    if (posix_spawn(&pid_, cargv[0], &actions, &attr, cargv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (pid_ <= 0) return;
    for (int i = 0; i < 100 && !ready_; ++i) {
      ready_ = answersOptions();
      if (!ready_) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {  // config error: it exited
          pid_ = -1;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

  ~KamailioRegistrar() {
    if (pid_ > 0) {
      kill(-pid_, SIGTERM);
      int status = 0;
      bool reaped = false;
      for (int i = 0; i < 30 && !reaped; ++i) {
        reaped = waitpid(pid_, &status, WNOHANG) == pid_;
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!reaped) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  KamailioRegistrar(const KamailioRegistrar&) = delete;
  KamailioRegistrar& operator=(const KamailioRegistrar&) = delete;

  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  // A port free for both UDP and TCP on 127.0.0.1 right now.
  static std::uint16_t freePort() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      int u = socket(AF_INET, SOCK_DGRAM, 0);
      auto a = loopback(0);
      socklen_t len = sizeof(a);
      std::uint16_t port = 0;
      if (bind(u, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
          getsockname(u, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
      }
      int t = socket(AF_INET, SOCK_STREAM, 0);
      auto b = loopback(port);
      bool tcp_ok = port != 0 && bind(t, reinterpret_cast<sockaddr*>(&b), sizeof(b)) == 0;
      close(t);
      close(u);
      if (tcp_ok) return port;
    }
    return 0;
  }

  bool answersOptions() const {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) return false;
    auto a = loopback(0);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    auto lp = std::to_string(ntohs(a.sin_port));
    std::string req = "OPTIONS sip:127.0.0.1:" + std::to_string(port_) +
                      " SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:" +
                      lp + ";branch=z9hG4bKready" + lp +
                      ";rport\r\n"
                      "Max-Forwards: 70\r\nFrom: <sip:ready@127.0.0.1>;tag=r\r\nTo: <sip:127.0.0.1>\r\n"
                      "Call-ID: ready-" +
                      lp + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    auto to = loopback(port_);
    sendto(s, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    pollfd pfd{s, POLLIN, 0};
    bool ok = false;
    if (poll(&pfd, 1, 200) == 1) {
      char buf[2048];
      auto n = recv(s, buf, sizeof(buf), 0);
      ok = n > 12 && std::string(buf, static_cast<std::size_t>(n)).rfind("SIP/2.0 200", 0) == 0;
    }
    close(s);
    return ok;
  }

  std::filesystem::path dir_;
  std::string log_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace vs::itest
