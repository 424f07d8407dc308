// `voipscope demo`: the whole product on one machine, with nothing to configure. Starts loopback
// responders (SIP UDP/TCP, UDP echo, HTTP provisioning, DNS), a server on SQLite, runs the demo template
// against the responders, uploads through the outbox, prints the report and the dashboard URL.
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/responder_set.h"
#include "cli/upload_util.h"
#include "core/id.h"
#include "core/json.h"
#include "render/report.h"
#include "scan/runner.h"
#include "scan/template.h"
#include "server/service.h"

namespace vs::cli {
namespace {

constexpr const char* kDemoName = "sbc.demo.voipscope.test";

// A port that is certainly closed right now: bind, read the number, close.
std::uint16_t closedTcpPort() {
  asio::io_context ctx;
  asio::ip::tcp::acceptor a(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::string demoTemplate(std::uint16_t sip, std::uint16_t echo, std::uint16_t http, std::uint16_t closed) {
  return fmt::format(R"(template: demo
version: "1"
description: Built-in demo. Every check runs against responders voipscope started on loopback.
platform: demo
targets:
  sbc: ["{name}:{sip}"]
checks:
  - id: dns-sbc
    type: dns
    targets: {name}
    warn_ms: 200
    remediation: The SBC name does not resolve. Check the DNS servers handed out by DHCP and the record itself.
  - id: sip-udp
    type: sip_options
    targets: sbc
    transport: udp
    warn_ms: 100
    remediation: No SIP answer over UDP. Check that UDP 5060 is open outbound and that no SIP ALG rewrites packets.
  - id: sip-tcp
    type: sip_options
    targets: sbc
    transport: tcp
    warn_ms: 100
    remediation: No SIP answer over TCP. Check that TCP 5060 is open outbound.
  - id: sip-tls-port
    type: tcp_port
    targets: "127.0.0.1:{closed}"
    timeout_ms: 1000
    remediation: >-
      Nothing accepts SIP over TLS (this demo leaves the port closed on purpose, to show what a failure
      looks like). On a real site, allow TCP 5061 outbound to the SBCs and check the SBC's TLS listener.
  - id: provisioning
    type: http
    targets: "http://127.0.0.1:{http}/provisioning/demo.cfg"
    remediation: Phones cannot fetch their configuration. Check the provisioning URL and any web filter or proxy.
  - id: voice-path
    type: latency
    targets: "127.0.0.1:{echo}"
    mode: udp_echo
    count: 25
    interval_ms: 20
    remediation: Latency, jitter or loss is too high for good voice. Apply QoS (DSCP EF) and check the uplink load.
)",
                     fmt::arg("name", kDemoName), fmt::arg("sip", sip), fmt::arg("echo", echo),
                     fmt::arg("http", http), fmt::arg("closed", closed));
}

}  // namespace

void setupDemo(CLI::App& app, std::shared_ptr<DemoOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("demo", "Demo: scan built-in loopback responders, store the result, serve the dashboard");
  cmd->add_option("--listen", opts->listen, "Dashboard ADDR:PORT (a free port is used if this one is taken)")
      ->capture_default_str();
  cmd->add_option("--db", opts->db, "SQLite database file")->capture_default_str();
  cmd->add_flag("--no-serve", opts->no_serve, "Do not start a server (use with --upload)");
  cmd->add_flag("--once", opts->once, "Exit after the scan instead of serving until Ctrl+C");
  cmd->add_flag("--json", opts->json, "Print the scan as JSON");
  cmd->add_option("--upload", opts->upload_url, "Upload to this server instead of the built-in one");
  cmd->add_option("--token", opts->token, "Token for --upload (or VOIPSCOPE_TOKEN)")->envname("VOIPSCOPE_TOKEN");
  cmd->add_option("--outbox", opts->outbox_dir, "Outbox directory");
  cmd->add_option("--site", opts->site, "Site name")->capture_default_str();
  cmd->callback([opts, &result] { result = runDemo(*opts); });
}

ExitCode runDemo(const DemoOptions& opts) {
  if (opts.no_serve && opts.upload_url.empty()) {
    printError("demo", "--no-serve needs --upload URL (where else would the result go?)");
    return ExitCode::kUsage;
  }
  blockTerminationSignals();

  ResponderSet::Options resp_opts;
  resp_opts.dns_records[kDemoName] = {"127.0.0.1"};
  resp_opts.sip_server_header = "voipscope-demo-sbc";
  auto responders = ResponderSet::start(resp_opts);
  if (!responders) {
    printError("demo", "cannot start responders: " + responders.error().message);
    return ExitCode::kRuntime;
  }
  const ResponderPorts ports = (*responders)->ports();
  auto stop_responders = [&] { responders->reset(); };

  // The server (unless uploading elsewhere).
  std::unique_ptr<server::Service> svc;
  std::string upload_url = opts.upload_url;
  std::string token = opts.token;
  if (!opts.no_serve) {
    if (token.empty()) token = randomHex(16);
    server::ServiceOptions so{opts.listen, opts.db, token, 4};
    auto started = server::Service::start(so);
    if (!started && opts.listen != "127.0.0.1:0") {
      so.listen = "127.0.0.1:0";  // the usual port is taken: any free one will do for a demo
      started = server::Service::start(so);
    }
    if (!started) {
      printError("demo", started.error().message);
      stop_responders();
      return ExitCode::kRuntime;
    }
    svc = std::move(*started);
    if (upload_url.empty()) upload_url = svc->url();
  } else if (token.empty()) {
    printError("demo", "--upload needs --token (or VOIPSCOPE_TOKEN)");
    stop_responders();
    return ExitCode::kUsage;
  }

  auto loaded = scan::loadTemplateText(
      demoTemplate(ports.sip, ports.echo, ports.http, closedTcpPort()), "<demo>");
  if (!loaded.tmpl) {
    for (const auto& e : loaded.errors) printError("demo", e.format());
    stop_responders();
    return ExitCode::kRuntime;
  }
  scan::ScanOptions so;
  so.site = opts.site;
  so.dns_servers = {fmt::format("127.0.0.1:{}", ports.dns)};
  so.use_hosts_file = false;
  auto scan = scan::runScan(*loaded.tmpl, so);
  if (!scan) {
    printError("demo", scan.error().message);
    stop_responders();
    return ExitCode::kRuntime;
  }
  if (opts.json) {
    std::fputs((toJson(*scan, 2) + "\n").c_str(), stdout);
  } else {
    render::ReportOptions ro;
    ro.color = stdoutIsTerminal();
    std::fputs(render::renderReport(*scan, ro).c_str(), stdout);
  }
  std::fflush(stdout);

  std::string outbox = opts.outbox_dir.empty() ? (opts.db + ".outbox") : opts.outbox_dir;
  bool uploaded = enqueueAndFlush(*scan, {upload_url, token, outbox, "", false}, "demo");
  stop_responders();
  if (!uploaded) return ExitCode::kRuntime;

  if (svc) {
    std::fprintf(stderr, "\nDashboard: %s/#/scans/%s\n", svc->url().c_str(), scan->id.c_str());
    if (!opts.once) {
      std::fprintf(stderr, "Serving the dashboard until Ctrl+C (upload token for other scans: %s)\n", token.c_str());
      waitForTerminationSignal();
      svc->stop();
      return ExitCode::kOk;
    }
  }
  return exitCodeFor(*scan);
}

}  // namespace vs::cli
