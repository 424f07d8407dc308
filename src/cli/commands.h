#pragma once
// One subcommand per file: an options struct, setupX(CLI::App&) registering it, runX(options) -> ExitCode.
#include <CLI/App.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/exit_code.h"

namespace vs::cli {

struct ScanOptions {
  std::string template_file;
  std::string site;
  bool json = false;
  bool verbose = false;
  bool no_color = false;
  std::vector<std::string> dns_servers;
  std::string upload_url;
  std::string token;
  std::string outbox_dir;
  std::string ca_file;
  bool insecure = false;
};
void setupScan(CLI::App& app, std::shared_ptr<ScanOptions> opts, ExitCode& result);
ExitCode runScan(const ScanOptions& opts);

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string db = "voipscope.db";
  std::string token;
  int threads = 4;
};
void setupServe(CLI::App& app, std::shared_ptr<ServeOptions> opts, ExitCode& result);
ExitCode runServe(const ServeOptions& opts);

struct UploadCmdOptions {
  bool flush = false;
  bool list = false;
  std::string url;
  std::string token;
  std::string outbox_dir;
  std::string ca_file;
  bool insecure = false;
};
void setupUpload(CLI::App& app, std::shared_ptr<UploadCmdOptions> opts, ExitCode& result);
ExitCode runUpload(const UploadCmdOptions& opts);

struct TemplateOptions {
  std::vector<std::string> files;
};
void setupTemplate(CLI::App& app, std::shared_ptr<TemplateOptions> opts, ExitCode& result);
ExitCode runTemplateLint(const TemplateOptions& opts);

struct DemoOptions {
  std::string listen = "127.0.0.1:8080";
  std::string db = "voipscope-demo.db";
  bool no_serve = false;
  bool once = false;
  bool json = false;
  std::string upload_url;
  std::string token;
  std::string outbox_dir;
  std::string site = "Demo site (loopback)";
};
void setupDemo(CLI::App& app, std::shared_ptr<DemoOptions> opts, ExitCode& result);
ExitCode runDemo(const DemoOptions& opts);

struct RespondersOptions {
  std::string bind_address = "127.0.0.1";
  std::vector<std::string> dns_records;
};
void setupResponders(CLI::App& app, std::shared_ptr<RespondersOptions> opts, ExitCode& result);
ExitCode runResponders(const RespondersOptions& opts);

struct SipPingCmdOptions {
  std::vector<std::string> targets;
  std::string targets_file;
  int interval_ms = 1000;
  std::string from_user = "voipscope";
  std::string via_ip;
  std::string from_domain;
  std::optional<int> port;  // unset: 5060, 5061 for TLS (and RFC 3263 SRV may choose)
  int ttl = 70;
  std::string csv_file;  // empty: logs/<target>.csv; "-": none
  int timeout_ms = 1000;
  std::uint64_t count = 0;
  bool print_sent = false;
  bool print_received = false;
  bool quiet = false;
  bool no_stats = false;
  int stats_every = 5;
  std::string jsonl_file;
  std::string transport;  // empty: udp (or sips:'s tls, or RFC 3263's choice)
  bool ipv6 = false;
  bool ipv4 = false;
  bool new_port_per_ping = false;
  std::optional<int> dscp;
  std::vector<std::string> dns_servers;
  std::string ca_file;
  bool insecure = false;
};
void setupSipPing(CLI::App& app, std::shared_ptr<SipPingCmdOptions> opts, ExitCode& result);
ExitCode runSipPing(const SipPingCmdOptions& opts);

struct SipRegisterCmdOptions {
  std::string target;
  std::string user;
  std::string auth_user;
  std::string password;  // empty: VOIPSCOPE_SIP_PASSWORD
  std::string domain;
  int interval_ms = 60000;
  int expires = 300;
  std::uint64_t count = 0;
  int timeout_ms = 5000;
  std::string transport;  // empty: udp (or sips:'s tls, or RFC 3263's choice)
  std::string csv_file;  // empty: logs/<target>-register.csv; "-": none
  std::string ca_file;
  bool insecure = false;
  bool quiet = false;
  bool no_stats = false;
  int stats_every = 5;
  std::vector<std::string> dns_servers;
};
void setupSipRegister(CLI::App& app, std::shared_ptr<SipRegisterCmdOptions> opts, ExitCode& result);
ExitCode runSipRegister(const SipRegisterCmdOptions& opts);

struct CallsCmdOptions {
  std::string file;  // "-": standard input
  std::int64_t log_utc_offset_ns = 0;  // --log-utc-offset: a text log's local dates are this far east of UTC
  std::string iface;       // -i: live capture instead of a file
  std::string filter;      // --filter: BPF expression (live)
  std::string write;       // -w: pcapng copy of the live frames
  std::string hep_listen;  // --hep-listen udp:PORT
  double duration_s = 0;   // live / HEP: stop after this long (0: until Ctrl-C)
  bool json = false;
  bool csv = false;
  bool all = false;        // also Call-IDs without an INVITE (REGISTER, OPTIONS, ...)
  bool findings_only = false;  // --findings: only calls with a finding (the outcome line still counts all)
  bool no_redact = false;
  bool messages = false;   // JSON: include each SIP message's text
  bool rtp = false;        // list every RTP stream (tshark -z rtp,streams style) instead of calls
  bool streams = false;    // with --csv: one row per RTP stream instead of per leg
  std::vector<std::string> link_headers;
  std::vector<std::string> save_call;  // {call number or Call-ID, output pcap}
  std::size_t max_legs = 0;  // 0: 40 000 (table, CSV) or 15 000 (JSON, which keeps every leg's messages)
  int threads = 2;           // files: 2 = decode/parse and call tracking on two threads
};
void setupCalls(CLI::App& app, std::shared_ptr<CallsCmdOptions> opts, ExitCode& result);
ExitCode runCalls(const CallsCmdOptions& opts);

struct ReflectCmdOptions {
  std::string bind_address = "0.0.0.0";
  int port = 5004;
  int alt_port = 0;  // 0: port + 1
  std::string alt_address;  // empty: none
  std::string secret;  // empty: VOIPSCOPE_REFLECT_SECRET, else none
  double rate_limit_pps = 1000;
  int max_sessions = 1024;
  bool no_sip = false;
  bool no_sip_tcp = false;
  int max_tcp_connections = 64;
  int tcp_idle_s = 30;
  int duration_s = 0;  // 0: until Ctrl+C
};
void setupReflect(CLI::App& app, std::shared_ptr<ReflectCmdOptions> opts, ExitCode& result);
ExitCode runReflect(const ReflectCmdOptions& opts);

struct RtpProbeCmdOptions {
  std::string target;
  std::string codec = "pcmu";
  int ptime_ms = 20;
  double duration_s = 10;
  std::optional<int> dscp;
  std::string secret;  // empty: VOIPSCOPE_REFLECT_SECRET
  bool json = false;
  std::string jitter_buffer = "adaptive";  // adaptive | fixed:MS
  int linger_ms = 1000;
  int streams = 1;  // concurrent streams in one event loop (benchmarking)
  int spin_us = 200;  // send scheduler: wake this early and poll the clock up to the planned time
  bool reply_from_alt_port = false;
  bool ipv4 = false, ipv6 = false;
  std::vector<std::string> dns_servers;
};
void setupRtp(CLI::App& app, std::shared_ptr<RtpProbeCmdOptions> opts, ExitCode& result);
ExitCode runRtpProbe(const RtpProbeCmdOptions& opts);

// `nat`: NAT presence, mapping behaviour, binding lifetime and SIP ALG rewrites through a reflector.
struct NatCmdOptions {
  std::string target;
  int sip_port = 0;  // 0: the reflector port
  int alt_port = 0;  // 0: the reflector port + 1
  int max_idle_s = 120;
  bool quick = false;
  std::string intervals;  // "3,5,12": explicit idle intervals, seconds
  bool no_lifetime = false;
  bool no_sip = false;
  std::string sip_transport = "udp";
  std::string secret;  // empty: VOIPSCOPE_REFLECT_SECRET
  bool json = false;
  bool ipv4 = false, ipv6 = false;
  std::vector<std::string> dns_servers;
};
void setupNat(CLI::App& app, std::shared_ptr<NatCmdOptions> opts, ExitCode& result);
ExitCode runNat(const NatCmdOptions& opts);

// `flow`: draw a call ladder. Today from a JSON ladder model (a debugging aid, see docs/ladder.md); the
// capture front end will feed the same renderers.
struct FlowOptions {
  std::string file;        // capture file (pcap/pcapng, gzip, '-'), or:
  std::int64_t log_utc_offset_ns = 0;  // --log-utc-offset (see CallsCmdOptions)
  std::string model_json;  // ladder model JSON (debugging aid)
  std::string call;        // call number from `voipscope calls` or any leg's Call-ID; "" = every call
  bool no_redact = false;
  std::string html_file;   // write the self-contained HTML ladder here ("-": stdout, no terminal ladder)
  int width = 0;           // 0: the terminal's width ($COLUMNS, TIOCGWINSZ), else 100
  bool no_color = false;
  bool ascii = false;
  bool no_legend = false;
  bool no_streams = false;
  bool sort_hosts = false;  // columns in order of first appearance instead of the model's order
  bool quiet = false;       // no terminal ladder (with --html)
};
void setupFlow(CLI::App& app, std::shared_ptr<FlowOptions> opts, ExitCode& result);
ExitCode runFlow(const FlowOptions& opts);

struct PingCmdOptions {
  std::string host;
  int count = 5;  // probe::kPingDefaultCount: bounded unless asked otherwise
  double interval_s = 1.0;
  int size = 56;
  double timeout_s = 2.0;
  std::optional<int> dscp;
  std::optional<int> ttl;
  bool json = false;
  bool quiet = false;
  bool ipv4 = false;
  bool ipv6 = false;
  std::vector<std::string> dns_servers;
};
void setupPing(CLI::App& app, std::shared_ptr<PingCmdOptions> opts, ExitCode& result);
ExitCode runPing(const PingCmdOptions& opts);

struct TraceCmdOptions {
  std::string host;
  std::string mode = "udp";
  int port = 0;
  int src_port = 0;
  int first_ttl = 1;
  int max_hops = 30;
  int queries = 3;
  int cycles = 1;
  double timeout_s = 2.0;
  double interval_s = 1.0;
  double jump_threshold_ms = 30;
  std::optional<int> dscp;
  bool json = false;
  bool numeric = false;
  bool ipv4 = false;
  bool ipv6 = false;
  std::vector<std::string> dns_servers;
};
void setupTrace(CLI::App& app, std::shared_ptr<TraceCmdOptions> opts, ExitCode& result);
ExitCode runTrace(const TraceCmdOptions& opts);

}  // namespace vs::cli
