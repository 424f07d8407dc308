#pragma once
// Codec impairment values (Ie, Bpl) for the E-model, with where each number comes from.
#include <optional>
#include <span>
#include <string_view>

namespace vs::proto::quality {

struct CodecImpairment {
  std::string_view name;       // our codec key: "pcmu", "pcma", "g711-plc", "g729", "g722", "opus-24", ...
  std::string_view encoding;   // RTP encoding name (RFC 3551 / RFC 7587)
  int payloadType = -1;        // static PT, -1 for dynamic
  unsigned clockRate = 8000;   // RTP clock
  unsigned bytesPer20ms = 160; // payload per 20 ms frame, for building a probe stream of the right size
  double ie = 0;
  double bpl = 1;
  std::string_view source;     // citation for Ie and Bpl
};

// Every codec the probe can send and the E-model can score.
std::span<const CodecImpairment> knownCodecs();
// Case-insensitive; accepts aliases "g711u"/"pcmu", "g711a"/"pcma", "g729a"/"g729".
std::optional<CodecImpairment> findCodec(std::string_view name);

}  // namespace vs::proto::quality
