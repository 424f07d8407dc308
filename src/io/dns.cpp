#include "io/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

// Threading: a Resolver and its c-ares channel belong to one executor. c-ares 1.18 channels are not
// thread-safe, so every call into c-ares (resolve, socket and timer handlers, the destructor) must run
// on that executor's single thread (an io_context run by one thread, or a strand).
//
// Shutdown: the destructor calls ares_destroy(), which completes every pending lookup with
// ARES_EDESTRUCTION; the waiting coroutines are resumed (through post, never inline) with the error
// "<host>: resolver shut down". After their co_await they touch only their own locals, so it is safe for
// the Resolver to be gone by then. If the executor itself is destroyed first, those coroutines are
// simply destroyed without resuming, as Asio does for any pending handler.

namespace vs::io {
namespace {

using namespace asio::experimental::awaitable_operators;

struct Lookup {
  int status = ARES_SUCCESS;
  std::vector<asio::ip::address> addresses;
  std::vector<NaptrRecord> naptr;
  std::vector<SrvRecord> srv;
  std::string name;  // reverse lookups
};

// DNS type numbers (RFC 2782, RFC 3403); arpa/nameser.h spells them differently across libcs.
constexpr int kClassIn = 1;
constexpr int kTypeSrv = 33;
constexpr int kTypeNaptr = 35;

std::string lowered(const unsigned char* s) {
  std::string out = s ? reinterpret_cast<const char*>(s) : "";
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "." (the root) in a replacement or SRV target means "nothing here".
std::string hostName(const char* s) {
  std::string out = s ? s : "";
  if (out == ".") out.clear();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// The c-ares callback arg: owns the completion handler until c-ares reports.
struct PendingBase {
  virtual ~PendingBase() = default;
  virtual void complete(Lookup result) = 0;
};

template <class Handler>
struct Pending final : PendingBase {
  Pending(Handler h, asio::any_io_executor fallback)
      : handler(std::move(h)),
        work(asio::prefer(asio::get_associated_executor(handler, fallback), asio::execution::outstanding_work.tracked)) {}

  void complete(Lookup result) override {
    // Never resume inline: c-ares may be calling from inside ares_getaddrinfo, ares_process_fd or
    // ares_destroy, none of which expects the channel to be used re-entrantly.
    asio::post(work, [h = std::move(handler), r = std::move(result)]() mutable { std::move(h)(std::move(r)); });
  }

  Handler handler;
  asio::any_io_executor work;  // keeps run() from returning while the lookup is outstanding
};

void onAddrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* info) {
  auto* pending = static_cast<PendingBase*>(arg);
  Lookup result;
  result.status = status;
  if (info != nullptr) {
    for (auto* node = info->nodes; node != nullptr; node = node->ai_next) {
      if (node->ai_family == AF_INET && node->ai_addr != nullptr) {
        sockaddr_in sin{};
        std::memcpy(&sin, node->ai_addr, sizeof sin);
        asio::ip::address_v4::bytes_type b{};
        std::memcpy(b.data(), &sin.sin_addr, b.size());
        result.addresses.emplace_back(asio::ip::address_v4(b));
      } else if (node->ai_family == AF_INET6 && node->ai_addr != nullptr) {
        sockaddr_in6 sin6{};
        std::memcpy(&sin6, node->ai_addr, sizeof sin6);
        asio::ip::address_v6::bytes_type b{};
        std::memcpy(b.data(), &sin6.sin6_addr, b.size());
        result.addresses.emplace_back(asio::ip::address_v6(b));
      }
    }
    ares_freeaddrinfo(info);
  }
  pending->complete(std::move(result));
  delete pending;
}

void onQuery(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen, int type) {
  auto* pending = static_cast<PendingBase*>(arg);
  Lookup result;
  result.status = status;
  if (status == ARES_SUCCESS && abuf != nullptr) {
    if (type == kTypeNaptr) {
      ares_naptr_reply* reply = nullptr;
      result.status = ares_parse_naptr_reply(abuf, alen, &reply);
      for (auto* r = reply; r != nullptr; r = r->next) {
        result.naptr.push_back(NaptrRecord{r->order, r->preference, lowered(r->flags),
                                           r->service ? reinterpret_cast<const char*>(r->service) : "",
                                           r->regexp ? reinterpret_cast<const char*>(r->regexp) : "",
                                           hostName(r->replacement)});
      }
      if (reply) ares_free_data(reply);
    } else {
      ares_srv_reply* reply = nullptr;
      result.status = ares_parse_srv_reply(abuf, alen, &reply);
      for (auto* r = reply; r != nullptr; r = r->next) {
        result.srv.push_back(SrvRecord{r->priority, r->weight, r->port, hostName(r->host)});
      }
      if (reply) ares_free_data(reply);
    }
  }
  pending->complete(std::move(result));
  delete pending;
}

void onHostByAddr(void* arg, int status, int /*timeouts*/, hostent* host) {
  auto* pending = static_cast<PendingBase*>(arg);
  Lookup result;
  result.status = status;
  if (status == ARES_SUCCESS && host != nullptr && host->h_name != nullptr) result.name = host->h_name;
  pending->complete(std::move(result));
  delete pending;
}

void onNaptr(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  onQuery(arg, status, timeouts, abuf, alen, kTypeNaptr);
}
void onSrv(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  onQuery(arg, status, timeouts, abuf, alen, kTypeSrv);
}

std::once_flag g_ares_init_once;
int g_ares_init_status = ARES_SUCCESS;

bool validIp(const std::string& s, int family) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(family, s.c_str(), buf) == 1;
}

bool validPort(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v >= 1 && v <= 65535;
}

// "IP", "IP:PORT", "[v6]:PORT" (and "[v6]" or a bare v6 literal) -> the c-ares CSV form, port always
// explicit (c-ares 1.18 rejects "[v6]" without one); nullopt when malformed.
std::optional<std::string> normalizeServer(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos) return std::nullopt;
    const std::string ip = s.substr(1, close - 1);
    if (!validIp(ip, AF_INET6)) return std::nullopt;
    const std::string rest = s.substr(close + 1);
    if (rest.empty()) return "[" + ip + "]:53";
    if (rest.front() != ':' || !validPort(std::string_view(rest).substr(1))) return std::nullopt;
    return "[" + ip + "]" + rest;
  }
  const auto colons = std::count(s.begin(), s.end(), ':');
  if (colons == 0) return validIp(s, AF_INET) ? std::optional<std::string>(s + ":53") : std::nullopt;
  if (colons == 1) {
    const auto c = s.find(':');
    const std::string ip = s.substr(0, c);
    if (!validIp(ip, AF_INET) || !validPort(std::string_view(s).substr(c + 1))) return std::nullopt;
    return s;
  }
  return validIp(s, AF_INET6) ? std::optional<std::string>("[" + s + "]:53") : std::nullopt;
}

class AresResolver final : public Resolver {
 public:
  AresResolver(asio::any_io_executor executor, ResolverOptions options)
      : executor_(std::move(executor)), options_(std::move(options)), core_(std::make_shared<Core>(executor_)) {}

  ~AresResolver() override { core_->shutdown(); }

  VoidResult init() {
    std::call_once(g_ares_init_once, [] { g_ares_init_status = ares_library_init(ARES_LIB_INIT_ALL); });
    if (g_ares_init_status != ARES_SUCCESS) {
      return makeError(std::string("c-ares library init failed: ") + ares_strerror(g_ares_init_status));
    }
    std::string csv;
    for (const auto& s : options_.servers) {
      auto norm = normalizeServer(s);
      if (!norm) {
        return makeError("bad DNS server \"" + s + "\" (expected IP, IP:PORT or [IPv6]:PORT)");
      }
      if (!csv.empty()) csv += ',';
      csv += *norm;
    }

    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_RCVBUF;
    // A scan resolves many targets at once; the answers arrive as one burst on one socket.
    opts.socket_receive_buffer_size = 1 << 20;
    opts.sock_state_cb = &Core::onSocketState;
    opts.sock_state_cb_data = core_.get();
    opts.timeout = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(options_.timeout.count(), 1, 3'600'000));
    opts.tries = std::max(1, options_.tries);
    char lookups_files_first[] = "fb";
    char lookups_dns_only[] = "b";
    opts.lookups = options_.use_hosts_file ? lookups_files_first : lookups_dns_only;
    if (!options_.servers.empty()) {
      // With explicit servers a name means exactly itself: the host's search list belongs to the host's
      // own resolver, and would send surprise queries ("sbc.example.com.corp.lan") to the chosen server.
      mask |= ARES_OPT_DOMAINS;
      opts.domains = nullptr;
      opts.ndomains = 0;
    }
    int rc = ares_init_options(&core_->channel, &opts, mask);
    if (rc != ARES_SUCCESS) {
      core_->channel = nullptr;
      return makeError(std::string("c-ares init failed: ") + ares_strerror(rc));
    }
    if (!csv.empty()) {
      rc = ares_set_servers_ports_csv(core_->channel, csv.c_str());
      if (rc != ARES_SUCCESS) {
        return makeError("bad DNS server list \"" + csv + "\": " + ares_strerror(rc));
      }
    }
    return Ok{};
  }

  asio::awaitable<Result<ResolveAnswer>> resolve(std::string host, AddressFamily family) override {
    const auto start = std::chrono::steady_clock::now();
    if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::error_code ec;
    const auto literal = asio::ip::make_address(host, ec);
    if (!ec) {
      if ((family == AddressFamily::kV4 && !literal.is_v4()) || (family == AddressFamily::kV6 && !literal.is_v6())) {
        co_return makeError(host + ": is an IPv" + (literal.is_v4() ? "4" : "6") + " address but IPv" +
                            (family == AddressFamily::kV4 ? "4" : "6") + " was asked for");
      }
      co_return ResolveAnswer{{literal}, 0.0};
    }
    if (host.empty()) co_return makeError("empty host name");
    if (core_->channel == nullptr) co_return makeError(host + ": resolver shut down");

    // One lookup per family: IPv4 answers then come first by construction, and c-ares 1.18 mishandles
    // ares_destroy() while an AF_UNSPEC lookup has both of its queries pending (it ends the lookup twice).
    std::optional<Lookup> v4, v6;
    if (family == AddressFamily::kAny) {
      auto [a, b] = co_await (lookup(host, AF_INET) && lookup(host, AF_INET6));
      v4 = std::move(a);
      v6 = std::move(b);
    } else if (family == AddressFamily::kV4) {
      v4 = co_await lookup(host, AF_INET);
    } else {
      v6 = co_await lookup(host, AF_INET6);
    }
    // From here on `this` may be gone (see the shutdown note at the top): locals only.
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    ResolveAnswer answer;
    answer.elapsed_ms = elapsed;
    for (const auto* part : {&v4, &v6}) {
      if (!*part) continue;
      for (const auto& a : (*part)->addresses) {
        if (std::find(answer.addresses.begin(), answer.addresses.end(), a) == answer.addresses.end()) {
          answer.addresses.push_back(a);
        }
      }
    }
    if (!answer.addresses.empty()) co_return answer;

    // No address: explain with the more telling of the two statuses ("no records" only if both say so).
    int status = ARES_ENODATA;
    for (const auto* part : {&v4, &v6}) {
      if (*part && (*part)->status != ARES_SUCCESS && (*part)->status != ARES_ENODATA) {
        status = (*part)->status;
        break;
      }
    }
    co_return makeError(describe(host, status, elapsed));
  }

  asio::awaitable<Result<std::vector<NaptrRecord>>> queryNaptr(std::string name) override {
    const auto start = std::chrono::steady_clock::now();
    if (core_->channel == nullptr) co_return makeError(name + ": resolver shut down");
    auto l = co_await query(name, kTypeNaptr);
    if (l.status == ARES_SUCCESS) co_return std::move(l.naptr);
    if (l.status == ARES_ENODATA || l.status == ARES_ENOTFOUND) co_return std::vector<NaptrRecord>{};
    co_return makeError(describe(name + " NAPTR", l.status, elapsedSince(start)));
  }

  asio::awaitable<Result<std::vector<SrvRecord>>> querySrv(std::string name) override {
    const auto start = std::chrono::steady_clock::now();
    if (core_->channel == nullptr) co_return makeError(name + ": resolver shut down");
    auto l = co_await query(name, kTypeSrv);
    if (l.status == ARES_SUCCESS) co_return std::move(l.srv);
    if (l.status == ARES_ENODATA || l.status == ARES_ENOTFOUND) co_return std::vector<SrvRecord>{};
    co_return makeError(describe(name + " SRV", l.status, elapsedSince(start)));
  }

  asio::awaitable<Result<std::string>> reverse(asio::ip::address address) override {
    const auto text = address.to_string();
    if (core_->channel == nullptr) co_return makeError(text + ": resolver shut down");
    const auto start = std::chrono::steady_clock::now();
    Lookup l = co_await submit([address](ares_channel channel, void* arg) {
      if (address.is_v4()) {
        auto b = address.to_v4().to_bytes();
        ares_gethostbyaddr(channel, b.data(), static_cast<int>(b.size()), AF_INET, &onHostByAddr, arg);
      } else {
        auto b = address.to_v6().to_bytes();
        ares_gethostbyaddr(channel, b.data(), static_cast<int>(b.size()), AF_INET6, &onHostByAddr, arg);
      }
    });
    // `this` may be gone here (see the shutdown note at the top): locals only.
    if (l.status == ARES_SUCCESS && !l.name.empty()) co_return l.name;
    if (l.status == ARES_SUCCESS || l.status == ARES_ENOTFOUND || l.status == ARES_ENODATA) {
      co_return makeError(text + ": no PTR record");
    }
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    co_return makeError(describe(text, l.status, elapsed));
  }

 private:
  static double elapsedSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }

  // The c-ares channel and the Asio objects that drive it. Handlers hold a weak_ptr, so a handler that
  // was already queued when the Resolver died finds nothing and returns.
  struct Watch {
    explicit Watch(const asio::any_io_executor& ex) : descriptor(ex) {}
    asio::posix::stream_descriptor descriptor;
    ares_socket_t fd = ARES_SOCKET_BAD;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool active = true;
  };

  struct Core : std::enable_shared_from_this<Core> {
    explicit Core(const asio::any_io_executor& ex) : executor(ex), timer(ex) {}
    ~Core() { shutdown(); }

    void shutdown() {
      if (channel != nullptr) {
        ares_channel ch = channel;
        channel = nullptr;
        ares_destroy(ch);  // completes pending lookups, then reports each socket closed
      }
      // c-ares closes its own fds: the descriptors must let go without closing them a second time.
      for (auto& [fd, w] : watches) {
        w->active = false;
        w->descriptor.release();
      }
      watches.clear();
      timer.cancel();
    }

    static void onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
      auto* self = static_cast<Core*>(data);
      auto it = self->watches.find(fd);
      if (readable == 0 && writable == 0) {
        // Called before c-ares closes the fd: release it from the reactor, never close it.
        if (it != self->watches.end()) {
          it->second->active = false;
          it->second->descriptor.release();
          self->watches.erase(it);
        }
        return;
      }
      if (it == self->watches.end()) {
        auto w = std::make_shared<Watch>(self->executor);
        std::error_code ec;
        w->descriptor.assign(fd, ec);
        if (ec) return;  // c-ares then times the query out, which is reported as such
        w->fd = fd;
        it = self->watches.emplace(fd, std::move(w)).first;
      }
      it->second->want_read = readable != 0;
      it->second->want_write = writable != 0;
      self->arm(it->second);
    }

    void arm(const std::shared_ptr<Watch>& w) {
      if (w->want_read && !w->reading) {
        w->reading = true;
        w->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                 [weak = weak_from_this(), w](std::error_code ec) {
                                   w->reading = false;
                                   if (ec || !w->active) return;
                                   if (auto self = weak.lock(); self && self->channel != nullptr) {
                                     ares_process_fd(self->channel, w->fd, ARES_SOCKET_BAD);
                                     self->afterActivity(w);
                                   }
                                 });
      }
      if (w->want_write && !w->writing) {
        w->writing = true;
        w->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                 [weak = weak_from_this(), w](std::error_code ec) {
                                   w->writing = false;
                                   if (ec || !w->active) return;
                                   if (auto self = weak.lock(); self && self->channel != nullptr) {
                                     ares_process_fd(self->channel, ARES_SOCKET_BAD, w->fd);
                                     self->afterActivity(w);
                                   }
                                 });
      }
    }

    void afterActivity(const std::shared_ptr<Watch>& w) {
      if (w && w->active) arm(w);
      rearmTimer();
    }

    // c-ares keeps its own retry/timeout clock; the timer only wakes it up when that clock says so.
    void rearmTimer() {
      if (channel == nullptr) return;
      timeval tv{};
      if (ares_timeout(channel, nullptr, &tv) == nullptr) {
        timer_armed = false;
        timer.cancel();
        return;
      }
      const auto delay = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec) +
                         std::chrono::milliseconds(1);  // never early: c-ares rounds to its own ms clock
      const auto due = std::chrono::steady_clock::now() + delay;
      if (timer_armed && timer.expiry() <= due) return;
      timer.expires_at(due);
      timer_armed = true;
      timer.async_wait([weak = weak_from_this()](std::error_code ec) {
        if (ec) return;
        auto self = weak.lock();
        if (!self || self->channel == nullptr) return;
        self->timer_armed = false;
        ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        self->rearmTimer();
      });
    }

    asio::any_io_executor executor;
    ares_channel channel = nullptr;
    asio::steady_timer timer;
    bool timer_armed = false;
    std::map<ares_socket_t, std::shared_ptr<Watch>> watches;
  };

  // Starts one c-ares request and awaits its callback. `start(channel, arg)` hands `arg` to c-ares as the
  // callback argument; a channel already shut down completes at once with ARES_EDESTRUCTION.
  template <class Start>
  asio::awaitable<Lookup> submit(Start start) {
    auto core = core_;
    return asio::async_initiate<decltype(asio::use_awaitable), void(Lookup)>(
        [core, start = std::move(start)](auto handler) {
          using H = decltype(handler);
          auto* pending = new Pending<H>(std::move(handler), core->executor);
          if (core->channel == nullptr) {
            Lookup l;
            l.status = ARES_EDESTRUCTION;
            pending->complete(std::move(l));
            delete pending;
            return;
          }
          start(core->channel, static_cast<void*>(pending));
          core->rearmTimer();
        },
        asio::use_awaitable);
  }

  asio::awaitable<Lookup> lookup(const std::string& host, int af) {
    return submit([host, af](ares_channel channel, void* arg) {
      ares_addrinfo_hints hints{};
      hints.ai_family = af;
      hints.ai_flags = ARES_AI_NOSORT;  // answer order, not RFC 6724 order
      ares_getaddrinfo(channel, host.c_str(), nullptr, &hints, &onAddrinfo, arg);
    });
  }

  asio::awaitable<Lookup> query(const std::string& name, int type) {
    return submit([name, type](ares_channel channel, void* arg) {
      ares_query(channel, name.c_str(), kClassIn, type, type == kTypeNaptr ? &onNaptr : &onSrv, arg);
    });
  }


  static std::string describe(const std::string& host, int status, double elapsed_ms) {
    switch (status) {
      case ARES_ENOTFOUND:
        return host + ": name does not exist (NXDOMAIN)";
      case ARES_ENODATA:
        return host + ": no A/AAAA records";
      case ARES_ETIMEOUT:
        return host + ": no answer from DNS server within " + std::to_string(std::llround(elapsed_ms)) + " ms";
      case ARES_ECONNREFUSED:
        return host + ": DNS server refused (is it running?)";
      case ARES_EDESTRUCTION:
      case ARES_ECANCELLED:
        return host + ": resolver shut down";
      default:
        return host + ": " + ares_strerror(status);
    }
  }

  asio::any_io_executor executor_;
  ResolverOptions options_;
  std::shared_ptr<Core> core_;
};

}  // namespace

// A resolver that knows no NAPTR / SRV (test fakes) answers "none", so RFC 3263 falls back to A/AAAA.
asio::awaitable<Result<std::vector<NaptrRecord>>> Resolver::queryNaptr(std::string) {
  co_return std::vector<NaptrRecord>{};
}

asio::awaitable<Result<std::vector<SrvRecord>>> Resolver::querySrv(std::string) { co_return std::vector<SrvRecord>{}; }

asio::awaitable<Result<std::string>> Resolver::reverse(asio::ip::address address) {
  co_return makeError(address.to_string() + ": reverse lookups not supported by this resolver");
}

Result<std::unique_ptr<Resolver>> Resolver::create(asio::any_io_executor executor, ResolverOptions options) {
  auto r = std::make_unique<AresResolver>(std::move(executor), std::move(options));
  auto ok = r->init();
  if (!ok) return ok.error();
  return std::unique_ptr<Resolver>(std::move(r));
}

}  // namespace vs::io
