// `voipscope calls FILE | -i IFACE | --hep-listen udp:PORT`: the calls in a capture file (pcap/pcapng,
// plain or gzip, or "-" for stdin), on a live interface, or sent by HEPv3 agents. All three feed the same
// analyzer through one loop.
#include <csignal>
#include <cstdio>
#include <vector>
#include <ctime>
#include <functional>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "analysis/call_frames.h"
#include "analysis/capture_analyzer.h"
#include "cli/capture_input.h"
#include "cli/commands.h"
#include "io/file_source.h"
#include "io/hep_listener.h"
#include "io/live_capture.h"
#include "proto/pkt/pcap_writer.h"
#include "render/calls_render.h"
#include "render/rtp_render.h"

namespace vs::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void onStopSignal(int) { g_stop = 1; }

std::int64_t monotonicNs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// One frame at a time from whichever input: true with a record, false at the end. `name` labels errors.
struct Source {
  std::string name;
  std::function<Result<bool>(proto::pkt::Record&)> next;
  std::function<std::uint64_t()> frames;
  std::function<bool(std::uint32_t)> single_interface;
  std::function<void()> close_stats;  // stderr lines at the end: live / HEP statistics, a log's cut messages
};

}  // namespace

namespace {

// Default memory bounds (AnalyzerOptions::max_active_legs): a leg is ~4 kB without its message list and
// ~12 kB with it, so both stay near 160-180 MB.
constexpr std::size_t kTableMaxLegs = 40'000;
constexpr std::size_t kJsonMaxLegs = 15'000;

// Every SIP message of the chosen call must be recorded for its frame to be copied.
constexpr std::size_t kSaveCallMaxMessagesPerLeg = 1'000'000;

// --save-call ID OUT: pass 1 analyses the file and keeps the chosen call, pass 2 copies its frames.
ExitCode runSaveCall(const CallsCmdOptions& opts) {
  const auto& id = opts.save_call[0];
  const auto& out_path = opts.save_call[1];
  if (opts.file == "-") {
    fmt::print(stderr, "calls: --save-call reads the file twice and cannot read stdin\n");
    return ExitCode::kUsage;
  }
  analysis::AnalyzerOptions ao;
  ao.link_headers = opts.link_headers;
  ao.max_messages_per_leg = kSaveCallMaxMessagesPerLeg;
  std::optional<analysis::Call> chosen;
  analysis::CaptureAnalyzer an(ao, [&](analysis::Call&& c) {
    if (!chosen && analysis::callMatches(c, id)) chosen = std::move(c);
  });
  auto rc = forEachCaptureRecord(opts.file, [&](const proto::pkt::Record& rec, std::uint64_t frame) {
    an.addFrame(rec.link_type, rec.data, rec.ts_ns, frame);
  }, opts.log_utc_offset_ns);
  if (rc == ExitCode::kUsage) return rc;
  an.finish();
  if (!chosen) {
    fmt::print(stderr, "{}: no call '{}' (the numbers and Call-IDs are in 'voipscope calls {}')\n", opts.file, id,
               opts.file);
    return ExitCode::kUsage;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) {
    fmt::print(stderr, "{}: cannot write\n", out_path);
    return ExitCode::kRuntime;
  }
  analysis::CallFrameSelector selector(*chosen);
  std::optional<std::uint32_t> link_type;
  std::uint64_t written = 0, other_link = 0;
  std::string buf;
  rc = forEachCaptureRecord(opts.file, [&](const proto::pkt::Record& rec, std::uint64_t frame) {
    if (!selector.select(rec.link_type, rec.data, rec.ts_ns, frame)) return;
    if (!link_type) {
      link_type = rec.link_type;
      buf = proto::pkt::pcapFileHeader(rec.link_type);
    }
    if (rec.link_type != *link_type) {  // classic pcap has one link type per file
      ++other_link;
      return;
    }
    proto::pkt::appendPcapRecord(buf, rec.ts_ns, rec.orig_len, rec.data);
    ++written;
    if (buf.size() >= (1U << 20)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }, opts.log_utc_offset_ns);
  if (!link_type) buf = proto::pkt::pcapFileHeader(proto::pkt::link::kEthernet);
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.close();
  if (!out) {
    fmt::print(stderr, "{}: cannot write\n", out_path);
    return ExitCode::kRuntime;
  }
  fmt::print("call {}: {} legs, {} frames written to {} ({} SIP, {} RTP/RTCP)\n", chosen->id, chosen->legs.size(),
             written, out_path, selector.sipFrames(), selector.mediaFrames());
  if (other_link > 0) {
    fmt::print(stderr, "{}: {} frames of the call left out: another link type than the first (pcap holds one)\n",
               out_path, other_link);
    return ExitCode::kWarnings;
  }
  return rc;
}

}  // namespace

void setupCalls(CLI::App& app, std::shared_ptr<CallsCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("calls", "List the SIP calls in a capture file, on an interface or sent by HEP agents");
  auto* file = cmd->add_option("file", opts->file, "pcap or pcapng file, or a SIP text log; optionally gzip-compressed; '-' reads stdin");
  auto* iface = cmd->add_option("-i,--interface", opts->iface, "Capture live on this interface (AF_PACKET; needs root)");
  auto* hep = cmd->add_option("--hep-listen", opts->hep_listen, "Receive HEPv3 on udp:PORT or udp:ADDR:PORT");
  file->excludes(iface)->excludes(hep);
  iface->excludes(hep);
  cmd->add_option("--max-legs", opts->max_legs,
                  "Memory bound: Call-IDs held at once (default 40000, 15000 with --json); beyond it finished calls "
                  "are output early, then the longest-idle")
      ->check(CLI::Range(std::size_t{100}, std::size_t{10'000'000}));
  cmd->add_option("--threads", opts->threads,
                  "Reading a file: 2 decodes and parses on one core while calls are tracked on another "
                  "(same output); 1 keeps to one core. Live and HEP input always use 1")
      ->check(CLI::Range(1, 2));
  cmd->add_option("--filter", opts->filter, "Live: BPF filter expression (tcpdump syntax; needs libpcap.so.0.8)")->needs(iface);
  cmd->add_option("-w,--write", opts->write, "Live: also write the captured frames to this pcapng file")->needs(iface);
  cmd->add_option("--duration", opts->duration_s, "Live / HEP: stop after this many seconds (default: Ctrl-C)")
      ->check(CLI::Range(0.0, 1e7));
  cmd->add_flag("--json", opts->json, "One JSON document: calls (legs, dialogs, media, SIP messages) and statistics");
  cmd->add_flag("--csv", opts->csv, "CSV, one row per leg");
  addLogUtcOffsetOption(*cmd, opts->log_utc_offset_ns);
  cmd->add_flag("--findings", opts->findings_only,
                "Only the calls with a finding (one-way, no or poor audio, no ACK, REGISTER refused or "
                "unanswered...), Call-IDs without an INVITE included; the outcome line still counts every call");
  cmd->add_flag("--all", opts->all, "Also list Call-IDs without an INVITE (REGISTER, OPTIONS, SUBSCRIBE...)");
  cmd->add_flag("--rtp", opts->rtp, "List every RTP stream (like tshark -z rtp,streams) with MOS and the call it belongs to");
  cmd->add_flag("--streams", opts->streams, "With --csv: one row per RTP stream instead of one per leg");
  cmd->add_flag("--messages", opts->messages, "JSON: include the text of every SIP message");
  cmd->add_flag("--no-redact", opts->no_redact, "Keep Authorization digest responses in message text");
  cmd->add_option("--link-header", opts->link_headers,
                  "Header whose value is the other leg's Call-ID (repeatable; X-CID, X-Call-ID, X-Orig-Call-ID, "
                  "X-Leg-ID are always used)");
  cmd->add_option("--save-call", opts->save_call,
                  "Write one call (number or any leg's Call-ID) to a pcap: its SIP and the RTP/RTCP of its SDP "
                  "addresses")
      ->expected(2)
      ->type_name("ID OUT.pcap");
  cmd->callback([opts, &result] { result = runCalls(*opts); });
}

ExitCode runCalls(const CallsCmdOptions& opts) {
  tuneAllocatorForAnalysis();
  if (opts.save_call.size() == 2) return runSaveCall(opts);
  if (opts.json && opts.csv) {
    fmt::print(stderr, "calls: --json and --csv exclude each other\n");
    return ExitCode::kUsage;
  }
  int inputs = !opts.file.empty() + !opts.iface.empty() + !opts.hep_listen.empty();
  if (inputs != 1) {
    fmt::print(stderr, "calls: give exactly one input: FILE, -i IFACE or --hep-listen udp:PORT\n");
    return ExitCode::kUsage;
  }
  Source src;
  std::unique_ptr<io::FileSource> file;
  std::unique_ptr<io::LiveCapture> live;
  std::unique_ptr<io::HepListener> hep;
  std::unique_ptr<io::PcapngFileWriter> writer;
  bool endless = false;
  if (!opts.file.empty()) {
    auto opened = io::FileSource::open(opts.file, opts.log_utc_offset_ns);
    if (!opened) {
      fmt::print(stderr, "{}: {}\n", opts.file, opened.error().message);
      return ExitCode::kUsage;
    }
    file = std::move(*opened);
    src.name = opts.file;
    src.next = [&](proto::pkt::Record& rec) { return file->next(rec); };
    src.frames = [&] { return file->frames(); };
    src.single_interface = [&](std::uint32_t) { return file->singleInterface(); };
    src.close_stats = [&] { printSourceNotes(opts.file, *file); };
  } else {
    endless = true;
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    auto deadline = opts.duration_s > 0 ? monotonicNs() + static_cast<std::int64_t>(opts.duration_s * 1e9) : 0;
    auto stop = [deadline] { return g_stop != 0 || (deadline != 0 && monotonicNs() >= deadline); };
    if (!opts.iface.empty()) {
      auto l = io::LiveCapture::open(opts.iface, opts.filter);
      if (!l) {
        fmt::print(stderr, "calls: {}\n", l.error().message);
        return l.error().message.find("filter") != std::string::npos || l.error().message.find("no such") != std::string::npos
                   ? ExitCode::kUsage : ExitCode::kRuntime;
      }
      live = std::move(*l);
      if (!opts.write.empty()) {
        auto w = io::PcapngFileWriter::open(opts.write, live->linkType(), opts.iface);
        if (!w) {
          fmt::print(stderr, "calls: {}\n", w.error().message);
          return ExitCode::kUsage;
        }
        writer = std::move(*w);
      }
      src.name = opts.iface;
      fmt::print(stderr, "calls: capturing on {}{}{} ({})\n", opts.iface, opts.filter.empty() ? "" : " with filter ",
                 opts.filter, live->usesRing() ? "TPACKET_V3 ring" : "one recvmsg per packet");
      src.next = [&, stop](proto::pkt::Record& rec) -> Result<bool> {
        while (!stop()) {
          auto got = live->next(rec, 100);
          if (!got || got.value()) {
            if (got && writer) {
              if (auto w = writer->write(rec); !w) return w.error();
            }
            return got;
          }
        }
        return false;
      };
      src.frames = [&] { return live->frames(); };
      src.single_interface = [](std::uint32_t) { return true; };
      src.close_stats = [&] {
        fmt::print(stderr, "{}: {} frames captured, {} dropped by the kernel\n", opts.iface, live->frames(), live->kernelDrops());
      };
    } else {
      auto h = io::HepListener::open(opts.hep_listen);
      if (!h) {
        fmt::print(stderr, "calls: {}\n", h.error().message);
        return ExitCode::kUsage;
      }
      hep = std::move(*h);
      fmt::print(stderr, "calls: listening for HEPv3 on UDP port {}\n", hep->port());
      src.name = opts.hep_listen;
      src.next = [&, stop](proto::pkt::Record& rec) -> Result<bool> {
        while (!stop()) {
          auto got = hep->next(rec, 100);
          if (!got || got.value()) return got;
        }
        return false;
      };
      src.frames = [&] { return hep->stats().sip; };
      src.single_interface = [](std::uint32_t) { return true; };
      src.close_stats = [&] {
        const auto& s = hep->stats();
        fmt::print(stderr, "{}: {} HEP datagrams, {} SIP ({} compressed), {} other protocols, {} malformed{}{}\n",
                   opts.hep_listen, s.datagrams, s.sip, s.compressed, s.not_sip, s.malformed,
                   s.last_error.empty() ? "" : "; last: ", s.last_error);
      };
    }
  }
  std::fflush(stdout);

  analysis::AnalyzerOptions ao;
  ao.redact = !opts.no_redact;
  ao.keep_message_text = opts.json && opts.messages;
  ao.keep_message_list = opts.json;  // the table and CSV show no message lists
  ao.max_active_legs = opts.max_legs != 0 ? opts.max_legs : opts.json ? kJsonMaxLegs : kTableMaxLegs;
  ao.link_headers = opts.link_headers;
  // A file is read as fast as the two stages go; live and HEP input arrive at line rate, and their stats
  // are printed as the capture runs.
  ao.pipeline = !endless && opts.threads == 2;
  // A mapped file's records stay valid while `file` lives, and it outlives the analyzer (declared
  // earlier, so destroyed later; finish() returns before either goes).
  ao.frames_stay_valid = file && file->recordsStay();
  std::int64_t start_ns = 0;
  bool first_call = true;
  std::uint64_t not_listed = 0;  // Call-IDs without an INVITE, left out of the table without --all
  std::uint64_t not_listed_refused = 0;  // ... of them, registrations refused (a phone that cannot register)
  std::uint64_t not_listed_unanswered = 0;  // ... and requests nothing answered (a registrar out of reach)
  std::uint64_t without_findings = 0;    // calls left out by --findings
  render::CallOutcomes outcomes;  // of the listed calls, under the table
  if (opts.rtp && opts.json) {
    fmt::print(stderr, "calls: --rtp is a table; use --json (streams are in each leg and in \"streams\")\n");
    return ExitCode::kUsage;
  }
  const bool stream_rows = opts.rtp || (opts.csv && opts.streams);
  if (opts.streams && !opts.csv) {
    fmt::print(stderr, "calls: --streams goes with --csv\n");
    return ExitCode::kUsage;
  }
  if (opts.json) fmt::print("{{\"file\":\"{}\",\"calls\":[", opts.file == "-" ? "-" : "");
  else if (opts.csv) fmt::print("{}", opts.streams ? render::streamsCsvHeader() : render::callsCsvHeader());
  else if (opts.rtp) fmt::print("{}", render::streamsTableHeader());
  else fmt::print("{}", render::callsTableHeader());
  // Unattached streams: printed as they finish in row modes; JSON keeps them for its "streams" section.
  std::vector<analysis::RtpStream> unattached;
  auto on_stream = [&](analysis::RtpStream&& s) {
    if (opts.csv && opts.streams) fmt::print("{}", render::streamsCsvRow(s, 0));
    else if (opts.rtp) fmt::print("{}", render::streamsTableRow(s, start_ns));
    else if (opts.json) unattached.push_back(std::move(s));
  };
  if (endless) std::fflush(stdout);  // a reader of a pipe sees the capture has started
  auto analyzer = std::make_unique<analysis::CaptureAnalyzer>(ao, [&](analysis::Call&& c) {
    if (stream_rows) {  // every stream, whether the call is listed or not
      for (const auto& l : c.legs) {
        for (const auto& s : l.streams) {
          fmt::print("{}", opts.rtp ? render::streamsTableRow(s, start_ns) : render::streamsCsvRow(s, c.id));
        }
      }
      return;
    }
    // A Call-ID without an INVITE is listed with --all, or with --findings when it has a finding (a phone
    // refused or unanswered is what --findings is asked for); the outcome line then still counts only
    // what it counts without the flag.
    const bool hidden_kind = !opts.all && !c.isCall();
    const auto kinds = opts.findings_only || hidden_kind ? analysis::callFindingKinds(c) : analysis::FindingSet{};
    if (hidden_kind && !(opts.findings_only && !kinds.empty())) {
      ++not_listed;
      if (kinds.has(analysis::FindingKind::kRegisterRefused)) ++not_listed_refused;
      if (kinds.has(analysis::FindingKind::kRequestUnanswered)) ++not_listed_unanswered;
      return;
    }
    if (opts.findings_only && kinds.empty()) {
      ++without_findings;
      if (!opts.json && !opts.csv) outcomes.add(c);
      return;
    }
    if (opts.json) {
      fmt::print("{}{}", first_call ? "\n" : ",\n", render::callJson(c));
    } else if (opts.csv) {
      fmt::print("{}", render::callsCsvRows(c));
    } else {
      fmt::print("{}", render::callsTableRow(c, start_ns));
      if (!hidden_kind) outcomes.add(c);
    }
    if (endless) std::fflush(stdout);
    first_call = false;
  }, on_stream);
  auto& an = *analyzer;
  proto::pkt::Record rec;
  std::string warning;
  std::uint64_t unsupported = 0;
  ExitCode failure = ExitCode::kOk;
  while (true) {
    auto more = src.next(rec);
    if (!more) {
      if (endless) {
        fmt::print(stderr, "{}: {}\n", src.name, more.error().message);
        failure = ExitCode::kRuntime;
        break;
      }
      if (src.frames() == 0) {
        fmt::print(stderr, "{}: {}\n", src.name, more.error().message);
        return ExitCode::kUsage;
      }
      warning = more.error().message;
      break;
    }
    if (!more.value()) break;
    auto frame = src.frames();
    if (frame == 1) start_ns = rec.ts_ns;
    if (!proto::pkt::Decoder::linkSupported(rec.link_type)) {
      if (unsupported++ == 0 && src.single_interface(rec.interface_id)) {
        fmt::print(stderr, "{}: frame {}: unsupported link type {} ({})\n", src.name, frame, rec.link_type,
                   proto::pkt::linkTypeName(rec.link_type));
        return ExitCode::kUsage;
      }
    }
    an.addFrame(rec.link_type, rec.data, rec.ts_ns, frame);
  }
  an.finish();
  leaveToExit(analyzer);
  if (writer) {
    if (auto w = writer->close(); !w) {
      fmt::print(stderr, "calls: {}\n", w.error().message);
      failure = ExitCode::kRuntime;
    }
  }
  const auto& st = an.stats();
  if (opts.json) {
    fmt::print("\n],\"streams\":[");
    for (std::size_t i = 0; i < unattached.size(); ++i) {
      fmt::print("{}{}", i ? ",\n" : "\n", render::streamJson(unattached[i]));
    }
    fmt::print("\n],\"stats\":{}}}\n", render::captureStatsJson(st));
  }
  else if (!opts.csv) {
    fmt::print("\n{}", render::captureStatsText(st));
    if (!opts.rtp) fmt::print("{}", outcomes.text());
    // What the table leaves out, and how to see it: an empty table over a capture full of SIP should
    // not look like a capture without SIP.
    if (!opts.rtp && not_listed > 0) {
      // ", 2 of them REGISTER refused, 1 unanswered", ", 1 of them unanswered"
      std::string refused;
      for (const auto& [n, what] : {std::pair{not_listed_refused, "REGISTER refused"},
                                    std::pair{not_listed_unanswered, "unanswered"}}) {
        if (n > 0) refused += fmt::format(", {}{} {}", n, refused.empty() ? " of them" : "", what);
      }
      fmt::print("{} Call-ID{} without an INVITE not listed (REGISTER, OPTIONS, ...){}: --all lists them\n",
                 not_listed, not_listed == 1 ? "" : "s", refused);
    }
    if (!opts.rtp && without_findings > 0) {
      fmt::print("{} call{} without a finding not listed: without --findings every call is\n", without_findings,
                 without_findings == 1 ? "" : "s");
    }
    if (!opts.rtp && st.rtp_streams_unattached > 0) {
      fmt::print("{} RTP stream{} not tied to a call: --rtp lists every stream\n", st.rtp_streams_unattached,
                 st.rtp_streams_unattached == 1 ? "" : "s");
    }
  }
  if (src.close_stats) src.close_stats();
  if (failure != ExitCode::kOk) return failure;
  if (!warning.empty()) {
    fmt::print(stderr, "{}: {}\n", src.name, warning);
    return ExitCode::kWarnings;
  }
  return ExitCode::kOk;
}

}  // namespace vs::cli
