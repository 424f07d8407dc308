// `voipscope calls FILE`: the calls in a capture (pcap/pcapng, plain or gzip, or "-" for stdin).
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "analysis/capture_analyzer.h"
#include "cli/commands.h"
#include "io/capture_reader.h"
#include "render/calls_render.h"
#include "render/rtp_render.h"

namespace vs::cli {

void setupCalls(CLI::App& app, std::shared_ptr<CallsCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("calls", "List the SIP calls in a capture file (legs, states, setup time, duration)");
  cmd->add_option("file", opts->file, "pcap or pcapng file, optionally gzip-compressed; '-' reads stdin")->required();
  cmd->add_flag("--json", opts->json, "One JSON document: calls (legs, dialogs, media, SIP messages) and statistics");
  cmd->add_flag("--csv", opts->csv, "CSV, one row per leg");
  cmd->add_flag("--all", opts->all, "Also list Call-IDs without an INVITE (REGISTER, OPTIONS, SUBSCRIBE...)");
  cmd->add_flag("--rtp", opts->rtp, "List every RTP stream (like tshark -z rtp,streams) with MOS and the call it belongs to");
  cmd->add_flag("--streams", opts->streams, "With --csv: one row per RTP stream instead of one per leg");
  cmd->add_flag("--messages", opts->messages, "JSON: include the text of every SIP message");
  cmd->add_flag("--no-redact", opts->no_redact, "Keep Authorization digest responses in message text");
  cmd->add_option("--link-header", opts->link_headers,
                  "Header whose value is the other leg's Call-ID (repeatable; X-CID, X-Call-ID, X-Orig-Call-ID, "
                  "X-Leg-ID are always used)");
  cmd->callback([opts, &result] { result = runCalls(*opts); });
}

ExitCode runCalls(const CallsCmdOptions& opts) {
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
  analysis::CaptureAnalyzer an(ao, [&](analysis::Call&& c) {
    if (stream_rows) {  // every stream, whether the call is listed or not
      for (const auto& l : c.legs) {
        for (const auto& s : l.streams) {
          fmt::print("{}", opts.rtp ? render::streamsTableRow(s, start_ns) : render::streamsCsvRow(s, c.id));
        }
      }
      return;
    }
    if (!opts.all && !c.isCall()) return;
    if (opts.json) {
      fmt::print("{}{}", first_call ? "\n" : ",\n", render::callJson(c));
    } else if (opts.csv) {
      fmt::print("{}", render::callsCsvRows(c));
    } else {
      fmt::print("{}", render::callsTableRow(c, start_ns));
    }
    first_call = false;
  }, on_stream);
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
  if (opts.json) {
    fmt::print("\n],\"streams\":[");
    for (std::size_t i = 0; i < unattached.size(); ++i) {
      fmt::print("{}{}", i ? ",\n" : "\n", render::streamJson(unattached[i]));
    }
    fmt::print("\n],\"stats\":{}}}\n", render::captureStatsJson(st));
  }
  else if (!opts.csv) fmt::print("\n{}", render::captureStatsText(st));
  if (!warning.empty()) {
    fmt::print(stderr, "{}: {}\n", opts.file, warning);
    return ExitCode::kWarnings;
  }
  return ExitCode::kOk;
}

}  // namespace vs::cli
