// libFuzzer target for the whole `calls` / `flow` path on a capture file: pcap/pcapng records -> capture
// analysis (SIP legs, calls, RTP, findings) -> every rendering of each call (table row and the findings
// under it, CSV, JSON, the outcome tally, the terminal and HTML ladders). Hostile captures must neither
// crash nor hang anywhere along it. Seeds: small captures of the shared corpus.
#include <cstddef>
#include <cstdint>
#include <span>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"
#include "render/calls_render.h"
#include "render/ladder_from_analysis.h"
#include "render/ladder_html.h"
#include "render/ladder_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs;
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data), size);
  analysis::AnalyzerOptions options;
  options.keep_message_text = true;  // the ladder's message panel
  render::CallOutcomes outcomes;
  std::size_t bytes = 0;
  analysis::CaptureAnalyzer an(options, [&](analysis::Call&& c) {
    outcomes.add(c);
    bytes += render::callsTableRow(c, 0).size() + render::callsCsvRows(c).size() + render::callJson(c).size();
    const auto model = render::ladderFromCall(c);
    if (auto t = render::renderLadderText(model, render::TextLadderOptions{})) bytes += t->size();
    if (auto h = render::renderLadderHtml(model)) bytes += h->size();
  }, [&](analysis::RtpStream&&) {});
  proto::pkt::CaptureParser parser;
  std::uint64_t frame = 0;
  for (int i = 0; i < 20000; ++i) {
    auto step = parser.next(rest);
    if (step.status == proto::pkt::CaptureParser::Status::kNeedMore ||
        step.status == proto::pkt::CaptureParser::Status::kError) {
      break;
    }
    if (step.status == proto::pkt::CaptureParser::Status::kRecord) {
      an.addFrame(step.record.link_type, step.record.data, step.record.ts_ns, ++frame);
    }
    rest = rest.subspan(step.consumed);
  }
  an.finish();
  bytes += outcomes.text().size() + render::captureStatsText(an.stats()).size();
  return bytes == 0 ? 0 : 0;
}
