#include "cli/responder_set.h"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <thread>

#include "io/http_server.h"
#include "probe/responders.h"

namespace vs::cli {
namespace {

class ResponderSetImpl final : public ResponderSet {
 public:
  ~ResponderSetImpl() override {
    work_.reset();
    ctx_.stop();
    if (thread_.joinable()) thread_.join();
  }

  VoidResult init(const Options& o) {
    auto ex = ctx_.get_executor();
    probe::SipResponderOptions so;
    so.bind_address = o.bind_address;
    so.server_header = o.sip_server_header;
    auto sip = probe::SipResponder::start(ex, so);
    if (!sip) return makeError("SIP responder: " + sip.error().message);
    sip_ = std::move(*sip);
    auto echo = probe::UdpEcho::start(ex, {o.bind_address, 0});
    if (!echo) return makeError("UDP echo: " + echo.error().message);
    echo_ = std::move(*echo);
    probe::DnsResponderOptions dopts;
    dopts.bind_address = o.bind_address;
    dopts.records = o.dns_records;
    auto dns = probe::DnsResponder::start(ex, dopts);
    if (!dns) return makeError("DNS responder: " + dns.error().message);
    dns_ = std::move(*dns);
    io::HttpServerOptions hopts;
    hopts.listen = (o.bind_address.find(':') != std::string::npos ? "[" + o.bind_address + "]" : o.bind_address) + ":0";
    hopts.threads = 1;
    auto http = io::HttpServer::start(hopts, [](const io::HttpServerRequest& req) {
      io::HttpServerResponse r;
      if (req.path.rfind("/provisioning/", 0) == 0) {
        r.content_type = "text/plain";
        r.body = "# voipscope responder: phone configuration placeholder\n";
      } else {
        r.status = 404;
        r.body = R"({"error":"not found"})";
      }
      return r;
    });
    if (!http) return makeError("HTTP responder: " + http.error().message);
    http_ = std::move(*http);
    thread_ = std::thread([this] { ctx_.run(); });
    return Ok{};
  }

  ResponderPorts ports() const override { return {sip_->port(), echo_->port(), http_->port(), dns_->port()}; }

 private:
  asio::io_context ctx_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_{ctx_.get_executor()};
  std::unique_ptr<probe::SipResponder> sip_;
  std::unique_ptr<probe::UdpEcho> echo_;
  std::unique_ptr<probe::DnsResponder> dns_;
  std::unique_ptr<io::HttpServer> http_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<ResponderSet>> ResponderSet::start(Options options) {
  auto set = std::make_unique<ResponderSetImpl>();
  if (auto r = set->init(options); !r) return r.error();
  return std::unique_ptr<ResponderSet>(std::move(set));
}

}  // namespace vs::cli
