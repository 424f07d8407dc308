// `voipscope calls FILE`: the calls in a capture (pcap/pcapng, plain or gzip, or "-" for stdin).
#include <cstdio>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "analysis/call_frames.h"
#include "analysis/capture_analyzer.h"
#include "cli/capture_input.h"
#include "cli/commands.h"
#include "io/capture_reader.h"
#include "proto/pkt/pcap_writer.h"
#include "render/calls_render.h"

namespace vs::cli {

namespace {

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
  });
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
  });
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
  auto* cmd = app.add_subcommand("calls", "List the SIP calls in a capture file (legs, states, setup time, duration)");
  cmd->add_option("file", opts->file, "pcap or pcapng file, optionally gzip-compressed; '-' reads stdin")->required();
  cmd->add_flag("--json", opts->json, "One JSON document: calls (legs, dialogs, media, SIP messages) and statistics");
  cmd->add_flag("--csv", opts->csv, "CSV, one row per leg");
  cmd->add_flag("--all", opts->all, "Also list Call-IDs without an INVITE (REGISTER, OPTIONS, SUBSCRIBE...)");
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
  if (opts.save_call.size() == 2) return runSaveCall(opts);
  if (opts.json && opts.csv) {
    fmt::print(stderr, "calls: --json and --csv exclude each other\n");
    return ExitCode::kUsage;
  }
  auto reader = io::CaptureReader::open(opts.file);
  if (!reader) {
    fmt::print(stderr, "{}: {}\n", opts.file, reader.error().message);
    return ExitCode::kUsage;
  }
  analysis::AnalyzerOptions ao;
  ao.redact = !opts.no_redact;
  ao.keep_message_text = opts.json && opts.messages;
  ao.link_headers = opts.link_headers;
  std::int64_t start_ns = 0;
  bool first_call = true;
  if (opts.json) fmt::print("{{\"file\":\"{}\",\"calls\":[", opts.file == "-" ? "-" : "");
  else if (opts.csv) fmt::print("{}", render::callsCsvHeader());
  else fmt::print("{}", render::callsTableHeader());
  analysis::CaptureAnalyzer an(ao, [&](analysis::Call&& c) {
    if (!opts.all && !c.isCall()) return;
    if (opts.json) {
      fmt::print("{}{}", first_call ? "\n" : ",\n", render::callJson(c));
    } else if (opts.csv) {
      fmt::print("{}", render::callsCsvRows(c));
    } else {
      fmt::print("{}", render::callsTableRow(c, start_ns));
    }
    first_call = false;
  });
  proto::pkt::Record rec;
  std::string warning;
  std::uint64_t unsupported = 0;
  while (true) {
    auto more = (*reader)->next(rec);
    if (!more) {
      if ((*reader)->frames() == 0) {
        fmt::print(stderr, "{}: {}\n", opts.file, more.error().message);
        return ExitCode::kUsage;
      }
      warning = more.error().message;
      break;
    }
    if (!more.value()) break;
    auto frame = (*reader)->frames();
    if (frame == 1) start_ns = rec.ts_ns;
    if (!proto::pkt::Decoder::linkSupported(rec.link_type)) {
      if (unsupported++ == 0 && (*reader)->parser().interfaceCount() <= 1) {
        fmt::print(stderr, "{}: frame {}: unsupported link type {} ({})\n", opts.file, frame, rec.link_type,
                   proto::pkt::linkTypeName(rec.link_type));
        return ExitCode::kUsage;
      }
    }
    an.addFrame(rec.link_type, rec.data, rec.ts_ns, frame);
  }
  an.finish();
  const auto& st = an.stats();
  if (opts.json) fmt::print("\n],\"stats\":{}}}\n", render::captureStatsJson(st));
  else if (!opts.csv) fmt::print("\n{}", render::captureStatsText(st));
  if (!warning.empty()) {
    fmt::print(stderr, "{}: {}\n", opts.file, warning);
    return ExitCode::kWarnings;
  }
  return ExitCode::kOk;
}

}  // namespace vs::cli
