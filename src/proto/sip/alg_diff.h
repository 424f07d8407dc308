#pragma once
// SIP ALG detection: what a middlebox changed in a SIP request between the sender and a reflector that
// returns the request exactly as it arrived. Compares the fields ALGs are known to rewrite (Via sent-by
// and its received/rport parameters, Contact host:port, SDP o=/c=/m= lines, Content-Length) and notes
// headers added or removed. Pure: two parsed messages in, a list of differences out.
#include <string>
#include <vector>

#include "proto/sip/message.h"

namespace vs::proto::sip {

struct AlgRewrite {
  std::string field;     // "Via sent-by", "Contact", "SDP c=", "header added", ...
  std::string sent;      // empty when the field was added
  std::string received;  // empty when the field was removed
};

// Differences, in the order: Via, Contact, Content-Length, SDP lines, headers added/removed.
std::vector<AlgRewrite> diffForAlg(const Message& sent, const Message& received);

// "host:port" of a Contact / name-addr value ("<sip:u@10.0.0.5:5060;transport=udp>" -> "10.0.0.5:5060").
std::string contactHostPort(std::string_view value);

}  // namespace vs::proto::sip
