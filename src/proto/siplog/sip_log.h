#pragma once
// SIP messages in text logs, read line by line (pure: the caller hands over lines). Recognised headers,
// each starting one message that follows on the next lines:
//   Asterisk res_pjsip_logger: "<--- Received SIP request (852 bytes) from UDP:192.0.2.1:5060 --->"
//                              "<--- Transmitting SIP response (501 bytes) to UDP:192.0.2.1:5060 --->"
//   Asterisk chan_sip (sip set debug): "<--- SIP read from UDP:192.0.2.1:5060 --->",
//                              "<--- Transmitting (NAT) to 192.0.2.1:5060 --->" (ends at "<------------>")
//   sngrep / ngrep / Kamailio-style text: "[U ]2024/01/31 10:00:00.123456 192.0.2.1:5060 -> 192.0.2.2:5060"
//                              (dashes in the date and "[...]"-bracketed addresses accepted too).
//   sofia-sip (FreeSWITCH "sofia global siptrace on", TPORT_LOG=1): "recv 903 bytes from
//                              udp/[192.0.2.1]:5060 at 20:07:57.811303:", a rule of dashes, the message
//                              (each line indented as the rule is: three spaces, or none in FreeSWITCH's
//                              log), a closing rule. The stamp has the time of day (UTC) only: the message
//                              gets the day that puts it nearest the previous time (a dated log line or
//                              message before it, else the reference time), so midnight is crossed.
//   Kamailio sipdump module (mode 1, its .data files): a record of "====================", "key: value"
//                              lines ("time: 1795494482.681132", "srcip:", "srcport:", "dstip:", "dstport:"),
//                              "~~~~~~~~~~~~~~~~~~~~", the message, "||||||||||||||||||||". Both addresses
//                              and the time (UTC, µs) are the record's.
// A timestamp "YYYY-MM-DD HH:MM:SS[.frac]" (or with slashes, assumed UTC) on the header line, or on the
// latest log line before it, dates the message; otherwise it gets the previous message's time + 1 µs.
// Asterisk's default log date "Nov 22 20:05:17" has no year: with a reference time (the reader gives the
// file's modification time) it gets the reference's year, or the year before when that would put it
// more than a day after the reference (a log that crossed New Year). Without a reference it is not read.
// The Asterisk formats name only the peer: the local side is written as 0.0.0.0:0. Every message is
// treated as one datagram (the transport name is not kept). A message ends at the next header, at a
// "<---" separator, at a new "[timestamp]" log line, or once its Content-Length body is complete.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/pkt/packet.h"

namespace vs::proto::siplog {

inline constexpr std::size_t kMaxMessageBytes = 65000;  // a longer message is cut and flagged
inline constexpr std::size_t kMaxLineBytes = 65536;     // the reader cuts longer lines
inline constexpr std::size_t kDumpRuleBytes = 20;       // Kamailio sipdump's "=", "~" and "|" rules

struct Header {
  pkt::IpAddr src, dst;
  std::uint16_t sport = 0, dport = 0;
  std::optional<std::int64_t> ts_ns;
  bool chan_sip = false;  // message ends at a "<------------>" line
  // sofia-sip's stamp gives the time of day only (UTC, µs): the parser dates it (see SipLogParser).
  std::optional<std::int64_t> time_of_day_ns;
  bool sofia = false;  // the message sits between two dash rules, its lines indented like the first rule
};

// Recognises a header line (any of the formats above); nullopt for anything else. `year_ref_ns`: the
// reference time for year-less dates (0: none).
std::optional<Header> parseHeaderLine(std::string_view line, std::int64_t year_ref_ns = 0);
// "2024-01-31 10:00:00.123" / "2024/01/31 10:00:00.123456" anywhere in the line, as UTC ns; failing
// that, with a reference time, "Jan 31 10:00:00[.123]" (day space-padded or not).
std::optional<std::int64_t> findTimestamp(std::string_view line, std::int64_t year_ref_ns = 0);

// A log's time zone as a user writes it: "+02:00", "-0530", "+2", "-11", "Z" or "UTC" -> nanoseconds east of
// UTC (the SipLogParser's utc_offset_ns); nullopt for anything else or beyond +-14:00 (the widest zones in use).
std::optional<std::int64_t> parseUtcOffset(std::string_view text);

struct LogMessage {
  std::int64_t ts_ns = 0;
  pkt::IpAddr src, dst;
  std::uint16_t sport = 0, dport = 0;
  std::string text;        // CRLF line ends, blank line before the body
  std::uint64_t line = 0;  // line number of the header
  bool cut = false;        // longer than kMaxMessageBytes
};

class SipLogParser {
 public:
  // `year_ref_ns`: the reference time for year-less dates (see above); 0: such dates are not read.
  // `utc_offset_ns`: the offset from UTC of the dates written in log lines (an Asterisk or FreeSWITCH
  // server logs in its local time): they are read as that much ahead of UTC. sofia-sip stamps and sipdump
  // times are UTC already, and never shifted.
  explicit SipLogParser(std::int64_t year_ref_ns = 0, std::int64_t utc_offset_ns = 0)
      : year_ref_ns_(year_ref_ns), utc_offset_ns_(utc_offset_ns) {}
  // One line without its line end ("\r" tolerated). Returns the message this line completed, if any.
  std::optional<LogMessage> line(std::string_view l);
  std::optional<LogMessage> finish();  // end of input: the message in progress, if it has a start line
  std::uint64_t headers() const { return headers_; }
  std::uint64_t lines() const { return lines_; }

 private:
  std::optional<LogMessage> close();
  void start(const Header& h);
  void dumpField(std::string_view l);

  // A Kamailio sipdump record's fields, read between its "=" and "~" rules.
  struct DumpRecord {
    bool open = false;  // inside the fields
    Header header;
    bool src = false, dst = false, sport = false, dport = false;  // which fields were read
  };
  DumpRecord dump_;
  bool dump_msg_ = false;  // the message in progress is a sipdump record's: it ends at the "|" rule
  // The message in progress is sofia-sip's: its opening rule was seen (then lines lose `sofia_indent_`
  // leading spaces).
  bool sofia_ = false, sofia_open_ = false;
  std::size_t sofia_indent_ = 0;
  bool in_msg_ = false, in_body_ = false, chan_sip_ = false;
  std::optional<std::size_t> content_length_;
  std::size_t body_bytes_ = 0;
  LogMessage cur_;
  std::int64_t last_ts_ = 0;
  std::int64_t year_ref_ns_ = 0;
  std::int64_t utc_offset_ns_ = 0;
  // A date read from a log line, as UTC.
  std::optional<std::int64_t> utc(std::optional<std::int64_t> local) const {
    if (local) *local -= utc_offset_ns_;
    return local;
  }
  std::uint64_t lines_ = 0, headers_ = 0;
};

}  // namespace vs::proto::siplog
