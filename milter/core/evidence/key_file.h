// NAME
//   key_file - the one reading of a key file (trace key, audit keys), for daemons and CLI alike
//
// SYNOPSIS
//   #include "evidence/key_file.h"
//
//   std::string key;
//   std::string why;
//   if (!parse_key_text(file_contents, key, why)) ...;   // why: one line, never the key
//   std::string k = load_key_file("/etc/piiguard/trace.key");   // throws key_file_error
//
// DESCRIPTION
//   A key file holds either
//
//     hex   - only hex digits (at least 32, an even number), optionally
//             followed by white space (a line end); the key is the bytes
//             they spell. This is what the milter writes when it creates a
//             key (64 hex digits and a newline).
//     raw   - anything else: the key is the file's bytes with one final
//             line end ("\n" or "\r\n") removed, nothing else trimmed. A
//             binary key that really ends in byte 0x0a loses that byte in
//             every reader alike (give such a key in hex).
//
//   A key must have at least 16 bytes. parse_key_text() is the only place
//   that interprets key text: conf/snapshot.cpp (both daemons) and the
//   piiguard command line (verify, audit verify, audit report) all call it,
//   so a key that signs also verifies.
//
// ERRORS
//   parse_key_text() returns false with a reason ("too short ..."); the key
//   bytes are never part of a message. load_key_file() throws
//   key_file_error "PATH: reason" (unreadable, not a regular file, larger
//   than 4096 bytes, too short).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace piiguard::evidence {

class key_file_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

constexpr std::size_t key_bytes_min = 16;
constexpr std::size_t key_file_max = 4096;

// parse_key_text - the key a key file's contents spell; false (and why) when unusable
bool parse_key_text(std::string_view text, std::string &key, std::string &why);
// load_key_file - read path (a regular file of at most key_file_max bytes) and parse it
std::string load_key_file(const std::string &path);

}  // namespace piiguard::evidence
