// `voipscope sip ping` and `sip register` over TLS against Kamailio's tls module on loopback, with a
// self-signed certificate this test makes with the openssl CLI. Ground truth: Kamailio logs the Call-ID of
// every OPTIONS it answers (xlog), and `openssl x509` reads the certificate's subject and expiry.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "harness.h"
#include "kamailio_registrar.h"

namespace vs::itest {
namespace {

constexpr const char* kSubject = "O=voipscope test,CN=sip.voipscope.test";  // RFC 2253: last RDN first

struct Cert {
  std::string cert, key;
  std::string not_after_iso;  // from openssl x509 -enddate, as voipscope prints times: 2026-11-24T10:00:00.000Z
  bool ok = false;
};

Cert makeCert(const TempDir& dir) {
  Cert c;
  c.cert = dir.file("cert.pem");
  c.key = dir.file("key.pem");
  auto r = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", c.key, "-out", c.cert, "-days",
                "2", "-subj", "/CN=sip.voipscope.test/O=voipscope test", "-addext",
                "subjectAltName=IP:127.0.0.1,IP:::1,DNS:sip.voipscope.test"},
               30s);
  if (r.exit_code != 0) return c;
  // "notAfter=Nov 24 10:00:00 2026 GMT"
  auto end = run({"openssl", "x509", "-in", c.cert, "-noout", "-enddate", "-dateopt", "iso_8601"}, 10s);
  std::smatch m;
  // iso_8601 form: "notAfter=2026-11-24 10:00:00Z"
  if (end.exit_code == 0 && std::regex_search(end.out, m, std::regex(R"(notAfter=(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)Z)"))) {
    c.not_after_iso = m[1].str() + "T" + m[2].str() + ".000Z";
  }
  c.ok = !c.not_after_iso.empty();
  return c;
}

std::string writeTlsConfig(const TempDir& dir, const Cert& c) {
  auto path = dir.file("tls.cfg");
  writeFile(path, "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
                  "private_key = " + c.key + "\ncertificate = " + c.cert + "\n");
  return path;
}

bool tcpAccepts(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// Kamailio with only a TLS listener, answering OPTIONS 200 and logging each Call-ID it answered.
class KamailioTls {
 public:
  KamailioTls(const TempDir& dir, const Cert& cert) {
    port_ = freeUdpAndTcpPort();
    auto cfg = dir.file("kamailio-tls.cfg");
    writeFile(cfg, "#!KAMAILIO\ndebug=2\nlog_stderror=yes\nchildren=1\ntcp_children=1\nauto_aliases=no\n"
                   "enable_tls=yes\nlisten=tls:127.0.0.1:" + std::to_string(port_) + "\n"
                   "mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n"
                   "loadmodule \"tls.so\"\nloadmodule \"sl.so\"\nloadmodule \"pv.so\"\nloadmodule \"xlog.so\"\n"
                   "modparam(\"tls\", \"config\", \"" + writeTlsConfig(dir, cert) + "\")\n"
                   "request_route {\n"
                   "  if (method==\"OPTIONS\") { xlog(\"L_ERR\", \"answered-options [$ci] proto=$pr\\n\"); "
                   "sl_send_reply(\"200\", \"OK\"); exit; }\n"
                   "  if (method!=\"ACK\") sl_send_reply(\"501\", \"Not Implemented\");\n  exit;\n}\n");
    auto run_dir = dir.path() / "kamailio-tls-run";
    std::filesystem::create_directories(run_dir);
    proc_ = std::make_unique<Process>(std::vector<std::string>{"kamailio", "-f", cfg, "-DD", "-E", "-m", "16", "-M", "4",
                                                               "-Y", run_dir.string()});
    for (int i = 0; i < 100 && !ready_; ++i) {
      ready_ = tcpAccepts(port_);
      if (!ready_) std::this_thread::sleep_for(100ms);
    }
    std::this_thread::sleep_for(300ms);  // the TLS worker finishes its set-up after the listener opens
    proc_->waitForLine(std::regex("(?!x)x"), 200ms);  // never matches: collects the start-up log for log()
  }
  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  // Call-IDs Kamailio answered over TLS (from its log).
  std::set<std::string> answered() {
    proc_->waitForLine(std::regex("(?!x)x"), 300ms);  // never matches: collects what was logged so far
    std::set<std::string> ids;
    static const std::regex re(R"(answered-options \[([^\]]+)\] proto=tls)");
    const auto& text = proc_->output();
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) ids.insert((*it)[1]);
    return ids;
  }
  std::string log() const { return proc_ ? proc_->output() : ""; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> proc_;
  bool ready_ = false;
};

struct Counts {
  int sent = -1, received = -1, lost = -1;
};

// From the final summary (the periodic lines have the same words).
Counts summaryCounts(const std::string& all) {
  std::smatch m;
  Counts c;
  auto at = all.rfind("sip ping statistics ---");
  if (at == std::string::npos) return c;
  const std::string out = all.substr(at);
  static const std::regex re(R"((\d+) sent, (\d+) received, (\d+) lost)");
  if (std::regex_search(out, m, re)) {
    c.sent = std::stoi(m[1]);
    c.received = std::stoi(m[2]);
    c.lost = std::stoi(m[3]);
  }
  return c;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

RunResult ping(const std::vector<std::string>& args) { return run(concat({voipscopeBinary(), "sip", "ping"}, args), 60s); }

class SipTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveProgram("kamailio") || !haveProgram("openssl")) GTEST_SKIP() << "kamailio or openssl not installed";
    if (!std::filesystem::exists("/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so")) {
      GTEST_SKIP() << "kamailio-tls-modules not installed";
    }
    cert_ = makeCert(dir_);
    ASSERT_TRUE(cert_.ok) << "openssl could not make a certificate";
  }
  TempDir dir_;
  Cert cert_;
};

TEST_F(SipTls, PingWithCaFileCountsEveryReplyAndShowsTheCertificate) {
  KamailioTls kam(dir_, cert_);
  ASSERT_TRUE(kam.ready()) << kam.log();
  auto jsonl = dir_.file("ping.jsonl");
  auto target = "127.0.0.1:" + std::to_string(kam.port());
  auto r = ping({target, "--transport", "tls", "--ca-file", cert_.cert, "-c", "10", "-I", "50", "-t", "2000", "--jsonl",
                 jsonl});
  ASSERT_EQ(r.exit_code, 0) << r.all << kam.log();
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 10);
  EXPECT_EQ(c.received, 10);
  EXPECT_EQ(c.lost, 0);
  // Shown once at the start and once in the summary, with the expiry openssl reads from the file.
  const std::string peer = "TLS peer of " + target + ": " + kSubject + " (issuer " + kSubject + "), TLSv1.3, expires " +
                           cert_.not_after_iso + ", verified";
  EXPECT_EQ(occurrences(r.out, peer), 2u) << r.out;
  EXPECT_LT(r.out.find(peer), r.out.find(" #1 ")) << "before the first ping line";
  EXPECT_NE(r.out.find("connections: 1 (0 reconnects"), std::string::npos) << r.out;

  // Every Call-ID we logged as answered is one Kamailio answered over TLS, and nothing else.
  auto rows = fileLines(jsonl);
  ASSERT_EQ(rows.size(), 10u);
  std::set<std::string> ours;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto j = nlohmann::json::parse(rows[i]);
    EXPECT_EQ(j["transport"], "tls");
    EXPECT_EQ(j["received"], true);
    EXPECT_TRUE(j.contains("sched_error_us"));
    EXPECT_EQ(j.contains("tls_subject"), i == 0) << rows[i];  // on the ping that opened the connection
    if (i == 0) {
      EXPECT_EQ(j["tls_subject"], kSubject);
      EXPECT_EQ(j["tls_not_after"], cert_.not_after_iso);
    }
    ours.insert(j["call_id"].get<std::string>());
  }
  EXPECT_EQ(ours, kam.answered());
}

TEST_F(SipTls, UntrustedCertificateFailsEachPingWithOneLineAndTheRunGoesOn) {
  KamailioTls kam(dir_, cert_);
  ASSERT_TRUE(kam.ready()) << kam.log();
  auto target = "127.0.0.1:" + std::to_string(kam.port());
  auto r = ping({target, "--transport", "tls", "-c", "3", "-I", "200", "-t", "1000", "-w", "-"});
  ASSERT_EQ(r.exit_code, 2) << r.all;  // every ping lost
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 3);
  EXPECT_EQ(c.lost, 3);
  // One attempt per ping: each fails on its own line naming the reason and the certificate.
  EXPECT_EQ(occurrences(r.out, "TLS certificate of 127.0.0.1 not trusted: self-signed certificate (subject " +
                                   std::string(kSubject) + ")\n"),
            3u)
      << r.out;
  EXPECT_TRUE(kam.answered().empty()) << "no OPTIONS may be sent over an unverified connection";
}

TEST_F(SipTls, InsecureShowsTheCertificateAsNotVerified) {
  KamailioTls kam(dir_, cert_);
  ASSERT_TRUE(kam.ready()) << kam.log();
  auto r = ping({"sips:127.0.0.1:" + std::to_string(kam.port()), "--insecure", "-c", "3", "-I", "50", "-w", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(summaryCounts(r.out).received, 3);
  EXPECT_NE(r.out.find(std::string(kSubject) + " (issuer " + kSubject + "), TLSv1.3, expires " + cert_.not_after_iso +
                       ", NOT verified (self-signed certificate), --insecure"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(kam.answered().size(), 3u);
}

TEST_F(SipTls, WrongNameIsRejectedEvenWithTheCaFile) {
  // The certificate names 127.0.0.1, ::1 and sip.voipscope.test. Both names below lead to the same
  // listener (dnsmasq), so only the name checked differs.
  KamailioTls kam(dir_, cert_);
  ASSERT_TRUE(kam.ready()) << kam.log();
  Dnsmasq dns(dir_, {"wrong.voipscope.test=127.0.0.1", "sip.voipscope.test=127.0.0.1"});
  ASSERT_TRUE(dns.ready());
  auto port = std::to_string(kam.port());
  auto bad = ping({"sips:wrong.voipscope.test:" + port, "--ca-file", cert_.cert, "-c", "1", "-t", "1000", "-w", "-",
                   "--dns-server", dns.server()});
  EXPECT_EQ(bad.exit_code, 2) << bad.all;
  EXPECT_NE(bad.out.find("TLS certificate of wrong.voipscope.test not trusted: hostname mismatch"), std::string::npos)
      << bad.out;
  auto good = ping({"sips:sip.voipscope.test:" + port, "--ca-file", cert_.cert, "-c", "1", "-t", "1000", "-w", "-",
                    "--dns-server", dns.server()});
  EXPECT_EQ(good.exit_code, 0) << good.all;
}

TEST_F(SipTls, RegisterOverTlsToKamailioRegistrar) {
  KamailioRegistrarOptions o;
  o.tls_port = freeUdpAndTcpPort();
  o.tls_config = writeTlsConfig(dir_, cert_);
  KamailioRegistrar reg(o);
  ASSERT_TRUE(reg.ready()) << reg.log();
  for (int i = 0; i < 50 && !tcpAccepts(o.tls_port); ++i) std::this_thread::sleep_for(100ms);
  auto target = "sips:127.0.0.1:" + std::to_string(o.tls_port);
  auto r = run({voipscopeBinary(), "sip", "register", target, "--user", "alice", "--password", "s3cret", "-c", "2",
                "-I", "200", "--ca-file", cert_.cert, "-w", "-"},
               60s);
  ASSERT_EQ(r.exit_code, 0) << r.all << reg.log();
  EXPECT_NE(r.out.find("2 attempts, 2 registered, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unregister: SIP/2.0 200 OK"), std::string::npos) << r.out;
  EXPECT_EQ(occurrences(r.out, "TLS peer of " + target + ": " + kSubject), 2u) << r.out;  // start + summary

  auto untrusted = run({voipscopeBinary(), "sip", "register", target, "--user", "alice", "--password", "s3cret", "-c",
                        "1", "-w", "-"},
                       60s);
  EXPECT_EQ(untrusted.exit_code, 2) << untrusted.all;
  EXPECT_NE(untrusted.out.find("not trusted: self-signed certificate"), std::string::npos) << untrusted.out;
}

}  // namespace
}  // namespace vs::itest
