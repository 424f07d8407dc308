#pragma once
// RTP stream output for `voipscope calls`: a tshark -z rtp,streams style table (--rtp), CSV rows
// (--csv --streams), and the JSON object of one stream (inside a leg, or in "streams" for unattached ones).
#include <cstdint>
#include <string>

#include "analysis/model.h"

namespace vs::render {

std::string streamsTableHeader();
std::string streamsTableRow(const analysis::RtpStream& s, std::int64_t capture_start_ns);
std::string streamsCsvHeader();
// call: the call number, 0 for a stream tied to no call.
std::string streamsCsvRow(const analysis::RtpStream& s, std::uint64_t call);
std::string streamJson(const analysis::RtpStream& s);
// The "STREAMS" and "MOS" cells of the calls table: stream count and the worst MOS of the call ("-" none).
std::string callStreamsCell(const analysis::Call& c);
std::string callWorstMosCell(const analysis::Call& c);

}  // namespace vs::render
