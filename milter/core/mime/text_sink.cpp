// NAME
//   text_sink.cpp - names of segment kinds and skip reasons
//
// DESCRIPTION
//   segment_kind_name() and skip_reason_name() give the stable lower-case
//   names used in logs, CLI output and golden dumps.
#include "mime/text_sink.h"

namespace piiguard::mime {

// segment_kind_name - "subject", "filename" or "body"
const char *segment_kind_name(segment_kind k)
{
    switch (k) {
    case segment_kind::subject: return "subject";
    case segment_kind::filename: return "filename";
    case segment_kind::body: return "body";
    }
    return "unknown";
}

// skip_reason_name - "binary", "depth_limit", "unsupported_encoding", "size_limit"
const char *skip_reason_name(skip_reason r)
{
    switch (r) {
    case skip_reason::binary: return "binary";
    case skip_reason::depth_limit: return "depth_limit";
    case skip_reason::unsupported_encoding: return "unsupported_encoding";
    case skip_reason::size_limit: return "size_limit";
    }
    return "unknown";
}

}  // namespace piiguard::mime
