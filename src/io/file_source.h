#pragma once
// A file of packets as one stream of records: a capture (io/capture_reader.h: pcap, pcapng, plain or
// gzip-compressed) or, when the file is none, a text log of SIP messages (io/sip_log_reader.h: each
// message a synthetic raw-IP/UDP frame). The commands that read a FILE (calls, flow, --save-call) open it
// here, so they all take the same inputs.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "io/capture_reader.h"
#include "io/sip_log_reader.h"
#include "proto/pkt/capture_file.h"

namespace vs::io {

class FileSource {
 public:
  // The capture reader's error; for a file that is not a capture, both reasons: "not a pcap or pcapng
  // file (...); not a SIP text log either (...)". Standard input ("-") is either too: its first 4 MiB
  // are read once and handed to the reader that recognises them.
  // `log_utc_offset_ns`: for a text log, the offset from UTC of the dates in its lines (SipLogParser).
  static Result<std::unique_ptr<FileSource>> open(const std::string& path, std::int64_t log_utc_offset_ns = 0);

  Result<bool> next(proto::pkt::Record& out) { return capture_ ? capture_->next(out) : log_->next(out); }
  std::uint64_t frames() const { return capture_ ? capture_->frames() : log_->frames(); }
  // A capture of one interface, or a log (its frames have one link type): an unsupported link type
  // in it is the whole file's.
  bool singleInterface() const { return !capture_ || capture_->parser().interfaceCount() <= 1; }
  // CaptureReader::recordsStay(); a log's frames are rebuilt for each record.
  bool recordsStay() const { return capture_ && capture_->recordsStay(); }
  // Log messages cut at 65 000 bytes (0 for a capture).
  std::uint64_t cutMessages() const { return log_ ? log_->cutMessages() : 0; }

 private:
  FileSource() = default;
  static Result<std::unique_ptr<FileSource>> openStdin(std::int64_t log_utc_offset_ns);
  std::unique_ptr<CaptureReader> capture_;
  std::unique_ptr<SipLogReader> log_;
};

}  // namespace vs::io
