#pragma once
// HTTP/SIP digest access authentication, client side: parse WWW-Authenticate / Proxy-Authenticate
// challenges (RFC 7235 auth-param syntax), pick the strongest one we support, and answer it
// (RFC 2617, RFC 7616, RFC 8760 for SIP; RFC 2069 when the challenge has no qop).
// proto does no crypto itself: the hash comes in as a function, so proto keeps linking only core and the
// OpenSSL-backed implementation lives in io/digest_hash.h.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace vs::proto::sip {

// Header values longer than this come from a broken or hostile peer; refused before parsing.
inline constexpr std::size_t kMaxChallengeBytes = 8192;

enum class DigestHashFunction { kMd5, kSha256 };
// Lowercase hex of hash(data), e.g. 32 digits for MD5.
using DigestHash = std::string (*)(DigestHashFunction function, std::string_view data);

enum class DigestAlgorithm { kMd5, kMd5Sess, kSha256, kSha256Sess };
std::string_view toString(DigestAlgorithm a);  // "MD5", "MD5-sess", "SHA-256", "SHA-256-sess"
// Case-insensitive; nullopt for algorithms we do not implement (e.g. "SHA-512-256", "AKAv1-MD5").
std::optional<DigestAlgorithm> parseDigestAlgorithm(std::string_view name);
DigestHashFunction hashFunctionOf(DigestAlgorithm a);

// One challenge as written: a scheme and either auth-params or a token68 (RFC 7235 section 2.1).
struct AuthChallenge {
  std::string scheme;                                       // as written ("Digest", "Basic", ...)
  std::vector<std::pair<std::string, std::string>> params;  // names lowercased, values unquoted/unescaped
  std::string token68;
  std::size_t offset = 0;  // where the challenge starts in the header value
  // Value of a parameter (name compared case-insensitively); nullopt when absent.
  std::optional<std::string_view> param(std::string_view name) const;
};

// Every challenge in one header value ("Digest realm=..., nonce=..., Digest realm=..."). Errors carry the
// byte offset in `value`: unterminated quoted string, missing '=' value, duplicate parameter, ...
Result<std::vector<AuthChallenge>> parseChallenges(std::string_view value);

struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::string opaque;  // empty when absent
  bool has_opaque = false;
  bool stale = false;
  std::string algorithm_name;                // as written; empty when absent (then MD5)
  std::optional<DigestAlgorithm> algorithm;  // nullopt: present but unsupported
  bool has_qop = false;                      // absent: RFC 2069 compatibility mode
  bool qop_auth = false;
  bool qop_auth_int = false;
  bool supported() const;  // algorithm known, and qop absent or offering auth / auth-int
};

// The Digest challenge's fields; an error (with the offset of the challenge) when it is not Digest or lacks
// realm or nonce.
Result<DigestChallenge> toDigestChallenge(const AuthChallenge& c);
// All Digest challenges of one or more header values (one entry per WWW-Authenticate header); other
// schemes are skipped. Malformed Digest challenges are an error.
Result<std::vector<DigestChallenge>> parseDigestChallenges(std::span<const std::string_view> header_values);

// The strongest supported challenge: SHA-256 over MD5, then qop=auth over auth-int over no qop. nullopt
// when none is supported.
std::optional<std::size_t> chooseChallenge(std::span<const DigestChallenge> challenges);

struct DigestInput {
  std::string_view username;
  std::string_view password;
  std::string_view method;  // "REGISTER"
  std::string_view uri;     // the Request-URI as sent
  std::string_view body;    // qop=auth-int only
  std::string_view cnonce;  // used with qop or a -sess algorithm
  std::uint32_t nc = 1;
};

struct DigestAnswer {
  std::string response;      // hex
  std::string qop;           // "auth", "auth-int", or empty (RFC 2069)
  std::string header_value;  // for Authorization / Proxy-Authorization
};

// The response per RFC 7616 section 3.4.1 (RFC 2069 form when the challenge has no qop). An error when
// the challenge is not supported.
Result<DigestAnswer> answerChallenge(const DigestChallenge& c, const DigestInput& in, DigestHash hash);

// "00000001"
std::string formatNonceCount(std::uint32_t nc);
// A quoted-string with '"' and '\' escaped.
std::string quoteString(std::string_view s);

// Client credentials for one authentication realm across requests: remembers the challenge and counts
// nc per nonce, so a reused nonce gets nc=2, 3, ... and a new nonce restarts at 1.
class DigestClient {
 public:
  DigestClient(std::string username, std::string password, DigestHash hash)
      : username_(std::move(username)), password_(std::move(password)), hash_(hash) {}
  void setChallenge(DigestChallenge c);
  // Resumes a challenge answered before with nc up to `last_nc` (credentials reused across requests).
  void restore(DigestChallenge c, std::uint32_t last_nc) {
    challenge_ = std::move(c);
    nc_ = last_nc;
  }
  bool hasChallenge() const { return challenge_.has_value(); }
  const std::optional<DigestChallenge>& challenge() const { return challenge_; }
  // Authorization value for the next request under the current challenge; empty cnonce: a random one.
  Result<DigestAnswer> authorize(std::string_view method, std::string_view uri, std::string_view body = {},
                                 std::string cnonce = {});
  std::uint32_t lastNonceCount() const { return nc_; }

 private:
  std::string username_;
  std::string password_;
  DigestHash hash_;
  std::optional<DigestChallenge> challenge_;
  std::uint32_t nc_ = 0;
};

}  // namespace vs::proto::sip
